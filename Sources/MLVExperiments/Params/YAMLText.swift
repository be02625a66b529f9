import Foundation
import Yams

/// Reads YAML into a `ParamNode` through Yams' node tree, which keeps mapping order and the
/// resolved tag of each scalar (a quoted "1" stays a string).
enum YAMLText {
  struct SyntaxError: Error {
    var line: Int?
    var reason: String
  }

  static func parse(_ text: String) throws -> ParamNode {
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw describe(error)
    }
    guard let root else { return .mapping([]) }  // an empty file holds no params
    return try convert(root)
  }

  private static func describe(_ error: YamlError) -> SyntaxError {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
      .composer(_, let problem, let mark, _):
      return SyntaxError(line: mark.line, reason: problem)
    case .reader(let problem, _, _, _): return SyntaxError(line: nil, reason: problem)
    default: return SyntaxError(line: nil, reason: "\(error)")
    }
  }

  private static func convert(_ node: Node) throws -> ParamNode {
    switch node {
    case .mapping(let mapping):
      var pairs: [(String, ParamNode)] = []
      for (k, v) in mapping {
        guard case .scalar(let key) = k else {
          throw SyntaxError(line: k.mark?.line, reason: "mapping keys must be scalars")
        }
        if pairs.contains(where: { $0.0 == key.string }) {
          throw SyntaxError(line: k.mark?.line, reason: "duplicate key '\(key.string)'")
        }
        pairs.append((key.string, try convert(v)))
      }
      return .mapping(pairs)
    case .sequence(let seq):
      return .sequence(try seq.map(convert))
    case .scalar:
      return .scalar(scalar(node))
    }
  }

  private static func scalar(_ node: Node) -> ParamValue {
    switch Tag.Name(rawValue: node.tag.description) {
    case .null: return .null
    case .bool: return node.bool.map(ParamValue.bool) ?? .string(node.string ?? "")
    case .int: return node.int.map(ParamValue.int) ?? .string(node.string ?? "")
    case .float: return node.float.map(ParamValue.double) ?? .string(node.string ?? "")
    default: return .string(node.string ?? "")
    }
  }
}
