import Foundation
import Testing
@testable import PGTrackCore

/// The fuzz corpora of the plan parser and the time expressions, replayed on every
/// `make test` (crash inputs found by `make fuzz` go in fuzz/regressions/).
@Suite struct FuzzCorpusTests {
    static let fuzz = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz")

    static func inputs(_ name: String) -> [String] {
        ["corpus", "regressions"].flatMap { dir -> [String] in
            let folder = fuzz.appendingPathComponent(dir).appendingPathComponent(name)
            let files = (try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? []
            return files.compactMap { try? Data(contentsOf: $0) }.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    @Test func planInputs() {
        let inputs = Self.inputs("plan")
        #expect(inputs.count >= 2)
        for text in inputs { _ = try? PlanParser.parse(text, file: "corpus.md") }
    }

    @Test func timeInputs() {
        let inputs = Self.inputs("time")
        #expect(inputs.count >= 5)
        let zone = Zone(identifier: "Europe/Berlin")!
        for text in inputs {
            _ = try? TimeExpression.resolve(text, now: Date(timeIntervalSince1970: 1_800_000_000), zone: zone,
                                            relativeTo: Date(timeIntervalSince1970: 1_800_000_000))
            _ = Span(text)
            _ = Date(rfc3339: text)
        }
    }
}
