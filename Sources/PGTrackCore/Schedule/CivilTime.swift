import FoundationEssentials

/// A calendar date with no time or zone (`2026-12-24`).
///
/// Day arithmetic is done on the day number, not through `Calendar`, so that adding
/// days can never be moved by a DST change.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`, refusing dates that do not exist (`2026-02-30`).
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]),
              (1...12).contains(m), d >= 1, d <= LocalDate.daysIn(month: m, year: y)
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var description: String {
        let y = String(year), m = month < 10 ? "0\(month)" : "\(month)", d = day < 10 ? "0\(day)" : "\(day)"
        return "\(y)-\(m)-\(d)"
    }

    static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (proleptic Gregorian).
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(dayNumber z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (m <= 2 ? 1 : 0), month: m, day: d)
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (ISO 4).
        let iso = ((dayNumber % 7) + 7 + 3) % 7 + 1
        return Weekday(rawValue: iso) ?? .monday
    }

    /// The first `weekday` on or after this date.
    public func next(_ weekday: Weekday) -> LocalDate {
        adding(days: (weekday.rawValue - self.weekday.rawValue + 7) % 7)
    }

    public static func < (a: LocalDate, b: LocalDate) -> Bool { a.dayNumber < b.dayNumber }

    /// The date `instant` falls on in `zone`.
    public init(_ instant: Date, in zone: Zone) {
        self = zone.wallClock(instant).date
    }
}

/// A day of the week, numbered as ISO 8601 does: Monday 1 ... Sunday 7 (Foundation's
/// `Calendar` would say Sunday 1; nothing here uses it).
public enum Weekday: Int, Sendable, CaseIterable, Comparable {
    case monday = 1, tuesday, wednesday, thursday, friday, saturday, sunday

    /// Parses `mon`, `monday`, `Mon`, ...
    public init?(name: String) {
        let n = name.lowercased()
        guard n.count >= 3, let day = Weekday.allCases.first(where: { $0.fullName.hasPrefix(n) }) else { return nil }
        self = day
    }

    public var fullName: String {
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"][rawValue - 1]
    }

    /// The config spelling: `mon`, `tue`, ...
    public var shortName: String { String(fullName.prefix(3)) }

    public static func < (a: Weekday, b: Weekday) -> Bool { a.rawValue < b.rawValue }
}

/// A wall-clock time of day (`18:00`).
public struct TimeOfDay: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var hour: Int
    public var minute: Int

    public init(hour: Int, minute: Int) {
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (24-hour; one-digit hours allowed).
    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0...23).contains(h), (0...59).contains(m)
        else { return nil }
        self.init(hour: h, minute: m)
    }

    public var description: String {
        (hour < 10 ? "0\(hour)" : "\(hour)") + ":" + (minute < 10 ? "0\(minute)" : "\(minute)")
    }

    public static func < (a: TimeOfDay, b: TimeOfDay) -> Bool { (a.hour, a.minute) < (b.hour, b.minute) }
}

/// A length of time in whole seconds, written in config as `90s`, `10m`, `2h`, `1h30m`, `1d`.
public struct Span: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var seconds: Int

    public init(seconds: Int) { self.seconds = seconds }
    public static func minutes(_ m: Int) -> Span { Span(seconds: m * 60) }
    public static func hours(_ h: Int) -> Span { Span(seconds: h * 3600) }

    /// Parses an optional sign followed by one or more `<number><unit>` groups,
    /// units `s`, `m`, `h`, `d`, `w`. A sum that does not fit in 64 bits is refused
    /// (nil), never wrapped or trapped on; callers bound the result to what their key means.
    public init?(_ text: String) {
        var s = Substring(text.trimmingSpaces())
        var sign = 1
        if s.first == "-" { sign = -1; s.removeFirst() } else if s.first == "+" { s.removeFirst() }
        guard !s.isEmpty else { return nil }
        var total = 0
        while !s.isEmpty {
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 9, let n = Int(digits) else { return nil }
            s = s.dropFirst(digits.count)
            guard let unit = s.first else { return nil }
            s.removeFirst()
            let size: Int
            switch unit {
            case "s": size = 1
            case "m": size = 60
            case "h": size = 3600
            case "d": size = 86400
            case "w": size = 7 * 86400
            default: return nil
            }
            let (part, o1) = n.multipliedReportingOverflow(by: size)
            let (sum, o2) = total.addingReportingOverflow(part)
            guard !o1, !o2 else { return nil }
            total = sum
        }
        self.seconds = sign * total
    }

    public var timeInterval: TimeInterval { TimeInterval(seconds) }

    /// The shortest spelling that parses back to the same span (`-10m`, `2h`, `1h30m`).
    public var description: String {
        if seconds == 0 { return "0m" }
        var rest = abs(seconds)
        var out = seconds < 0 ? "-" : ""
        for (unit, size) in [("d", 86400), ("h", 3600), ("m", 60), ("s", 1)] where rest >= size {
            out += "\(rest / size)\(unit)"
            rest %= size
        }
        return out
    }

    public static func < (a: Span, b: Span) -> Bool { a.seconds < b.seconds }
}

extension BinaryInteger {
    /// Division rounding toward minus infinity: `(-1).floorDivided(by: 86400) == -1`, where
    /// `/` gives 0. Day numbers and weeks before 1970 or before a plan's start need it.
    public func floorDivided(by divisor: Self) -> Self {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}

/// Seconds since the epoch (or since any midnight) split into a day number and the
/// seconds into that day.
public func splitDays(_ seconds: Int) -> (day: Int, seconds: Int) {
    let day = seconds.floorDivided(by: 86400)
    return (day, seconds - day * 86400)
}

extension Date {
    /// The wall-clock time at this instant in `zone`, `HH:MM`.
    public func time(in zone: Zone) -> TimeOfDay {
        let seconds = zone.wallClock(self).seconds
        return TimeOfDay(hour: seconds / 3600, minute: seconds % 3600 / 60)
    }

    /// `2026-12-02 18:00` in `zone`, for messages.
    public func formatted(in zone: Zone) -> String {
        let (date, seconds) = zone.wallClock(self)
        return "\(date) \(TimeOfDay(hour: seconds / 3600, minute: seconds % 3600 / 60))"
    }
}
