import Foundation
@testable import PGTrackCore
import Testing

/// An `EventStore` in memory, which can be told to fail like a full disk.
final class MemoryStore: EventStore {
    struct Full: Error, CustomStringConvertible { var description: String { "disk full" } }
    var events: [LedgerEvent] = []
    var failing = false

    func append(_ event: LedgerEvent) throws -> LedgerEvent {
        if failing { throw Full() }
        var e = event
        e.id = Int64(events.count + 1)
        events.append(e)
        return e
    }

    var taskList: String?

    func append(_ events: [LedgerEvent], taskList: String?) throws -> [LedgerEvent] {
        if failing { throw Full() }
        if let taskList { self.taskList = taskList }
        return try events.map { try append($0) }
    }
}

/// The engine driven through its one door with a fake clock: the Swift twins of the
/// schedule scenarios the integration tests check through pgtrackd.
@Suite struct EngineTests {
    let zone = Fixture.berlin
    func w(_ week: Int, _ day: Int) -> SlotID { SlotID(week: week, day: day) }
    func at(_ month: Int, _ day: Int, _ hour: Int, _ minute: Int = 0) -> Date {
        zone.instant(LocalDate(year: 2027, month: month, day: day), TimeOfDay(hour: hour, minute: minute))
    }

    func config(reminders: Bool = false) -> Config {
        var c = Config()
        c.schedule.timezone = "Europe/Berlin"
        c.plan.start = Fixture.start
        c.reminders.enabled = reminders
        return c
    }

    /// The zone the platform would give `config`: the one it names, else UTC (the tests'
    /// "system").
    func zone(_ config: Config) -> Zone { Zone(identifier: config.schedule.timezone) ?? .utc }

    func engine(_ config: Config? = nil, store: MemoryStore = MemoryStore(), now: Date? = nil) throws -> Engine {
        let c = config ?? self.config()
        return try open(EngineSettings(config: c, plan: Fixture.plan(), zone: zone(c)), store: store, now: now ?? Fixture.beforeStart)
    }

    /// An engine on `store` as pgtrackd opens one: what the start adds is written at once.
    func open(_ settings: EngineSettings, store: MemoryStore, now: Date) throws -> Engine {
        let e = Engine(settings: settings, store: store, events: store.events, taskList: store.taskList, now: now)
        try e.recordPending()
        return e
    }

    // test_control: test_skip_slides_the_plan_and_undo_restores_it
    @Test func skipSlidesThePlanAndUndoRestoresIt() throws {
        let e = try engine()
        let before = e.schedule(now: Fixture.beforeStart)
        let skip = e.submit(.change(.skip(w(1, 1), reason: "ill"), origin: .control), now: Fixture.beforeStart)
        #expect(skip.refused == nil && skip.event?.kind == .skip && skip.event?.origin == "control" && skip.changed)
        #expect(skip.monitor?.kind == "skip" && skip.monitor?.slot == w(1, 1))
        #expect(skip.schedule.slot(w(1, 1))?.state == .skipped && skip.schedule.slot(w(1, 1))?.reason == "ill")
        // Its task slid to the next slot.
        #expect(skip.schedule.slot(w(1, 2))?.task == before.slot(w(1, 1))?.task)
        let undo = e.submit(.change(.undo, origin: .control), now: Fixture.beforeStart)
        #expect(undo.event?.kind == .undo && undo.schedule.slots == before.slots)
    }

    // test_control: test_reschedule_onto_another_slot_is_refused_naming_it
    @Test func aRefusedChangeRecordsNothingAndSaysWhy() throws {
        let store = MemoryStore()
        let e = try engine(store: store)
        let recorded = store.events.count
        let other = e.schedule(now: Fixture.beforeStart).slot(w(1, 2))!.start
        let o = e.submit(.change(.reschedule(w(1, 1), to: other), origin: .control), now: Fixture.beforeStart)
        guard case .overlap(let slot, let with, _) = o.refused as? ScheduleError else {
            Issue.record("expected an overlap, got \(String(describing: o.refused))")
            return
        }
        #expect(slot == w(1, 1) && with == w(1, 2))
        #expect(o.event == nil && o.monitor == nil && !o.changed && store.events.count == recorded)
    }

