#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif
import Foundation

/// File transfers: multipart upload for large files, chunked ranged download.
extension S3Backend {
  public func putFile(_ key: String, from path: String) async throws {
    try RemoteKey.validate(key)
    let fd = try FileIO.openRead(path)
    defer { close(fd) }
    let size = try FileIO.size(fd: fd, path: path)
    if size <= multipartThreshold {
      try await uploadBudget.holding(size) {
        let bytes = try await BlockingIO.run { try FileIO.pread(fd: fd, path: path, offset: 0, count: Int(size)) }
        try await self.put(key, data: bytes)
      }
      return
    }
    try await multipartUpload(key, fd: fd, path: path, size: size)
  }

  /// CreateMultipartUpload, then UploadPart with at most `partParallelism` parts in flight
  /// (memory stays at parallelism x partSize), then CompleteMultipartUpload. Any failure
  /// aborts the upload so the server drops the stored parts (they cost storage otherwise).
  func multipartUpload(_ key: String, fd: Int32, path: String, size: Int64) async throws {
    let created = try await requestOK(
      "POST", key: key, query: [("uploads", "")], headers: ["content-type": "application/octet-stream"])
    guard let document = S3XMLDocument.parse(created.body),
      let uploadID = document.values["UploadId"], !uploadID.isEmpty
    else {
      throw RemoteError.invalidResponse(detail: "CreateMultipartUpload answer has no UploadId")
    }
    do {
      // S3 allows at most 10,000 parts: grow the parts for files beyond partSize x 10,000.
      let partLength = max(Int64(partSize), (size + 9_999) / 10_000)
      let partCount = Int((size + partLength - 1) / partLength)
      var etags = [String](repeating: "", count: partCount)
      try await withThrowingTaskGroup(of: (Int, String).self) { group in
        var next = 0
        func addPart() {
          let index = next
          next += 1
          group.addTask {
            let offset = Int64(index) * partLength
            let length = Int(min(partLength, size - offset))
            let etag = try await self.uploadBudget.holding(Int64(length)) {
              let bytes = try await BlockingIO.run {
                try FileIO.pread(fd: fd, path: path, offset: offset, count: length)
              }
              if bytes.count != length {
                throw RemoteError.io(path: path, detail: "file shrank while uploading")
              }
              let response = try await self.requestOK(
                "PUT", key: key, query: [("partNumber", String(index + 1)), ("uploadId", uploadID)], body: bytes)
              guard let etag = response.header("etag"), !etag.isEmpty else {
                throw RemoteError.invalidResponse(detail: "UploadPart \(index + 1) answer has no ETag")
              }
              return etag
            }
            return (index, etag)
          }
        }
        while next < min(partCount, partParallelism) { addPart() }
        while let (index, etag) = try await group.next() {
          etags[index] = etag
          if next < partCount { addPart() }
        }
      }
      var xml = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      for (index, etag) in etags.enumerated() {
        xml += "<Part><PartNumber>\(index + 1)</PartNumber><ETag>\(Self.xmlEscape(etag))</ETag></Part>"
      }
      xml += "</CompleteMultipartUpload>"
      let completed = try await requestOK(
        "POST", key: key, query: [("uploadId", uploadID)],
        // An explicit type: HTTP clients default POST bodies to form encoding, which some
        // servers (moto) then parse as a form and hand an empty body to S3.
        headers: ["content-type": "application/xml"], body: Array(xml.utf8))
      // CompleteMultipartUpload can fail after answering 200: the error is in the body.
      if let failure = S3ErrorBody(completed.body) {
        throw RemoteError.http(status: completed.status, code: failure.code, message: failure.message, key: key)
      }
      let etag = S3XMLDocument.parse(completed.body)?.values["ETag"] ?? ""
      if let problem = Self.completionProblem(etag: etag, partCount: partCount) {
        // Ceph RGW 16.2 answers a successful completion with an empty ETag (a known RGW
        // bug). Ask the object itself: it must exist with the file's size and, where its
        // ETag names a part count, with ours.
        let head = try await requestOK("HEAD", key: key)
        let length = head.header("content-length").flatMap(Int64.init)
        let headETag = head.header("etag") ?? ""
        guard length == size, !Self.namesOtherPartCount(headETag, partCount: partCount) else {
          throw RemoteError.invalidResponse(
            detail: "multipart upload of \(key) completed with \(problem); the object has "
              + "\(length.map { "\($0) bytes" } ?? "no length") (expected \(size)) and ETag \(headETag.isEmpty ? "none" : headETag)")
        }
      }
    } catch {
      _ = try? await request("DELETE", key: key, query: [("uploadId", uploadID)])
      throw error
    }
  }

