import FoundationEssentials
import Testing
@testable import PGTrackCore

/// The reminder policy of a started slot: not told to start again, still told when it ends.
@Suite struct ReminderTests {
    let z = Fixture.berlin
    let offsets: [ReminderOffset] = [.start(-600), .start(0), .end(0)]

    func at(_ hour: Int, _ minute: Int) -> Date {
        z.instant(Fixture.start, TimeOfDay(hour: hour, minute: minute)) // w01d1 runs 18:00–18:30
    }

    /// Applies each change at its own time, as the daemon records them.
    func schedule(_ changes: [(Date, Change)]) throws -> Schedule {
        var input = Fixture.input()
        for (time, change) in changes {
            input.now = time
            input = try Fixture.apply([change], to: input)
        }
        return Scheduler.compute(input)
    }

    func keys(_ s: Schedule) -> [String] {
        Reminders.all(s, offsets: offsets).filter { $0.slot == SlotID(week: 1, day: 1) }
            .map { String($0.key.split(separator: "@").last!) }
    }

    let w01d1 = SlotID(week: 1, day: 1)

    @Test func anUnstartedSlotHasAllItsReminders() throws {
        #expect(try keys(schedule([])) == ["-10m", "0m", "end"])
    }

    /// Started at 17:52 from the -10m bubble: the 18:00 "now" is dropped, the one before
    /// (already shown) and the end stay.
    @Test func aStartDropsTheRemindersFromTheStartAfterIt() throws {
        #expect(try keys(schedule([(at(17, 52), .start(w01d1))])) == ["-10m", "end"])
        // Started late, at 18:05: the "now" at 18:00 had its time; nothing changes.
        #expect(try keys(schedule([(at(18, 5), .start(w01d1))])) == ["-10m", "0m", "end"])
    }

    @Test func anUndoneStartBringsThemBack() throws {
        #expect(try keys(schedule([(at(17, 52), .start(w01d1)), (at(17, 53), .undo)])) == ["-10m", "0m", "end"])
    }

    /// Snoozed at 17:50 until 18:10, started at 17:55: the start supersedes the snooze.
    @Test func aStartSupersedesAnEarlierSnooze() throws {
        let snoozed = try schedule([(at(17, 50), .snooze(w01d1, until: at(18, 10)))])
        #expect(keys(snoozed) == ["snooze-\(Int(at(18, 10).timeIntervalSince1970))", "end"])
        let started = try schedule([(at(17, 50), .snooze(w01d1, until: at(18, 10))), (at(17, 55), .start(w01d1))])
        // The -10m (shown at 17:50, before the start) is back in the list, as fired.
        #expect(keys(started) == ["-10m", "end"])
        #expect(started.slot(w01d1)?.snoozedUntil == nil)
    }

    /// Snoozed at 17:50 for ten minutes: the 18:00 reminder is the snooze's, one bubble.
    @Test func aSnoozeEndingAtAReminderReplacesIt() throws {
        let s = try schedule([(at(17, 50), .snooze(w01d1, until: at(18, 0)))])
        #expect(keys(s) == ["snooze-\(Int(at(18, 0).timeIntervalSince1970))", "end"])
    }

    /// The end's bubble snoozed after the start: that snooze is the user's, and stays.
    @Test func aSnoozeAfterTheStartStays() throws {
        let s = try schedule([(at(17, 55), .start(w01d1)), (at(18, 30), .snooze(w01d1, until: at(18, 40)))])
        #expect(keys(s) == ["snooze-\(Int(at(18, 40).timeIntervalSince1970))"])
    }

    /// What the daemon sends at 18:00 after a start at 17:55: nothing.
    @Test func nothingIsDueAtTheStartOfAStartedSlot() throws {
        let s = try schedule([(at(17, 55), .start(w01d1))])
        let batch = Reminders.due(s, offsets: offsets, lateLimit: Span(seconds: 300), fired: [Reminder.key(s.slot(w01d1)!, "-10m")],
                                  now: at(18, 0))
        #expect(batch == ReminderBatch())
    }
}
