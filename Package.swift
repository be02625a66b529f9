// swift-tools-version:6.0
// mlv: version datasets and model artifacts next to code in git.
//
// Dependencies point one way (see docs/architecture.md):
//   mlv -> MLVCommands -> MLVExperiments, MLVWorkspace, MLVRemote, MLVTable
//   MLVWorkspace -> MLVStore, MLVGit;  MLVStore -> MLVChunking;  MLVTable -> CZlib (Parquet GZIP)
// Only MLVCommands imports ArgumentParser; only MLVGit imports libgit2.
import PackageDescription

// Swift 6 language mode for every module of mlv: data-race safety is checked, and the few
// places where threads share raw buffers or signal-handler state go through types that
// argue their safety in comments (SharedSlots, ErrorBox, PackWriter, ParallelScans,
// SignalForwarding). The test targets still use the Swift 5 mode.
let v5: [SwiftSetting] = [.swiftLanguageMode(.v5)]

let package = Package(
  name: "mlv",
  platforms: [.macOS(.v13)],
  products: [.executable(name: "mlv", targets: ["mlv"])],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
  ],
  targets: [
    .systemLibrary(name: "CLibGit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
    .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
    .target(name: "MLVChunking"),
    .target(
      name: "MLVStore",
      dependencies: ["MLVChunking", "CZlib", .product(name: "Crypto", package: "swift-crypto")]),
    .target(name: "MLVGit", dependencies: ["CLibGit2"]),
    .target(name: "MLVWorkspace", dependencies: ["MLVStore", "MLVGit"]),
    .target(
      name: "MLVRemote",
      dependencies: ["MLVStore", .product(name: "Crypto", package: "swift-crypto")]),
    .target(name: "MLVTable", dependencies: ["CZlib"]),
    .target(
      name: "MLVExperiments",
      dependencies: ["MLVWorkspace", .product(name: "Yams", package: "Yams")]),
    .target(
      name: "MLVCommands",
      dependencies: [
        "MLVWorkspace", "MLVRemote", "MLVTable", "MLVExperiments",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "mlv",
      dependencies: ["MLVCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

    // Test helpers shared by test targets (scratch files, the loopback S3 server); never part of mlv.
    .target(name: "MLVTestSupport", path: "Tests/MLVTestSupport", swiftSettings: v5),
    .testTarget(name: "MLVChunkingTests", dependencies: ["MLVChunking"], swiftSettings: v5),
    .testTarget(name: "MLVStoreTests", dependencies: ["MLVStore", "MLVTestSupport"], swiftSettings: v5),
    .testTarget(name: "MLVGitTests", dependencies: ["MLVGit", "MLVTestSupport"], swiftSettings: v5),
    .testTarget(name: "MLVWorkspaceTests", dependencies: ["MLVWorkspace", "MLVTestSupport"], swiftSettings: v5),
    .testTarget(name: "MLVRemoteTests", dependencies: ["MLVRemote", "MLVTestSupport"], swiftSettings: v5),
    .testTarget(name: "MLVTableTests", dependencies: ["MLVTable"], swiftSettings: v5),
    .testTarget(name: "MLVExperimentsTests", dependencies: ["MLVExperiments"], swiftSettings: v5),
    .testTarget(name: "EndToEndTests", dependencies: ["mlv", "MLVWorkspace", "MLVTestSupport"], swiftSettings: v5),
  ]
)
