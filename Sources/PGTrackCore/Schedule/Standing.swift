import FoundationEssentials

/// When the tasks fall due in the untouched plan (no ledger, nothing missed): one entry
/// per task the plan placed, sorted. A task is due from its slot's start there, and late
/// from that slot's end plus `grace`.
public struct PlannedTimes: Sendable, Equatable {
    public var starts: [Date] = []
    public var lates: [Date] = []
    public var lateOf: [TaskID: Date] = [:]

    public init() {}

    /// How many of `times` (sorted) are at or before `now`.
    static func count(_ times: [Date], through now: Date) -> Int {
        var lo = 0, hi = times.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if times[mid] <= now { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Tasks whose planned slot has started by `now`.
    public func started(at now: Date) -> Int { Self.count(starts, through: now) }
    /// Tasks whose planned slot ended more than `grace` ago at `now`.
    public func late(at now: Date) -> Int { Self.count(lates, through: now) }

    /// The first instant after `now` at which either count changes.
    public func next(after now: Date) -> Date? {
        let s = Self.count(starts, through: now), l = Self.count(lates, through: now)
        return [s < starts.count ? starts[s] : nil, l < lates.count ? lates[l] : nil].compactMap { $0 }.min()
    }
}

/// Where a plan stands at an instant: the one definition of every figure the surfaces
/// show (the CLI's text and `--json`, the page, the feed's description, `STATUS=`, the
/// status bars). docs/DECISIONS.md has them as a table.
///
/// Built by `Schedule.standing(at:start:zone:)` in the daemon; a client rebuilds it from
/// the `Status` reply and renders it with the same functions.
public struct Standing: Sendable, Equatable {
    public var total: Int
    public var done: Int
    /// Tasks the untouched plan has late at `now` (their slot there ended more than
    /// `grace` ago), tasks checked in the plan file included.
    public var due: Int
    /// Tasks behind the untouched plan; negative: ahead. 0 (on track) while the tasks
    /// done lie between those due and those late (a slot in progress counts neither way).
    public var behind: Int
    /// Weeks in the plan file.
    public var weeks: Int
    /// The plan week of today: 0 before the start, more than `weeks` in an extension
    /// week; once finished, it stays at the week of the last slot with a task.
    public var week: Int
    public var start: LocalDate
    public var zone: Zone
    /// The end of the slot holding the last open task, never before `now`; nil when finished.
    public var projected: Date?
    /// The untouched plan's finish.
    public var planned: Date?
    /// When the last task was marked done, once every task is; nil while any is open.
    public var finished: Date?
    /// The first open task, when it is late in the untouched plan.
    public var oldestOpen: TaskID?
    /// The last day of a pause that stands between today and the next study slot.
    public var pausedThrough: LocalDate?

    public init(total: Int, done: Int, due: Int, behind: Int, weeks: Int, week: Int, start: LocalDate, zone: Zone,
                projected: Date?, planned: Date?, finished: Date?, oldestOpen: TaskID? = nil, pausedThrough: LocalDate? = nil) {
        self.total = total
        self.done = done
        self.due = due
        self.behind = behind
        self.weeks = weeks
        self.week = week
        self.start = start
        self.zone = zone
        self.projected = projected
        self.planned = planned
        self.finished = finished
        self.oldestOpen = oldestOpen
        self.pausedThrough = pausedThrough
    }

    public var isFinished: Bool { finished != nil }
    public var isOnTrack: Bool { behind == 0 }

    /// Whether catch-up slots take the backlog: behind, yet projected to finish by the planned day.
    public var isAbsorbed: Bool {
        guard behind > 0, let projected, let planned else { return false }
        return LocalDate(projected, in: zone) <= LocalDate(planned, in: zone)
    }

    // MARK: - The texts (every surface prints these)

    func day(_ d: Date) -> String { Self.day(LocalDate(d, in: zone)) }
    static func day(_ d: LocalDate) -> String { "\(d.weekday.shortName.capitalized) \(d)" }
    static func plural(_ n: Int, _ word: String) -> String { "\(n) \(word)\(n == 1 ? "" : "s")" }

    /// `34/90 tasks (37%)`
    public var progressText: String { "\(done)/\(total) tasks (\(done * 100 / max(1, total))%)" }

    /// `5 tasks behind`, `2 tasks ahead`, `on track`, `finished`.
    public var behindHeadline: String {
        if isFinished { return "finished" }
        if behind > 0 { return Self.plural(behind, "task") + " behind" }
        if behind < 0 { return Self.plural(-behind, "task") + " ahead" }
        return "on track"
    }

    /// The headline with its context: `5 tasks behind · the catch-up slots absorb it ·
    /// finish on time · oldest open: 4.2 from week 4`.
    public var behindText: String {
        var out = behindHeadline
        if isAbsorbed { out += " · the catch-up slots absorb it · finish on time" }
        if !isFinished, let oldestOpen { out += " · oldest open: \(oldestOpen) from week \(oldestOpen.week)" }
        return out
    }

    /// The week line: `8 of 20 · started 2026-10-12`, `extension week 2 · started …`,
    /// `starts Mon 2027-01-04, in 31 days`, or with ` · finished` once done.
    public func weekText(today: LocalDate) -> String {
        if week == 0 {
            let days = start.dayNumber - today.dayNumber
            let when = days <= 0 ? "today" : days == 1 ? "tomorrow" : "in \(days) days"
            return "starts \(Self.day(start)), \(when)"
        }
        let which = week <= weeks ? "\(week) of \(weeks)" : "extension week \(week - weeks) (the plan has \(weeks))"
        return which + " · started \(start)" + (isFinished ? " · finished" : "")
    }

    /// The week line with its word, as a heading: `Week 8 of 20 · started 2026-10-12`,
    /// `Extension week 2 (the plan has 20) · …`, `Starts Mon 2027-01-04, in 31 days`.
    public func weekLine(today: LocalDate) -> String {
        let text = weekText(today: today)
        return (1...max(1, weeks)).contains(week) ? "Week " + text : text.prefix(1).uppercased() + text.dropFirst()
    }

    /// `Thu 2027-04-15 projected · Wed 2027-04-14 planned (1 day late)`, or once finished
    /// `Finished Fri 2026-12-04 · 90/90 · 78 days after the planned finish`.
    public var finishText: String {
        if let finishedText { return "Finished " + finishedText }
        guard let projected else { return "nothing left to schedule" }
        guard let planned else { return "\(day(projected)) projected" }
        let late = LocalDate(projected, in: zone).dayNumber - LocalDate(planned, in: zone).dayNumber
        let delta = late == 0 ? "on time" : Self.plural(abs(late), "day") + (late > 0 ? " late" : " early")
        return "\(day(projected)) projected · \(day(planned)) planned (\(delta))"
    }

    /// Once finished: `Fri 2026-12-04 · 90/90 · 78 days after the planned finish` (or
    /// `3 days before the planned finish`, `on the planned day`).
    public var finishedText: String? {
        guard let finished else { return nil }
        var out = "\(day(finished)) · \(done)/\(total)"
        if let planned {
            let late = LocalDate(finished, in: zone).dayNumber - LocalDate(planned, in: zone).dayNumber
            out += late == 0 ? " · on the planned day"
                : " · " + Self.plural(abs(late), "day") + (late > 0 ? " after" : " before") + " the planned finish"
        }
        return out
    }

    /// `paused through Fri 2027-02-19`
    public var pausedText: String? { pausedThrough.map { "paused through \(Self.day($0))" } }
}

extension Schedule {
    /// Tasks behind the untouched plan at `now` (negative: ahead); see `Standing.behind`.
    public func behind(at now: Date) -> Int {
        let checked = doneInPlan.count, done = doneCount
        let late = checked + planned.late(at: now), started = checked + planned.started(at: now)
        return done < late ? late - done : done > started ? started - done : 0
    }

    /// Where the plan stands at `now`; `start` is the plan's first day.
    public func standing(at now: Date, start: LocalDate, zone: Zone) -> Standing {
        let total = plan.tasks.count, done = doneCount
        let today = LocalDate(now, in: zone)
        let finished: Date? = done == total
            ? slots.compactMap(\.doneAt).max() ?? zone.instant(start, TimeOfDay(hour: 0, minute: 0)) : nil
        var week = max(0, (today.dayNumber - start.dayNumber).floorDivided(by: 7) + 1)
        if finished != nil { week = max(0, min(week, slots.filter { $0.task != nil }.map(\.week).max() ?? plan.weeks.count)) }
        let firstOpen = plan.tasks.first { !isDone($0.id) }?.id
        let oldest = firstOpen.flatMap { id in planned.lateOf[id].map { $0 <= now ? id : nil } ?? nil }
        let nextStudy = next(after: now)?.start ?? .distantFuture
        let paused = slots.filter { $0.state == .paused && $0.date >= today && $0.start < nextStudy }.map(\.date).max()
        return Standing(total: total, done: done, due: doneInPlan.count + planned.late(at: now), behind: behind(at: now),
                        weeks: plan.weeks.count, week: week, start: start, zone: zone,
                        projected: finished == nil ? projectedFinish.map { max($0, now) } : nil, planned: plannedFinish,
                        finished: finished, oldestOpen: oldest, pausedThrough: paused)
    }
}
