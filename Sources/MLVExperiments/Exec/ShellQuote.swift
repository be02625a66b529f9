/// POSIX shell quoting, to store `mlv run -- argv...` as a stage's `cmd` string that
/// `/bin/sh -c` turns back into the same argv.
public enum ShellQuote {
  /// One word, quoted only when needed: `train.py` stays, `a b` becomes `'a b'`,
  /// `it's` becomes `'it'\''s'`.
  public static func quote(_ word: String) -> String {
    let safe = word.unicodeScalars.allSatisfy { u in
      (u.value < 0x80 && (u.properties.isAlphabetic || ("0"..."9").contains(u))) || "-_./=:,+@%".unicodeScalars.contains(u)
    }
    if !word.isEmpty && safe { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }

  /// The words quoted and joined by single spaces.
  public static func join(_ argv: [String]) -> String { argv.map(quote).joined(separator: " ") }
}
