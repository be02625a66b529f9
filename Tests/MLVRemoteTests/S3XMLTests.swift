import Testing

@testable import MLVRemote

/// The pure-Swift XML reader under S3XMLDocument: what it accepts, what it refuses, and
/// the bodies real S3 servers (AWS, Ceph RGW, moto) answer with.
struct S3XMLTests {
  private func parse(_ text: String, record: String? = nil) -> S3XMLDocument? {
    S3XMLDocument.parse(Array(text.utf8), recordElement: record)
  }

  @Test func readsPrologCommentsAttributesAndSelfClosingTags() throws {
    let doc = try #require(
      parse(
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <!-- before the root -->
        <R xmlns="http://s3.amazonaws.com/doc/2006-03-01/" a='1'>
          <A>x<!-- inside -->y</A><?pi ignored?>
          <Empty/><Spaced  b = "2" />
          <s3:Prefixed xmlns:s3="urn:x">p</s3:Prefixed>
        </R>
        <!-- after -->

        """))
    #expect(doc.rootName == "R")
    #expect(doc.values["A"] == "xy")
    #expect(doc.values["Empty"] == "")
    #expect(doc.values["Spaced"] == "")
    #expect(doc.values["s3:Prefixed"] == "p")
  }

  @Test func decodesEntitiesCharacterReferencesAndCDATA() throws {
    let doc = try #require(
      parse("<R><K>a&amp;b&lt;c&gt;d&apos;e&quot;f</K><N>&#65;&#x42;&#x1F600;&#233;</N><C><![CDATA[<&>]]>z</C></R>"))
    #expect(doc.values["K"] == "a&b<c>d'e\"f")
    #expect(doc.values["N"] == "AB😀é")
    #expect(doc.values["C"] == "<&>z")
  }

  @Test func normalizesLineEnds() throws {
    let doc = try #require(parse("<R><K>a\r\nb\rc&#13;</K></R>"))
    #expect(doc.values["K"] == "a\nb\nc\r")
  }

  @Test func keepsTheFirstValueAndTheTextAfterTheLastChild() throws {
    let doc = try #require(parse("<R><K>1</K><K>2</K><P>a<Q>q</Q>b</P></R>"))
    #expect(doc.values["K"] == "1")
    #expect(doc.values["P/Q"] == "q")
    #expect(doc.values["P"] == "b")
  }

  @Test(arguments: [
    "", "   ", "text", "<R>", "<R></S>", "<R><A></R></A>", "<R/><S/>", "<R/>x", "x<R/>", "</R>",
    "<R a=1/>", "<R a='1' a='2'/>", "<R a=\"<\"/>", "<Ra='1'/>", "<R>&bogus;</R>", "<R>&amp</R>", "<R>&#;</R>",
    "<R>&#x;</R>", "<R>&#0;</R>", "<R>&#xD800;</R>", "<R>&#x110000;</R>", "<R>&#99999999999999999999;</R>",
    "<R>&#12a;</R>", "<R>a]]>b</R>", "<R>\u{1}</R>", "<R><!-- a -- b --></R>", "<R><!-- open</R>",
    "<R><![CDATA[open</R>", "<![CDATA[x]]><R/>", "<R><?xml version=\"1.0\"?></R>",
    " <?xml version=\"1.0\"?><R/>", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><R/>", "<?xml?><R/>",
    "<1R/>", "<R></R >x", "<R>\u{0}</R>",
  ])
  func refusesWhatIsNotWellFormed(_ text: String) {
    #expect(parse(text) == nil, "\(text.debugDescription)")
  }

  @Test func refusesInvalidUTF8() {
    #expect(S3XMLDocument.parse(Array("<R>".utf8) + [0xC3, 0x28] + Array("</R>".utf8)) == nil)
    #expect(S3XMLDocument.parse([0xEF, 0xBB, 0xBF] + Array("<R><K>é</K></R>".utf8))?.values["K"] == "é")
  }

  /// Entities are never declared nor expanded: a document type declaration of any kind is
  /// refused, the billion-laughs one included, before anything is defined.
  @Test func refusesDocumentTypeDeclarations() {
    let laughs = """
      <?xml version="1.0"?>
      <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
      <lolz>&lol2;</lolz>
      """
    #expect(parse(laughs) == nil)
    #expect(parse("<!DOCTYPE R><R/>") == nil)
    #expect(parse("<!DOCTYPE R SYSTEM \"file:///etc/passwd\"><R>&xxe;</R>") == nil)
    #expect(parse("<R><!ENTITY x \"y\"></R>") == nil)
  }

  @Test func refusesNestingDeeperThanTheLimit() {
    let deep = String(repeating: "<a>", count: XMLReader.maxDepth + 1) + String(repeating: "</a>", count: XMLReader.maxDepth + 1)
    #expect(parse(deep) == nil)
    let limit = String(repeating: "<a>", count: XMLReader.maxDepth) + String(repeating: "</a>", count: XMLReader.maxDepth)
    #expect(parse(limit)?.rootName == "a")
  }

  // MARK: Real bodies

  @Test func listObjectsV2() throws {
    let doc = try #require(parse(S3Bodies.listObjectsV2, record: "Contents"))
    #expect(doc.rootName == "ListBucketResult")
    #expect(doc.values["IsTruncated"] == "true")
    #expect(doc.values["NextContinuationToken"] == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=")
    #expect(doc.values["KeyCount"] == "2")
    #expect(doc.records.count == 2)
    #expect(doc.records.first?["Key"] == "p/objects/ab/cdef")
    #expect(doc.records.first?["Size"] == "434234")
    #expect(doc.records.first?["ETag"] == "\"fba9dede5f27731c9771645a39863328\"")
    #expect(doc.records.last?["Key"] == "p/a&b <c>.txt")
    #expect(doc.records.last?["Owner/ID"] == "mlv")
    // Inside records, fields are not also top-level values.
    #expect(doc.values["Contents/Key"] == nil)
  }

  @Test func errorAndErrorResponse() throws {
    let error = try #require(S3ErrorBody(Array(S3Bodies.error.utf8)))
    #expect(error.code == "AuthorizationHeaderMalformed")
    #expect(error.region == "eu-west-1")
    #expect(error.message.hasPrefix("The authorization header is malformed"))
    let wrapped = try #require(S3ErrorBody(Array(S3Bodies.errorResponse.utf8)))
    #expect(wrapped.code == "NoSuchBucket")
    #expect(wrapped.bucket == "missing")
    #expect(S3ErrorBody(Array("<Other><Code>X</Code></Other>".utf8)) == nil)
  }

  @Test func multipartBodies() throws {
    let initiated = try #require(parse(S3Bodies.initiateMultipart))
    #expect(initiated.rootName == "InitiateMultipartUploadResult")
    #expect(initiated.values["UploadId"] == "2~Bs8J2r4fqkHCsYUQsWFhBfc2cKHiysy")
    let completed = try #require(parse(S3Bodies.completeMultipart))
    #expect(completed.values["ETag"] == "\"3858f62230ac3c915f300c664312c11f-9\"")
    #expect(completed.values["Key"] == "p/big")
    let uploads = try #require(parse(S3Bodies.listMultipartUploads, record: "Upload"))
    #expect(uploads.records.map { $0["UploadId"] } == ["u-1", "u-2"])
    #expect(uploads.records.map { $0["Key"] } == ["p/a", "p/b"])
    #expect(uploads.records.first?["Initiator/DisplayName"] == "mlv")
    #expect(uploads.values["IsTruncated"] == "false")
  }

  /// Every truncation of a real body is refused (its root is not closed), and garbage
  /// spliced into it never traps: the reader checks each index it reads.
  @Test func truncatedAndDamagedBodiesAreRefusedWithoutTrapping() {
    var generator = SplitMix(seed: 0x5EED)
    for body in S3Bodies.all {
      let bytes = Array(body.utf8)
      // Where the root's end tag ends: everything after it is only white space.
      let complete = bytes.lastIndex(of: UInt8(ascii: ">")).map { $0 + 1 } ?? bytes.count
      for length in 0..<complete {
        #expect(S3XMLDocument.parse(Array(bytes[..<length])) == nil, "prefix \(length) of \(body.prefix(40))")
      }
      #expect(S3XMLDocument.parse(bytes) != nil)
      for _ in 0..<300 {
        var damaged = bytes
        for _ in 0..<(1 + Int(generator.next() % 4)) {
          let at = Int(generator.next() % UInt64(damaged.count))
          damaged[at] = UInt8(truncatingIfNeeded: generator.next())
        }
        let cut = Int(generator.next() % UInt64(damaged.count + 1))
        _ = S3XMLDocument.parse(Array(damaged[..<cut]), recordElement: "Contents")
        _ = S3ErrorBody(damaged)
      }
    }
  }
}

/// A small deterministic generator, so a failure reproduces.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Response bodies as S3 servers send them (AWS's documented examples; RGW's and moto's
/// shapes: RGW wraps nothing, moto's ErrorResponse wraps <Error>).
enum S3Bodies {
  static let listObjectsV2 = """
    <?xml version="1.0" encoding="UTF-8"?>
    <ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>bucket</Name><Prefix>p/</Prefix>\
    <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>\
    <KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><IsTruncated>true</IsTruncated>
      <Contents>
        <Key>p/objects/ab/cdef</Key>
        <LastModified>2009-10-12T17:50:30.000Z</LastModified>
        <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag>
        <Size>434234</Size>
        <StorageClass>STANDARD</StorageClass>
      </Contents>
      <Contents><Key>p/a&amp;b &lt;c&gt;.txt</Key><LastModified>2009-10-12T17:50:31.000Z</LastModified>\
    <ETag>"599bab3ed2c697f1d26842727561fd94"</ETag><Size>0</Size><Owner><ID>mlv</ID><DisplayName>m</DisplayName></Owner>\
    <StorageClass>STANDARD</StorageClass></Contents>
    </ListBucketResult>

    """

  static let error = """
    <?xml version="1.0" encoding="UTF-8"?>
    <Error><Code>AuthorizationHeaderMalformed</Code><Message>The authorization header is malformed; \
    the region 'us-east-1' is wrong; expecting 'eu-west-1'</Message><Region>eu-west-1</Region>\
    <RequestId>656c76696e6727732072657175657374</RequestId><HostId>Uuag1LuByRx9e6j5Onimru9pO4ZVKnJ2Qz7/C1NPcfTWAtRPfTaOFg==</HostId></Error>
    """

  static let errorResponse = """
    <?xml version="1.0" encoding="UTF-8"?><ErrorResponse>
      <Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message>\
    <BucketName>missing</BucketName></Error>
      <RequestId>tx000001</RequestId>
    </ErrorResponse>
    """

  static let initiateMultipart = """
    <?xml version="1.0" encoding="UTF-8"?>
    <InitiateMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bucket</Bucket>\
    <Key>p/big</Key><UploadId>2~Bs8J2r4fqkHCsYUQsWFhBfc2cKHiysy</UploadId></InitiateMultipartUploadResult>
    """

  static let completeMultipart = """
    <?xml version="1.0" encoding="UTF-8"?>
    <CompleteMultipartUploadResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
      <Location>http://127.0.0.1:7480/bucket/p/big</Location><Bucket>bucket</Bucket><Key>p/big</Key>
      <ETag>&quot;3858f62230ac3c915f300c664312c11f-9&quot;</ETag>
    </CompleteMultipartUploadResult>
    """

  static let listMultipartUploads = """
    <?xml version="1.0" encoding="UTF-8"?>
    <ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>bucket</Bucket>\
    <KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><NextKeyMarker>p/b</NextKeyMarker><Prefix>p/</Prefix>\
    <MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>
      <Upload><Key>p/a</Key><UploadId>u-1</UploadId><Initiator><ID>mlv</ID><DisplayName>mlv</DisplayName></Initiator>\
    <StorageClass>STANDARD</StorageClass><Initiated>2026-12-01T10:00:00.000Z</Initiated></Upload>
      <Upload><Key>p/b</Key><UploadId>u-2</UploadId><StorageClass>STANDARD</StorageClass></Upload>
    </ListMultipartUploadsResult>
    """

  static let all = [listObjectsV2, error, errorResponse, initiateMultipart, completeMultipart, listMultipartUploads]
}

struct CurlLibraryTests {
  /// Without a loadable libcurl, S3 requests fail saying which files were tried and which
  /// package to install; nothing is retried.
  @Test func aMissingLibraryIsNamedWithItsPackage() throws {
    guard case .failure(let error) = CurlLibrary.load(["libmlv-no-such-curl.so.4"]) else {
      Issue.record("a library that does not exist loaded")
      return
    }
    let text = error.description
    #expect(text.contains("libmlv-no-such-curl.so.4") && text.contains("apt-get install libcurl4"), "\(text)")
  }

  @Test func theSystemLibraryLoads() throws {
    _ = try CurlLibrary.shared.get()
  }
}
