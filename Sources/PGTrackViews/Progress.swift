import FoundationEssentials
import PGTrackAPI
import PGTrackCore

// The figures of the progress page and `pgtrackctl progress`: pure functions of the
// slots as the API shows them, and `now`.

/// Runs of done study slots.
///
/// The slots are taken in time order, up to `now`:
/// - a **done** slot adds one to the run;
/// - a **missed** slot ends it;
/// - a **skipped** slot ends it only if it was not made up: it was made up when every
///   task of its plan week was done within that week (a catch-up slot took the slip).
///   While its week is still running, a skip does not end the run yet;
/// - a spare catch-up slot, and a slot that ended but is still within its grace, neither
///   add to the run nor end it (nothing was due, or it may still be marked done).
///
/// `current` is the run that is still going at `now`; `longest` the longest run so far.
public struct Streaks: Equatable, Sendable {
    public var current: Int
    public var longest: Int

    public init(current: Int, longest: Int) {
        self.current = current
        self.longest = longest
    }

    public init(slots: [API.Slot], now: Date) {
        // The plan weeks whose tasks were all done within the week, and when each week ends.
        var weekEnd: [Int: Date] = [:]
        var unfinished = Set<Int>()
        for slot in slots {
            weekEnd[slot.week] = max(weekEnd[slot.week] ?? .distantPast, slot.endDate)
            guard let task = slot.task.flatMap({ TaskID($0.id) }) else { continue }
            if slot.state != .done || slot.week > task.week { unfinished.insert(task.week) }
        }
        var run = 0, longest = 0
        for slot in slots.sorted(by: { ($0.startDate, $0.id) < ($1.startDate, $1.id) }) where slot.startDate <= now || slot.state == .done {
            switch slot.state {
            case .done:
                run += 1
                longest = max(longest, run)
            case .missed:
                run = 0
            case .skipped:
                let weekOver = (weekEnd[slot.week] ?? .distantPast) <= now
                if weekOver, unfinished.contains(slot.week) { run = 0 }
            case .scheduled, .catchUp, .paused:
                break // a pause is the plan moving, not a lapse
            }
        }
        self.init(current: run, longest: longest)
    }
}

/// Tasks remaining at the end of each plan week: the plan's line, the actual one and the
/// projection to the finish.
///
/// Only tasks that have a slot count (a task checked in the plan file was done before the
/// plan began). Week `w`'s point is the count after week `w`; week 0 is the start.
/// - **planned**: every task studied in its own plan week, weeks 0 through the plan's last.
/// - **actual**: tasks not done in a slot of week `w` or earlier, weeks 0 through the
///   current one (whose point counts what is done so far).
/// - **projected**: from the last finished week's actual point, tasks not done and not
///   scheduled in a slot of week `w` or earlier, through the week of the last slot holding
///   a task, where it reaches 0.
public struct Burndown: Equatable, Sendable {
    public var total: Int
    public var currentWeek: Int
    public var planned: [Point]
    public var actual: [Point]
    public var projected: [Point]

    public struct Point: Equatable, Sendable {
        public var week: Int
        public var remaining: Int

        public init(_ week: Int, _ remaining: Int) {
            self.week = week
            self.remaining = remaining
        }
    }

    public init(total: Int, currentWeek: Int, planned: [Point], actual: [Point], projected: [Point]) {
        self.total = total
        self.currentWeek = currentWeek
        self.planned = planned
        self.actual = actual
        self.projected = projected
    }

    /// - Parameter currentWeek: the plan week `now` falls in (`Overview.week`).
    public init(slots: [API.Slot], currentWeek: Int) {
        var planWeekOf: [TaskID] = []
        var doneIn: [Int] = [], openIn: [Int] = []
        for slot in slots {
            guard let task = slot.task.flatMap({ TaskID($0.id) }) else { continue }
            planWeekOf.append(task)
            if slot.state == .done { doneIn.append(slot.week) } else { openIn.append(slot.week) }
        }
        let total = planWeekOf.count
        let lastPlanWeek = planWeekOf.map(\.week).max() ?? 0
        let lastWeek = (doneIn + openIn).max() ?? 0
        let current = max(0, min(currentWeek, max(lastPlanWeek, lastWeek)))
        func count(_ weeks: [Int], through w: Int) -> Int { weeks.filter { $0 <= w }.count }
        let planned = (0...lastPlanWeek).map { w in Point(w, total - planWeekOf.filter { $0.week <= w }.count) }
        let actual = (0...current).map { w in Point(w, total - count(doneIn, through: w)) }
        var projected: [Point] = []
        if current < lastWeek || openIn.contains(where: { $0 <= current }) {
            let from = max(0, current - 1)
            let doneBefore = count(doneIn, through: from)
            projected.append(Point(from, total - doneBefore))
            let done = doneIn.count
            for w in (from + 1)...max(from + 1, lastWeek) {
                projected.append(Point(w, total - done - count(openIn, through: w)))
            }
        }
        self.init(total: total, currentWeek: current, planned: planned, actual: actual, projected: projected)
    }
}
