import Foundation
import Testing

@testable import MLVTable

@Suite struct FolderBalanceTests {
  @Test func countsAndBytesPerTopLevelFolder() throws {
    let old: [(String, Int64)] = [("cat/1.png", 100), ("cat/2.png", 50), ("dog/a/1.png", 10), ("README", 5)]
    let new: [(String, Int64)] = [("cat/1.png", 100), ("dog/a/1.png", 12), ("dog/2.png", 30), ("bird/1.png", 7)]
    let r = FolderBalance.compare(old: old, new: new)
    #expect(r.folders.map { $0.folder } == [".", "bird", "cat", "dog"])
    let by = Dictionary(uniqueKeysWithValues: r.folders.map { ($0.folder, $0) })
    #expect(by["cat"]?.countDelta == -1 && by["cat"]?.bytesDelta == -50)
    #expect(by["dog"]?.oldCount == 1 && by["dog"]?.newCount == 2 && by["dog"]?.newBytes == 42)
    #expect(by["bird"]?.oldCount == 0 && by["bird"]?.newCount == 1)
    #expect(by["."]?.newCount == 0)
    #expect(r.total.oldCount == 4 && r.total.newCount == 4 && r.total.oldBytes == 165 && r.total.newBytes == 149)

    let text = r.renderText()
    #expect(text.contains("cat"))
    #expect(text.split(separator: "\n").count == 6)
    let json = String(decoding: try r.jsonData(), as: UTF8.self)
    #expect(json.contains("\"countDelta\" : -1"))
    #expect(try r.jsonData() == FolderBalance.compare(old: old, new: new).jsonData())
    let html = FolderBalance.compare(old: [("<b>/x", 1)], new: []).renderHTML(title: "classes")
    #expect(html.contains("&lt;b&gt;") && !html.contains("<b>"))
  }
}
