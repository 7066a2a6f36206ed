import Foundation
import Testing
@testable import Varlink

/// The Varlink fuzz corpus, replayed through the framer, the JSON parser and calls.
@Suite struct FuzzCorpusTests {
    @Test func varlinkInputs() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("fuzz")
        var count = 0
        for dir in ["corpus", "regressions"] {
            let folder = root.appendingPathComponent(dir).appendingPathComponent("varlink")
            for file in (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [] {
                var framer = Framer()
                for case .message(let m) in framer.feed(Array(try Data(contentsOf: file))) {
                    // What parses is written back to JSON that parses to the same value.
                    if let json = try? JSON.parse(m) {
                        #expect(try JSON.parse(json.bytes) == json)
                        if let call = try? Call(json: json) { #expect(try Call(json: call.json) == call) }
                    }
                }
                count += 1
            }
        }
        #expect(count >= 3)
    }
}
