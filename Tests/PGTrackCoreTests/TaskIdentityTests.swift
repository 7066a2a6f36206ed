import FoundationEssentials
import Testing
@testable import PGTrackCore

/// A done names its task by position; when the plan file moves the task, the done follows
/// its text (`[LedgerEvent].following`), by the plan file's identity rule.
@Suite struct TaskIdentityTests {
    static let before = """
        # Rust
        ### Week 1
        - [ ] Install rustup
        - [ ] Ownership
        - [ ] Borrowing
        ### Week 2
        - [ ] Traits
        - [ ] Review
        - [ ] Review
        """

    static func plan(_ text: String) -> Plan {
        do { return try PlanParser.parse(text, file: "plan.md") } catch { fatalError("\(error)") }
    }

    static func done(_ task: String, in text: String = before, titled: Bool = true) -> LedgerEvent {
        let id = TaskID(task)!
        return LedgerEvent(id: 1, time: Date(timeIntervalSince1970: 0), kind: .done, slot: SlotID(week: id.week, day: 1), task: id,
                           taskTitle: titled ? plan(text).task(id)?.title : nil)
    }

    struct Row: CustomTestStringConvertible {
        var what: String
        var done: String
        var after: String
        var expected: String
        var titled = true
        var testDescription: String { what }
    }

    static let rows: [Row] = [
        Row(what: "unchanged", done: "1.1", after: before, expected: "1.1"),
        Row(what: "a task added above it", done: "1.1",
            after: before.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] Set up an editor\n"), expected: "1.2"),
        Row(what: "the task above it removed", done: "1.2",
            after: before.replacingOccurrences(of: "- [ ] Install rustup\n", with: ""), expected: "1.1"),
        Row(what: "swapped with the next", done: "1.2",
            after: before.replacingOccurrences(of: "- [ ] Ownership\n- [ ] Borrowing", with: "- [ ] Borrowing\n- [ ] Ownership"), expected: "1.3"),
        Row(what: "moved to another week", done: "1.3",
            after: before.replacingOccurrences(of: "- [ ] Borrowing\n", with: "").replacingOccurrences(of: "- [ ] Traits\n", with: "- [ ] Traits\n- [ ] Borrowing\n"),
            expected: "2.2"),
        Row(what: "its wording edited: the position", done: "1.2",
            after: before.replacingOccurrences(of: "Ownership", with: "Ownership and moves"), expected: "1.2"),
        Row(what: "a text shared in its week: the position", done: "2.2",
            after: before.replacingOccurrences(of: "- [ ] Traits\n", with: ""), expected: "2.2"),
        Row(what: "a text shared by two other weeks: the position", done: "1.1",
            after: before.replacingOccurrences(of: "- [ ] Install rustup\n", with: "").replacingOccurrences(of: "- [ ] Traits", with: "- [ ] Install rustup\n- [ ] Traits")
                .replacingOccurrences(of: "- [ ] Review\n- [ ] Review", with: "- [ ] Install rustup\n- [ ] Review"),
            expected: "1.1"),
        Row(what: "gone: the position, which the plan no longer has", done: "2.3",
            after: before.replacingOccurrences(of: "\n- [ ] Review\n- [ ] Review", with: ""), expected: "2.3"),
        Row(what: "recorded before texts were kept: the position", done: "1.1",
            after: before.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] Set up an editor\n"), expected: "1.1", titled: false),
    ]

    @Test(arguments: rows) func aDoneFollowsItsTask(_ row: Row) {
        let events = [Self.done(row.done, titled: row.titled)]
        #expect(events.following(Self.plan(row.after))[0].task?.description == row.expected)
    }

    /// Only dones are followed, and an event whose task is where it was is the same event.
    @Test func otherEventsAreLeftAsTheyAre() {
        let skip = LedgerEvent(id: 2, time: Date(timeIntervalSince1970: 0), kind: .skip, slot: SlotID(week: 1, day: 2), task: TaskID(week: 1, index: 2))
        let events = [Self.done("1.1"), skip]
        #expect(events.following(Self.plan(Self.before)) == events)
        let added = Self.plan(Self.before.replacingOccurrences(of: "### Week 1\n", with: "### Week 1\n- [ ] Set up an editor\n"))
        #expect(events.following(added)[1] == skip)
    }
}
