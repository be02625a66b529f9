import Foundation
import Testing

@testable import MLVRemote

/// Vectors from AWS's Signature Version 4 test suite (credential scope
/// AKIDEXAMPLE/20150830/us-east-1/service/aws4_request) and the S3 "GET object" example from
/// the S3 API reference. Expected values are the published ones, embedded verbatim.
struct SigV4SignerTests {
  static let suiteSigner = SigV4Signer(
    credentials: AWSCredentials(
      accessKeyID: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    region: "us-east-1", service: "service")
  static let suiteDate = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z

  struct Vector: Sendable, CustomTestStringConvertible {
    let name: String
    let method: String
    let path: String
    let query: [(String, String)]
    let headers: [String: String]
    let body: String
    let canonicalRequest: String
    let stringToSign: String
    let authorization: String
    var testDescription: String { name }
  }

  static let vectors: [Vector] = [
    Vector(
      name: "get-vanilla", method: "GET", path: "/", query: [],
      headers: ["Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"], body: "",
      canonicalRequest:
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      stringToSign:
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
    ),
    Vector(
      // The suite's request is `GET /?Param2=value2&Param1=value1`: given out of order here
      // so the sorting is exercised.
      name: "get-vanilla-query-order-key-case", method: "GET", path: "/",
      query: [("Param2", "value2"), ("Param1", "value1")],
      headers: ["Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"], body: "",
      canonicalRequest:
        "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      stringToSign:
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"
    ),
    Vector(
      name: "post-x-www-form-urlencoded", method: "POST", path: "/", query: [],
      headers: [
        "Content-Type": "application/x-www-form-urlencoded", "Host": "example.amazonaws.com",
        "X-Amz-Date": "20150830T123600Z",
      ],
      body: "Param1=value1",
      canonicalRequest:
        "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\ncontent-type;host;x-amz-date\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
      stringToSign:
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"
    ),
    Vector(
      name: "get-utf8", method: "GET", path: "/\u{1234}", query: [],
      headers: ["Host": "example.amazonaws.com", "X-Amz-Date": "20150830T123600Z"], body: "",
      canonicalRequest:
        "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      stringToSign:
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
      authorization:
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"
    ),
  ]

  @Test(arguments: vectors)
  func awsTestSuiteVector(_ v: Vector) {
    let signer = Self.suiteSigner
    let payloadHash = SigV4Signer.sha256Hex(Array(v.body.utf8))
    let canonical = signer.canonicalRequest(
      method: v.method, path: v.path, query: v.query, headers: v.headers, payloadHash: payloadHash)
    #expect(canonical == v.canonicalRequest)
    #expect(signer.stringToSign(canonicalRequest: canonical, date: Self.suiteDate) == v.stringToSign)
    let signedHeaders = SigV4Signer.signedHeaders(v.headers)
    #expect(
      signer.authorization(canonicalRequest: canonical, signedHeaders: signedHeaders, date: Self.suiteDate)
        == v.authorization)
  }

  /// `sign` adds x-amz-date itself and must land on the same published header.
  @Test func signAddsDateAndMatchesVector() {
    let headers = Self.suiteSigner.sign(
      method: "GET", path: "/", query: [("Param2", "value2"), ("Param1", "value1")],
      headers: ["Host": "example.amazonaws.com"], payloadHash: SigV4Signer.emptyPayloadHash,
      date: Self.suiteDate)
    #expect(headers["x-amz-date"] == "20150830T123600Z")
    #expect(headers["authorization"] == Self.vectors[1].authorization)
    #expect(headers["x-amz-security-token"] == nil)
  }

  /// The S3 API reference's "GET Object" example (first 10 bytes of test.txt).
  @Test func s3GetObjectWithRangeExample() {
    let signer = SigV4Signer(
      credentials: AWSCredentials(
        accessKeyID: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
      region: "us-east-1", service: "s3")
    let date = Date(timeIntervalSince1970: 1_369_353_600)  // 2013-05-24T00:00:00Z
    let headers = signer.sign(
      method: "GET", path: "/test.txt", query: [],
      headers: [
        "Host": "examplebucket.s3.amazonaws.com", "Range": "bytes=0-9",
        "x-amz-content-sha256": SigV4Signer.emptyPayloadHash,
      ],
      payloadHash: SigV4Signer.emptyPayloadHash, date: date)
    let canonical = signer.canonicalRequest(
      method: "GET", path: "/test.txt", query: [],
      headers: headers.filter { $0.key != "authorization" }, payloadHash: SigV4Signer.emptyPayloadHash)
    #expect(
      canonical
        == "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\nx-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    )
    #expect(
      signer.stringToSign(canonicalRequest: canonical, date: date)
        == "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
    )
    #expect(
      headers["authorization"]
        == "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )
  }

  @Test func sessionTokenIsSentAndSigned() {
    let signer = SigV4Signer(
      credentials: AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret", sessionToken: "tok"),
      region: "eu-west-1")
    let headers = signer.sign(
      method: "GET", path: "/b/k", query: [], headers: ["host": "h"],
      payloadHash: SigV4Signer.emptyPayloadHash, date: Self.suiteDate)
    #expect(headers["x-amz-security-token"] == "tok")
    #expect(headers["authorization"]?.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,") == true)
    #expect(headers["authorization"]?.contains("/20150830/eu-west-1/s3/aws4_request") == true)
  }

  @Test func keysAreEncodedPerSegmentKeepingSlashes() {
    #expect(SigV4Signer.encodePath("/bucket/packs/ab/x y+z=1&~_-.pack") == "/bucket/packs/ab/x%20y%2Bz%3D1%26~_-.pack")
    #expect(SigV4Signer.encodePath("/b/\u{00FC}") == "/b/%C3%BC")
    #expect(SigV4Signer.encodePath("") == "/")
    // Query values encode "/" too, and empty values keep their "=".
    #expect(SigV4Signer.encodeQuery([("prefix", "a/b c"), ("uploads", "")]) == "prefix=a%2Fb%20c&uploads=")
    // S3 does not normalize paths; neither may the signer.
    #expect(SigV4Signer.encodePath("/b/a//c") == "/b/a//c")
  }

  @Test func timestampsAreUTC() {
    let (amzDate, day) = SigV4Signer.timestamps(Date(timeIntervalSince1970: 951_868_799))
    #expect(amzDate == "20000229T235959Z")
    #expect(day == "20000229")
  }
}
