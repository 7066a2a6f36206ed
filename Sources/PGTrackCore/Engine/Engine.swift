import FoundationEssentials

/// Where the engine keeps its events: the ledger (SQLite, in PGTrackStore) in the
/// daemon, an array in tests. `append` returns once the event is durable, with its id.
public protocol EventStore: AnyObject {
    func append(_ event: LedgerEvent) throws -> LedgerEvent
    /// Appends `events` all or none (one transaction), in order.
    func append(_ events: [LedgerEvent]) throws -> [LedgerEvent]
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

    /// Opens the engine on `store`, whose events are `events`, recording the start date
    /// if none is set yet (the one write at start).
    public init(settings: EngineSettings, store: any EventStore, events: [LedgerEvent], now: Date) throws {
        self.settings = settings
        self.store = store
        self.events = events
        self.lastLook = now
        try recordStartIfNeeded(now: now)
        try recordPlan(known: events.recordedPlan, now: now)
    }

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
        guard config.plan.start == nil, events.recordedStart == nil else { return }
        let start = Engine.firstMonday(config, zone: zone, now: now)
        events.append(try store.append(LedgerEvent(time: now, kind: .start, text: start.description)))
    }

    /// Records the plan's task list when it differs from `known` (the one last recorded),
    /// with a `follow` for each done whose task `TaskIdentity` finds elsewhere in it, or
    /// gone: the file was edited, at a reload or while pgtrackd was stopped. All in one
    /// transaction, so a crash leaves both lists or neither.
    private func recordPlan(known: Plan?, now: Date) throws {
        let list = plan.taskList
        guard known?.taskList != list else { return }
        var new: [LedgerEvent] = []
        if let known {
            let identity = TaskIdentity.follow(from: known, to: plan)
            for (slot, task) in events.doneBySlot.sorted(by: { $0.key < $1.key }) {
                guard let moved = identity[task], moved != task else { continue }
                new.append(LedgerEvent(time: now, kind: .follow, slot: slot, task: moved))
            }
        }
        new.append(LedgerEvent(time: now, kind: .plan, text: list))
        events += try store.append(new)
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
        switch input {
        case .change(let change, let origin):
            do {
                var e = try self.input(now: now).event(for: change, in: schedule(now: now))
                e.origin = origin.rawValue
                let doneBefore = syncsCheckboxes ? events.doneTasks : []
                let stored = try store.append(e)
                events.append(stored)
                if syncsCheckboxes {
                    let done = events.doneTasks
                    mark(done.subtracting(doneBefore), checked: true)
                    mark(doneBefore.subtracting(done), checked: false)
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
        let done = events.doneTasks
        var out = plan
        for id in done where out.task(id)?.checked == true { out.weeks[id.week - 1].tasks[id.index - 1].checked = false }
        return out
    }

    /// The plan's marks follow the ledger as the daemon writes them to the file: a task
    /// done gets its `- [x]` (so the file's box, unticked in an editor, is read as the
    /// change it is), and one the ledger no longer has done loses it (open again at once,
    /// not done by its mark).
    private func mark(_ tasks: Set<TaskID>, checked: Bool) {
        var plan = settings.plan
        for id in tasks where plan.task(id).map({ $0.checked != checked }) == true {
            plan.weeks[id.week - 1].tasks[id.index - 1].checked = checked
        }
        guard plan != settings.plan else { return }
        settings.plan = plan
        generation += 1
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
