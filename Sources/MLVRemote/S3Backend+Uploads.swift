import Foundation

/// Incomplete multipart uploads: ListMultipartUploads and AbortMultipartUpload.
///
/// A push killed between CreateMultipartUpload and Complete leaves parts the server keeps
/// (and bills) forever, invisible to ListObjectsV2. `gc --remote` lists and aborts them.
extension S3Backend {
  public func incompleteUploads(prefix: String) async throws -> [IncompleteUpload] {
    try RemoteKey.validatePrefix(prefix)
    let fullPrefix = location.prefix.isEmpty ? prefix : location.prefix + "/" + prefix
    var out: [IncompleteUpload] = []
    var keyMarker: String?
    var uploadMarker: String?
    let dates = ISO8601DateFormatter()
    dates.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let plainDates = ISO8601DateFormatter()
    var pages = 0
    repeat {
      var query = [("uploads", ""), ("prefix", fullPrefix), ("max-uploads", String(listPageSize))]
      if let keyMarker { query.append(("key-marker", keyMarker)) }
      if let uploadMarker { query.append(("upload-id-marker", uploadMarker)) }
      let response = try await requestOK("GET", key: nil, query: query)
      guard let document = S3XMLDocument.parse(response.body, recordElement: "Upload"),
        document.rootName == "ListMultipartUploadsResult"
      else {
        throw RemoteError.invalidResponse(detail: "ListMultipartUploads answer is not a ListMultipartUploadsResult")
      }
      for record in document.records {
        guard let objectKey = record["Key"], let key = location.remoteKey(objectKey),
          let id = record["UploadId"], !id.isEmpty
        else { continue }
        let initiated = record["Initiated"].flatMap { dates.date(from: $0) ?? plainDates.date(from: $0) }
        out.append(IncompleteUpload(key: key, uploadID: id, initiated: initiated))
      }
      let truncated = document.values["IsTruncated"] == "true"
      keyMarker = document.values["NextKeyMarker"]
      uploadMarker = document.values["NextUploadIdMarker"]
      pages += 1
      if truncated && (keyMarker ?? "").isEmpty {
        throw RemoteError.invalidResponse(detail: "ListMultipartUploads is truncated but names no next marker")
      }
      // A server repeating its markers would loop forever; a million pages is beyond any real bucket.
      if !truncated || pages > 1_000_000 { break }
    } while true
    return out
  }

  public func abortUpload(_ upload: IncompleteUpload) async throws {
    try RemoteKey.validate(upload.key)
    let response = try await request("DELETE", key: upload.key, query: [("uploadId", upload.uploadID)])
    if (200..<300).contains(response.status) || response.status == 404 { return }
    throw error(for: response, key: upload.key)
  }
}
