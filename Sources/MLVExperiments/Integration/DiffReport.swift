import Foundation

/// `exp diff`, `params diff` and `metrics diff` between two records, as text or JSON.
public struct DiffReport {
  public var params: [ValueChange]
  public var metrics: [ValueChange]
  /// Outputs and dependencies whose content ids differ, as `ValueChange`s of the ids.
  public var outs: [ValueChange]
  public var deps: [ValueChange]

  public init(_ a: RunRecord, _ b: RunRecord, includeUnchanged: Bool = false) {
    params = RunDiff.params(a, b, includeUnchanged: includeUnchanged)
    metrics = RunDiff.metrics(a, b, includeUnchanged: includeUnchanged)
    outs = RunDiff.diff(old: a.outs.mapValues(ParamValue.string), new: b.outs.mapValues(ParamValue.string), includeUnchanged: includeUnchanged)
    deps = RunDiff.diff(old: a.deps.mapValues(ParamValue.string), new: b.deps.mapValues(ParamValue.string), includeUnchanged: includeUnchanged)
  }

  /// `{"params": [...], "metrics": [...], ...}` with the sections asked for; each change is
  /// `{key, old, new, change, delta?, relative?}` (`change` is added/removed/changed/unchanged).
  public static func json(_ sections: [(String, [ValueChange])]) -> String {
    func item(_ c: ValueChange) -> ParamNode {
      var fields: [(String, ParamNode)] = [("key", .scalar(.string(c.key)))]
      if let old = c.old { fields.append(("old", .scalar(old))) }
      if let new = c.new { fields.append(("new", .scalar(new))) }
      fields.append(("change", .scalar(.string(c.kind.rawValue))))
      if let d = c.absoluteDelta { fields.append(("delta", .scalar(.double(d)))) }
      if let r = c.relativeDelta { fields.append(("relative", .scalar(.double(r)))) }
      return .mapping(fields)
    }
    return JSONText.write(.mapping(sections.map { ($0.0, .sequence($0.1.map(item))) }))
  }

  /// A change of content ids with both ids cut to 12 hex digits, for text output.
  public static func shortened(_ c: ValueChange) -> ValueChange {
    func short(_ v: ParamValue?) -> ParamValue? {
      guard case .string(let s)? = v else { return v }
      return .string(String(s.prefix(12)))
    }
    return ValueChange(key: c.key, old: short(c.old), new: short(c.new))
  }
}
