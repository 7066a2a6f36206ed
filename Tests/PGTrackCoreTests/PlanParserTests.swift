import Glibc
import PGTrackPlatform
import Foundation
import Testing
@testable import PGTrackCore

@Suite struct PlanParserTests {
    @Test func defaultPlanCounts() throws {
        let plan = try PlanParser.builtIn()
        #expect(plan.title == "PostgreSQL Mastery Tracker – 20 Week Plan (30 min/day, 5 days/week)")
        #expect(plan.weeks.count == 20)
        #expect(plan.stages.count == 4)
        #expect(plan.tasks.count == 90)
        let short = plan.weeks.filter { $0.tasks.count == 3 }.map(\.number)
        #expect(short == [13, 14, 17])
        #expect(plan.weeks.filter { $0.tasks.count == 4 }.map(\.number) == [15, 18, 19, 20])
        #expect(plan.weeks.filter { $0.tasks.count == 5 }.count == 13)
        #expect(plan.task(TaskID(week: 3, index: 3))?.title == "Create GIN, composite, and partial indexes")
        #expect(plan.stage(ofWeek: 9)?.plainTitle == "Stage 2: Performance & Tuning (Weeks 6–9)")
        #expect(plan.stage(ofWeek: 10)?.number == 3)
        #expect(plan.tasks.allSatisfy { !$0.checked })
    }

    /// The embedded copy must be the shipped resource byte for byte (scripts/embed, `make embed`).
    @Test func embeddedPlanEqualsResource() throws {
        let resource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/PGTrackCore/Plan/Resources/postgresql-20-weeks.md")
        let text = try String(contentsOf: resource, encoding: .utf8)
        #expect(text == DefaultPlan.text)
    }

