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

    /// Each input either parses into a well-formed plan or is refused naming a line of it.
    @Test func planInputs() {
        let inputs = Self.inputs("plan")
        #expect(inputs.count >= 2)
        for text in inputs {
            do {
                let plan = try PlanParser.parse(text, file: "corpus.md")
                #expect(plan.weeks.map(\.number) == Array(1...plan.weeks.count))
                #expect(plan.weeks.allSatisfy { plan.stages.indices.contains($0.stageIndex) })
                for week in plan.weeks { #expect(week.tasks.map(\.id.index) == week.tasks.indices.map { $0 + 1 }) }
            } catch {
                #expect(error.line <= text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count)
            }
        }
    }

    @Test func timeInputs() {
        let inputs = Self.inputs("time")
        #expect(inputs.count >= 5)
        let zone = Zone(identifier: "Europe/Berlin")!
        var resolved = 0
        for text in inputs {
            // What resolves is in the future of `now` or at an offset from the base, and
            // what reads as a span or a time reads back the same from its own writing.
            if (try? TimeExpression.resolve(text, now: Date(timeIntervalSince1970: 1_800_000_000), zone: zone,
                                            relativeTo: Date(timeIntervalSince1970: 1_800_000_000))) != nil { resolved += 1 }
            if let span = Span(text) { #expect(Span(span.description) == span, "\(text)") }
            if let date = Date(rfc3339: text) { #expect(Date(rfc3339: date.rfc3339(in: zone)) == date, "\(text)") }
        }
        #expect(resolved >= 5)
    }
}