    // test_control: test_done_undone_snooze_export_reload
    @Test func doneUndoneAndSnooze() throws {
        let e = try engine()
        let now = at(1, 4, 18, 10)
        #expect(e.submit(.change(.complete(w(1, 1)), origin: .control), now: now).schedule.slot(w(1, 1))?.state == .done)
        #expect(e.submit(.change(.complete(w(1, 1)), origin: .control), now: now).refused as? ScheduleError == .alreadyDone(w(1, 1)))
        #expect(e.submit(.change(.reopen(w(1, 1)), origin: .control), now: now).schedule.slot(w(1, 1))?.state == .scheduled)
        let snooze = e.submit(.change(.snooze(w(1, 2), until: at(1, 5, 18, 10)), origin: .reminder), now: now)
        #expect(snooze.schedule.slot(w(1, 2))?.snoozedUntil == at(1, 5, 18, 10) && snooze.event?.origin == "reminder")
    }

    // test_pause: test_pause_undo_and_resume
    @Test func pauseUndoAndResume() throws {
        let e = try engine()
        let d = { (day: Int) in LocalDate(year: 2027, month: 1, day: day) }
        let pause = e.submit(.change(.pause(from: d(11), to: d(12), reason: "trip"), origin: .control), now: Fixture.beforeStart)
        #expect(pause.schedule.slot(w(2, 1))?.state == .paused && pause.schedule.slot(w(2, 2))?.state == .paused)
        #expect(e.submit(.change(.undo, origin: .control), now: Fixture.beforeStart).schedule.slot(w(2, 1))?.state == .scheduled)
        _ = e.submit(.change(.pause(from: d(11), to: d(15), reason: nil), origin: .control), now: Fixture.beforeStart)
        let resume = e.submit(.change(.resume, origin: .control), now: at(1, 13, 9))
        #expect(resume.schedule.slot(w(2, 1))?.state == .paused) // before the resume's day: kept
        #expect(resume.schedule.slot(w(2, 3))?.state == .scheduled && resume.schedule.slot(w(2, 5))?.state == .scheduled)
        #expect(e.submit(.change(.resume, origin: .control), now: at(1, 13, 9)).refused as? ScheduleError == .notPaused(d(13)))
    }

    // test_busy: test_slots_move_past_meetings_and_follow_edits
    @Test func slotsMovePastBusyTimesAndBack() throws {
        let e = try engine()
        let slot = e.schedule(now: Fixture.beforeStart).slot(w(1, 1))!
        let meeting = BusyEvent(start: slot.start.addingTimeInterval(-600), end: slot.end, summary: "meeting")
        let busy = e.submit(.busy(BusyTimes([meeting])), now: Fixture.beforeStart)
        #expect(busy.changed && busy.monitor?.kind == "busy")
        #expect(busy.schedule.slot(w(1, 1))!.start >= meeting.end)
        let again = e.submit(.busy(BusyTimes([meeting])), now: Fixture.beforeStart)
        #expect(!again.changed) // the same times: nothing to compute again
        #expect(e.submit(.busy(.none), now: Fixture.beforeStart).schedule.slot(w(1, 1))?.start == slot.start)
    }

    // test_faults: test_full_disk_under_the_state_refuses_changes_and_loses_nothing
    @Test func aStoreThatFailsRefusesTheChangeAndKeepsEverything() throws {
        let store = MemoryStore()
        let e = try engine(store: store)
        _ = e.submit(.change(.complete(w(1, 1)), origin: .control), now: at(1, 4, 18, 10))
        let before = e.schedule(now: at(1, 4, 18, 20))
        store.failing = true
        let o = e.submit(.change(.skip(w(1, 2), reason: nil), origin: .control), now: at(1, 4, 18, 20))
        #expect(o.refused is MemoryStore.Full && o.event == nil && !o.changed && o.monitor == nil)
        #expect(e.events.count == store.events.count && e.schedule(now: at(1, 4, 18, 20)) == before)
        store.failing = false
        #expect(e.submit(.change(.skip(w(1, 2), reason: nil), origin: .control), now: at(1, 4, 18, 20)).event != nil)
    }

    // test_reload: the plan and config in effect change at once, or not at all
    @Test func newSettingsReplanOrChangeNothing() throws {
        let store = MemoryStore()
        let e = try engine(store: store)
        var later = config()
        later.schedule.timezone = "America/New_York"
        let o = e.submit(.settings(EngineSettings(config: later, plan: Fixture.plan(), zone: zone(later)), busy: nil), now: Fixture.beforeStart)
        #expect(o.changed && o.monitor?.kind == "reload" && o.zone.identifier == "America/New_York")
        #expect(o.schedule.slot(w(1, 1))?.start == Zone(identifier: "America/New_York")!.instant(Fixture.start, TimeOfDay(hour: 18, minute: 0)))
        // Without plan.start, a start must be recorded: a failing store refuses the reload whole.
        var unstarted = later
        unstarted.plan.start = nil
        store.failing = true
        let refused = e.submit(.settings(EngineSettings(config: unstarted, plan: Fixture.plan(), zone: zone(unstarted)), busy: nil),
                               now: Fixture.beforeStart)
        #expect(refused.refused != nil && !refused.changed && e.config == later)
    }

