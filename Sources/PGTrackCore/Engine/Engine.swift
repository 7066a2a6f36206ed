import FoundationEssentials

/// Where the engine keeps its events: the ledger (SQLite, in PGTrackStore) in the
/// daemon, an array in tests. `append` returns once the event is durable, with its id.
public protocol EventStore: AnyObject {
    func append(_ event: LedgerEvent) throws -> LedgerEvent
    /// Appends `events` in order and, with `taskList`, replaces the task list recorded
    /// (`Plan.taskList`): all or none, in one transaction.
    func append(_ events: [LedgerEvent], taskList: String?) throws -> [LedgerEvent]
}

/// pgtrack's schedule logic with its state and no I/O: the plan, the settings, the
/// ledger's events (kept through an `EventStore`), the busy times, the zone and the
/// holidays. Every input goes through one door, `submit`, which says what happened.
///
/// The daemon's sources (the control socket, reminders, the vdir, the busy files, the
/// timers) turn what they see into `Input`s; its outputs (the calendar files, the page,
/// reminders, monitors, the service status) observe the `Outcome`. Tests drive it with
/// an in-memory store and any `now`.
public final class Engine {
    public private(set) var settings: EngineSettings
    public var config: Config { settings.config }
    public var plan: Plan { settings.plan }
    /// The ledger's events, oldest first (kept in memory; the store is the truth).
    public private(set) var events: [LedgerEvent]
    /// The busy calendars' events (`schedule.busy`), as last read.
    public private(set) var busy: BusyTimes = .none
    private let store: any EventStore
    /// The last instant the schedule was looked at; transitions after it are reported.
    private var lastLook: Date

    /// Opens the engine on `store`, whose events are `events` and whose recorded task list
    /// is `taskList`. Nothing is written: what the start adds (the start date if none is
    /// set yet, the follows of an edit made while pgtrackd was stopped) is applied in
    /// memory and written by `recordPending` (the daemon calls it once it alone serves the
    /// ledger; `--print-schedule` never does), or before the first input that writes.
    public init(settings: EngineSettings, store: any EventStore, events: [LedgerEvent], taskList: String?, now: Date) {
        self.settings = settings
        self.store = store
        self.events = events
        self.recordedTaskList = taskList
        self.lastLook = now
        if let start = startEvent(now: now) { pending.append(start) }
        let list = plan.taskList
        if taskList != list {
            // A list that does not read back (never expected) is taken as no list: positions.
            if let known = taskList.flatMap(Plan.init(taskList:)) { pending += follows(from: known, now: now) }
            pendingTaskList = list
        }
        self.events += pending
    }

    /// Writes what the start added (see `init`), in one transaction.
    public func recordPending() throws {
        guard !pending.isEmpty || pendingTaskList != nil else { return }
        let stored = try store.append(pending, taskList: pendingTaskList)
        events.removeLast(pending.count)
        events += stored
        if let list = pendingTaskList { recordedTaskList = list }
        pending = []
        pendingTaskList = nil
    }

    /// Events the start added in memory, not written yet (no ids), and the task list.
    private var pending: [LedgerEvent] = []
    private var pendingTaskList: String?
    /// The task list as the store has it.
    private var recordedTaskList: String?

    /// The zone the plan is scheduled in.
    public var zone: Zone { settings.zone }

    /// The first study day in effect: `plan.start`, else the one recorded, else the next Monday.
    public var startDate: LocalDate { startDate(now: Date()) }

    private func startDate(now: Date) -> LocalDate {
        Engine.startDate(config, events: events, zone: zone, now: now)
    }

    /// The first study day `config` gives with these events: `plan.start`, else the one
    /// recorded, else the next Monday.
    public static func startDate(_ config: Config, events: [LedgerEvent], zone: Zone, now: Date) -> LocalDate {
        config.plan.start ?? events.recordedStart ?? firstMonday(config, zone: zone, now: now)
    }

    /// The next Monday after `now` (today if it is Monday and its slot has not started).
    static func firstMonday(_ config: Config, zone: Zone, now: Date) -> LocalDate {
        let today = LocalDate(now, in: zone)
        if today.weekday == .monday, zone.instant(today, config.schedule.time(on: .monday)) > now { return today }
        return today.adding(days: 1).next(.monday)
    }

    /// With no `plan.start`, the first study day is chosen once and recorded, so that
    /// restarting on another day does not move the whole plan.
    private func recordStartIfNeeded(now: Date) throws {
        guard let start = startEvent(now: now) else { return }
        events.append(try store.append(start))
    }

