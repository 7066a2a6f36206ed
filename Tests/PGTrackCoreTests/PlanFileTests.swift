import Foundation
import Testing
@testable import PGTrackCore
import PGTrackPlatform

/// The plan file ticked both ways (issue 26): the identity rule, the one-byte tick, edits
/// read back, the write-back race and the atomic write.
@Suite struct PlanFileTests {
    // MARK: - Inputs

    /// Lines joined with LF, with a final LF.
    static func doc(_ lines: String...) -> String { lines.joined(separator: "\n") + "\n" }

    static func plan(_ text: String) -> Plan {
        do { return try PlanParser.parse(text, file: "plan.md", maxTasksPerWeek: .max) } catch { fatalError("\(error)") }
    }

    /// Lines 1–9; tasks 1.1–1.3 on lines 4–6, 2.1–2.2 on lines 8–9.
    static let base = doc("# Plan", "## Stage",
                          "### Week 1", "- [ ] Read chapter 1", "- [ ] Install PostgreSQL", "- [ ] Write queries",
                          "### Week 2", "- [ ] Read chapter 2", "- [ ] Review")

    /// "Review" in both weeks: 1.2 on line 4, 2.2 on line 7.
    static let twinWeeks = doc("# Plan", "### Week 1", "- [ ] Read chapter 1", "- [ ] Review",
                               "### Week 2", "- [ ] Read chapter 2", "- [ ] Review")

    /// "Review" twice in week 1: 1.1 on line 3, 1.3 on line 5.
    static let twinsInWeek = doc("# Plan", "### Week 1", "- [ ] Review", "- [ ] Read", "- [ ] Review")

    static func id(_ text: String) -> TaskID { TaskID(text)! }

    // MARK: - Locating a task: the identity rule

    enum Expected: Sendable, Equatable {
        case found(String, line: Int, PlanFile.Match)
        case refused(PlanFile.Refusal.Reason)
    }

    struct LocateRow: Sendable, CustomTestStringConvertible {
        var name: String
        var known: String = PlanFileTests.base
        var now: String
        var task: String
        var expected: Expected
        var testDescription: String { name }
    }

