/// A tiny flattening XML reader for S3's responses, which are shallow: it records every
/// element's text by its path of element names ("ListBucketResult/Contents/Key"), and
/// groups repeated elements (`Contents`) into records. XMLReader does the reading (and
/// the refusing: S3 bodies are untrusted).
struct S3XMLDocument: XMLEvents {
  /// Text of top-level-ish leaf elements, by path below the root (first occurrence wins).
  private(set) var values: [String: String] = [:]
  /// For each repeated element name given at init, one dictionary per occurrence.
  private(set) var records: [[String: String]] = []
  private(set) var rootName: String?

  private let recordElement: String?
  private var stack: [String] = []
  /// The current element's text since the last start or end tag (an element with children
  /// keeps only the text after its last child, as XMLParser's delegate did).
  private var text: [UInt8] = []
  private var current: [String: String]?

  private init(recordElement: String?) {
    self.recordElement = recordElement
  }

  /// Parses `data`; nil when it is not well-formed XML.
  static func parse(_ data: [UInt8], recordElement: String? = nil) -> S3XMLDocument? {
    var document = S3XMLDocument(recordElement: recordElement)
    var reader = XMLReader(data)
    return reader.read(into: &document) ? document : nil
  }

  mutating func start(_ name: String) {
    if rootName == nil { rootName = name }
    stack.append(name)
    text = []
    if name == recordElement && stack.count == 2 { current = [:] }
  }

  mutating func text(_ bytes: [UInt8]) {
    text.append(contentsOf: bytes)
  }

  mutating func end(_ name: String) {
    let value = String(decoding: text, as: UTF8.self)
    if name == recordElement && stack.count == 2, let record = current {
      records.append(record)
      current = nil
    } else if current != nil && stack.count > 2 {
      current?[stack[2...].joined(separator: "/")] = value
    } else if stack.count >= 2 {
      let path = stack[1...].joined(separator: "/")
      if values[path] == nil { values[path] = value }
    }
    _ = stack.popLast()
    text = []
  }
}

/// The `<Error>` body S3 sends with a failed request.
struct S3ErrorBody {
  let code: String
  let message: String
  let bucket: String?
  /// The bucket's region, in AuthorizationHeaderMalformed answers.
  let region: String?

  init?(_ body: [UInt8]) {
    guard !body.isEmpty, let document = S3XMLDocument.parse(body) else { return nil }
    // S3 answers `<Error>`; some S3-compatible servers wrap it in `<ErrorResponse>`.
    let base: String
    switch document.rootName {
    case "Error": base = ""
    case "ErrorResponse": base = "Error/"
    default: return nil
    }
    code = document.values[base + "Code"] ?? ""
    message = document.values[base + "Message"] ?? ""
    bucket = document.values[base + "BucketName"]
    region = document.values[base + "Region"]
  }
}