    // The start is chosen once and recorded: a restart a week later keeps it.
    @Test func theStartIsRecordedOnce() throws {
        var c = config()
        c.plan.start = nil
        let store = MemoryStore()
        let first = try engine(c, store: store, now: at(1, 5, 12)) // a Tuesday
        #expect(first.startDate == LocalDate(year: 2027, month: 1, day: 11))
        let again = try engine(c, store: store, now: at(1, 12, 12))
        #expect(again.startDate == LocalDate(year: 2027, month: 1, day: 11) && store.events.filter { $0.kind == .start }.count == 1)
    }

    // The system zone changes under a plan with no zone of its own: the slots keep their wall clock.
    @Test func aNewSystemZoneMovesTheSlotsToItsWallClock() throws {
        var c = config()
        c.schedule.timezone = ""
        let e = try engine(c)
        let tokyo = Zone(identifier: "Asia/Tokyo")!
        let o = e.submit(.zone(tokyo), now: Fixture.beforeStart)
        #expect(o.changed && o.monitor == nil)
        #expect(o.schedule.slot(w(1, 1))?.start == tokyo.instant(Fixture.start, TimeOfDay(hour: 18, minute: 0)))
    }

    // What the journal says at each deadline: started, ended, missed after the grace.
    @Test func ticksReportTransitionsOnceAndTheNextDeadline() throws {
        let e = try engine()
        let slot = e.schedule(now: Fixture.beforeStart).slot(w(1, 1))!
        let grace = e.config.schedule.grace.timeInterval
        #expect(e.submit(.tick(reason: "start"), now: Fixture.beforeStart).nextDeadline == slot.start)
        let started = e.submit(.tick(reason: "deadline"), now: slot.start)
        #expect(started.transitions.map(\.kind) == [.started] && started.transitions.first?.slot == w(1, 1))
        #expect(started.nextDeadline == slot.end && !started.changed)
        let missed = e.submit(.tick(reason: "deadline"), now: slot.end.addingTimeInterval(grace + 1))
        #expect(missed.transitions.map(\.kind) == [.ended, .missed] && missed.schedule.slot(w(1, 1))?.state == .missed)
        // A clock stepped back reports nothing twice.
        #expect(e.submit(.tick(reason: "clock change"), now: slot.start).transitions.isEmpty)
    }

    // test_reminders: a shown reminder is recorded once and changes no schedule.
    @Test func aShownReminderIsRecordedAndChangesNothingElse() throws {
        let store = MemoryStore()
        let e = try engine(config(reminders: true), store: store)
        let o = e.submit(.reminderShown(w(1, 1), key: "w01d1@-10m"), now: Fixture.beforeStart)
        #expect(o.event?.kind == .reminderFired && !o.changed && o.monitor == nil)
        #expect(Reminders.fired(e.events).contains("w01d1@-10m") && store.events.last?.text == "w01d1@-10m")
    }

    // test_caldav: an edit read back from the calendar is a change like any other, from `calendar`.
    @Test func aCalendarEditIsAChangeFromTheCalendar() throws {
        let e = try engine()
        let to = at(1, 9, 10)
        let o = e.submit(.change(.reschedule(w(1, 1), to: to), origin: .calendar), now: Fixture.beforeStart)
        #expect(o.event?.origin == "calendar" && o.schedule.slot(w(1, 1))?.start == to)
    }