    @Test(arguments: [
        ("", 0, "expected a '# Title' line; the file has none"),
        ("# T\n", 0, "expected at least one '### Week 1' section; the file has none"),
        ("### Week 1\n- [ ] a\n", 1, "expected '# Title' before '### Week 1'"),
        ("# T\n## S\n### Week 2\n", 3, "expected '### Week 1' (weeks are numbered in order), found '### Week 2'"),
        ("# T\n## S\n### Week 1\n- [ ] a\n### Week 3\n", 5, "expected '### Week 2' (weeks are numbered in order), found '### Week 3'"),
        ("# T\n## S\n### Wek 1\n", 3, "expected '### Week 1', found '### Wek 1'"),
        ("# T\n## S\n- [ ] a\n", 3, "expected a '### Week N' heading before the first task"),
        ("# T\n## S\n### Week 1\n- [] a\n", 4, "expected a task '- [ ] text' or '- [x] text'"),
        ("# T\n## S\n### Week 1\n- [y] a\n", 4, "expected '[ ]' or '[x]' in a task, found '[y]'"),
        ("# T\n## S\n### Week 1\n- [ ]\n", 4, "expected the task's text after '[ ]'"),
        ("# T\n## S\n### Week 1\n- plain item\n", 4, "expected a task '- [ ] text' or '- [x] text'"),
        ("# T\n# U\n", 2, "expected one '# Title', found a second one"),
        ("## S\n", 1, "expected '# Title' before the first stage"),
        ("# T\n## S\n#### Notes\n", 3, "expected '#', '##' or '### Week N', found a level-4 heading"),
        ("# T\n## S\n### Week 1\n- [ ] 1\n- [ ] 2\n- [ ] 3\n- [ ] 4\n- [ ] 5\n- [ ] 6\n", 9,
         "expected at most 5 tasks in week 1 (one per study slot), found more"),
    ])
    func malformed(text: String, line: Int, message: String) {
        #expect(throws: PlanError(file: "plan.md", line: line, message: message)) {
            try PlanParser.parse(text, file: "plan.md", maxTasksPerWeek: 5)
        }
    }

    @Test func errorNamesFileAndLine() {
        let e = PlanError(file: "/p/plan.md", line: 7, message: "expected x")
        #expect(e.description == "/p/plan.md:7: expected x")
    }

    @Test func anyPlanOfTheShape() throws {
        let text = "# Rust\r\n\n## 🦀 Basics\n### Week 1\n- [x] Read the book\n* [ ] Write `hello`\n\nSome prose.\n---\n### Week 2\n## Advanced\n### Week 3\n- [X] Async\n"
        let plan = try PlanParser.parse(text, file: "r.md", maxTasksPerWeek: 5)
        #expect(plan.weeks.map(\.tasks.count) == [2, 0, 1])
        #expect(plan.tasks.map(\.id.description) == ["1.1", "1.2", "3.1"])
        #expect(plan.tasks.map(\.checked) == [true, false, true])
        #expect(plan.tasks.map(\.line) == [5, 6, 13])
        #expect(plan.stages.map(\.plainTitle) == ["Basics", "Advanced"])
        #expect(plan.weeks[2].stageIndex == 1)
    }

    /// Notepad and other Windows editors begin a UTF-8 file with a byte order mark.
    @Test func aByteOrderMarkIsNotText() throws {
        let plan = try PlanParser.parse("\u{FEFF}# Rust\r\n### Week 1\r\n- [ ] Read\r\n", file: "r.md")
        #expect(plan.title == "Rust")
        #expect(plan.tasks.map(\.line) == [3])
        // Only at the very start: elsewhere U+FEFF is text, and a title made of it is still prose.
        #expect(throws: PlanError.self) { try PlanParser.parse("\n\u{FEFF}# Rust\n### Week 1\n", file: "r.md") }
    }

    /// People write `# Title`, `### Week 1`, tasks: one stage, named after the plan.
    @Test func aPlanWithoutStagesHasOneNamedAfterIt() throws {
        let plan = try PlanParser.parse("# Learn Go\n\n### Week 1\n- [ ] Tour of Go\n- [x] Install\n### Week 2\n- [ ] Modules\n",
                                        file: "go.md", maxTasksPerWeek: 5)
        #expect(plan.stages == [Stage(number: 1, title: "Learn Go", isImplicit: true)])
        #expect(plan.weeks.map(\.stageIndex) == [0, 0])
        #expect(plan.tasks.map(\.id.description) == ["1.1", "1.2", "2.1"])
        #expect(plan.stage(ofWeek: 2)?.title == "Learn Go")
    }

    @Test func fiftyTwoWeeksAtMost() throws {
        var text = "# T\n## S\n"
        for w in 1...53 { text += "### Week \(w)\n" }
        #expect(throws: PlanError(file: "f", line: 55, message: "expected at most 52 weeks, found '### Week 53'")) {
            try PlanParser.parse(text, file: "f")
        }
    }

    /// A plan file that cannot be read says why (it said only "cannot read the plan file").
    @Test func anUnreadablePlanFileSaysWhy() throws {
        let dir = Fixture.temporaryDirectory()
        #expect(mkfifo(dir + "/fifo.md", 0o600) == 0)
        let rows: [(String, String)] = [
            (dir, "cannot read the plan file: it is a directory, not a regular file"),
            (dir + "/fifo.md", "cannot read the plan file: it is a FIFO, not a regular file"),
            (dir + "/missing.md", "cannot read the plan file: cannot open it (No such file or directory)"),
        ]
        for (path, message) in rows {
            #expect(throws: PlanError(file: path, line: 0, message: message)) { try PlanParser.load(path: path) }
        }
    }

    /// Every reply that names a task or a stage carries its text: a 1.2 MB task saved in
    /// the editor made every pgtrackctl command fail with ReplyTooLarge (hostile battery).
    @Test func headingsAndTasksAreBoundedButProseIsNot() throws {
        let long = String(repeating: "é", count: 600) // 1,200 bytes
        let rows: [(String, Int)] = [("# \(long)\n", 1), ("# T\n## \(long)\n", 2), ("# T\n### Week 1\n- [ ] \(long)\n", 3),
                                     ("# T\n### Week 1\n* [x] \(long)\n", 3)]
        for (text, line) in rows {
            #expect(throws: PlanError(file: "f", line: line, message: "expected a heading or task of at most 1024 bytes, found \(long.utf8.count + text.split(separator: "\n")[line - 1].utf8.count - long.utf8.count)")) {
                try PlanParser.parse(text, file: "f")
            }
        }
        let fits = String(repeating: "x", count: 1018)
        #expect(try PlanParser.parse("# T\n\(long)\n### Week 1\n- [ ] \(fits)\n", file: "f").tasks[0].title == fits)
        var stages = "# T\n"
        for n in 1...53 { stages += "## S\(n)\n### Week \(n)\n" }
        #expect(throws: PlanError(file: "f", line: 106, message: "expected at most 52 stages, found more")) {
            try PlanParser.parse(stages, file: "f")
        }
    }

    @Test(arguments: [
        ("Create `PL/pgSQL` functions", "Create PL/pgSQL functions"),
        ("Read *The Art of PostgreSQL*", "Read The Art of PostgreSQL"),
        ("Use `pg_stat_statements`, `pg_stat_io`", "Use pg_stat_statements, pg_stat_io"),
        ("Use pg_stat_io and _this_", "Use pg_stat_io and this"),
        ("**bold** and `a*b`", "bold and a*b"),
    ])
    func plainText(markdown: String, plain: String) {
        #expect(Markdown.plain(markdown) == plain)
    }

    @Test(arguments: ["3.2", "12.5", "1.1"])
    func taskIDRoundTrip(text: String) {
        #expect(TaskID(text)?.description == text)
    }

    @Test(arguments: ["", "3", "3.", ".2", "0.1", "1.0", "a.b", "1.2.3"])
    func badTaskIDs(text: String) {
        #expect(TaskID(text) == nil)
    }
}
