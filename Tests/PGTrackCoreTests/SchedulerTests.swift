import Foundation
import Testing
@testable import PGTrackCore

@Suite struct SchedulerTests {
    let w = { (week: Int, day: Int) in SlotID(week: week, day: day) }

    @Test func defaultPlanGivesOneHundredSlots() {
        let s = Scheduler.compute(Fixture.input())
        #expect(s.slots.count == 100)
        let cal = Calendar.gregorian(Fixture.berlin)
        for slot in s.slots {
            let c = cal.dateComponents([.hour, .minute, .weekday], from: slot.start)
            #expect(c.hour == 18 && c.minute == 0)
            #expect((2...6).contains(c.weekday ?? 0), "Monday to Friday")
            #expect(slot.end.timeIntervalSince(slot.start) == 1800)
        }
        #expect(s.slots.first?.id.description == "w01d1")
        #expect(s.slots.last?.id.description == "w20d5")
        #expect(s.slots.filter { $0.state == .scheduled }.count == 90)
        // Weeks 13, 14 and 17 have three tasks, weeks 15, 18, 19 and 20 four: ten catch-up slots.
        #expect(s.slots.filter { $0.state == .catchUp }.map(\.id.description)
                == ["w13d4", "w13d5", "w14d4", "w14d5", "w15d5", "w17d4", "w17d5", "w18d5", "w19d5", "w20d5"])
        #expect(s.slot(w(3, 3))?.task == TaskID(week: 3, index: 3))
        #expect(s.behind(at: Fixture.beforeStart) == 0)
        #expect(s.projectedFinish == s.slot(w(20, 4))?.end, "the last task, 20.4, is in w20d4")
    }

    /// The control API keeps its Status answer until `viewStableUntil`: sweep the first
    /// two weeks (with a skip and a missed slot in them) and check that nothing the
    /// answer shows changes before that instant, and that it is never past a slot start.
    @Test func viewStaysTheSameUntilItsStableBound() throws {
        let base = try Fixture.apply([.skip(w(1, 2), reason: nil)], to: Fixture.input())
        func schedule(_ at: Date) -> Schedule {
            var input = base
            input.now = at
            return Scheduler.compute(input)
        }
        func view(_ at: Date) -> [String] {
            let s = schedule(at)
            return [s.statusLine(now: at, start: Fixture.start, zone: Fixture.berlin), s.current(at: at)?.id.description ?? "-",
                    s.next(after: at)?.id.description ?? "-", "\(s.behind(at: at))", "\(s.doneCount)",
                    "\(LocalDate(at, in: Fixture.berlin))"]
        }
        var t = Fixture.beforeStart
        let end = t.addingTimeInterval(14 * 86400)
        var bounds = 0
        while t < end {
            let s = schedule(t)
            let until = s.viewStableUntil(after: t, zone: Fixture.berlin, grace: base.settings.grace)
            #expect(until > t)
            if let next = s.next(after: t) { #expect(until <= next.start) }
            let seen = view(t)
            for probe in [t.addingTimeInterval(until.timeIntervalSince(t) / 2), until.addingTimeInterval(-1)] where probe > t {
                #expect(view(probe) == seen, "view at \(probe) differs from the one at \(t), stable until \(until)")
            }
            if until.timeIntervalSince(t) < 86400 { bounds += 1 }
            t = t.addingTimeInterval(37 * 60)
        }
        #expect(bounds > 100, "most samples see a bound within a day")
    }

    @Test func oneSkipSlidesUpToWeekThirteenAndNoFurther() throws {
        let before = Scheduler.compute(Fixture.input())
        let after = Scheduler.compute(try Fixture.apply([.skip(w(1, 3), reason: "ill")], to: Fixture.input()))
        #expect(after.slot(w(1, 3))?.state == .skipped)
        #expect(after.slot(w(1, 3))?.reason == "ill")
        #expect(after.slot(w(1, 4))?.task == TaskID(week: 1, index: 3))
        #expect(after.slot(w(2, 1))?.task == TaskID(week: 1, index: 5))
        #expect(after.slot(w(12, 5))?.task == TaskID(week: 12, index: 4))
        #expect(after.slot(w(13, 1))?.task == TaskID(week: 12, index: 5))
        #expect(after.slot(w(13, 4))?.task == TaskID(week: 13, index: 3))
        #expect(after.slot(w(13, 5))?.state == .catchUp)
        // From week 14 on, nothing moved.
        let later = { (s: Schedule) in s.slots.filter { $0.week >= 14 }.map { "\($0.id)=\($0.task?.description ?? "-")" } }
        #expect(later(after) == later(before))
        #expect(after.projectedFinish == before.projectedFinish)
        #expect(after.slots.count == 100)
    }

    @Test func elevenSkipsPushThePlanIntoWeekTwentyOne() throws {
        let skips = (1...5).map { Change.skip(w(1, $0), reason: nil) } + (1...5).map { Change.skip(w(2, $0), reason: nil) }
            + [Change.skip(w(3, 1), reason: nil)]
        let s = Scheduler.compute(try Fixture.apply(skips, to: Fixture.input()))
        // Ten catch-up slots absorb ten slips; the eleventh needs a new slot.
        #expect(s.slots.filter { $0.isExtension }.map(\.id.description) == ["w21d1"])
        #expect(s.slot(w(21, 1))?.task == TaskID(week: 20, index: 4))
        #expect(s.slot(w(21, 1)).map { LocalDate($0.start, in: Fixture.berlin).weekday } == .monday)
        #expect(s.slots.filter { $0.state == .catchUp }.isEmpty)
        let cal = Calendar.gregorian(Fixture.berlin)
        #expect(s.slots.filter(\.isExtension).allSatisfy { cal.component(.hour, from: $0.start) == 18 })
        // Before the start nothing is due; at the end of week 2 (plus grace) ten tasks are,
        // and none is done.
        #expect(s.behind(at: Fixture.beforeStart) == 0)
        #expect(s.behind(at: try #require(s.slot(w(2, 5))).end.addingTimeInterval(7201)) == 10)
        #expect(s.plan.tasks.allSatisfy { s.slotOfTask[$0.id] != nil })
    }

    @Test func rescheduleOntoAnotherSlotIsRefusedNamingIt() throws {
        let input = Fixture.input()
        let target = try #require(Scheduler.compute(input).slot(w(1, 2))).start.addingTimeInterval(600)
        #expect(throws: ScheduleError.overlap(w(1, 1), with: w(1, 2), at: "2027-01-05 18:00")) {
            try input.event(for: .reschedule(w(1, 1), to: target))
        }
    }

    @Test func rescheduleMovesTheSlotAndItsTask() throws {
        let input = Fixture.input()
        let saturday = Fixture.berlin.instant(LocalDate(year: 2027, month: 1, day: 9), TimeOfDay(hour: 10, minute: 0))
        let s = Scheduler.compute(try Fixture.apply([.reschedule(w(1, 1), to: saturday)], to: input))
        let slot = try #require(s.slot(w(1, 1)))
        #expect(slot.start == saturday)
        #expect(slot.end == saturday.addingTimeInterval(1800))
        #expect(slot.task == TaskID(week: 1, index: 1), "a rescheduled slot keeps its place in slot order")
        #expect(s.slots.first?.id == w(1, 1))
        #expect(slot.isRescheduled)
    }

    @Test func rescheduleIntoThePastIsRefused() {
        let input = Fixture.input()
        let past = input.now.addingTimeInterval(-60)
        #expect(throws: ScheduleError.slotInPast(w(2, 1), start: past.formatted(in: Fixture.berlin))) {
            try input.event(for: .reschedule(w(2, 1), to: past))
        }
    }

    @Test func unknownSlotsAreRefused() {
        #expect(throws: ScheduleError.noSuchSlot("w25d1")) { try Fixture.input().event(for: .skip(w(25, 1), reason: nil)) }
    }

    @Test func blackoutDatesRemoveSlots() {
        var settings = Config.ScheduleSettings()
        settings.skipDates = [LocalDate(year: 2027, month: 1, day: 6)] // w01d3
        let s = Scheduler.compute(Fixture.input(settings: settings))
        #expect(s.slot(w(1, 3)) == nil, "the id is left unused so later ids stay stable")
        #expect(s.slots.filter { $0.week == 1 }.map(\.id.description) == ["w01d1", "w01d2", "w01d4", "w01d5"])
        #expect(s.slot(w(1, 4))?.task == TaskID(week: 1, index: 3))
        #expect(s.slots.count == 99)
    }

    @Test func startOnWednesdayStillHasFiveSlotsAWeek() {
        let s = Scheduler.compute(Fixture.input(start: LocalDate(year: 2027, month: 1, day: 6)))
        let week1 = s.slots.filter { $0.week == 1 }
        #expect(week1.count == 5)
        #expect(week1.map { LocalDate($0.start, in: Fixture.berlin).weekday } == [.wednesday, .thursday, .friday, .monday, .tuesday])
    }

    @Test func missedSlotsSlideTheirTaskByDefault() {
        // Tuesday 21:00: Monday's slot ended 27 h ago, Tuesday's 2.5 h ago (grace 2 h).
        let now = Fixture.berlin.instant(LocalDate(year: 2027, month: 1, day: 5), TimeOfDay(hour: 21, minute: 0))
        let s = Scheduler.compute(Fixture.input(now: now))
        #expect(s.slot(w(1, 1))?.state == .missed)
        #expect(s.slot(w(1, 1))?.task == nil)
        #expect(s.slot(w(1, 2))?.state == .missed)
        #expect(s.slot(w(1, 3))?.task == TaskID(week: 1, index: 1))
        #expect(s.behind(at: now) == 2, "two tasks late in the untouched plan, none done")
    }

    @Test func withinGraceTheSlotKeepsItsTask() {
        let now = Fixture.berlin.instant(Fixture.start, TimeOfDay(hour: 20, minute: 29))
        let s = Scheduler.compute(Fixture.input(now: now))
        #expect(s.slot(w(1, 1))?.state == .scheduled)
        #expect(s.slot(w(1, 1))?.task == TaskID(week: 1, index: 1))
    }

    @Test func keepPolicyLeavesTheTaskInTheMissedSlot() {
        var settings = Config.ScheduleSettings()
        settings.onMissed = .keep
        let now = Fixture.berlin.instant(LocalDate(year: 2027, month: 1, day: 5), TimeOfDay(hour: 21, minute: 0))
        let s = Scheduler.compute(Fixture.input(now: now, settings: settings))
        #expect(s.slot(w(1, 1))?.state == .missed)
        #expect(s.slot(w(1, 1))?.task == TaskID(week: 1, index: 1))
        #expect(s.slot(w(1, 3))?.task == TaskID(week: 1, index: 3))
    }

    @Test func doneOnAMissedSlotTakesBackTheTaskItWouldHaveHeld() throws {
        let now = Fixture.berlin.instant(LocalDate(year: 2027, month: 1, day: 5), TimeOfDay(hour: 21, minute: 0))
        let input = try Fixture.apply([.complete(w(1, 1))], to: Fixture.input(now: now))
        let s = Scheduler.compute(input)
        #expect(s.slot(w(1, 1))?.state == .done)
        #expect(s.slot(w(1, 1))?.task == TaskID(week: 1, index: 1))
        #expect(s.slot(w(1, 3))?.task == TaskID(week: 1, index: 2))
    }

    @Test func doneTasksStayAndUndoRestores() throws {
        let base = Fixture.input()
        let done = try Fixture.apply([.complete(w(1, 1)), .skip(w(1, 2), reason: nil)], to: base)
        var s = Scheduler.compute(done)
        #expect(s.slot(w(1, 1))?.state == .done)
        #expect(s.slot(w(1, 3))?.task == TaskID(week: 1, index: 2))
        let undone = try Fixture.apply([.undo], to: done)
        s = Scheduler.compute(undone)
        #expect(s.slot(w(1, 2))?.state == .scheduled)
        #expect(s.slot(w(1, 1))?.state == .done)
        let both = try Fixture.apply([.undo], to: undone)
        #expect(Scheduler.compute(both).slots == Scheduler.compute(base).slots)
        #expect(throws: ScheduleError.nothingToUndo) { try both.event(for: .undo) }
        #expect(both.events.count == 4, "undo appends; history is never rewritten")
    }

    @Test func refusals() throws {
        let input = try Fixture.apply([.complete(w(1, 1)), .skip(w(1, 2), reason: nil)], to: Fixture.input())
        #expect(throws: ScheduleError.alreadyDone(w(1, 1))) { try input.event(for: .skip(w(1, 1), reason: nil)) }
        #expect(throws: ScheduleError.skipped(w(1, 2))) { try input.event(for: .complete(w(1, 2))) }
        #expect(throws: ScheduleError.notDone(w(1, 3))) { try input.event(for: .reopen(w(1, 3))) }
        #expect(throws: ScheduleError.noTask(w(13, 5))) { try input.event(for: .complete(w(13, 5))) }
        let reopened = try Fixture.apply([.reopen(w(1, 1))], to: input)
        #expect(Scheduler.compute(reopened).slot(w(1, 1))?.task == TaskID(week: 1, index: 1))
    }

    @Test func tasksCheckedInThePlanNeedNoSlot() throws {
        let text = "# T\n## S\n### Week 1\n- [x] a\n- [ ] b\n### Week 2\n- [ ] c\n"
        let plan = try PlanParser.parse(text, file: "t.md", maxTasksPerWeek: 5)
        let s = Scheduler.compute(Fixture.input(plan: plan))
        #expect(s.slot(w(1, 1))?.task == TaskID(week: 1, index: 2))
        #expect(s.doneInPlan == [TaskID(week: 1, index: 1)])
        #expect(s.doneCount == 1)
        #expect(s.slots.count == 10)
    }

    @Test func nextDeadlineIsTheEarliestDueInstant() throws {
        let s = Scheduler.compute(Fixture.input())
        let first = try #require(s.slot(w(1, 1)))
        let reminders: [ReminderOffset] = [.start(-600), .start(0), .end(0)]
        #expect(s.nextDeadline(after: Fixture.beforeStart, reminders: reminders, grace: .hours(2)) == first.start.addingTimeInterval(-600))
        #expect(s.nextDeadline(after: first.start, reminders: reminders, grace: .hours(2)) == first.end)
        #expect(s.nextDeadline(after: first.end, reminders: reminders, grace: .hours(2)) == first.end.addingTimeInterval(7200))
    }

    @Test func currentAndNext() throws {
        let s = Scheduler.compute(Fixture.input())
        let first = try #require(s.slot(w(1, 1)))
        #expect(s.current(at: first.start.addingTimeInterval(60))?.id == w(1, 1))
        #expect(s.current(at: first.end) == nil)
        #expect(s.next(after: first.start)?.id == w(1, 2))
    }

    /// The untouched plan's placement depends on neither the ledger nor `now`, so one
    /// computed without them (as the tracker keeps it) gives the same schedule.
    @Test func originalPlacementIgnoresLedgerAndNow() throws {
        let input = try Fixture.apply([.skip(w(1, 2), reason: nil), .skip(w(1, 3), reason: nil), .complete(w(1, 1))],
                                      to: Fixture.input())
        var pristine = input
        pristine.events = []
        pristine.now = .distantFuture
        let kept = Scheduler.originalPlacement(pristine)
        let schedule = Scheduler.compute(input, original: kept)
        #expect(schedule == Scheduler.compute(input))
        #expect(schedule.behind(at: input.now) == -1, "1.1 done before its slot: one task ahead")
        #expect(kept[TaskID(week: 1, index: 2)] == w(1, 2))
    }

    /// A change checked against the schedule the caller already has is the change
    /// checked against a fresh layout.
    @Test func checkingAgainstALaidOutScheduleAgrees() throws {
        let input = try Fixture.apply([.skip(w(2, 2), reason: nil)], to: Fixture.input())
        let laidOut = Scheduler.compute(input)
        for change: Change in [.skip(w(2, 2), reason: nil), .complete(w(3, 1)), .reopen(w(1, 1)), .undo] {
            let a = Result { () throws(ScheduleError) in try input.event(for: change, in: laidOut) }
            let b = Result { () throws(ScheduleError) in try input.event(for: change) }
            #expect(a == b)
        }
    }

    /// A slot moves at most a year past the plan's last slot; the year 3500 is refused.
    @Test func rescheduleStaysNearThePlan() throws {
        let input = Fixture.input()
        let schedule = Scheduler.compute(input)
        let last = try #require(schedule.slots.map(\.end).max())
        let inside = last.addingTimeInterval(300 * 86400)
        #expect(throws: Never.self) { try input.event(for: .reschedule(w(2, 1), to: inside)) }
        let far = Date(timeIntervalSince1970: 48_000_000_000) // the year 3491
        #expect { try input.event(for: .reschedule(w(2, 1), to: far)) } throws: { e in
            guard case ScheduleError.invalidTime(let m) = e else { return false }
            return m.hasPrefix("w02d1 may move to ")
        }
    }

    @Test(arguments: [
        ("dentist", "dentist"),
        ("bell\u{7}and \u{1B}[31mred\u{1B}[0m", "belland [31mred[0m"),
        ("two\nlines\tand tab", "two lines and tab"),
        ("del\u{7F}c1\u{85}", "delc1"),
    ])
    func skipReasonsAreCleaned(raw: String, kept: String) throws {
        #expect(try ScheduleInput.skipReason(raw) == kept)
    }

    @Test func skipReasonsAreBounded() {
        #expect(throws: ScheduleError.invalidReason("a reason may not contain a NUL character")) { try ScheduleInput.skipReason("a\u{0}b") }
        #expect(throws: ScheduleError.invalidReason("a reason may have at most 300 characters, this one has 301")) {
            try ScheduleInput.skipReason(String(repeating: "é", count: 301))
        }
        #expect(throws: Never.self) { try ScheduleInput.skipReason(String(repeating: "é", count: 300)) }
    }
}
