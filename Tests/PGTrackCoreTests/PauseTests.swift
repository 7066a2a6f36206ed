import Foundation
@testable import PGTrackCore
import Testing

/// `pgtrackctl pause`: every slot on the paused dates is out; tasks slide as after skips.
@Suite struct PauseTests {
    func w(_ week: Int, _ day: Int) -> SlotID { SlotID(week: week, day: day) }
    func d(_ m: Int, _ day: Int) -> LocalDate { LocalDate(year: 2027, month: m, day: day) }

    @Test func aPauseInsideAWeekSlidesLikeTwoSkips() throws {
        let paused = Scheduler.compute(try Fixture.apply([.pause(from: d(1, 12), to: d(1, 13), reason: "conference")], to: Fixture.input()))
        let skipped = Scheduler.compute(try Fixture.apply([.skip(w(2, 2), reason: nil), .skip(w(2, 3), reason: nil)], to: Fixture.input()))
        #expect(paused.slot(w(2, 2))?.state == .paused && paused.slot(w(2, 3))?.state == .paused)
        #expect(paused.slot(w(2, 2))?.reason == "conference" && paused.slot(w(2, 2))?.task == nil)
        #expect(paused.slot(w(2, 1))?.state == .scheduled && paused.slot(w(2, 4))?.state == .scheduled)
        // The tasks go where two skips would send them.
        #expect(paused.slots.map(\.task) == skipped.slots.map(\.task))
        #expect(paused.behind(at: Fixture.beforeStart) == skipped.behind(at: Fixture.beforeStart) && paused.projectedFinish == skipped.projectedFinish)
    }

    @Test func acrossTheDSTChangeTheOtherSlotsKeepTheirWallClock() throws {
        // Berlin goes to summer time on Sunday 2027-03-28; pause Fri 26 to Tue 30.
        let s = Scheduler.compute(try Fixture.apply([.pause(from: d(3, 26), to: d(3, 30), reason: nil)], to: Fixture.input()))
        #expect([w(12, 5), w(13, 1), w(13, 2)].allSatisfy { s.slot($0)?.state == .paused })
        #expect(s.slot(w(12, 4))?.state == .scheduled && s.slot(w(13, 3))?.state == .scheduled)
        let z = Fixture.berlin
        #expect(s.slot(w(12, 4))?.start == z.instant(d(3, 25), TimeOfDay(hour: 18, minute: 0)))
        #expect(s.slot(w(13, 3))?.start == z.instant(d(3, 31), TimeOfDay(hour: 18, minute: 0)))
        #expect(s.slot(w(13, 3))!.start.timeIntervalSince(s.slot(w(12, 4))!.start) == 6 * 86400 - 3600)
    }

    @Test func doneAndSkippedSlotsStayAsTheyWere() throws {
        var input = Fixture.input(now: Fixture.berlin.instant(d(1, 5), TimeOfDay(hour: 18, minute: 40)))
        input = try Fixture.apply([.complete(w(1, 2)), .skip(w(1, 3), reason: "ill"), .pause(from: d(1, 4), to: d(1, 8), reason: "away")], to: input)
        let s = Scheduler.compute(input)
        #expect(s.slot(w(1, 2))?.state == .done && s.slot(w(1, 2))?.task == TaskID(week: 1, index: 1))
        #expect(s.slot(w(1, 3))?.state == .skipped && s.slot(w(1, 3))?.reason == "ill")
        #expect([w(1, 1), w(1, 4), w(1, 5)].allSatisfy { s.slot($0)?.state == .paused })
    }

    @Test func overlappingPausesAreOneRange() throws {
        let two = Scheduler.compute(try Fixture.apply([.pause(from: d(1, 11), to: d(1, 13), reason: "a"),
                                                      .pause(from: d(1, 12), to: d(1, 15), reason: "b")], to: Fixture.input()))
        let one = Scheduler.compute(try Fixture.apply([.pause(from: d(1, 11), to: d(1, 15), reason: "a")], to: Fixture.input()))
        #expect(two.slots.map(\.state) == one.slots.map(\.state))
        #expect(two.slots.map(\.task) == one.slots.map(\.task))
        #expect(two.slot(w(2, 2))?.reason == "a" && two.slot(w(2, 4))?.reason == "b") // the first pause covering a day names it
    }

    @Test func undoAndResume() throws {
        let plain = Scheduler.compute(Fixture.input())
        let undone = Scheduler.compute(try Fixture.apply([.pause(from: d(1, 11), to: d(1, 22), reason: nil), .undo], to: Fixture.input()))
        #expect(undone.slots == plain.slots)
        // Paused for two weeks from Monday 11; on Wednesday 13 the user is back.
        var input = try Fixture.apply([.pause(from: d(1, 11), to: d(1, 22), reason: nil)], to: Fixture.input())
        input.now = Fixture.berlin.instant(d(1, 13), TimeOfDay(hour: 9, minute: 0))
        input = try Fixture.apply([.resume], to: input)
        let s = Scheduler.compute(input)
        #expect([w(2, 1), w(2, 2)].allSatisfy { s.slot($0)?.state == .paused })
        #expect(s.slot(w(2, 3))?.state == .scheduled && s.slot(w(3, 1))?.state == .scheduled)
        #expect(input.events.last?.from == d(1, 13) && input.events.last?.to == d(1, 22))
        // Undo the resume: paused again to the 22nd.
        let again = Scheduler.compute(try Fixture.apply([.undo], to: input))
        #expect(again.slot(w(3, 5))?.state == .paused)
    }

    @Test func refusedPauses() throws {
        let input = Fixture.input(now: Fixture.berlin.instant(d(2, 10), TimeOfDay(hour: 12, minute: 0)))
        #expect(throws: ScheduleError.invalidTime("a pause must not end before today (2027-02-09 is over)")) {
            try input.event(for: .pause(from: d(2, 1), to: d(2, 9), reason: nil))
        }
        #expect(throws: ScheduleError.invalidTime("a pause from 2027-02-12 cannot end before it starts (2027-02-11)")) {
            try input.event(for: .pause(from: d(2, 12), to: d(2, 11), reason: nil))
        }
        #expect(throws: ScheduleError.invalidTime("a pause may last 366 days at most; 2027-02-10 to 2028-02-11 is 367")) {
            try input.event(for: .pause(from: d(2, 10), to: LocalDate(year: 2028, month: 2, day: 11), reason: nil))
        }
        #expect(throws: ScheduleError.notPaused(d(2, 10))) { try input.event(for: .resume) }
        #expect(throws: ScheduleError.invalidReason("a reason may not contain a NUL character")) {
            try input.event(for: .pause(from: d(2, 10), to: d(2, 10), reason: "a\u{0}b"))
        }
        // A paused slot cannot be skipped, moved or done until the pause is lifted.
        let paused = try Fixture.apply([.pause(from: d(2, 15), to: d(2, 15), reason: nil)], to: input)
        #expect(throws: ScheduleError.paused(w(7, 1))) { try paused.event(for: .skip(w(7, 1), reason: nil)) }
        // Nor can another slot move onto a paused slot's time: a resume would bring both back at once.
        let w07d1 = try #require(Scheduler.compute(paused).slot(w(7, 1)))
        #expect(throws: ScheduleError.overlap(w(7, 2), with: w(7, 1), at: w07d1.start.formatted(in: Fixture.berlin))) {
            try paused.event(for: .reschedule(w(7, 2), to: w07d1.start))
        }
    }
}
