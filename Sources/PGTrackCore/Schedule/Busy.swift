import FoundationEssentials

/// A time the user is busy: one event (or one occurrence of a recurring one) from a busy
/// calendar (`schedule.busy`).
public struct BusyEvent: Sendable, Equatable {
    public var start: Date
    public var end: Date
    public var summary: String

    public init(start: Date, end: Date, summary: String) {
        self.start = start
        self.end = end
        self.summary = summary
    }
}

/// Busy events sorted by start, with the running maximum of their ends, so that the
/// events overlapping a time are found by a binary search and a walk back that stops
/// as soon as no earlier event reaches that far.
public struct BusyTimes: Sendable, Equatable {
    public private(set) var events: [BusyEvent]
    private var reach: [Date]

    public static let none = BusyTimes([])

    /// Events with no length are dropped: they block nothing.
    public init(_ events: [BusyEvent]) {
        self.events = events.filter { $0.end > $0.start }.sorted { ($0.start, $0.end) < ($1.start, $1.end) }
        var reach: [Date] = []
        reach.reserveCapacity(self.events.count)
        var far = Date.distantPast
        for e in self.events {
            far = max(far, e.end)
            reach.append(far)
        }
        self.reach = reach
    }

    public var isEmpty: Bool { events.isEmpty }
    public var count: Int { events.count }

    /// Of the events overlapping `[start, end)`, the one that ends last.
    public func overlap(start: Date, end: Date) -> BusyEvent? {
        // First event starting at or after `end`: none from there on overlaps.
        var lo = 0, hi = events.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if events[mid].start < end { lo = mid + 1 } else { hi = mid }
        }
        var best: BusyEvent?
        var i = lo - 1
        while i >= 0, reach[i] > start {
            let e = events[i]
            if e.end > start, best.map({ e.end > $0.end }) ?? true { best = e }
            i -= 1
        }
        return best
    }
}

/// Where the busy rule puts a slot.
public enum BusyPlacement: Equatable, Sendable {
    /// Nothing busy in the way.
    case free
    /// After the busy event `after` (its summary), at `start`.
    case moved(start: Date, after: String)
    /// No free time between the busy events and `latest` that day: the slot is unusable.
    case lost(after: String)
}

extension BusyTimes {
    /// The busy rule (`schedule.busy`, `schedule.latest`): a slot `[start, start+length)`
    /// that overlaps a busy event, or one of the `taken` times, moves to where that ends,
    /// again and again, as long as it still ends by `latest` on its own day; else it is
    /// lost. `taken` are other slots' times, sorted by start.
    /// `latest` is only worked out for a slot that has to move.
    public func place(start: Date, length: TimeInterval, latest: @autoclosure () -> Date,
                      taken: [(start: Date, end: Date)] = []) -> BusyPlacement {
        var at = start
        var after: String?
        var limit: Date?
        // Each step moves past one event or slot, so the loop ends; the bound guards the rest.
        for _ in 0..<(events.count + taken.count + 1) {
            let end = at.addingTimeInterval(length)
            var blocker: (end: Date, summary: String?)?
            if let e = overlap(start: at, end: end) { blocker = (e.end, e.summary) }
            for t in taken where t.start < end && at < t.end {
                if blocker.map({ t.end > $0.end }) ?? true { blocker = (t.end, nil) }
            }
            guard let b = blocker else {
                guard let after else { return .free }
                return .moved(start: at, after: after)
            }
            if let s = b.summary { after = s } else if after == nil { after = "another study slot" }
            at = b.end
            if limit == nil { limit = latest() }
            if let limit, at.addingTimeInterval(length) > limit { return .lost(after: after ?? "") }
        }
        return .lost(after: after ?? "")
    }
}
