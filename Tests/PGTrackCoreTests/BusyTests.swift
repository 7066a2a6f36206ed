import Foundation
@testable import PGTrackCore
import Testing

/// `schedule.busy`: a slot overlapping a busy event moves to its end, or is lost past
/// `schedule.latest`; its task then slides as over a blackout date.
@Suite struct BusyTests {
    func w(_ week: Int, _ day: Int) -> SlotID { SlotID(week: week, day: day) }
    func d(_ m: Int, _ day: Int) -> LocalDate { LocalDate(year: 2027, month: m, day: day) }
    func at(_ m: Int, _ day: Int, _ h: Int, _ min: Int = 0) -> Date { Fixture.berlin.instant(d(m, day), TimeOfDay(hour: h, minute: min)) }
    func event(_ m: Int, _ day: Int, _ h1: Int, _ m1: Int, _ h2: Int, _ m2: Int, _ summary: String = "Late meeting") -> BusyEvent {
        BusyEvent(start: at(m, day, h1, m1), end: at(m, day, h2, m2), summary: summary)
    }
    func input(_ busy: [BusyEvent], latest: TimeOfDay? = nil) -> ScheduleInput {
        var settings = Config.ScheduleSettings()
        if let latest { settings.latest = latest }
        var i = Fixture.input(settings: settings)
        i.busy = BusyTimes(busy)
        return i
    }

    // Tuesday 2027-01-05 is w01d2, 18:00–18:30.
    @Test(arguments: [
        // (busy from, busy to, where the slot starts) in minutes after 17:00
        (30, 75, 75),    // over the slot's start
        (75, 105, 105),  // over its end
        (70, 80, 80),    // inside it
        (0, 60, 60),     // ends as the slot starts: no overlap
        (90, 120, 60),   // starts as the slot ends: no overlap
        (-60, 240, 240), // around it: after it, 21:00
    ])
    func aSlotMovesToTheEndOfTheEventInItsWay(busy: (Int, Int, Int)) {
        let base = at(1, 5, 17)
        let e = BusyEvent(start: base.addingTimeInterval(Double(busy.0 * 60)), end: base.addingTimeInterval(Double(busy.1 * 60)), summary: "Late meeting")
        let s = Scheduler.compute(input([e]))
        let slot = s.slot(w(1, 2))!
        #expect(slot.start == base.addingTimeInterval(Double(busy.2 * 60)))
        #expect(slot.duration == 30 * 60)
        #expect(slot.note == (busy.2 == 60 ? nil : "after Late meeting"))
        #expect(slot.task == TaskID(week: 1, index: 2) && slot.state == .scheduled)
        // The other slots are where they were.
        #expect(s.slot(w(1, 1))?.start == at(1, 4, 18) && s.slot(w(1, 3))?.start == at(1, 6, 18))
    }

    @Test func eventsInARowPushTheSlotPastAll() {
        let s = Scheduler.compute(input([event(1, 5, 18, 0, 19, 0, "Review"), event(1, 5, 18, 45, 19, 30, "1:1"), event(1, 5, 19, 30, 19, 45, "Call")]))
        #expect(s.slot(w(1, 2))?.start == at(1, 5, 19, 45))
        #expect(s.slot(w(1, 2))?.note == "after Call")
    }

    @Test func pastLatestTheSlotIsLostAndItsTaskSlides() {
        // 18:00–21:40: the slot would end 22:10, after 22:00.
        let lost = Scheduler.compute(input([event(1, 5, 17, 30, 21, 40)]))
        #expect(lost.slot(w(1, 2)) == nil && lost.lostToBusy == [w(1, 2): "Late meeting"])
        // The same as if Tuesday were a blackout date.
        var blackout = Fixture.input()
        blackout.blackouts.insert(d(1, 5))
        let expected = Scheduler.compute(blackout)
        #expect(lost.slots.map(\.id) == expected.slots.map(\.id))
        #expect(lost.slots.map(\.task) == expected.slots.map(\.task))
        // Nothing is "behind": a busy evening is not the user's slip.
        #expect(lost.behind(at: Fixture.beforeStart) == 0)
        // Ending exactly at `latest` is fine; a later `latest` keeps the slot.
        let fits = Scheduler.compute(input([event(1, 5, 17, 30, 21, 30)]))
        #expect(fits.slot(w(1, 2))?.start == at(1, 5, 21, 30))
        let later = Scheduler.compute(input([event(1, 5, 17, 30, 21, 40)], latest: TimeOfDay(hour: 23, minute: 0)))
        #expect(later.slot(w(1, 2))?.start == at(1, 5, 21, 40))
    }

