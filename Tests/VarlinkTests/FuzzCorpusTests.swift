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
                    if let json = try? JSON.parse(m) { _ = try? Call(json: json) }
                }
                count += 1
            }
        }
        #expect(count >= 3)
    }
}
