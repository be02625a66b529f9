import Foundation
import Testing

@testable import MLVExperiments

/// Seeded random documents: every override must change exactly its key, keep every other
/// value and every comment line, or fail with `notAMapping` when the path crosses a leaf.
@Suite struct OverridePropertyTests {
  struct Rng {
    var state: UInt64
    mutating func next(_ n: Int) -> Int {
      state = state &* 6364136223846793005 &+ 1442695040888963407
      return Int((state >> 33) % UInt64(n))
    }
  }

  indirect enum Tree {
    case leaf(ParamValue)
    case map([(String, Tree)])
  }

  static func randomValue(_ r: inout Rng) -> ParamValue {
    switch r.next(6) {
    case 0: return .int(r.next(2000) - 1000)
    case 1: return .double(Double(r.next(100_000)) / 1000 + 0.5)
    case 2: return .bool(r.next(2) == 0)
    case 3: return .string(["adam", "a b", "x:y", "#hash", "it's", "true", "12"][r.next(7)])
    case 4: return .list([.int(r.next(9)), .int(r.next(9))])
    default: return .string("v\(r.next(100))")
    }
  }

  static func randomTree(_ r: inout Rng, depth: Int) -> Tree {
    var pairs: [(String, Tree)] = []
    for i in 0..<(1 + r.next(4)) {
      let key = "k\(i)"
      pairs.append((key, depth < 2 && r.next(3) == 0 ? randomTree(&r, depth: depth + 1) : .leaf(randomValue(&r))))
    }
    return .map(pairs)
  }

  static func yaml(_ t: Tree, indent: Int = 0, _ r: inout Rng) -> String {
    guard case .map(let pairs) = t else { return "" }
    var out = ""
    let pad = String(repeating: " ", count: indent)
    for (k, v) in pairs {
      if r.next(4) == 0 { out += "\(pad)# note about \(k)\n" }
      switch v {
      case .leaf(let value): out += "\(pad)\(k): \(YAMLEditor.render(value, like: ""))" + (r.next(3) == 0 ? "  # trailing\n" : "\n")
      case .map: out += "\(pad)\(k):\n" + yaml(v, indent: indent + 2, &r)
      }
      if r.next(5) == 0 { out += "\n" }
    }
    return out
  }

  static func toml(_ t: Tree, path: [String] = [], _ r: inout Rng) -> String {
    guard case .map(let pairs) = t else { return "" }
    var out = ""
    for (k, v) in pairs {
      if case .leaf(let value) = v {
        if r.next(4) == 0 { out += "# note about \(k)\n" }
        out += "\(k) = \((try? TOMLEditor.render(value, like: "", key: k)) ?? "0")" + (r.next(3) == 0 ? " # trailing\n" : "\n")
      }
    }
    for (k, v) in pairs {
      if case .map = v { out += "\n[\((path + [k]).joined(separator: "."))]\n" + toml(v, path: path + [k], &r) }
    }
    return out
  }

  static func comments(_ text: String) -> [String] {
    text.split(separator: "\n").filter { $0.contains("#") && $0.contains("note") || $0.hasSuffix("# trailing") }
      .map { String($0.split(separator: "#").last ?? "") }
  }

  @Test(arguments: [ParamFormat.yaml, ParamFormat.toml])
  func randomOverridesTouchOnlyTheirKey(format: ParamFormat) throws {
    var r = Rng(state: format == .yaml ? 7 : 11)
    var (replaced, added, refused) = (0, 0, 0)
    for round in 0..<150 {
      let tree = OverridePropertyTests.randomTree(&r, depth: 0)
      let text = format == .yaml ? OverridePropertyTests.yaml(tree, &r) : OverridePropertyTests.toml(tree, &r)
      let before = try ParamsFile.parse(text, format: format, path: "p")
      // an existing key, a new key beside one, a new nested key, or a path through a leaf
      let existing = before.entries[r.next(before.entries.count)].key
      let candidates = [existing, existing + "_new", "fresh.sub\(round)", existing + ".below"]
      let key = candidates[r.next(candidates.count)]
      var value = OverridePropertyTests.randomValue(&r)
      if format == .toml, value == .null { value = .int(0) }
      let o = ParamOverride(keyPath: key.split(separator: ".").map(String.init), value: value)
      let through = before.entries.contains { key.hasPrefix($0.key + ".") }
      do {
        let out = try ParamOverride.applying([o], to: text, format: format, path: "p")
        #expect(!through, "round \(round): \(key) should not be settable\n\(text)")
        let after = try ParamsFile.parse(out, format: format, path: "p")
        #expect(after[key]?.canonical == value.canonical)
        for e in before.entries where e.key != key {
          #expect(after[e.key] == e.value, "round \(round): \(e.key) changed setting \(key)\n\(text)\n---\n\(out)")
        }
        #expect(after.entries.count == before.entries.count + (before[key] == nil ? 1 : 0))
        if before[key] == nil { added += 1 } else { replaced += 1 }
        #expect(OverridePropertyTests.comments(out) == OverridePropertyTests.comments(text), "round \(round)")
      } catch ExperimentError.notAMapping {
        #expect(through, "round \(round): \(key) refused\n\(text)")
        refused += 1
      }
    }
    // every kind of case was exercised
    #expect(replaced > 20 && added > 20 && refused > 10, "\(replaced) \(added) \(refused)")
  }
}
