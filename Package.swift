// swift-tools-version:6.0
// mlv: version datasets and model artifacts next to code in git.
//
// Dependencies point one way (see docs/architecture.md):
//   mlv -> MLVCommands -> MLVExperiments, MLVRegistry, MLVWorkspace, MLVRemote, MLVTable
//   MLVWorkspace -> MLVStore, MLVGit;  MLVStore -> MLVChunking, CZlib + CZstd (pack codecs);
//   MLVTable -> CZlib, CZstd, CLZ4, CBrotli (Parquet codecs)
// Only MLVCommands imports ArgumentParser; only MLVGit imports libgit2; only MLVRemote
// uses libcurl, which it opens at run time (CCurl), so the binary does not link it.
import PackageDescription

// Every target builds in the Swift 6 language mode (the tools version's default), so data-
// race safety is checked; the few places where threads share raw buffers or signal-handler
// state go through types that argue their safety in comments (SharedSlots, ErrorBox,
// PackWriter, ParallelScans, SignalForwarding).
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
    .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
    .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
    .systemLibrary(name: "CBrotli", pkgConfig: "libbrotlidec", providers: [.apt(["libbrotli-dev"])]),
    .systemLibrary(name: "CSystem"),
    // libcurl's easy interface, declared without its headers and opened with dlopen (no link
    // line): only S3 transfers load it, so no other command pays for its libraries.
    .systemLibrary(name: "CCurl"),
    .target(name: "MLVSystem", dependencies: ["CSystem"]),
    .target(name: "MLVChunking"),
    .target(
      name: "MLVStore",
      dependencies: ["MLVSystem", "MLVChunking", "CZlib", "CZstd", .product(name: "Crypto", package: "swift-crypto")]),
    // Defers libgit2's load of the CA bundle from its initialisation to the first clone
    // (the file says how, and why).
    .target(name: "CDeferredCertificates"),
    // The GSSAPI calls of a statically linked libgit2, forwarded to a libgssapi_krb5 opened
    // on first use (scripts/build-release.sh; the file says why).
    .target(name: "CGSSAPILoader"),
    .target(name: "MLVGit", dependencies: ["CLibGit2", "CDeferredCertificates", "CGSSAPILoader"]),
    .target(name: "MLVWorkspace", dependencies: ["MLVSystem", "MLVStore", "MLVGit"]),
    .target(
      name: "MLVRemote",
      dependencies: ["MLVSystem", "MLVStore", "CCurl", .product(name: "Crypto", package: "swift-crypto")]),
    .target(
      name: "MLVTable", dependencies: ["CZlib", "CZstd", "CLZ4", "CBrotli"],
      // Run-time exclusivity checks on class properties (TextColumn, the readers) in the
      // per-cell loops were a tenth of a Parquet diff's CPU (swift_beginAccess). They catch
      // overlapping accesses, a programming error, never bad input; bounds and overflow
      // checks stay on. The compile-time checks still run, and debug builds (the tests)
      // keep the run-time ones, so an overlapping access would trap in the test suite.
      swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"], .when(configuration: .release))]),
    .target(
      name: "MLVExperiments",
      dependencies: ["MLVWorkspace", .product(name: "Yams", package: "Yams")]),
    .target(
      name: "MLVRegistry",
      dependencies: ["MLVSystem", "MLVStore", "MLVGit", "MLVWorkspace", .product(name: "Crypto", package: "swift-crypto")]),
    .target(
      name: "MLVCommands",
      dependencies: [
        "MLVSystem", "MLVWorkspace", "MLVRemote", "MLVTable", "MLVExperiments", "MLVRegistry",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "mlv",
      dependencies: ["MLVCommands", .product(name: "ArgumentParser", package: "swift-argument-parser")]),

    // Test helpers shared by test targets (scratch files, the loopback S3 server); never part of mlv.
    .target(name: "MLVTestSupport", dependencies: ["MLVSystem"], path: "Tests/MLVTestSupport"),
    .testTarget(name: "MLVChunkingTests", dependencies: ["MLVChunking"]),
    .testTarget(name: "MLVStoreTests", dependencies: ["MLVStore", "MLVTestSupport"]),
    .testTarget(name: "MLVGitTests", dependencies: ["MLVGit", "MLVTestSupport"]),
    .testTarget(name: "MLVWorkspaceTests", dependencies: ["MLVWorkspace", "MLVTestSupport"]),
    .testTarget(name: "MLVRemoteTests", dependencies: ["MLVRemote", "MLVTestSupport"]),
    .testTarget(name: "MLVTableTests", dependencies: ["MLVTable", "CLZ4"]),
    .testTarget(name: "MLVExperimentsTests", dependencies: ["MLVExperiments"]),
    .testTarget(name: "MLVRegistryTests", dependencies: ["MLVRegistry"]),
    .testTarget(
      name: "EndToEndTests",
      dependencies: [
        "mlv", "MLVCommands", "MLVWorkspace", "MLVTestSupport",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
  ]
)