    @Test func anAllDayEventTakesTheSlot() {
        let allDay = BusyEvent(start: at(1, 6, 0), end: at(1, 8, 0), summary: "Offsite") // Wed and Thu
        let s = Scheduler.compute(input([allDay]))
        #expect(s.slot(w(1, 3)) == nil && s.slot(w(1, 4)) == nil)
        #expect(s.slot(w(1, 5))?.task == TaskID(week: 1, index: 3))
    }

    @Test func theRuleFollowsTheWallClockAcrossDST() {
        // Berlin goes to summer time on Sunday 2027-03-28; Monday 29 is w13d1.
        let s = Scheduler.compute(input([event(3, 29, 17, 45, 18, 20)]))
        #expect(s.slot(w(13, 1))?.start == at(3, 29, 18, 20))
        #expect(s.slot(w(12, 5))?.start == at(3, 26, 18, 0))
    }

    @Test func doneSkippedAndPausedSlotsAreNotLost() throws {
        var i = Fixture.input(now: at(1, 6, 20))
        i = try Fixture.apply([.complete(w(1, 1)), .skip(w(1, 2), reason: "ill"), .pause(from: d(1, 7), to: d(1, 7), reason: nil)], to: i)
        i.busy = BusyTimes([BusyEvent(start: at(1, 4, 0), end: at(1, 8, 0), summary: "Away")])
        let s = Scheduler.compute(i)
        #expect(s.slot(w(1, 1))?.state == .done && s.slot(w(1, 1))?.start == at(1, 4, 18)) // studied there after all
        #expect(s.slot(w(1, 2))?.state == .skipped && s.slot(w(1, 4))?.state == .paused)
        #expect(s.slot(w(1, 3)) == nil) // the one open slot in the way is lost
    }

    @Test func aRescheduleOntoABusyTimeIsRefused() throws {
        let i = input([event(1, 7, 20, 0, 21, 0)])
        #expect(throws: ScheduleError.self) { try i.event(for: .reschedule(w(1, 2), to: at(1, 7, 20, 30))) }
        do {
            _ = try i.event(for: .reschedule(w(1, 2), to: at(1, 7, 20, 30)))
        } catch {
            #expect("\(error)".contains("Late meeting") && "\(error)".contains("busy calendar"))
        }
        #expect((try? i.event(for: .reschedule(w(1, 2), to: at(1, 7, 21, 0)))) != nil)
    }

    @Test func aRescheduledSlotMovesWhenABusyEventComesLater() throws {
        // w01d2 moved to Thursday 20:00, beside w01d4 at 18:00; then a meeting lands 19:30–20:15.
        var i = try Fixture.apply([.reschedule(w(1, 2), to: at(1, 7, 20, 0))], to: Fixture.input())
        i.busy = BusyTimes([event(1, 7, 19, 30, 20, 15), event(1, 7, 17, 50, 18, 10, "Standup")])
        let s = Scheduler.compute(i)
        #expect(s.slot(w(1, 2))?.start == at(1, 7, 20, 15) && s.slot(w(1, 2))?.note == "after Late meeting")
        #expect(s.slot(w(1, 4))?.start == at(1, 7, 18, 10) && s.slot(w(1, 4))?.note == "after Standup")
        // Moved into another slot's way, the slot goes after that one too.
        var j = try Fixture.apply([.reschedule(w(1, 2), to: at(1, 7, 17, 20))], to: Fixture.input())
        j.busy = BusyTimes([event(1, 7, 17, 0, 17, 55)])
        let t = Scheduler.compute(j)
        #expect(t.slot(w(1, 2))?.start == at(1, 7, 17, 55))
        #expect(t.slot(w(1, 4))?.start == at(1, 7, 18, 25) && t.slot(w(1, 4))?.note == "after another study slot")
        PropertyTests.checkInvariants(t)
    }

    @Test func overlapFindsTheEventThatEndsLast() {
        let times = BusyTimes([BusyEvent(start: at(1, 1, 0), end: at(1, 31, 0), summary: "January"),
                               event(1, 5, 17, 0, 18, 10, "A"), event(1, 5, 18, 5, 18, 20, "B"), event(1, 5, 19, 0, 20, 0, "C")])
        #expect(times.overlap(start: at(1, 5, 18), end: at(1, 5, 18, 30))?.summary == "January")
        let short = BusyTimes(Array(times.events.dropFirst()))
        #expect(short.overlap(start: at(1, 5, 18), end: at(1, 5, 18, 30))?.summary == "B")
        #expect(short.overlap(start: at(1, 5, 18, 20), end: at(1, 5, 19))?.summary == nil)
        #expect(BusyTimes([event(1, 5, 18, 0, 18, 0)]).isEmpty) // no length, no block
    }
}
