import Foundation
import MLVTestSupport
import Testing

@testable import MLVRemote

/// What a real server (RGW, when scripts/ceph-rgw.sh runs) must agree with: listings past
/// one page of 1,000 keys, unfinished multipart uploads listed page by page and aborted,
/// and multipart completion checked against the object.
@Suite(.s3Server)
struct S3MultipartAndListingTests {
  /// 1,000 is S3's (and RGW's) page size: 1,234 keys need two pages and a continuation token.
  @Test func listingFollowsContinuationTokensPastOneThousandKeys() async throws {
    let backend = try await makeS3Backend(prefix: "many")
    let keys = (0..<1_234).map { String(format: "packs/%02x/%06d.pack", $0 % 256, $0) }
    try await forEachConcurrently(keys, jobs: 16) { try await backend.put($0, data: [1, 2, 3]) }
    let listed = try await backend.list(prefix: "packs/")
    #expect(listed.count == 1_234)
    #expect(listed.map(\.key) == keys.sorted())
    #expect(listed.allSatisfy { $0.size == 3 })
  }

  /// A multipart upload left open is listed (across pages) and aborted; a completed one is
  /// not listed. Parts are the server's minimum, so the same test runs on RGW and moto.
  @Test func unfinishedUploadsAreListedAndAborted() async throws {
    let backend = try await makeS3Backend(prefix: "team", listPageSize: 2)
    for i in 0..<3 {
      let created = try await backend.requestOK("POST", key: "packs/0\(i)/p.pack", query: [("uploads", "")])
      #expect(S3XMLDocument.parse(created.body)?.values["UploadId"]?.isEmpty == false)
    }
    // Outside the remote's prefix: not ours.
    let root = S3Backend(
      location: S3Location(bucket: backend.location.bucket, prefix: ""), endpoint: try currentServer().endpoint,
      region: "us-east-1", credentials: try testCredentials(), retry: fastRetry)
    _ = try await root.requestOK("POST", key: "elsewhere/x", query: [("uploads", "")])

    let open = try await backend.incompleteUploads(prefix: "")
    #expect(open.map(\.key).sorted() == ["packs/00/p.pack", "packs/01/p.pack", "packs/02/p.pack"])
    #expect(open.allSatisfy { $0.initiated != nil }, "\(open)")
    if try currentServer().isRGW {  // moto always answers 2010-11-10T20:48:33Z
      #expect(open.allSatisfy { $0.initiated.map { abs($0.timeIntervalSinceNow) < 3600 } ?? false }, "\(open)")
    }
    for upload in open { try await backend.abortUpload(upload) }
    try await backend.abortUpload(open[0])  // already gone: not an error
    #expect(try await backend.incompleteUploads(prefix: "").isEmpty)
    #expect(try await root.incompleteUploads(prefix: "").map(\.key) == ["elsewhere/x"])
  }

  /// The completed upload is verified: the object exists with the file's size.
  @Test func multipartUploadAtTheServersMinimumPartSize() async throws {
    let part = try currentServer().minimumPartSize
    let backend = try await makeS3Backend(
      multipartThreshold: Int64(part), partSize: part, downloadChunkSize: part / 2 + 17)
    let data = pseudoRandomBytes(count: part * 2 + part / 3, seed: 8)  // 3 parts, the last short
    let dir = try TemporaryDirectory()
    defer { dir.cleanup() }
    let source = try dir.write("big.bin", data)
    try await backend.putFile("packs/ab/big.pack", from: source)
    let head = try await backend.request("HEAD", key: "packs/ab/big.pack")
    #expect(head.header("etag")?.hasSuffix("-3\"") == true, "etag \(head.header("etag") ?? "none")")
    #expect(head.header("content-length") == String(data.count))
    try await backend.getFile("packs/ab/big.pack", to: dir.path + "/copy")
    #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: dir.path + "/copy"))) == data)
    #expect(try await backend.incompleteUploads(prefix: "").isEmpty)
  }
}

struct S3SettingsTests {
  @Test func completionETagsThatNeedASecondLook() {
    #expect(S3Backend.completionProblem(etag: "\"3858f62230ac3c915f300c664312c11f-3\"", partCount: 3) == nil)
    #expect(S3Backend.completionProblem(etag: "", partCount: 3) == "an empty ETag")  // RGW 16.2
    #expect(S3Backend.completionProblem(etag: "\"\"", partCount: 3) == "an empty ETag")
    #expect(S3Backend.completionProblem(etag: "\"abc-2\"", partCount: 3) != nil)
    #expect(S3Backend.completionProblem(etag: "\"3858f62230ac3c915f300c664312c11f\"", partCount: 3) != nil)
    #expect(S3Backend.namesOtherPartCount("\"abc-2\"", partCount: 3))
    #expect(!S3Backend.namesOtherPartCount("\"abc-3\"", partCount: 3))
    #expect(!S3Backend.namesOtherPartCount("", partCount: 3))
    #expect(!S3Backend.namesOtherPartCount("\"3858f62230ac3c915f300c664312c11f\"", partCount: 3))
  }

  @Test func byteSizesFromTheEnvironment() throws {
    let name = "MLV_S3_PART_SIZE"
    for (text, value) in [("8388608", Int64(8_388_608)), ("5M", 5 << 20), ("5MiB", 5 << 20), ("5mb", 5 << 20),
                          ("512K", 512 << 10), ("1G", 1 << 30), (" 64M ", 64 << 20)] {
      #expect(try S3Backend.byteSize([name: text], name) == value, "\(text)")
    }
    #expect(try S3Backend.byteSize([:], name) == nil)
    #expect(try S3Backend.byteSize([name: ""], name) == nil)
    for bad in ["lots", "-5M", "0", "5T", "2000G", "5.5M", "M"] {
      #expect(throws: RemoteError.self, "\(bad)") { try S3Backend.byteSize([name: bad], name) }
    }
    let backend = try S3Backend(
      url: "s3://bucket/p",
      environment: ["AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "MLV_S3_MULTIPART_THRESHOLD": "5M",
                    "MLV_S3_PART_SIZE": "6M"],
      homeDirectory: NSTemporaryDirectory())
    #expect(backend.multipartThreshold == 5 << 20 && backend.partSize == 6 << 20)
  }
}
