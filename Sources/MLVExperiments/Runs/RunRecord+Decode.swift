import Foundation

/// A direct reader for canonical run records. `exp show` reads every record, and
/// JSONDecoder's try-each-type decoding of `ParamValue` costs about 1 ms a record in debug
/// builds; walking `JSONText`'s typed tree is several times cheaper. It accepts exactly
/// what the synthesized `Codable` conformance writes.
extension RunRecord {
  struct FieldError: Error {
    var reason: String
  }

  init(node: ParamNode) throws {
    guard case .mapping(let pairs) = node else { throw FieldError(reason: "a record must be an object") }
    var f: [String: ParamNode] = [:]
    for (k, v) in pairs { f[k] = v }
    func string(_ key: String) throws -> String {
      guard case .scalar(.string(let s))? = f[key] else { throw FieldError(reason: "'\(key)' must be a string") }
      return s
    }
    func optionalString(_ key: String) throws -> String? {
      if f[key] == nil || f[key] == .scalar(.null) { return nil }
      return try string(key)
    }
    func number(_ key: String) throws -> Double {
      guard let n = f[key].flatMap(RunRecord.plainValue)?.number else { throw FieldError(reason: "'\(key)' must be a number") }
      return n
    }
    func int32(_ key: String) throws -> Int32 {
      guard case .scalar(.int(let i))? = f[key], let v = Int32(exactly: i) else { throw FieldError(reason: "'\(key)' must be an integer") }
      return v
    }
    func values(_ key: String) throws -> [String: ParamValue] {
      guard case .mapping(let items)? = f[key] else { throw FieldError(reason: "'\(key)' must be an object") }
      var out: [String: ParamValue] = [:]
      for (k, v) in items {
        guard let value = RunRecord.plainValue(v) else { throw FieldError(reason: "'\(key).\(k)' is not a value") }
        out[k] = value
      }
      return out
    }
    func strings(_ node: ParamNode?, _ key: String) throws -> [String: String] {
      guard case .mapping(let items)? = node else { throw FieldError(reason: "'\(key)' must be an object") }
      var out: [String: String] = [:]
      for (k, v) in items {
        guard case .scalar(.string(let s)) = v else { throw FieldError(reason: "'\(key).\(k)' must be a string") }
        out[k] = s
      }
      return out
    }
    guard case .sequence(let argv)? = f["command"] else { throw FieldError(reason: "'command' must be a list") }
    guard case .sequence(let files)? = f["paramsFiles"] else { throw FieldError(reason: "'paramsFiles' must be a list") }
    guard let env = f["environment"], case .scalar(.string(let os))? = env["os"],
      case .scalar(.string(let mlvVersion))? = env["mlvVersion"]
    else { throw FieldError(reason: "'environment' must have 'os' and 'mlvVersion'") }

    // Properties are assigned directly rather than through the memberwise init, which
    // formats a placeholder date: creating an ISO-8601 formatter per record was a third
    // of `exp show`'s time over 1,000 runs.
    environment = RunEnvironment(os: os, mlvVersion: mlvVersion)
    version = Int(try number("version"))
    name = try string("name")
    stage = try optionalString("stage")
    command = try argv.map {
      guard case .scalar(.string(let s)) = $0 else { throw FieldError(reason: "'command' must hold strings") }
      return s
    }
    wdir = try string("wdir")
    paramsFiles = try files.map {
      guard case .scalar(.string(let p))? = $0["path"], case .scalar(.string(let id))? = $0["id"] else {
        throw FieldError(reason: "'paramsFiles' entries need 'path' and 'id'")
      }
      return FileID(path: p, id: id)
    }
    params = try values("params")
    deps = try strings(f["deps"], "deps")
    outs = try strings(f["outs"], "outs")
    metrics = try values("metrics")
    exitCode = try int32("exitCode")
    signal = f["signal"] == nil ? nil : try int32("signal")
    startedAt = try string("startedAt")
    durationSeconds = try number("durationSeconds")
    environment.interpreters = try strings(env["interpreters"], "environment.interpreters")
    environment.variables = try strings(env["variables"], "environment.variables")
    commit = try optionalString("commit")
    cacheKey = try optionalString("cacheKey")
  }

  /// A `ParamValue` as `ParamValue.encode` wrote it: native JSON, or `{"double": "1.0"}`.
  static func plainValue(_ node: ParamNode) -> ParamValue? {
    switch node {
    case .scalar(let v): return v
    case .sequence(let items):
      var out: [ParamValue] = []
      for i in items {
        guard let v = plainValue(i) else { return nil }
        out.append(v)
      }
      return .list(out)
    case .mapping(let pairs):
      guard pairs.count == 1, pairs[0].0 == "double", case .scalar(.string(let s)) = pairs[0].1, let d = Double(s)
      else { return nil }
      return .double(d)
    }
  }
}
