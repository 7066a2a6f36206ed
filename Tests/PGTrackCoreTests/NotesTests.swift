import Foundation
import Testing
@testable import PGTrackCore

/// Issue 26: a study note and the minutes spent go with a slot; `start` lets `done`
/// measure them. All of it is ledger events, undone like any change.
@Suite struct NotesTests {
    func w(_ week: Int, _ day: Int) -> SlotID { SlotID(week: week, day: day) }

    /// Monday of week 1 at `hh:mm`, Berlin.
    func monday(_ hour: Int, _ minute: Int = 0) -> Date { Fixture.berlin.instant(Fixture.start, TimeOfDay(hour: hour, minute: minute)) }

    func at(_ input: ScheduleInput, _ now: Date) -> ScheduleInput {
        var i = input
        i.now = now
        return i
    }

    // MARK: - Sanitising

    @Test(arguments: [
        ("plain", "plain"),
        ("CR LF\r\nand CR\rand LF\n", "CR LF\nand CR\nand LF"),
        ("\ttab in front, tab\tinside", " tab in front, tab inside"),
        ("colour \u{1B}[31mred\u{1B}[0m, bell\u{07}, DEL\u{7F}, NEL\u{85}.", "colour [31mred[0m, bell, DEL, NEL."),
        ("trailing spaces   \nkept  indentation\n    like this", "trailing spaces\nkept  indentation\n    like this"),
        ("\n\n  \nblank lines at the ends go\n\n\nbetween them stay\n \n\n", "blank lines at the ends go\n\n\nbetween them stay"),
        ("Unicode: é 日本語 🙂 עברית", "Unicode: é 日本語 🙂 עברית"),
        ("<script>alert(1)</script> & \"quotes\"; a, b\\c", "<script>alert(1)</script> & \"quotes\"; a, b\\c"),
        ("   \n\t\n", ""),
    ])
    func studyNoteIsCleaned(text: String, kept: String) throws {
        #expect(try ScheduleInput.studyNote(text) == kept)
    }