  /// Why a completion's ETag does not confirm the upload, or nil when it does: S3 names a
  /// multipart object `"<hex>-<part count>"`; an empty or differently counted ETag needs a
  /// second look (`multipartUpload` then checks the object's size with a HEAD).
  static func completionProblem(etag: String, partCount: Int) -> String? {
    let bare = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    if bare.isEmpty { return "an empty ETag" }
    guard let dash = bare.lastIndex(of: "-") else { return "ETag \(etag) without a part count" }
    guard Int(bare[bare.index(after: dash)...]) == partCount else {
      return "ETag \(etag), whose part count is not \(partCount)"
    }
    return nil
  }

  /// Whether `etag` has the multipart form `"<hex>-<n>"` with n other than `partCount`
  /// (the object is not the one just assembled).
  static func namesOtherPartCount(_ etag: String, partCount: Int) -> Bool {
    let bare = etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    guard let dash = bare.lastIndex(of: "-"), let n = Int(bare[bare.index(after: dash)...]) else { return false }
    return n != partCount
  }

  static func xmlEscape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
  }

  /// Downloads in ranged GETs of `downloadChunkSize`, appending each to a temporary file next
  /// to `path` that is renamed into place at the end; memory holds one chunk at a time. The
  /// first answer's ETag is sent as If-Match with the later ranges, so an object replaced
  /// mid-download fails instead of producing a mix of two versions.
  public func getFile(_ key: String, to path: String) async throws {
    try RemoteKey.validate(key)
    let writer = try FileIO.AtomicWriter(finalPath: path)
    var offset: Int64 = 0
    var total: Int64?
    var etag: String?
    let budget = Int64(downloadChunkSize)
    while offset < (total ?? Int64.max) {
      // Each range's body is held from its request until it is written (ByteBudget.swift).
      await downloadBudget.acquire(budget)
      let step: RangeStep
      do {
        step = try await getRange(key, offset: offset, etag: etag, into: writer)
      } catch {
        await downloadBudget.release(budget)
        throw error
      }
      await downloadBudget.release(budget)
      switch step {
      case .wholeEmptyObject:
        try writer.commit()
        return
      case .range(let count, let size, let tag):
        offset += count
        total = size
        etag = etag ?? tag
      }
    }
    try await BlockingIO.run { try writer.commit() }
  }

  private enum RangeStep {
    /// `count` bytes written; the object's size and ETag as the answer named them.
    case range(count: Int64, total: Int64, etag: String?)
    /// The object is empty (its ranges are unsatisfiable) and was written whole.
    case wholeEmptyObject
  }

  /// One ranged GET of `getFile`, written to `writer`.
  private func getRange(_ key: String, offset: Int64, etag: String?, into writer: FileIO.AtomicWriter) async throws -> RangeStep {
    var headers = ["range": "bytes=\(offset)-\(offset + Int64(downloadChunkSize) - 1)"]
    if let etag { headers["if-match"] = etag }
    let response = try await request("GET", key: key, headers: headers)
    let total: Int64
    switch response.status {
    case 206:
      guard let contentRange = response.header("content-range"),
        let size = Self.totalSize(contentRange: contentRange)
      else {
        throw RemoteError.invalidResponse(detail: "ranged GET of \(key) has no usable Content-Range")
      }
      total = size
    case 200 where offset == 0:
      // The server ignored Range and sent the whole object.
      total = Int64(response.body.count)
    case 416 where offset == 0:
      // Ranges on an empty object are unsatisfiable; fetch it plainly.
      let whole = try await requestOK("GET", key: key)
      try writer.write(whole.body)
      return .wholeEmptyObject
    default:
      throw error(for: response, key: key)
    }
    if response.body.isEmpty && offset < total {
      throw RemoteError.invalidResponse(detail: "empty range answer for \(key) at offset \(offset)")
    }
    let chunk = response.body
    try await BlockingIO.run { try writer.write(chunk) }
    return .range(count: Int64(chunk.count), total: total, etag: response.header("etag"))
  }

  /// The total from `bytes 0-99/1234`.
  static func totalSize(contentRange: String) -> Int64? {
    guard let slash = contentRange.lastIndex(of: "/") else { return nil }
    return Int64(contentRange[contentRange.index(after: slash)...].trimmingSpaces())
  }
}
