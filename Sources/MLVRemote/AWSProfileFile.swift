import Foundation

/// The INI-style files of the AWS CLI (`~/.aws/credentials`, `~/.aws/config`).
///
/// Only what mlv needs: `[section]` headers, `key = value` lines, `#`/`;` comments. Nested
/// (indented) sub-sections such as `s3 =` blocks are skipped.
struct AWSProfileFile {
  var sections: [String: [String: String]] = [:]

  init(text: String) {
    var current: String?
    for rawLine in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r" }) {
      let isIndented = rawLine.first == " " || rawLine.first == "\t"
      let line = rawLine.trimmingSpaces()
      if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
      if line.hasPrefix("[") && line.hasSuffix("]") {
        let name = String(line.dropFirst().dropLast()).trimmingSpaces()
        current = name
        if sections[name] == nil { sections[name] = [:] }
        continue
      }
      guard let section = current, !isIndented, let eq = line.firstIndex(of: "=") else { continue }
      let key = String(line[..<eq]).trimmingSpaces().lowercased()
      let value = String(line[line.index(after: eq)...]).trimmingSpaces()
      sections[section, default: [:]][key] = value
    }
  }

  /// Reads a file; a missing or unreadable file is an empty file (the AWS CLI behaves so).
  init(path: String) {
    guard let data = FileManager.default.contents(atPath: path),
      let text = String(data: data, encoding: .utf8)
    else {
      self.init(text: "")
      return
    }
    self.init(text: text)
  }

  /// A profile in the credentials file is `[name]`.
  func credentialsSection(_ profile: String) -> [String: String]? { sections[profile] }

  /// A profile in the config file is `[profile name]`, except `[default]`.
  func configSection(_ profile: String) -> [String: String]? {
    if profile == "default" { return sections["default"] ?? sections["profile default"] }
    return sections["profile \(profile)"]
  }
}

extension StringProtocol {
  func trimmingSpaces() -> String {
    String(self).trimmingCharacters(in: .whitespaces)
  }
}