    // test_plan_file: with a live plan file, the `- [x]` pgtrack writes for a done task is
    // its mirror of the ledger, not "done before pgtrack": the figures are the same with
    // it as without it, and an undone task is open again at once.
    @Test func aLivePlanFilesMirrorChangesNoFigure() throws {
        var c = config()
        c.plan.file = "/nonexistent/plan.md" // never read: the engine does no I/O
        var off = c
        off.plan.syncCheckboxes = false
        let late = at(1, 5, 12) // Tuesday noon: w01d1 (Monday 18:00) was missed
        let store = MemoryStore(), live = try engine(c, store: store), plain = try engine(off)
        let task = try #require(live.schedule(now: Fixture.beforeStart).slot(w(1, 1))?.task)
        for e in [live, plain] { _ = e.submit(.change(.complete(w(1, 1)), origin: .control), now: late) }
        func figures(_ e: Engine) -> Standing { e.schedule(now: late).standing(at: late, start: Fixture.start, zone: zone) }
        #expect(figures(live) == figures(plain) && figures(live).done == 1)
        // Restarted on a file that holds the mirror: still the same figures, the same slots.
        var ticked = Fixture.plan()
        ticked.weeks[task.week - 1].tasks[task.index - 1].checked = true
        let again = try open(EngineSettings(config: c, plan: ticked, zone: zone), store: store, now: late)
        #expect(figures(again) == figures(plain) && again.schedule(now: late).slots == plain.schedule(now: late).slots)
        // Undone: the mark goes with it, and the task is open again, where it would be
        // without the file (w01d1 was missed: its task slides on).
        // The done's mark is the engine's as well: a box unticked in the editor then
        // reads as the change it is.
        #expect(live.plan.task(task)?.checked == true && plain.plan.task(task)?.checked == false)
        let reopened = again.submit(.change(.reopen(w(1, 1)), origin: .control), now: late)
        let plainReopened = plain.submit(.change(.reopen(w(1, 1)), origin: .control), now: late)
        #expect(again.plan.task(task)?.checked == false && !reopened.schedule.isDone(task))
        #expect(reopened.schedule.slots == plainReopened.schedule.slots && figures(again) == figures(plain))
        // Without sync_checkboxes, a `- [x]` in the file is "done before pgtrack", as always.
        let before = try open(EngineSettings(config: off, plan: ticked, zone: zone), store: MemoryStore(), now: late)
        #expect(before.schedule(now: late).doneInPlan.contains(task))
    }

    // test_plan_file: a task added to the file above a done task (a re-flow, as a reload)
    // leaves the done with its task, not with the task now at its position; after a
    // restart too, and for the same edit made while the daemon was stopped.
    @Test func aDoneFollowsItsTaskWhenTheFileAddsOneAboveIt() throws {
        var c = config()
        c.plan.file = "/nonexistent/plan.md"
        // The file, as pgtrack ticked it, with a task added at the top of week 1.
        var edited = Fixture.plan()
        edited.weeks[0].tasks[0].checked = true
        edited.weeks[0].tasks.insert(PlanTask(id: TaskID(week: 1, index: 1), title: "Set up an editor", checked: false, line: 0), at: 0)
        for i in edited.weeks[0].tasks.indices { edited.weeks[0].tasks[i].id = TaskID(week: 1, index: i + 1) }
        func check(_ s: Schedule, _ what: Comment) {
            #expect(s.slot(w(1, 1))?.state == .done && s.slot(w(1, 1))?.task == TaskID(week: 1, index: 2), what)
            #expect(s.slot(w(1, 2))?.task == TaskID(week: 1, index: 1), "the new task is open, next in line; \(what)")
            #expect(s.standing(at: Fixture.beforeStart, start: Fixture.start, zone: zone).done == 1, what)
            #expect(s.doneInPlan.isEmpty, "the mark is the done's mirror, not a second done; \(what)")
        }
        // Live: the edit is read and submitted as new settings.
        let store = MemoryStore(), e = try engine(c, store: store)
        #expect(store.taskList == Fixture.plan().taskList, "the first start records the task list")
        _ = e.submit(.change(.complete(w(1, 1)), origin: .control), now: Fixture.beforeStart)
        let reflowed = e.submit(.settings(EngineSettings(config: c, plan: edited, zone: zone), busy: nil), now: Fixture.beforeStart)
        check(reflowed.schedule, "re-flowed")
        #expect(store.events.last?.kind == .follow && store.taskList == edited.taskList)
        let count = store.events.count
        let again = try open(EngineSettings(config: c, plan: edited, zone: zone), store: store, now: Fixture.beforeStart)
        check(again.schedule(now: Fixture.beforeStart), "restarted")
        #expect(store.events.count == count, "nothing more to record at the restart")
        // Undone: the task at its new place is open, and its mark goes.
        let reopened = again.submit(.change(.reopen(w(1, 1)), origin: .control), now: Fixture.beforeStart)
        #expect(!reopened.schedule.isDone(TaskID(week: 1, index: 2)) && again.plan.task(TaskID(week: 1, index: 2))?.checked == false)
        // Undo of the undone: done again, of the task where it is now.
        let undo = again.submit(.change(.undo, origin: .control), now: Fixture.beforeStart)
        check(undo.schedule, "undo")

        // Stopped: the same edit found at the next start.
        let offline = MemoryStore(), before = try engine(c, store: offline)
        _ = before.submit(.change(.complete(w(1, 1)), origin: .control), now: Fixture.beforeStart)
        let started = try open(EngineSettings(config: c, plan: edited, zone: zone), store: offline, now: Fixture.beforeStart)
        check(started.schedule(now: Fixture.beforeStart), "edited while stopped")
    }

