import Foundation
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Testing
import Varlink

/// Issue 26: the learning log, a pure function of the slots and stages as the API shows them.
@Suite struct JournalTests {
    typealias S = Slots

    static func slot(_ id: String, _ state: SlotState, _ task: String? = nil, stage: String = "📦 Stage 1: Basics",
                     note: String? = nil, minutes: Int? = nil) -> API.Slot {
        var s = S.slot(id, state, task)
        s.task?.stage = stage
        s.studyNote = note
        s.minutesSpent = minutes
        return s
    }

    static let stages = [API.StageProgress(number: 1, title: "📦 Stage 1: Basics", done: 2, total: 4),
                         API.StageProgress(number: 2, title: "Stage 2: More | less", done: 1, total: 2)]

    static let slots = [
        slot("w01d1", .done, "1.1", note: "MVCC at last\nnext: ch. 3", minutes: 45),
        slot("w01d2", .skipped, note: "ill | tired"),
        slot("w01d3", .done, "1.2"),
        slot("w01d4", .scheduled, "1.3"),
        slot("w01d5", .scheduled, "1.4", note: "prepare: read <b>ch. 4</b>"),
        slot("w02d1", .done, "2.1", stage: "Stage 2: More | less", minutes: 30),
        slot("w02d2", .catchUp),
    ]

    static func journal(week: Int? = nil, stage: Int? = nil) -> Journal {
        Journal(slots: slots, stages: stages, start: LocalDate(year: 2027, month: 1, day: 4), zone: S.utc, week: week, stage: stage)
    }

    @Test func entriesAndTotals() {
        let j = Self.journal()
        #expect(j.weeks.map(\.number) == [1, 2])
        #expect(j.weeks[0].entries.map(\.slot) == ["w01d1", "w01d2", "w01d3", "w01d5"], "done or noted")
        #expect(j.weeks[0].entries.map(\.stage) == [1, nil, 1, 1])
        #expect(j.weeks[0].entries[1].planned == 30 && j.weeks[0].entries[1].spent == nil)
        var week1 = Journal.Totals()
        week1.sessions = 2; week1.planned = 60; week1.spent = 45; week1.untimed = 1
        #expect(j.weeks[0].totals == week1)
        #expect(j.stages.map(\.totals.sessions) == [2, 1] && j.stages.map(\.totals.spent) == [45, 30])
        #expect(j.total.sessions == 3 && j.total.planned == 90 && j.total.spent == 75 && j.total.untimed == 1)
        #expect(j.weeks[1].from == LocalDate(year: 2027, month: 1, day: 11) && j.weeks[1].to == LocalDate(year: 2027, month: 1, day: 17))
    }

    @Test func selections() {
        let week2 = Self.journal(week: 2)
        #expect(week2.weeks.map(\.number) == [2] && week2.stages.map(\.number) == [2])
        let stage1 = Self.journal(stage: 1)
        #expect(stage1.weeks.flatMap(\.entries).map(\.slot) == ["w01d1", "w01d3", "w01d5"], "a slot without a task is in no stage")
        #expect(stage1.stages.map(\.number) == [1])
        #expect(Self.journal(week: 3).isEmpty && Self.journal(week: 3).text(style: .plain) == "Nothing in the journal for week 3.\n")
    }

