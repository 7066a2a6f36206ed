import FoundationEssentials

/// The times `pgtrackctl reschedule SLOT WHEN` accepts, resolved in the plan's zone.
///
/// - `2026-12-02 19:00` (or `2026-12-02T19:00`): that wall-clock time;
/// - `today 18:30`, `tomorrow 18:30`: that time on that day;
/// - `fri 07:00`, `friday 07:00`: the next such weekday (today counts if the time is
///   still ahead);
/// - `+1d`, `+90m`, `-2h`, `+1h30m`: relative to the slot's current start.
public enum TimeExpression {
    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var description: String {
            "cannot read the time '\(text)'; expected e.g. '2026-12-02 19:00', 'tomorrow 18:30', 'fri 07:00', '+1d' or '+90m'"
        }
    }

    public static func resolve(_ text: String, now: Date, zone: Zone, relativeTo base: Date) throws(Invalid) -> Date {
        let t = text.trimmingSpaces()
        let invalid = Invalid(text: text)
        if let first = t.first, first == "+" || first == "-" {
            guard let span = Span(t) else { throw invalid }
            return base.addingTimeInterval(span.timeInterval)
        }
        var words = t.split(whereSeparator: { $0 == " " || $0 == "T" }).map(String.init)
        if words.count == 1, t.contains("T") { words = t.split(separator: "T").map(String.init) }
        guard words.count == 2, let time = TimeOfDay(words[1]) else { throw invalid }
        let today = LocalDate(now, in: zone)
        let day: LocalDate
        switch words[0].lowercased() {
        case "today": day = today
        case "tomorrow": day = today.adding(days: 1)
        default:
            if let date = LocalDate(words[0]) {
                day = date
            } else if let weekday = Weekday(name: words[0]) {
                var candidate = today.next(weekday)
                if zone.instant(candidate, time) <= now { candidate = candidate.adding(days: 7) }
                day = candidate
            } else {
                throw invalid
            }
        }
        return zone.instant(day, time)
    }
}

/// `SLOT` as the CLI takes it: a slot id, or `today`, `next`, `current`.
public enum SlotReference: Equatable, Sendable {
    case id(SlotID)
    case today
    case next
    case current

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var text: String
        public var description: String { "'\(text)' is not a slot; expected an id such as w03d2, or today, next, current" }
    }

    public init(_ text: String) throws(Invalid) {
        switch text.lowercased() {
        case "today": self = .today
        case "next": self = .next
        case "current": self = .current
        default:
            guard let id = SlotID(text) else { throw Invalid(text: text) }
            self = .id(id)
        }
    }
}
