/// Failures of the model registry, each naming what it is about.
public enum RegistryError: Error, CustomStringConvertible, Equatable {
  case invalidName(String)
  case invalidStage(String)
  case invalidVersion(String)
  case versionExists(name: String, version: String)
  case commitHasVersion(name: String, version: String, commit: String)
  case notTrackedAt(path: String, commit: String)
  case uncommittedPointer(path: String)
  case unknownModel(String)
  case unknownVersion(name: String, version: String)
  case unknownStage(name: String, stage: String)
  case alreadyInStage(name: String, version: String, stage: String)
  case nothingToRollBack(name: String, stage: String)
  case badRecord(tag: String, reason: String)
  case noRecord(tag: String)
  case recordMismatch(tag: String, reason: String)
  case notSigned(tag: String)
  case signing(String)
  case signatureRejected(tag: String, detail: String)
  case unknownSigner(tag: String)
  case digestMismatch(path: String, detail: String)
  case badAttestation(tag: String, reason: String)
  case attestationExists(tag: String)
  case rewrittenTag(tag: String, reason: String)
  case lineageMismatch(tag: String, detail: String)

  public var description: String {
    switch self {
    case .invalidName(let n):
      return "invalid model name '\(n)': use letters, digits, '-', '_' and '/', starting and ending with a letter or digit (GTO's pattern)"
    case .invalidStage(let s):
      return "invalid stage '\(s)': use letters, digits, '-', '_' and '/', starting and ending with a letter or digit (GTO's pattern)"
    case .invalidVersion(let v): return "invalid version '\(v)': want vMAJOR.MINOR.PATCH, e.g. v1.2.0"
    case .versionExists(let n, let v): return "\(n)@\(v) is already registered"
    case .commitHasVersion(let n, let v, let c): return "commit \(c) already has a version of \(n): \(v) (a commit holds one version)"
    case .notTrackedAt(let p, let c): return "\(p) is not tracked at commit \(c) (add and commit it first)"
    case .uncommittedPointer(let p): return "\(p) has uncommitted changes: commit it first, so the version names the bytes you have"
    case .unknownModel(let n): return "no model named '\(n)' in the registry"
    case .unknownVersion(let n, let v): return "\(n) has no version \(v)"
    case .unknownStage(let n, let s): return "\(n) has no version in stage \(s)"
    case .alreadyInStage(let n, let v, let s): return "\(n)@\(v) is already in stage \(s)"
    case .nothingToRollBack(let n, let s): return "stage \(s) of \(n) has no earlier version to roll back to"
    case .badRecord(let t, let r): return "tag \(t): unreadable mlv record: \(r)"
    case .noRecord(let t): return "tag \(t) has no mlv record (not registered by mlv): cannot tell which path it names"
    case .recordMismatch(let t, let r): return "tag \(t) does not match its commit: \(r)"
    case .notSigned(let t): return "tag \(t) carries no signature"
    case .signing(let d): return "signing failed: \(d)"
    case .signatureRejected(let t, let d): return "signature of \(t) does not verify: \(d)"
    case .unknownSigner(let t): return "signature of \(t) is by no signer in the allowed-signers file"
    case .digestMismatch(let p, let d): return "\(p): bytes do not match their recorded digest: \(d)"
    case .badAttestation(let t, let r): return "attestation of \(t) is unreadable: \(r)"
    case .attestationExists(let t): return "tag \(t) already exists (left by an earlier registration?): delete it with `git tag -d \(t)` first"
    case .rewrittenTag(let t, let r): return "tag \(t) was rewritten after it was signed: \(r)"
    case .lineageMismatch(let t, let d): return "lineage of \(t) in this repository differs from the signed one: \(d)"
    }
  }
}
