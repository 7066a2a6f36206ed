import FoundationEssentials

/// A slot's id, `wWWdD`: plan week WW (two digits), D-th study day of that week.
///
/// D counts the configured study days of the week, blackout dates included, so that
/// adding a blackout date later leaves the other slots' ids (and the ledger entries
/// naming them) unchanged: the week simply has a gap.
public struct SlotID: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var week: Int
    public var day: Int

    public init(week: Int, day: Int) {
        self.week = week
        self.day = day
    }

    /// Parses `w03d2` (also `W3D2`).
    public init?(_ text: String) {
        let t = text.lowercased()
        guard t.hasPrefix("w"), let dIndex = t.firstIndex(of: "d") else { return nil }
        let w = t[t.index(after: t.startIndex)..<dIndex], d = t[t.index(after: dIndex)...]
        guard !w.isEmpty, !d.isEmpty, w.count <= 3, d.count <= 1,
              w.allSatisfy(\.isNumber), d.allSatisfy(\.isNumber),
              let week = Int(w), let day = Int(d), week >= 1, (1...7).contains(day)
        else { return nil }
        self.init(week: week, day: day)
    }

    public var description: String { "w" + (week < 10 ? "0" : "") + "\(week)d\(day)" }

    public static func < (a: SlotID, b: SlotID) -> Bool { (a.week, a.day) < (b.week, b.day) }
}

/// What a slot is now.
public enum SlotState: String, Sendable, CaseIterable {
    /// Holds an open task, not yet missed.
    case scheduled
    case done
    case skipped
    /// On a paused date (`pgtrackctl pause`): no study, its task slid on, as after a skip.
    case paused
    /// Ended more than `grace` ago with its task not done.
    case missed
    /// No task: a spare slot that absorbs slips.
    case catchUp = "catch-up"

    /// Skipped or paused: no study happens in the slot.
    public var isCancelled: Bool { self == .skipped || self == .paused }
}

/// One study session on the calendar.
public struct Slot: Sendable, Equatable {
    public var id: SlotID
    /// The day the slot was generated on (before any reschedule).
    public var date: LocalDate
    public var start: Date
    public var end: Date
    /// Where the slot was before any reschedule.
    public var originalStart: Date
    public var state: SlotState
    /// The task this slot holds; nil for skipped, catch-up and (with `slide`) missed slots.
    public var task: TaskID?
    /// A skip's reason, if one was given.
    public var reason: String?
    /// When the slot's task was marked done.
    public var doneAt: Date?
    /// Reminders for this slot wait until then.
    public var snoozedUntil: Date?
    /// Added after the plan's last week because slips exceeded the catch-up slots.
    public var isExtension: Bool
    /// Why the slot is not at its time: "after Late meeting" when the busy rule moved it.
    public var note: String?
    /// The user's own note on the slot (`pgtrackctl note`, `done --note`): what was
    /// learned. Not `note`, which is the busy calendar's.
    public var studyNote: String?
    /// A done slot's minutes spent, when given or measured.
    public var minutesSpent: Int?
    /// When the user started studying the slot (`pgtrackctl start`), the latest start in effect.
    public var startedAt: Date?

    public init(id: SlotID, date: LocalDate, start: Date, end: Date, originalStart: Date, state: SlotState, task: TaskID?,
                reason: String? = nil, doneAt: Date? = nil, snoozedUntil: Date? = nil, isExtension: Bool = false, note: String? = nil,
                studyNote: String? = nil, minutesSpent: Int? = nil, startedAt: Date? = nil) {
        self.id = id
        self.date = date
        self.start = start
        self.end = end
        self.originalStart = originalStart
        self.state = state
        self.task = task
        self.reason = reason
        self.doneAt = doneAt
        self.snoozedUntil = snoozedUntil
        self.isExtension = isExtension
        self.note = note
        self.studyNote = studyNote
        self.minutesSpent = minutesSpent
        self.startedAt = startedAt
    }

    public var week: Int { id.week }
    /// The day the slot is on now, in the plan's `zone` (its `date` unless it was moved).
    public func day(in zone: Zone) -> LocalDate { isRescheduled ? LocalDate(start, in: zone) : date }
    public var isRescheduled: Bool { start != originalStart }
    public var duration: TimeInterval { end.timeIntervalSince(start) }

    /// Whether `instant` falls within the slot.
    public func contains(_ instant: Date) -> Bool { start <= instant && instant < end }

    /// Whether the slot's time overlaps `[start, end)`.
    public func overlaps(start s: Date, end e: Date) -> Bool { start < e && s < end }
}