    @Test func text() {
        #expect(Self.journal().text(style: .plain) == """
            Week 1 · Mon 2027-01-04 to Sun 2027-01-10
            DATE            SLOT   PLANNED  SPENT   TASK
            Mon 2027-01-04  w01d1  30 min   45 min  1.1 Task 1.1
                            MVCC at last
                            next: ch. 3
            Tue 2027-01-05  w01d2  -        -       (skipped)
                            ill | tired
            Wed 2027-01-06  w01d3  30 min   -       1.2 Task 1.2
            Fri 2027-01-08  w01d5  -        -       1.4 Task 1.4
                            prepare: read <b>ch. 4</b>
            Week 1: 2 sessions · 60 min planned · 45 min spent (1 not timed)

            Week 2 · Mon 2027-01-11 to Sun 2027-01-17
            DATE            SLOT   PLANNED  SPENT   TASK
            Mon 2027-01-11  w02d1  30 min   30 min  2.1 Task 2.1
            Week 2: 1 session · 30 min planned · 30 min spent

            STAGE                 SESSIONS  PLANNED  SPENT
            Stage 1: Basics       2         60 min   45 min (1 not timed)
            Stage 2: More | less  1         30 min   30 min
            Total                 3         90 min   75 min (1 not timed)

            """)
    }

    /// A note cannot drive the terminal: control characters that came from elsewhere are
    /// shown as U+FFFD, as everything pgtrackctl prints.
    @Test func textIsPrintable() {
        let j = Journal(slots: [Self.slot("w01d1", .done, "1.1", note: "a\u{1B}[2Jb\u{202E}c")], stages: Self.stages,
                        start: LocalDate(year: 2027, month: 1, day: 4), zone: S.utc)
        #expect(j.text(style: .plain).contains("a\u{FFFD}[2Jb\u{FFFD}c\n"))
    }

    @Test func markdownEscapesTheNotes() {
        let md = Self.journal().markdown(level: 2)
        #expect(md.hasPrefix("## Learning log\n\n### Week 1 · Mon 2027-01-04 to Sun 2027-01-10\n\n| Date | Slot | Task | Planned | Spent | Note |\n"))
        #expect(md.contains("| Mon 2027-01-04 | w01d1 | 1.1 Task 1.1 | 30 | 45 | MVCC at last<br>next: ch. 3 |\n"))
        #expect(md.contains("| Tue 2027-01-05 | w01d2 | (skipped) |  |  | ill \\| tired |\n"))
        #expect(md.contains("| Fri 2027-01-08 | w01d5 | 1.4 Task 1.4 |  |  | prepare: read \\<b\\>ch. 4\\</b\\> |\n"))
        #expect(md.contains("| Stage 2: More \\| less | 1 | 30 min | 30 min |\n"))
        #expect(md.contains("\nWeek 1: 2 sessions · 60 min planned · 45 min spent (1 not timed).\n"))
        #expect(md.hasSuffix("| Total | 3 | 90 min | 75 min (1 not timed) |\n"))
        #expect(Self.journal(week: 9).markdown() == "# Learning log\n\nNothing recorded yet.\n")
    }

    @Test(arguments: [
        ("plain words", "plain words"),
        ("a | b", "a \\| b"),
        ("<script>alert(1)</script>", "\\<script\\>alert(1)\\</script\\>"),
        ("*not* _emphasis_ `code` [link](x) ![img](y)", "\\*not\\* \\_emphasis\\_ \\`code\\` \\[link\\](x) \\!\\[img\\](y)"),
        ("back\\slash & amp; # ~ $", "back\\\\slash \\& amp; \\# \\~ \\$"),
        ("two\nlines", "two<br>lines"),
    ])
    func markdownText(text: String, escaped: String) {
        #expect(Journal.markdownText(text) == escaped)
    }

    @Test func json() throws {
        let json = Self.journal().json
        let week1 = try #require(json["weeks"]?.array?.first)
        #expect(week1["week"]?.int == 1 && week1["from"]?.string == "2027-01-04" && week1["sessions"]?.int == 2)
        let first = try #require(week1["entries"]?.array?.first)
        #expect(first["slot"]?.string == "w01d1" && first["date"]?.string == "2027-01-04" && first["state"]?.string == "done")
        #expect(first["planned"]?.int == 30 && first["spent"]?.int == 45 && first["note"]?.string == "MVCC at last\nnext: ch. 3")
        #expect(first["task"]?["id"]?.string == "1.1" && first["stage"]?.int == 1)
        let skipped = try #require(week1["entries"]?.array?[1])
        #expect(skipped["task"]?.isNull == true && skipped["spent"]?.isNull == true && skipped["stage"]?.isNull == true)
        #expect(json["stages"]?.array?.map { $0["number"]?.int } == [1, 2])
        #expect(json["total"]?["spent"]?.int == 75 && json["total"]?["untimed"]?.int == 1)
        // It parses back as JSON.
        #expect(try JSON.parse(json.pretty()) == json)
    }
}
