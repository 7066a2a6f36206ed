import FoundationEssentials
import Glibc
import PGTrackCore

/// The plan, the config and the ledger together: what the daemon serves.
///
/// Every change goes through `apply`, which checks it against the current schedule,
/// commits it to the ledger, and only then returns, so the caller can acknowledge it.
public final class Tracker {
    public private(set) var config: Config
    public private(set) var plan: Plan
    public let ledger: Ledger
    /// The ledger's events, oldest first (kept in memory; the ledger is the truth).
    public private(set) var events: [LedgerEvent]
    /// Dates with no study slot from sources other than `skip_dates` (the holidays file).
    public private(set) var extraBlackouts: Set<LocalDate>
    /// The busy calendars' events (`schedule.busy`), as last read.
    public private(set) var busy: BusyTimes = .none

    /// Opens the tracker on `ledger`, recording the start date if none is set yet.
    /// `events` are the ledger's, when the caller has read them already.
    public init(config: Config, plan: Plan, ledger: Ledger, events: [LedgerEvent]? = nil, extraBlackouts: Set<LocalDate> = [],
                now: Date) throws {
        self.config = config
        self.plan = plan
        self.ledger = ledger
        self.events = try events ?? ledger.events()
        self.extraBlackouts = extraBlackouts
        try recordStartIfNeeded(now: now)
    }

    /// With no `plan.start`, the first study day is chosen once (the next Monday) and
    /// recorded, so that restarting on another day does not move the whole plan.
    private func recordStartIfNeeded(now: Date) throws {
        guard config.plan.start == nil, events.recordedStart == nil else { return }
        let start = config.startDate(now: now)
        events.append(try ledger.append(LedgerEvent(time: now, kind: .start, text: start.description)))
    }

    /// The first study day in effect.
    public var startDate: LocalDate {
        config.startDate(recorded: events.recordedStart, now: Date())
    }

    public func input(now: Date) -> ScheduleInput {
        ScheduleInput(plan: plan, settings: config.schedule, start: startDate, zone: config.timeZone,
                      blackouts: extraBlackouts, events: events, busy: busy, now: now)
    }

    /// The schedule at `now`. Computed once and reused until the ledger, the config or
    /// the plan changes, or `now` leaves the span in which no slot changes state: the
    /// control API asks for it on every call.
    public func schedule(now: Date) -> Schedule {
        if let c = cache, c.events == events.count, c.generation == generation, c.from <= now, now <= c.until {
            return c.schedule
        }
        let input = input(now: now)
        let original: [TaskID: SlotID]
        if let o = originalPlacement, o.generation == generation {
            original = o.placement
        } else {
            original = Scheduler.originalPlacement(input)
            originalPlacement = (generation, original)
        }
        let s = Scheduler.compute(input, original: original)
        cache = ScheduleCache(events: events.count, generation: generation, from: now,
                              until: s.stableUntil(after: now, grace: config.schedule.grace), schedule: s)
        return s
    }

    private struct ScheduleCache {
        var events: Int
        var generation: Int
        var from: Date
        var until: Date
        var schedule: Schedule
    }

    private var cache: ScheduleCache?
    /// The untouched plan's placement, which no change of the ledger moves.
    private var originalPlacement: (generation: Int, placement: [TaskID: SlotID])?

    /// Changes whenever anything the schedule depends on changes (an event, a reload, a
    /// new time zone): views computed from the schedule can be kept while it stays equal.
    public var stamp: (events: Int, generation: Int) { (events.count, generation) }

    /// A busy calendar changed: the schedule is laid out again at the next look.
    public func setBusy(_ times: BusyTimes) {
        guard times != busy else { return }
        busy = times
        generation += 1
    }

    /// Forgets the cached schedule (the system time zone changed under it).
    public func invalidate() { generation += 1 }
    /// Bumped by `reload` and `invalidate`, which can change everything the schedule depends on.
    private var generation = 0

    /// Checks, records and returns the event for `change`. Throws `ScheduleError` for a
    /// refused change and `LedgerError` when it could not be recorded (nothing changed).
    /// The change is checked against the schedule already laid out for `now`; only the
    /// next look at the schedule lays it out again.
    @discardableResult
    public func apply(_ change: Change, now: Date, origin: String? = nil) throws -> LedgerEvent {
        var event = try input(now: now).event(for: change, in: schedule(now: now))
        event.origin = origin
        let stored = try ledger.append(event)
        events.append(stored)
        return stored
    }

    /// Records an event that needs no checking (a reminder that fired).
    public func record(_ event: LedgerEvent) throws(LedgerError) {
        events.append(try ledger.append(event))
    }

    /// Replaces config, plan and blackouts after a reload. The caller has already loaded
    /// and checked all of them, so a broken file leaves the tracker as it was.
    public func reload(config: Config, plan: Plan, extraBlackouts: Set<LocalDate>, now: Date) throws {
        self.config = config
        self.plan = plan
        self.extraBlackouts = extraBlackouts
        generation += 1
        try recordStartIfNeeded(now: now)
    }
}