    /// The `start` event to record, when there is no `plan.start` and none was recorded.
    private func startEvent(now: Date) -> LedgerEvent? {
        guard config.plan.start == nil, events.recordedStart == nil else { return nil }
        return LedgerEvent(time: now, kind: .start, text: Engine.firstMonday(config, zone: zone, now: now).description)
    }

    /// The follows that keep each slot's last done with its task, the plan having gone
    /// from `known` to the plan in force (`TaskIdentity.follows`).
    private func follows(from known: Plan, now: Date) -> [LedgerEvent] {
        TaskIdentity.follows(from: known, to: plan, lastDones: events.lastDones).map {
            LedgerEvent(time: now, kind: .follow, slot: $0.slot, task: $0.task, text: $0.goneText)
        }
    }

    /// Records the plan's task list when it changed from `known`'s, with the follows of
    /// the dones whose tasks moved: the file was edited and read live, or reloaded. All in
    /// one transaction, so a crash leaves the old list and no follow, or both new.
    private func recordPlan(known: Plan, now: Date) throws {
        let list = plan.taskList
        guard list != recordedTaskList || list != known.taskList else { return }
        events += try store.append(follows(from: known, now: now), taskList: list)
        recordedTaskList = list
    }

    // MARK: - The one door

    /// Takes one input at `now` and says what it did. A refused or unrecordable change
    /// leaves everything as it was (`refused` says why); every other input is applied.
    @discardableResult
    public func submit(_ input: Input, now: Date) -> Outcome {
        let before = stamp
        var event: LedgerEvent?
        var refused: (any Error)?
        var monitor: (kind: String, slot: SlotID?)?
        // What the start added goes to the store before anything that writes after it.
        switch input {
        case .change, .reminderShown, .settings:
            do { try recordPending() } catch {
                return Outcome(input: input, now: now, event: nil, refused: error, schedule: schedule(now: now), config: config, zone: zone,
                               start: startDate(now: now), transitions: [], changed: false, monitor: nil)
            }
        case .busy, .zone, .tick: break
        }
        switch input {
        case .change(let change, let origin):
            do {
                var e = try self.input(now: now).event(for: change, in: schedule(now: now))
                e.origin = origin.rawValue
                let before = syncsCheckboxes ? (done: doneTasks, scheduled: scheduled(plan)) : nil
                let stored = try store.append(e)
                events.append(stored)
                if let before {
                    let done = doneTasks
                    var marked = plan
                    Engine.mark(&marked, done.subtracting(before.done), checked: true)
                    Engine.mark(&marked, before.done.subtracting(done), checked: false)
                    if marked != plan {
                        settings.plan = marked
                        // The marks mirror the ledger, which `scheduled` reads past: the
                        // untouched plan's placement stays valid unless the plan as scheduled
                        // changed (the new event changes the stamp in any case).
                        if scheduled(marked) != before.scheduled { generation += 1 }
                    }
                }
                event = stored
                monitor = (stored.kind.rawValue, stored.slot)
            } catch {
                refused = error
            }
        case .reminderShown(let slot, let key):
            do {
                let stored = try store.append(LedgerEvent(time: now, kind: .reminderFired, slot: slot, text: key))
                events.append(stored)
                event = stored
            } catch {
                refused = error
            }
        case .busy(let times):
            if times != busy {
                busy = times
                generation += 1
            }
            monitor = ("busy", nil)
        case .settings(let new, let times):
            let old = settings
            settings = new
            do {
                try recordStartIfNeeded(now: now)
                try recordPlan(known: old.plan, now: now)
                if let times { busy = times }
                generation += 1
                monitor = ("reload", nil)
            } catch {
                settings = old
                refused = error
            }
        case .zone(let new):
            // Always laid out again: the same name may have new rules (tzdata updated).
            settings.zone = new
            generation += 1
        case .tick:
            break
        }
        let schedule = schedule(now: now)
        let transitions = now > lastLook ? Engine.transitions(schedule, from: lastLook, to: now, grace: config.schedule.grace) : []
        lastLook = max(lastLook, now)
        return Outcome(input: input, now: now, event: event, refused: refused, schedule: schedule, config: config, zone: zone,
                       start: startDate(now: now), transitions: transitions,
                       changed: stamp != before && !input.isReminderShown, monitor: refused == nil ? monitor : nil)
    }

    // MARK: - The plan file's boxes

    /// With a live plan file, its boxes mirror what is done: pgtrack ticks a task's box
    /// when the ledger has it done, and the daemon writes that to the file.
    public var syncsCheckboxes: Bool { !config.plan.file.isEmpty && config.plan.syncCheckboxes }

    /// The tasks held by done slots.
    public static func doneInSlots(_ schedule: Schedule) -> Set<TaskID> {
        Set(schedule.slots.compactMap { $0.state == .done ? $0.task : nil })
    }