    static let locateRows: [LocateRow] = [
        LocateRow(name: "unchanged", now: base, task: "1.2", expected: .found("1.2", line: 5, .same)),
        LocateRow(name: "wording edited, as many tasks (#984, repro 3)",
                  now: base.replacingOccurrences(of: "Install PostgreSQL", with: "Install PostgreSQL 16"),
                  task: "1.2", expected: .found("1.2", line: 5, .edited)),
        LocateRow(name: "indented (#984, repro 2)",
                  now: base.replacingOccurrences(of: "- [ ] Install", with: "    - [ ] Install"),
                  task: "1.2", expected: .found("1.2", line: 5, .same)),
        LocateRow(name: "tab and * marker", now: base.replacingOccurrences(of: "- [ ] Install", with: "\t* [ ] Install"),
                  task: "1.2", expected: .found("1.2", line: 5, .same)),
        LocateRow(name: "prose added above: a remembered line would be stale (#1672)",
                  now: base.replacingOccurrences(of: "# Plan\n", with: "# Plan\nNotes for me.\n"),
                  task: "1.2", expected: .found("1.2", line: 6, .same)),
        LocateRow(name: "lines removed above: the file is shorter (#1524)",
                  now: base.replacingOccurrences(of: "## Stage\n", with: ""),
                  task: "1.2", expected: .found("1.2", line: 4, .same)),
        LocateRow(name: "a task added before it",
                  now: base.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] New first\n"),
                  task: "1.2", expected: .found("1.3", line: 6, .movedInWeek)),
        LocateRow(name: "a task removed before it", now: base.replacingOccurrences(of: "- [ ] Read chapter 1\n", with: ""),
                  task: "1.2", expected: .found("1.1", line: 4, .movedInWeek)),
        LocateRow(name: "swapped with its neighbour: a move, not an edit (#984, wrong line)",
                  now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Install PostgreSQL", "- [ ] Read chapter 1",
                           "- [ ] Write queries", "### Week 2", "- [ ] Read chapter 2", "- [ ] Review"),
                  task: "1.2", expected: .found("1.1", line: 4, .movedInWeek)),
        LocateRow(name: "swapped, the other one",
                  now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Install PostgreSQL", "- [ ] Read chapter 1",
                           "- [ ] Write queries", "### Week 2", "- [ ] Read chapter 2", "- [ ] Review"),
                  task: "1.1", expected: .found("1.2", line: 5, .movedInWeek)),
        LocateRow(name: "moved to another week",
                  now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Read chapter 1", "- [ ] Write queries",
                           "### Week 2", "- [ ] Read chapter 2", "- [ ] Review", "- [ ] Install PostgreSQL"),
                  task: "1.2", expected: .found("2.3", line: 9, .movedToWeek)),
        LocateRow(name: "moved to another week, a new task in its place: not an edit",
                  now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Read chapter 1", "- [ ] Something new",
                           "- [ ] Write queries", "### Week 2", "- [ ] Read chapter 2", "- [ ] Review", "- [ ] Install PostgreSQL"),
                  task: "1.2", expected: .found("2.3", line: 10, .movedToWeek)),
        LocateRow(name: "a week added before: every task moves a week",
                  now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Warm up", "### Week 2", "- [ ] Read chapter 1",
                           "- [ ] Install PostgreSQL", "- [ ] Write queries", "### Week 3", "- [ ] Read chapter 2", "- [ ] Review"),
                  task: "1.2", expected: .found("2.2", line: 7, .movedToWeek)),
        LocateRow(name: "ticked meanwhile", now: base.replacingOccurrences(of: "- [ ] Install", with: "- [x] Install"),
                  task: "1.2", expected: .found("1.2", line: 5, .same)),
        LocateRow(name: "CRLF", now: base.replacingOccurrences(of: "\n", with: "\r\n"),
                  task: "2.2", expected: .found("2.2", line: 9, .same)),
        LocateRow(name: "removed", now: base.replacingOccurrences(of: "- [ ] Install PostgreSQL\n", with: ""),
                  task: "1.2", expected: .refused(.notFound)),
        LocateRow(name: "removed, a new task last: its place holds a known task, not an edit",
                  now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Read chapter 1", "- [ ] Write queries", "- [ ] New last",
                           "### Week 2", "- [ ] Read chapter 2", "- [ ] Review"),
                  task: "1.2", expected: .refused(.notFound)),
        LocateRow(name: "edited and a task added: neither text nor position holds",
                  now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Read chapter 1", "- [ ] Install PostgreSQL 16",
                           "- [ ] Write queries", "- [ ] New last", "### Week 2", "- [ ] Read chapter 2", "- [ ] Review"),
                  task: "1.2", expected: .refused(.notFound)),
        // What the rule cannot tell: a task replaced by another at its place reads as an edit.
        LocateRow(name: "replaced at its place: read as an edit",
                  now: base.replacingOccurrences(of: "Install PostgreSQL", with: "Something else"),
                  task: "1.2", expected: .found("1.2", line: 5, .edited)),
        LocateRow(name: "its week removed", now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Read chapter 1",
                                                     "- [ ] Install PostgreSQL", "- [ ] Write queries"),
                  task: "2.2", expected: .refused(.notFound)),
        LocateRow(name: "a task pgtrack does not know", now: base, task: "1.4", expected: .refused(.unknownTask)),
        LocateRow(name: "a week pgtrack does not know", now: base, task: "3.1", expected: .refused(.unknownTask)),
        LocateRow(name: "not a plan any more", now: "# Plan\n### Week 2\n", task: "1.2",
                  expected: .refused(.notAPlan(PlanError(file: "plan.md", line: 2,
                                                         message: "expected '### Week 1' (weeks are numbered in order), found '### Week 2'")))),

        // The same text in two weeks.
        LocateRow(name: "twin weeks: each in place", known: twinWeeks, now: twinWeeks, task: "1.2", expected: .found("1.2", line: 4, .same)),
        LocateRow(name: "twin weeks: the other in place", known: twinWeeks, now: twinWeeks, task: "2.2", expected: .found("2.2", line: 7, .same)),
        LocateRow(name: "twin weeks: week 1's shifted by a task added",
                  known: twinWeeks, now: twinWeeks.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] New first\n"),
                  task: "1.2", expected: .found("1.3", line: 5, .movedInWeek)),
        LocateRow(name: "twin weeks: week 1's removed, week 2's is not it",
                  known: twinWeeks, now: doc("# Plan", "### Week 1", "- [ ] Read chapter 1", "### Week 2", "- [ ] Read chapter 2", "- [ ] Review"),
                  task: "1.2", expected: .refused(.ambiguous(lines: [6]))),
        LocateRow(name: "twin weeks: week 1's moved to week 2",
                  known: twinWeeks, now: doc("# Plan", "### Week 1", "- [ ] Read chapter 1", "### Week 2", "- [ ] Read chapter 2",
                                             "- [ ] Review", "- [ ] Review"),
                  task: "1.2", expected: .refused(.ambiguous(lines: [6, 7]))),
        LocateRow(name: "twin weeks: week 1's edited",
                  known: twinWeeks, now: twinWeeks.replacingOccurrences(of: "- [ ] Review\n### Week 2", with: "- [ ] Review notes\n### Week 2"),
                  task: "1.2", expected: .found("1.2", line: 4, .edited)),

        // The same text twice in a week.
        LocateRow(name: "twins in a week: in place", known: twinsInWeek, now: twinsInWeek, task: "1.3", expected: .found("1.3", line: 5, .same)),
        LocateRow(name: "twins in a week: shifted, which is which",
                  known: twinsInWeek, now: twinsInWeek.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] New first\n"),
                  task: "1.1", expected: .refused(.ambiguous(lines: [4, 6]))),
        LocateRow(name: "twins in a week: one removed, which one",
                  known: twinsInWeek, now: doc("# Plan", "### Week 1", "- [ ] Read", "- [ ] Review"),
                  task: "1.1", expected: .refused(.ambiguous(lines: [4]))),
    ]

    @Test(arguments: locateRows)
    func locate(row: LocateRow) {
        let bytes = Array(row.now.utf8)
        do {
            let location = try PlanFile.locate(Self.id(row.task), known: Self.plan(row.known), in: bytes)
            #expect(Expected.found(location.id.description, line: location.line, location.match) == row.expected)
            // The offset is the box's mark, on that line.
            #expect(bytes[location.offset - 1] == UInt8(ascii: "["))
            #expect(bytes[location.offset + 1] == UInt8(ascii: "]"))
            #expect(bytes[..<location.offset].count { $0 == UInt8(ascii: "\n") } == location.line - 1)
        } catch {
            #expect(Expected.refused(error.reason) == row.expected)
            #expect(error.task == Self.id(row.task))
        }
    }

    @Test func refusalsSayWhy() {
        let known = Self.plan(Self.twinWeeks)
        let removed = Array(Self.doc("# Plan", "### Week 1", "- [ ] Read chapter 1", "### Week 2", "- [ ] Read chapter 2", "- [ ] Review").utf8)
        #expect(throws: PlanFile.Refusal(task: Self.id("1.2"), title: "Review", reason: .ambiguous(lines: [6]))) {
            try PlanFile.tick(removed, task: Self.id("1.2"), known: known, done: true)
        }
        let refusal = PlanFile.Refusal(task: Self.id("1.2"), title: "Review", reason: .ambiguous(lines: [6]))
        #expect(refusal.description == "task 1.2 'Review' cannot be told apart in the plan file: it is not at its place, and its text (line 6) was or is shared by several tasks")
        #expect(PlanFile.Refusal(task: Self.id("1.2"), title: "Review", reason: .notFound).description
            == "task 1.2 'Review' is not in the plan file any more: no task has its text, and the task at its place is not it")
        #expect(PlanFile.Refusal(task: Self.id("4.1"), title: "", reason: .unknownTask).description == "the plan has no task 4.1")
    }

    // MARK: - Ticking: one byte

    struct TickRow: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var task: String
        var done: Bool
        var output: [UInt8]
        var testDescription: String { name }

        init(_ name: String, _ input: [UInt8], _ task: String, done: Bool = true, _ output: [UInt8]) {
            self.name = name
            self.input = input
            self.task = task
            self.done = done
            self.output = output
        }

        init(_ name: String, _ input: String, _ task: String, done: Bool = true, _ output: String) {
            self.init(name, Array(input.utf8), task, done: done, Array(output.utf8))
        }
    }

    static let tickRows: [TickRow] = [
        TickRow("LF", "# P\n### Week 1\n- [ ] a\n- [ ] b\n", "1.2", "# P\n### Week 1\n- [ ] a\n- [x] b\n"),
        TickRow("CRLF", "# P\r\n### Week 1\r\n- [ ] a\r\n- [ ] b\r\n", "1.2", "# P\r\n### Week 1\r\n- [ ] a\r\n- [x] b\r\n"),
        TickRow("mixed LF, CRLF and CR", "# P\r\n### Week 1\n- [ ] a\r- [ ] b\r\n", "1.2", "# P\r\n### Week 1\n- [ ] a\r- [x] b\r\n"),
        TickRow("CR only", "# P\r### Week 1\r- [ ] a\r", "1.1", "# P\r### Week 1\r- [x] a\r"),
        TickRow("NEL, LS, PS and FF as line breaks", "# P\u{2028}### Week 1\u{85}- [ ] a\u{2029}- [ ] b\u{0C}- [ ] c", "1.3",
                "# P\u{2028}### Week 1\u{85}- [ ] a\u{2029}- [ ] b\u{0C}- [x] c"),
        TickRow("byte order mark", "\u{FEFF}# P\r\n### Week 1\r\n- [ ] a\r\n", "1.1", "\u{FEFF}# P\r\n### Week 1\r\n- [x] a\r\n"),
        TickRow("no final line break", "# P\n### Week 1\n- [ ] a\n- [ ] b", "1.2", "# P\n### Week 1\n- [ ] a\n- [x] b"),
        TickRow("Unicode text", "# Planifié 📦\n### Week 1\n- [ ] Lire « PostgreSQL » 📦\n- [ ] Cafe\u{301} ☕ 東京\n", "1.2",
                "# Planifié 📦\n### Week 1\n- [ ] Lire « PostgreSQL » 📦\n- [x] Cafe\u{301} ☕ 東京\n"),
        TickRow("tabs and a * marker", "# P\n### Week 1\n\t* [ ]\tb\n", "1.1", "# P\n### Week 1\n\t* [x]\tb\n"),
        TickRow("a + item is prose to the parser, never ticked", "# P\n### Week 1\n+ [ ] b\n- [ ] b\n", "1.1",
                "# P\n### Week 1\n+ [ ] b\n- [x] b\n"),
        TickRow("a box inside the text is text", "# P\n### Week 1\n- [ ] check [ ] and [x]\n", "1.1",
                "# P\n### Week 1\n- [x] check [ ] and [x]\n"),
        TickRow("nested under another task", "# P\n### Week 1\n- [ ] a\n  - [ ] sub\n", "1.2", "# P\n### Week 1\n- [ ] a\n  - [x] sub\n"),
        TickRow("[x] already done", "# P\n### Week 1\n- [x] a\n", "1.1", "# P\n### Week 1\n- [x] a\n"),
        TickRow("[X] counts as done", "# P\n### Week 1\n- [X] a\n", "1.1", "# P\n### Week 1\n- [X] a\n"),
        TickRow("[X] unticked writes a space", "# P\n### Week 1\n- [X] a\n", "1.1", done: false, "# P\n### Week 1\n- [ ] a\n"),
        TickRow("[x] unticked", "# P\r\n### Week 1\r\n- [x] a\r\n", "1.1", done: false, "# P\r\n### Week 1\r\n- [ ] a\r\n"),
        TickRow("[ ] already undone", "# P\n### Week 1\n- [ ] a\n", "1.1", done: false, "# P\n### Week 1\n- [ ] a\n"),
        TickRow("invalid UTF-8 elsewhere is kept byte for byte",
                Array("# P\n".utf8) + [0xFF, 0xFE, 0x0A] + Array("### Week 1\n- [ ] a ".utf8) + [0xC3, 0x0A] + Array("- [ ] b ".utf8) + [0xE2, 0x80],
                "1.2",
                Array("# P\n".utf8) + [0xFF, 0xFE, 0x0A] + Array("### Week 1\n- [ ] a ".utf8) + [0xC3, 0x0A] + Array("- [x] b ".utf8) + [0xE2, 0x80]),
    ]

    @Test(arguments: tickRows)
    func tick(row: TickRow) throws {
        let known = Self.plan(String(decoding: row.input, as: UTF8.self))
        let tick = try PlanFile.tick(row.input, task: Self.id(row.task), known: known, done: row.done)
        #expect(tick.bytes == row.output)
        #expect(tick.changed == (row.input != row.output))
        #expect(tick.bytes.count == row.input.count)
        #expect(zip(tick.bytes, row.input).count { $0 != $1 } == (tick.changed ? 1 : 0))
    }

    // MARK: - The write-back race: the tick goes onto the file as it is now

    struct RaceRow: Sendable, CustomTestStringConvertible {
        var name: String
        var onDisk: String
        /// The file written, or nil when nothing is (already so).
        var written: Result<String?, PlanFile.Refusal.Reason>
        var testDescription: String { name }
    }

    /// pgtrack last read `base`; the user marks 1.2 "Install PostgreSQL" done; the file on disk is now `onDisk`.
    static let raceRows: [RaceRow] = [
        RaceRow(name: "nothing changed", onDisk: base,
                written: .success(base.replacingOccurrences(of: "- [ ] Install", with: "- [x] Install"))),
        RaceRow(name: "the user ticked another box meanwhile",
                onDisk: base.replacingOccurrences(of: "- [ ] Read chapter 1", with: "- [x] Read chapter 1"),
                written: .success(base.replacingOccurrences(of: "- [ ] Read chapter 1", with: "- [x] Read chapter 1")
                    .replacingOccurrences(of: "- [ ] Install", with: "- [x] Install"))),
        RaceRow(name: "the user added a task above",
                onDisk: base.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] New first\n"),
                written: .success(base.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] New first\n")
                    .replacingOccurrences(of: "- [ ] Install", with: "- [x] Install"))),
        RaceRow(name: "the user edited its wording",
                onDisk: base.replacingOccurrences(of: "Install PostgreSQL", with: "Install PostgreSQL 17"),
                written: .success(base.replacingOccurrences(of: "- [ ] Install PostgreSQL", with: "- [x] Install PostgreSQL 17"))),
        RaceRow(name: "the user's editor saved it with CRLF",
                onDisk: base.replacingOccurrences(of: "\n", with: "\r\n"),
                written: .success(base.replacingOccurrences(of: "\n", with: "\r\n").replacingOccurrences(of: "- [ ] Install", with: "- [x] Install"))),
        RaceRow(name: "the user ticked it already", onDisk: base.replacingOccurrences(of: "- [ ] Install", with: "- [X] Install"),
                written: .success(nil)),
        RaceRow(name: "the user removed it", onDisk: base.replacingOccurrences(of: "- [ ] Install PostgreSQL\n", with: ""),
                written: .failure(.notFound)),
        RaceRow(name: "the user saved a file that does not parse",
                onDisk: base.replacingOccurrences(of: "### Week 2", with: "### Week 3"),
                written: .failure(.notAPlan(PlanError(file: "plan.md", line: 7,
                                                      message: "expected '### Week 2' (weeks are numbered in order), found '### Week 3'")))),
    ]

    @Test(arguments: raceRows)
    func writeBackRace(row: RaceRow) {
        let known = Self.plan(Self.base) // what pgtrack last read
        let outcome = Result { () throws(PlanFile.Refusal) in
            try PlanFile.tick(Array(row.onDisk.utf8), task: Self.id("1.2"), known: known, done: true)
        }
        switch (outcome, row.written) {
        case (.success(let tick), .success(let written)):
            #expect(tick.changed == (written != nil))
            #expect(tick.bytes == Array((written ?? row.onDisk).utf8))
        case (.failure(let refusal), .failure(let reason)):
            #expect(refusal.reason == reason)
        default:
            Issue.record("\(outcome) is not \(row.written)")
        }
    }

    // MARK: - Reading ticks back

    struct ChangesRow: Sendable, CustomTestStringConvertible {
        var name: String
        var known: String = PlanFileTests.base
        var now: String
        var boxes: [(String, String, Bool)] = []
        var added: [String] = []
        var removed: [String] = []
        var moved: [(String, String)] = []
        var edited: [String] = []
        var needsReflow = false
        var testDescription: String { name }
    }

    static let changesRows: [ChangesRow] = [
        ChangesRow(name: "unchanged", now: base),
        ChangesRow(name: "a box ticked in an editor that saves CRLF",
                   now: base.replacingOccurrences(of: "- [ ] Install", with: "- [x] Install").replacingOccurrences(of: "\n", with: "\r\n"),
                   boxes: [("1.2", "1.2", true)]),
        ChangesRow(name: "[X] unticked", known: base.replacingOccurrences(of: "- [ ] Review", with: "- [X] Review"), now: base,
                   boxes: [("2.2", "2.2", false)]),
        ChangesRow(name: "wording edited and ticked: the same task",
                   now: base.replacingOccurrences(of: "- [ ] Install PostgreSQL", with: "- [x] Install PostgreSQL 17"),
                   boxes: [("1.2", "1.2", true)], edited: ["1.2"]),
        ChangesRow(name: "a task added: the plan re-flows",
                   now: base.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] New first\n"),
                   added: ["1.1"], moved: [("1.1", "1.2"), ("1.2", "1.3"), ("1.3", "1.4")], needsReflow: true),
        ChangesRow(name: "a task removed", now: base.replacingOccurrences(of: "- [ ] Install PostgreSQL\n", with: ""),
                   removed: ["1.2"], moved: [("1.3", "1.2")], needsReflow: true),
        ChangesRow(name: "moved to another week and ticked there",
                   now: doc("# Plan", "## Stage", "### Week 1", "- [ ] Read chapter 1", "- [ ] Write queries",
                            "### Week 2", "- [ ] Read chapter 2", "- [ ] Review", "- [x] Install PostgreSQL"),
                   boxes: [("1.2", "2.3", true)], moved: [("1.2", "2.3"), ("1.3", "1.2")], needsReflow: true),
        ChangesRow(name: "twin weeks: week 1's removed, week 2's stays itself", known: twinWeeks,
                   now: doc("# Plan", "### Week 1", "- [ ] Read chapter 1", "### Week 2", "- [ ] Read chapter 2", "- [x] Review"),
                   boxes: [("2.2", "2.2", true)], removed: ["1.2"], needsReflow: true),
        ChangesRow(name: "an empty week added", now: base + "### Week 3\n", needsReflow: true),
        ChangesRow(name: "a heading renamed: no task changes", now: base.replacingOccurrences(of: "## Stage", with: "## Basics")),
    ]

    @Test(arguments: changesRows)
    func changes(row: ChangesRow) throws {
        let changes = try PlanFile.changes(from: Self.plan(row.known), to: Array(row.now.utf8), file: "plan.md", maxTasksPerWeek: 5)
        #expect(changes.plan == (try PlanParser.parse(row.now, file: "plan.md")))
        #expect(changes.boxes == row.boxes.map { PlanFile.Changes.Box(task: Self.id($0.0), now: Self.id($0.1), done: $0.2) })
        #expect(changes.added == row.added.map(Self.id))
        #expect(changes.removed == row.removed.map(Self.id))
        #expect(changes.moved == row.moved.map { PlanFile.Changes.Move(from: Self.id($0.0), to: Self.id($0.1)) })
        #expect(changes.edited == row.edited.map(Self.id))
        #expect(changes.needsReflow == row.needsReflow)
    }

    @Test(arguments: [
        (Array("# Plan\n### Week 1\n- [ ] a ".utf8) + [0xFF, 0x0A], PlanError(file: "plan.md", line: 0, message: "expected UTF-8 text")),
        (Array("# Plan\n### Week 2\n".utf8), PlanError(file: "plan.md", line: 2, message: "expected '### Week 1' (weeks are numbered in order), found '### Week 2'")),
        (Array("# Plan\n### Week 1\n- [] a\n".utf8), PlanError(file: "plan.md", line: 3, message: "expected a task '- [ ] text' or '- [x] text'")),
        (Array("# Plan\n### Week 1\n- [ ] a\n- [ ] b\n- [ ] c\n".utf8),
         PlanError(file: "plan.md", line: 5, message: "expected at most 2 tasks in week 1 (one per study slot), found more")),
    ])
    func changesOfAFileThatIsNoPlan(bytes: [UInt8], error: PlanError) {
        #expect(throws: error) {
            try PlanFile.changes(from: Self.plan(Self.base), to: bytes, file: "plan.md", maxTasksPerWeek: 2)
        }
    }

    // MARK: - Random edits

    /// A small deterministic generator (SplitMix64), so that a failure is reproducible.
    struct Random {
        var state: UInt64
        mutating func next(_ n: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(n))
        }
    }

    /// A task as the test tracks it through edits: `uid` is who it really is.
    struct Item {
        var uid: Int
        var title: String
        var checked: Bool
    }

    static func render(_ weeks: [[Item]], crlf: Bool) -> String {
        var lines = ["# Plan"]
        for (w, items) in weeks.enumerated() {
            lines.append("### Week \(w + 1)")
            lines += items.map { "- [\($0.checked ? "x" : " ")] \($0.title)" }
        }
        return lines.joined(separator: crlf ? "\r\n" : "\n") + (crlf ? "\r\n" : "\n")
    }

    /// Random plans edited at random: moves, inserts, removals, ticks and (in one half)
    /// wording edits. Whatever the rule matches, a tick changes exactly that task's box;
    /// the read-back pairs tasks one to one; and with no wording edited, every task still
    /// in the file is found and is itself (a removed one may only read as an edit of a
    /// new task at its place, the rule's stated blind spot).
    @Test(arguments: 0..<4)
    func randomEdits(seed: Int) throws {
        var random = Random(state: UInt64(seed) &* 7919)
        let words = ["Read", "Write", "Review", "Install", "Test", "Tune", "Index", "Back up"]
        for round in 0..<400 {
            let wordingEdits = round % 2 == 1
            let sharedTexts = round % 4 >= 2
            var uid = 0
            func item() -> Item {
                uid += 1
                let title = sharedTexts ? words[random.next(words.count)] : "\(words[random.next(words.count)]) \(uid)"
                return Item(uid: uid, title: title, checked: random.next(3) == 0)
            }
            var weeks = (0..<(1 + random.next(3))).map { _ in (0..<random.next(5)).map { _ in item() } }
            let known = Self.plan(Self.render(weeks, crlf: false))
            let knownUIDs = weeks.flatMap { $0.map(\.uid) }
            for _ in 0..<(1 + random.next(3)) {
                let w = random.next(weeks.count)
                switch random.next(wordingEdits ? 6 : 5) {
                case 0: weeks[w].insert(item(), at: random.next(weeks[w].count + 1))
                case 1: if !weeks[w].isEmpty { weeks[w].remove(at: random.next(weeks[w].count)) }
                case 2: if weeks[w].count > 1 { weeks[w].swapAt(random.next(weeks[w].count), random.next(weeks[w].count)) }
                case 3:
                    if !weeks[w].isEmpty {
                        let moved = weeks[w].remove(at: random.next(weeks[w].count))
                        let to = random.next(weeks.count)
                        weeks[to].insert(moved, at: random.next(weeks[to].count + 1))
                    }
                case 4: if !weeks[w].isEmpty { weeks[w][random.next(weeks[w].count)].checked.toggle() }
                default: if !weeks[w].isEmpty { weeks[w][random.next(weeks[w].count)].title += " (edited)" }
                }
            }
            let text = Self.render(weeks, crlf: random.next(2) == 0)
            let bytes = Array(text.utf8)
            let now = Self.plan(text)
            let nowUIDs = weeks.flatMap { $0.map(\.uid) }

            let changes = try PlanFile.changes(from: known, to: bytes, file: "plan.md", maxTasksPerWeek: .max)
            let targets = known.tasks.compactMap { try? PlanFile.match($0.id, known: known, in: now).task.id }
            #expect(Set(targets).count == targets.count, "two known tasks matched one in round \(round): \(text)")
            #expect(known.tasks.count - changes.removed.count + changes.added.count == now.tasks.count)

            for (k, task) in known.tasks.enumerated() {
                guard let location = try? PlanFile.locate(task.id, known: known, in: bytes) else {
                    if !wordingEdits, !sharedTexts { #expect(!nowUIDs.contains(knownUIDs[k]), "task \(task.id) lost in round \(round): \(text)") }
                    continue
                }
                let truth = nowUIDs[now.tasks.firstIndex { $0.id == location.id }!]
                if !wordingEdits, !sharedTexts, truth != knownUIDs[k] {
                    #expect(location.match == .edited && !nowUIDs.contains(knownUIDs[k]), "task \(task.id) found as another in round \(round): \(text)")
                }
                let tick = try PlanFile.tick(bytes, task: task.id, known: known, done: !location.checked)
                #expect(zip(tick.bytes, bytes).count { $0 != $1 } == 1)
                let after = Self.plan(String(decoding: tick.bytes, as: UTF8.self))
                for (a, b) in zip(after.tasks, now.tasks) {
                    #expect(a.checked == (a.id == location.id ? !b.checked : b.checked))
                }
            }
        }
    }

    // MARK: - The atomic write

    static func mode(_ path: String) -> mode_t {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_mode & 0o7777 : 0
    }

    static func inode(_ path: String) -> ino_t {
        var st = stat()
        return stat(path, &st) == 0 ? st.st_ino : 0
    }

    static func contents(_ dir: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
    }

    static func bytes(_ path: String) -> [UInt8] { Files.read(path) ?? [] }

    @Test func updateKeepsModeAndLineEndings() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/plan.md"
        let crlf = Self.base.replacingOccurrences(of: "\n", with: "\r\n")
        try Files.writeAtomically(Array(crlf.utf8), to: path, mode: 0o640)
        let tick = try PlanFile.update(path, task: Self.id("1.2"), known: Self.plan(Self.base), done: true)
        #expect(tick.changed)
        #expect(Self.bytes(path) == Array(crlf.replacingOccurrences(of: "- [ ] Install", with: "- [x] Install").utf8))
        #expect(Self.mode(path) == 0o640)
        #expect(Self.contents(dir) == ["plan.md"])

        // Already so: nothing is written, the file is the same file.
        let before = Self.inode(path)
        #expect(try PlanFile.update(path, task: Self.id("1.2"), known: Self.plan(Self.base), done: true).changed == false)
        #expect(Self.inode(path) == before)

        // Undone puts back the space, and only it.
        _ = try PlanFile.update(path, task: Self.id("1.2"), known: Self.plan(Self.base), done: false)
        #expect(Self.bytes(path) == Array(crlf.utf8))
    }

    /// Run as root (pgtrackd as a system service), the user's file stays theirs.
    @Test(.enabled(if: geteuid() == 0)) func updateAsRootKeepsTheOwner() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/plan.md"
        try Files.writeAtomically(Array(Self.base.utf8), to: path, mode: 0o600)
        #expect(chown(path, 1234, 2345) == 0)
        _ = try PlanFile.update(path, task: Self.id("1.1"), known: Self.plan(Self.base), done: true)
        var st = stat()
        #expect(stat(path, &st) == 0)
        #expect(st.st_uid == 1234 && st.st_gid == 2345)
        #expect(Self.mode(path) == 0o600)
    }

    /// A note linked in from a dotfile or sync folder: the target is replaced, the link stays.
    @Test func updateThroughASymbolicLink() throws {
        let notes = Fixture.temporaryDirectory()
        let config = Fixture.temporaryDirectory()
        let target = notes + "/study.md"
        let link = config + "/plan.md"
        try Files.writeAtomically(Array(Self.base.utf8), to: target, mode: 0o644)
        #expect(symlink("../" + URL(fileURLWithPath: notes).lastPathComponent + "/study.md", link) == 0)
        _ = try PlanFile.update(link, task: Self.id("2.1"), known: Self.plan(Self.base), done: true)
        #expect(Files.kind(of: link) == S_IFLNK)
        #expect(Self.bytes(target) == Array(Self.base.replacingOccurrences(of: "- [ ] Read chapter 2", with: "- [x] Read chapter 2").utf8))
        #expect(Self.mode(target) == 0o644)
        #expect(Self.contents(notes) == ["study.md"])
        #expect(Self.contents(config) == ["plan.md"])
    }

    @Test func writeRefusesWhatIsNotAFile() throws {
        let dir = Fixture.temporaryDirectory()
        #expect(symlink(dir + "/missing.md", dir + "/dangling.md") == 0)
        #expect(throws: FileError.self) { try PlanFile.write([0x61], to: dir + "/dangling.md") }
        #expect(throws: FileError.self) { try PlanFile.write([0x61], to: dir + "/missing.md") }
        #expect(throws: FileError("it is a directory, not a regular file", .invalidArgument, explained: true)) {
            try PlanFile.write([0x61], to: dir)
        }
        #expect(Self.contents(dir) == ["dangling.md"])
    }

    /// A file its owner made read-only (0444) is not replaced: an editor would ask first.
    @Test func writeRefusesAReadOnlyFile() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/plan.md"
        try Files.writeAtomically(Array(Self.base.utf8), to: path, mode: 0o444)
        #expect(throws: PlanFile.WriteError.file(path: path, FileError("it is read-only (mode 444); make it writable to have its boxes ticked",
                                                                        .permissionDenied, explained: true))) {
            try PlanFile.update(path, task: Self.id("1.1"), known: Self.plan(Self.base), done: true)
        }
        #expect(Self.bytes(path) == Array(Self.base.utf8) && Self.mode(path) == 0o444)
        #expect(Self.contents(dir) == ["plan.md"])
    }

    /// The file changed between the read and the rename: nothing is replaced, and the caller
    /// is told to start again (`update` does).
    @Test func writeRefusesWhenTheFileChangedMeanwhile() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/plan.md"
        try Files.writeAtomically(Array("edited by the user\n".utf8), to: path, mode: 0o640)
        #expect(throws: FileError("it changed while it was being written", .resourceTemporarilyUnavailable, explained: true)) {
            try PlanFile.write(Array("pgtrack's tick\n".utf8), to: path, expected: Array("what pgtrack read\n".utf8))
        }
        #expect(Self.bytes(path) == Array("edited by the user\n".utf8))
        #expect(Self.contents(dir) == ["plan.md"])
        try PlanFile.write(Array("pgtrack's tick\n".utf8), to: path, expected: Array("edited by the user\n".utf8))
        #expect(Self.bytes(path) == Array("pgtrack's tick\n".utf8))
        #expect(Self.mode(path) == 0o640)
    }

    @Test func updateRefusesATaskItCannotFind() throws {
        let dir = Fixture.temporaryDirectory()
        let path = dir + "/plan.md"
        let text = Array(Self.base.replacingOccurrences(of: "- [ ] Install PostgreSQL\n", with: "").utf8)
        try Files.writeAtomically(text, to: path, mode: 0o600)
        #expect(throws: PlanFile.WriteError.refused(PlanFile.Refusal(task: Self.id("1.2"), title: "Install PostgreSQL", reason: .notFound))) {
            try PlanFile.update(path, task: Self.id("1.2"), known: Self.plan(Self.base), done: true)
        }
        #expect(Self.bytes(path) == text)
    }
}