    /// A store that cannot record the follows refuses the new plan and keeps the old one:
    /// the follows and the task list are recorded together or not at all.
    @Test func aNewPlanIsRecordedWithItsFollowsOrRefused() throws {
        var c = config()
        c.plan.file = "/nonexistent/plan.md"
        let store = MemoryStore(), e = try engine(c, store: store)
        _ = e.submit(.change(.complete(w(1, 1)), origin: .control), now: Fixture.beforeStart)
        var edited = Fixture.plan()
        edited.weeks[0].tasks.insert(PlanTask(id: TaskID(week: 1, index: 1), title: "Set up an editor", checked: false, line: 0), at: 0)
        for i in edited.weeks[0].tasks.indices { edited.weeks[0].tasks[i].id = TaskID(week: 1, index: i + 1) }
        let count = store.events.count, kept = e.plan, list = store.taskList
        store.failing = true
        let o = e.submit(.settings(EngineSettings(config: c, plan: edited, zone: zone), busy: nil), now: Fixture.beforeStart)
        #expect(o.refused != nil && e.plan == kept && store.events.count == count && store.taskList == list)
        #expect(o.schedule.slot(w(1, 1))?.task == TaskID(week: 1, index: 1))
    }

    /// The plan with a task added at the top of week 1.
    func insertedAtTop(_ title: String = "Set up an editor", into plan: Plan = Fixture.plan()) -> Plan {
        var edited = plan
        edited.weeks[0].tasks.insert(PlanTask(id: TaskID(week: 1, index: 1), title: title, checked: false, line: 0), at: 0)
        for i in edited.weeks[0].tasks.indices { edited.weeks[0].tasks[i].id = TaskID(week: 1, index: i + 1) }
        return edited
    }

    /// The review's case: done, undone, a task added above, then `undo` of the undone:
    /// the done comes back to its own task, where it is now.
    @Test func undoOfAnUndoneAfterAReflowGivesTheDoneBackToItsTask() throws {
        var c = config()
        c.plan.file = "/nonexistent/plan.md"
        let e = try engine(c)
        let first = Fixture.plan().tasks[0]
        _ = e.submit(.change(.complete(w(1, 1)), origin: .control), now: Fixture.beforeStart)
        _ = e.submit(.change(.reopen(w(1, 1)), origin: .control), now: Fixture.beforeStart)
        _ = e.submit(.settings(EngineSettings(config: c, plan: insertedAtTop(), zone: zone), busy: nil), now: Fixture.beforeStart)
        let undo = e.submit(.change(.undo, origin: .control), now: Fixture.beforeStart)
        let slot = try #require(undo.schedule.slot(w(1, 1)))
        #expect(slot.state == .done && slot.task == TaskID(week: 1, index: 2) && e.plan.task(TaskID(week: 1, index: 2))?.title == first.title)
    }

    /// A done task's line cut, the file saved (Obsidian saves as you go), then pasted back:
    /// the done is gone with it meanwhile, and comes back with it.
    @Test func aCutThenPastedTaskTakesItsDoneBack() throws {
        var c = config()
        c.plan.file = "/nonexistent/plan.md"
        let e = try engine(c)
        var cut = Fixture.plan()
        let task = cut.weeks[0].tasks.remove(at: 1)
        for i in cut.weeks[0].tasks.indices { cut.weeks[0].tasks[i].id = TaskID(week: 1, index: i + 1) }
        _ = e.submit(.change(.complete(w(1, 2)), origin: .control), now: Fixture.beforeStart)
        let gone = e.submit(.settings(EngineSettings(config: c, plan: cut, zone: zone), busy: nil), now: Fixture.beforeStart)
        #expect(gone.schedule.slot(w(1, 2))?.state != .done)
        #expect(gone.schedule.standing(at: Fixture.beforeStart, start: Fixture.start, zone: zone).done == 0)
        // Pasted at the top of the week.
        let back = e.submit(.settings(EngineSettings(config: c, plan: insertedAtTop(task.title, into: cut), zone: zone), busy: nil),
                            now: Fixture.beforeStart)
        let slot = try #require(back.schedule.slot(w(1, 2)))
        #expect(slot.state == .done && slot.task == TaskID(week: 1, index: 1))
        #expect(back.schedule.standing(at: Fixture.beforeStart, start: Fixture.start, zone: zone).done == 1)
    }