    /// The plan as the engine schedules it: with a live plan file, a `- [x]` on a task the
    /// ledger has done is pgtrack's own mirror of that done, not "done before pgtrack",
    /// so it is read as not checked. The done slot then keeps the task, an undone task is
    /// open again, and the untouched plan (what "behind" counts against) is the same
    /// with the file's mirror as without it.
    public func scheduled(_ plan: Plan) -> Plan {
        guard syncsCheckboxes else { return plan }
        let done = doneTasks
        var out = plan
        for id in done where out.task(id)?.checked == true { out.weeks[id.week - 1].tasks[id.index - 1].checked = false }
        return out
    }

    /// The plan's marks follow the ledger as the daemon writes them to the file: a task
    /// done gets its `- [x]` (so the file's box, unticked in an editor, is read as the
    /// change it is), and one the ledger no longer has done loses it (open again at once,
    /// not done by its mark).
    private static func mark(_ plan: inout Plan, _ tasks: Set<TaskID>, checked: Bool) {
        for id in tasks where plan.task(id).map({ $0.checked != checked }) == true {
            plan.weeks[id.week - 1].tasks[id.index - 1].checked = checked
        }
    }

    /// What happened to the slots between two looks at the schedule.
    static func transitions(_ schedule: Schedule, from: Date, to: Date, grace: Span) -> [Transition] {
        var out: [Transition] = []
        for slot in schedule.slots where !slot.state.isCancelled && slot.state != .done {
            let missedAt = slot.end.addingTimeInterval(grace.timeInterval)
            // Most inputs see no slot change state: titles are looked up only for those that did.
            guard from < missedAt, slot.start <= to else { continue }
            let title = schedule.title(of: slot)
            if from < slot.start, slot.start <= to { out.append(Transition(kind: .started, slot: slot.id, title: title, at: slot.start)) }
            if from < slot.end, slot.end <= to { out.append(Transition(kind: .ended, slot: slot.id, title: title, at: slot.end)) }
            if from < missedAt, missedAt <= to, slot.state == .missed {
                out.append(Transition(kind: .missed, slot: slot.id, title: title, at: missedAt))
            }
        }
        return out
    }

    /// The tasks the ledger has done (`events.doneTasks`), computed once per new event:
    /// the plan as scheduled, the marks and the door each ask for it.
    private var doneTasks: Set<TaskID> {
        if let c = doneCache, c.count == events.count { return c.done }
        let done = events.doneTasks
        doneCache = (events.count, done)
        return done
    }

    private var doneCache: (count: Int, done: Set<TaskID>)?

    // MARK: - The schedule

    public func input(now: Date) -> ScheduleInput {
        ScheduleInput(plan: scheduled(plan), settings: config.schedule, start: startDate(now: now), zone: zone,
                      blackouts: settings.holidays, events: events, busy: busy, now: now)
    }

    /// The schedule at `now`. Computed once and reused until the events, the settings,
    /// the busy times or the zone change, or `now` leaves the span in which no slot
    /// changes state: the control API asks for it on every call.
    public func schedule(now: Date) -> Schedule {
        if let c = cache, c.stamp == stamp, c.from <= now, now <= c.until { return c.schedule }
        let input = input(now: now)
        let original: [TaskID: SlotID]
        if let o = originalPlacement, o.generation == generation {
            original = o.placement
        } else {
            original = Scheduler.originalPlacement(input)
            originalPlacement = (generation, original)
        }
        let s = Scheduler.compute(input, original: original)
        cache = ScheduleCache(stamp: stamp, from: now, until: s.stableUntil(after: now, grace: config.schedule.grace), schedule: s)
        return s
    }

    private struct ScheduleCache {
        var stamp: EngineStamp
        var from: Date
        var until: Date
        var schedule: Schedule
    }

    private var cache: ScheduleCache?
    /// The untouched plan's placement, which no change of the ledger moves.
    private var originalPlacement: (generation: Int, placement: [TaskID: SlotID])?

    /// Changes whenever anything the schedule depends on changes (an event, a reload, a
    /// new zone, the busy times): views computed from the schedule can be kept while it
    /// stays equal.
    public var stamp: EngineStamp { EngineStamp(events: events.count, generation: generation) }
    /// Bumped by every input other than a change that can move the schedule.
    private var generation = 0
}

extension Input {
    /// A shown reminder is recorded, but no schedule depends on it.
    public var isReminderShown: Bool {
        if case .reminderShown = self { return true }
        return false
    }
}

/// A version of the engine's state: equal stamps, equal schedules at equal times.
public struct EngineStamp: Equatable, Sendable {
    public var events: Int
    public var generation: Int
}
