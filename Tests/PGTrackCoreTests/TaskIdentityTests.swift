import FoundationEssentials
import Testing
@testable import PGTrackCore

/// Which task of an edited plan file each task became (`TaskIdentity`), the identity the
/// ledger's dones follow. Each row: a plan, an edit, a task, and the task it is now.
@Suite struct TaskIdentityTests {
    static let before = """
        # Rust
        ### Week 1
        - [ ] Install rustup
        - [ ] Exercises
        - [ ] Borrowing
        ### Week 2
        - [ ] Traits
        - [ ] Exercises
        - [ ] Review
        - [ ] Review
        """

    static func plan(_ text: String) -> Plan {
        do { return try PlanParser.parse(text, file: "plan.md") } catch { fatalError("\(error)") }
    }

    struct Row: CustomTestStringConvertible, Sendable {
        var what: String
        var task: String
        var edits: [(String, String)]
        /// The task it is in the edited plan; nil when it is gone.
        var expected: String?
        var testDescription: String { what }
    }

    static let rows: [Row] = [
        Row(what: "unchanged", task: "1.1", edits: [], expected: "1.1"),
        Row(what: "a task added above it", task: "1.1", edits: [("### Week 1\n", "### Week 1\n- [ ] Set up an editor\n")], expected: "1.2"),
        Row(what: "the task above it removed", task: "1.2", edits: [("- [ ] Install rustup\n", "")], expected: "1.1"),
        Row(what: "swapped with the next", task: "1.2",
            edits: [("- [ ] Exercises\n- [ ] Borrowing", "- [ ] Borrowing\n- [ ] Exercises")], expected: "1.3"),
        Row(what: "moved to another week", task: "1.3",
            edits: [("- [ ] Borrowing\n", ""), ("- [ ] Traits\n", "- [ ] Traits\n- [ ] Borrowing\n")], expected: "2.2"),
        Row(what: "its wording edited", task: "1.3", edits: [("Borrowing", "Borrowing and lifetimes")], expected: "1.3"),
        // The hostile battery's t_edit_steals: week 2 has the old text; the done stays.
        Row(what: "its wording edited, another week has its old text", task: "1.2",
            edits: [("- [ ] Exercises\n- [ ] Borrowing", "- [ ] Exercises for ch. 1\n- [ ] Borrowing")], expected: "1.2"),
        Row(what: "the other week's task with that text is itself", task: "2.2",
            edits: [("- [ ] Exercises\n- [ ] Borrowing", "- [ ] Exercises for ch. 1\n- [ ] Borrowing")], expected: "2.2"),
        // t_delete_steals: deleted, its done does not go to week 2's same text.
        Row(what: "deleted, another week has its text", task: "1.2", edits: [("- [ ] Exercises\n- [ ] Borrowing", "- [ ] Borrowing")], expected: nil),
        Row(what: "a duplicated text added above a duplicated one", task: "2.3",
            edits: [("- [ ] Traits\n", "- [ ] Review\n- [ ] Traits\n")], expected: "2.4"),
        // Two equal texts, one removed: which one cannot be told; as `diff`, the first stays.
        Row(what: "the second of two equal texts, one removed", task: "2.4", edits: [("- [ ] Review\n- [ ] Review", "- [ ] Review")],
            expected: nil),
        Row(what: "the first of two equal texts, one removed", task: "2.3", edits: [("- [ ] Review\n- [ ] Review", "- [ ] Review")],
            expected: "2.3"),
        Row(what: "the last week removed", task: "2.1",
            edits: [("\n### Week 2\n- [ ] Traits\n- [ ] Exercises\n- [ ] Review\n- [ ] Review", "")], expected: nil),
    ]

    @Test(arguments: rows) func aTaskIsWhereTheDiffPutsIt(_ row: Row) {
        var after = Self.before
        for (old, new) in row.edits {
            #expect(after.contains(old), "the edit applies")
            after = after.replacingOccurrences(of: old, with: new)
        }
        let identity = TaskIdentity.follow(from: Self.plan(Self.before), to: Self.plan(after))
        let task = TaskID(row.task)!
        #expect(identity.keys.contains(task))
        #expect(identity[task]??.description == row.expected)
    }

    /// An edit then an insertion above, two saves: followed step by step (t_edit_then_insert).
    @Test func twoEditsFollowedInTurn() {
        let edited = Self.before.replacingOccurrences(of: "Borrowing", with: "Borrowing and lifetimes")
        let inserted = edited.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] Set up an editor\n")
        let first = TaskIdentity.follow(from: Self.plan(Self.before), to: Self.plan(edited))
        let second = TaskIdentity.follow(from: Self.plan(edited), to: Self.plan(inserted))
        #expect(first[TaskID(week: 1, index: 3)]! == TaskID(week: 1, index: 3))
        #expect(second[TaskID(week: 1, index: 3)]! == TaskID(week: 1, index: 4))
    }

    /// The task list the ledger keeps reads back as the same tasks, a week without tasks
    /// and texts with spaces, tabs and Unicode included.
    @Test func theRecordedTaskListReadsBack() throws {
        let plan = Self.plan("# P\n### Week 1\n- [ ] a  b\tc\n### Week 2\n### Week 3\n- [x] “Ünïcode” `code` 1.2 x\n- [ ] 3.1 z\n")
        let back = try #require(Plan(taskList: plan.taskList))
        #expect(back.tasks.map(\.id) == plan.tasks.map(\.id) && back.tasks.map(\.title) == plan.tasks.map(\.title))
        #expect(back.weeks.count == 3 && back.taskList == plan.taskList)
        // A text that begins with a combining mark (the review's case): read by scalars.
        var odd = plan
        odd.weeks[0].tasks[0].title = "\u{301}abc"
        #expect(Plan(taskList: odd.taskList)?.tasks.first?.title == "\u{301}abc")
        #expect(Plan(taskList: "1.2 skipped the first") == nil && Plan(taskList: "x") == nil && Plan(taskList: "2.1 a\n1.1 b") == nil)
    }
}