    /// Opening an engine writes nothing (`pgtrackd --print-schedule`, or a second pgtrackd
    /// stopped at the socket, must not change the ledger): the follows of an edit made
    /// while stopped are in effect in memory, and written by `recordPending` only.
    @Test func openingWritesNothingUntilRecordPending() throws {
        var c = config()
        c.plan.file = "/nonexistent/plan.md"
        c.plan.start = nil
        let store = MemoryStore(), e = try engine(c, store: store)
        _ = e.submit(.change(.complete(w(1, 1)), origin: .control), now: Fixture.beforeStart)
        let (count, list) = (store.events.count, store.taskList)
        let preview = Engine(settings: EngineSettings(config: c, plan: insertedAtTop(), zone: zone), store: store, events: store.events,
                             taskList: store.taskList, now: Fixture.beforeStart)
        #expect(preview.schedule(now: Fixture.beforeStart).slot(w(1, 1))?.task == TaskID(week: 1, index: 2))
        _ = preview.submit(.busy(.none), now: Fixture.beforeStart)
        #expect(store.events.count == count && store.taskList == list)
        try preview.recordPending()
        #expect(store.events.count == count + 1 && store.taskList == insertedAtTop().taskList)
    }

    func standing(_ e: Engine, _ now: Date) -> Standing { e.schedule(now: now).standing(at: now, start: Fixture.start, zone: zone) }

    // test_progress: week eight with three skips and two missed slots is behind in tasks,
    // and the status line says so.
    @Test func weekEightIsBehindInTasks() throws {
        let e = try engine()
        let now = at(2, 24, 12) // Wednesday of week 8
        let ended = e.schedule(now: now).slots.filter { $0.task != nil && $0.end < now.addingTimeInterval(-3 * 3600) }
        for (i, slot) in ended.enumerated() {
            switch i {
            case 3, 10, 17: _ = e.submit(.change(.skip(slot.id, reason: nil), origin: .control), now: now)
            case 25, 30: break // left to be missed
            default: _ = e.submit(.change(.complete(slot.id), origin: .control), now: now)
            }
        }
        let s = standing(e, now)
        #expect(s.week == 8 && s.behind == s.due - s.done && s.behind > 0 && !s.isFinished)
        let line = e.submit(.tick(reason: "deadline"), now: now).statusLine
        #expect(line.hasSuffix(" · \(s.behind) tasks behind"), "\(line)")
    }

    // test_progress: every task done: the plan is finished, with no next slot.
    @Test func aFinishedPlanSaysSo() throws {
        let e = try engine()
        let now = at(6, 1, 12) // after the plan's last slot
        for w in 1...20 { for d in 1...5 { _ = e.submit(.change(.complete(SlotID(week: w, day: d)), origin: .control), now: now) } }
        let s = standing(e, now)
        #expect(s.done == 90 && s.total == 90 && s.isFinished && e.schedule(now: now).next(after: now) == nil)
        #expect(e.submit(.tick(reason: "deadline"), now: now).statusLine.hasPrefix("Finished "))
    }

    // test_daemon_basics: a time and a length per weekday reach the slots.
    @Test func aTimeAndLengthPerWeekday() throws {
        var c = config()
        c.schedule.times = [.friday: TimeOfDay(hour: 7, minute: 0)]
        c.schedule.lengths = [.friday: 60]
        let s = try engine(c).schedule(now: Fixture.beforeStart)
        #expect(s.slot(w(1, 4))?.start == at(1, 7, 18) && s.slot(w(1, 4))?.end == at(1, 7, 18, 30))
        #expect(s.slot(w(1, 5))?.start == at(1, 8, 7) && s.slot(w(1, 5))?.end == at(1, 8, 8))
    }

    // test_progress: before the start, week 0, and the status line says when it starts.
    @Test func beforeTheStartTheStatusSaysWhenItStarts() throws {
        let e = try engine()
        #expect(standing(e, Fixture.beforeStart).week == 0)
        let line = e.submit(.tick(reason: "start"), now: Fixture.beforeStart).statusLine
        #expect(line.contains("2027-01-04"), "\(line)")
    }
}
