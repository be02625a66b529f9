import Foundation
import MLVGit
import MLVSystem

/// The canonical text a signature covers: every field that decides which bytes a version
/// is, one `key: value` per line, LF-terminated, fixed order. The commit binds the tag to
/// its place in history; the pointer's oid (a SHA-256 of the file, or of the directory's
/// root tree) binds it to every byte.
public struct Statement: Sendable, Equatable {
  public static let formatVersion = 1
  public var name: String
  public var version: String
  public var commit: GitOID
  public var record: VersionRecord

  public var text: String {
    """
    mlv-model-statement: \(Self.formatVersion)
    name: \(name)
    version: \(version)
    commit: \(commit.hex)
    path: \(record.path)
    kind: \(record.kind)
    oid: \(record.oid)
    size: \(record.size)
    files: \(record.files)

    """
  }
}

/// Signing and verifying with OpenSSH's `ssh-keygen -Y` (the SSHSIG format), so anyone
/// can check a signature without mlv and the private key never passes through mlv: an
/// agent, a hardware key or a passphrase prompt all work as they do for git's ssh signing.
public enum Signing {
  /// The SSHSIG namespace: a signature made for mlv models cannot be replayed as a git
  /// commit signature or an e-mail signature, and the other way round.
  public static let namespace = "mlv-model"

  /// Signs `bytes` with the private key file `key`; returns the armored signature.
  public static func sign(_ bytes: [UInt8], key: String, tmpDir: String) throws -> String {
    guard FileManager.default.isReadableFile(atPath: key) else { throw RegistryError.signing("cannot read key file \(key)") }
    let dir = try makeScratch(tmpDir)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let file = dir + "/statement"
    try Data(bytes).write(to: URL(fileURLWithPath: file))
    let r = try run(["-Y", "sign", "-n", namespace, "-f", key, file], stdin: nil)
    guard r.code == 0, let sig = try? String(contentsOfFile: file + ".sig", encoding: .utf8) else {
      throw RegistryError.signing(r.stderr.trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return sig
  }

  /// The principal of `allowedSigners` that made `signature` over `bytes`; throws when
  /// none did or the signature does not cover `bytes`.
  public static func verify(_ bytes: [UInt8], signature: String, allowedSigners: String, tag: String, tmpDir: String)
    throws -> String
  {
    guard FileManager.default.isReadableFile(atPath: allowedSigners) else {
      throw RegistryError.signing("cannot read allowed-signers file \(allowedSigners)")
    }
    let dir = try makeScratch(tmpDir)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let sig = dir + "/statement.sig"
    try Data(signature.utf8).write(to: URL(fileURLWithPath: sig))
    // The statement goes in from a file: a pipe written before ssh-keygen reads it could
    // block, or raise SIGPIPE when it exits early on a bad signature.
    let message = dir + "/statement"
    try Data(bytes).write(to: URL(fileURLWithPath: message))
    let found = try run(["-Y", "find-principals", "-s", sig, "-f", allowedSigners], stdin: nil)
    let principals = found.stdout.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
    guard found.code == 0, let principal = principals.first else { throw RegistryError.unknownSigner(tag: tag) }
    let r = try run(["-Y", "verify", "-f", allowedSigners, "-I", principal, "-n", namespace, "-s", sig], stdin: message)
    guard r.code == 0 else {
      throw RegistryError.signatureRejected(tag: tag, detail: (r.stderr + r.stdout).trimmingCharacters(in: .whitespacesAndNewlines))
    }
    return principal
  }

  static func makeScratch(_ tmpDir: String) throws -> String {
    let dir = FS.temporaryPath(in: tmpDir, prefix: "sign")
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
  }

  static func run(_ args: [String], stdin: String?) throws -> (code: Int32, stdout: String, stderr: String) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["ssh-keygen"] + args
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = stdin.flatMap { FileHandle(forReadingAtPath: $0) } ?? FileHandle.nullDevice
    do { try p.run() } catch { throw RegistryError.signing("cannot run ssh-keygen: \(error)") }
    // Output is a few lines: reading after exit cannot fill a pipe buffer and deadlock.
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: o, as: UTF8.self), String(decoding: e, as: UTF8.self))
  }
}