    @Test func studyNoteLimits() throws {
        #expect(throws: ScheduleError.invalidNote("a note may not contain a NUL character")) { try ScheduleInput.studyNote("a\u{0}b") }
        let longest = String(repeating: "x", count: ScheduleInput.maxNoteBytes)
        #expect(try ScheduleInput.studyNote(longest) == longest)
        #expect(throws: ScheduleError.invalidNote("a note may have at most 4096 bytes (UTF-8), this one has 4097")) {
            try ScheduleInput.studyNote(longest + "y")
        }
        // Bytes, not characters: 1366 CJK characters are 4098 bytes.
        #expect(throws: ScheduleError.invalidNote("a note may have at most 4096 bytes (UTF-8), this one has 4098")) {
            try ScheduleInput.studyNote(String(repeating: "日", count: 1366))
        }
        // Spaces trimmed away do not count against it.
        #expect(try ScheduleInput.studyNote(longest + "   \n\n") == longest)
        for bad in [-1, 1441, Int.max] {
            #expect(throws: ScheduleError.invalidTime("minutes spent must be 0 to 1440 (a day), not \(bad)")) { try ScheduleInput.minutesSpent(bad) }
        }
        #expect(try ScheduleInput.minutesSpent(0) == 0 && ScheduleInput.minutesSpent(1440) == 1440)
    }

    // MARK: - Done with a note and minutes

    @Test func doneRecordsTheNoteAndTheMinutes() throws {
        let input = try Fixture.apply([.complete(w(1, 1), note: "MVCC at last\r\nnext: ch. 3", minutes: 45)], to: Fixture.input())
        let event = try #require(input.events.last)
        #expect(event.kind == .done && event.text == "MVCC at last\nnext: ch. 3" && event.minutes == 45)
        let slot = try #require(Scheduler.compute(input).slot(w(1, 1)))
        #expect(slot.state == .done && slot.studyNote == "MVCC at last\nnext: ch. 3" && slot.minutesSpent == 45)
        #expect(slot.startedAt == nil && slot.note == nil, "the busy note is another field")
        // A blank note is no note.
        let blank = try Fixture.apply([.complete(w(1, 2), note: " \n ")], to: input)
        #expect(blank.events.last?.text == nil && Scheduler.compute(blank).slot(w(1, 2))?.studyNote == nil)
        #expect(throws: ScheduleError.invalidTime("minutes spent must be 0 to 1440 (a day), not 1500")) {
            try input.event(for: .complete(w(1, 3), minutes: 1500))
        }
        #expect(throws: ScheduleError.invalidNote("a note may not contain a NUL character")) {
            try input.event(for: .complete(w(1, 3), note: "\u{0}"))
        }
    }

    @Test func doneMeasuresTheMinutesFromTheStart() throws {
        var input = at(Fixture.input(), monday(17, 58))
        input = try Fixture.apply([.start(w(1, 1))], to: input)
        #expect(Scheduler.compute(input).slot(w(1, 1))?.startedAt == monday(17, 58))
        #expect(Scheduler.compute(input).slot(w(1, 1))?.state == .scheduled, "a start changes no state")
        // 18:39:40 is 41.7 minutes later: 42.
        let done = try Fixture.apply([.complete(w(1, 1))], to: at(input, monday(18, 39).addingTimeInterval(40)))
        #expect(done.events.last?.minutes == 42)
        #expect(Scheduler.compute(done).slot(w(1, 1))?.minutesSpent == 42)
        // --minutes wins over the measure.
        let given = try Fixture.apply([.complete(w(1, 1), minutes: 30)], to: at(input, monday(18, 39)))
        #expect(given.events.last?.minutes == 30)
        // A start left running overnight: at most four times the slot's 30 minutes.
        let overnight = try Fixture.apply([.complete(w(1, 1))], to: at(input, monday(23, 30).addingTimeInterval(8 * 3600)))
        #expect(overnight.events.last?.minutes == 120)
        // Without a start nothing is measured; a start of another slot does not count.
        let other = try Fixture.apply([.start(w(1, 2)), .complete(w(1, 1))], to: at(Fixture.input(), monday(18, 20)))
        #expect(other.events.last?.minutes == nil)
        // The latest start counts; an undone one does not.
        var twice = try Fixture.apply([.start(w(1, 1))], to: at(Fixture.input(), monday(17, 0)))
        twice = try Fixture.apply([.start(w(1, 1))], to: at(twice, monday(18, 0)))
        #expect(try Fixture.apply([.complete(w(1, 1))], to: at(twice, monday(18, 25))).events.last?.minutes == 25)
        let undone = try Fixture.apply([.undo, .complete(w(1, 1))], to: at(twice, monday(18, 25)))
        #expect(undone.events.last?.minutes == 85)
    }

    @Test func startIsRefusedWhereDoneWouldBe() throws {
        let input = try Fixture.apply([.complete(w(1, 1)), .skip(w(1, 2), reason: nil)], to: Fixture.input())
        #expect(throws: ScheduleError.alreadyDone(w(1, 1))) { try input.event(for: .start(w(1, 1))) }
        #expect(throws: ScheduleError.skipped(w(1, 2))) { try input.event(for: .start(w(1, 2))) }
        #expect(throws: ScheduleError.noSuchSlot("w30d1")) { try input.event(for: .start(w(30, 1))) }
        let spare = try #require(Scheduler.compute(input).slots.first { $0.state == .catchUp })
        #expect(throws: ScheduleError.noTask(spare.id)) { try input.event(for: .start(spare.id)) }
        let paused = try Fixture.apply([.pause(from: Fixture.start.adding(days: 7), to: Fixture.start.adding(days: 7), reason: nil)], to: input)
        #expect(throws: ScheduleError.paused(w(2, 1))) { try paused.event(for: .start(w(2, 1))) }
    }

    // MARK: - Notes on any slot, undone like any change

    @Test func noteAddsReplacesAndRemoves() throws {
        var input = try Fixture.apply([.complete(w(1, 1), note: "first", minutes: 40)], to: Fixture.input())
        input = try Fixture.apply([.note(w(1, 1), text: "second")], to: input)
        #expect(Scheduler.compute(input).slot(w(1, 1))?.studyNote == "second")
        // Undo brings the done's own note back; another undo takes the done with it.
        var undone = try Fixture.apply([.undo], to: input)
        #expect(Scheduler.compute(undone).slot(w(1, 1))?.studyNote == "first")
        undone = try Fixture.apply([.undo], to: undone)
        let open = try #require(Scheduler.compute(undone).slot(w(1, 1)))
        #expect(open.state == .scheduled && open.studyNote == nil && open.minutesSpent == nil)
        // An empty text removes it.
        let removed = try Fixture.apply([.note(w(1, 1), text: "")], to: input)
        #expect(removed.events.last?.kind == .note && removed.events.last?.text == nil)
        #expect(Scheduler.compute(removed).slot(w(1, 1))?.studyNote == nil)
        // Any slot: a skipped one, a spare one.
        let skipped = try Fixture.apply([.skip(w(1, 3), reason: "ill"), .note(w(1, 3), text: "too tired")], to: input)
        #expect(Scheduler.compute(skipped).slot(w(1, 3))?.studyNote == "too tired")
        let spare = try #require(Scheduler.compute(input).slots.first { $0.state == .catchUp })
        #expect(Scheduler.compute(try Fixture.apply([.note(spare.id, text: "read ahead")], to: input)).slot(spare.id)?.studyNote == "read ahead")
        #expect(throws: ScheduleError.noSuchSlot("w30d1")) { try input.event(for: .note(w(30, 1), text: "x")) }
    }

    @Test func reopenKeepsTheNoteAndDropsTheMinutes() throws {
        let input = try Fixture.apply([.complete(w(1, 1), note: "half of it", minutes: 20), .reopen(w(1, 1))], to: Fixture.input())
        let slot = try #require(Scheduler.compute(input).slot(w(1, 1)))
        #expect(slot.state == .scheduled && slot.studyNote == "half of it" && slot.minutesSpent == nil)
    }

    @Test func startAndNoteAreUndoable() throws {
        let input = try Fixture.apply([.start(w(1, 1)), .note(w(1, 2), text: "x")], to: Fixture.input())
        #expect(input.events.lastUndoable?.kind == .note)
        let once = try Fixture.apply([.undo], to: input)
        #expect(once.events.last?.target == input.events.last?.id)
        #expect(once.events.lastUndoable?.kind == .started)
        let twice = try Fixture.apply([.undo], to: once)
        #expect(Scheduler.compute(twice).slot(w(1, 1))?.startedAt == nil)
    }

    /// Notes and starts say something about a slot and move nothing: the schedule with
    /// them is the schedule without them, but for the notes and starts themselves.
    @Test func notesAndStartsMoveNothing() throws {
        let changes: [Change] = [.complete(w(1, 1)), .skip(w(1, 2), reason: nil), .complete(w(1, 3)), .skip(w(2, 1), reason: nil),
                                 .reschedule(w(3, 2), to: Fixture.berlin.instant(LocalDate(year: 2027, month: 1, day: 23), TimeOfDay(hour: 10, minute: 0)))]
        let plain = try Fixture.apply(changes, to: Fixture.input())
        var noted = Fixture.input()
        for (i, change) in changes.enumerated() {
            noted = try Fixture.apply([change], to: noted)
            let slot = Scheduler.compute(noted).slots[(i * 7) % 30]
            noted = try Fixture.apply([.note(slot.id, text: "note \(i)")], to: noted)
            if let open = Scheduler.compute(noted).slots.first(where: { $0.state == .scheduled && $0.task != nil && $0.id.week == i + 1 }) {
                noted = try Fixture.apply([.start(open.id)], to: noted)
            }
        }
        func shape(_ s: Schedule) -> [String] { s.slots.map { "\($0.id) \($0.state) \($0.task?.description ?? "-") \($0.start) \($0.end)" } }
        #expect(shape(Scheduler.compute(noted)) == shape(Scheduler.compute(plain)))
        #expect(Scheduler.compute(noted).slots.filter { $0.studyNote != nil }.count == 5)
    }
}
