import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore
import PGTrackPlatform

/// Reads a busy calendar (`schedule.busy`): the times of its events that block a study
/// slot, within the plan's window.
///
/// Its events are read by `ICalEvents` (recurrences, exceptions, cancelled ones, the
/// bounds), as the holidays file's are. An event blocks unless it is
/// `TRANSP:TRANSPARENT`; all-day events block their whole days in the plan's zone; an
/// event over 31 days is no meeting and is counted, not read. At most `maxEvents` busy
/// times in all.
public enum BusyCalendar {
    /// Recurrence steps per file at most (`ICalEvents.maxSteps`).
    public static let maxSteps = ICalEvents.maxSteps
    /// Busy times in the window at most (a year of a very busy work calendar is ~2,000).
    public static let maxEvents = 50_000
    /// An event longer than this (31 days) is not read as busy time, and counted.
    public static let maxLength: TimeInterval = 31 * 86400
    /// A summary is cut to this many characters: it is shown as "after …".
    public static let maxSummary = 80

    public typealias ReadError = ICalEvents.ReadError

    /// The span a plan reads its busy calendars for: its weeks from the day before its
    /// start, plus a year for slips (as for the holidays file).
    public static func window(start: LocalDate, weeks: Int, zone: Zone) -> (from: Date, until: Date) {
        let midnight = TimeOfDay(hour: 0, minute: 0)
        return (zone.instant(start.adding(days: -1), midnight), zone.instant(start.adding(days: 7 * weeks + 366), midnight))
    }

    /// The file at `path`, read whole (a regular file of at most 16 MiB).
    public static func load(path: String, zone: Zone, from: Date, until: Date) throws(ReadError) -> [BusyEvent] {
        var ignored = 0
        return try load(path: path, zone: zone, from: from, until: until, ignoredLong: &ignored)
    }

    /// As `load`, counting the events too long to be busy time (see `maxLength`).
    public static func load(path: String, zone: Zone, from: Date, until: Date, ignoredLong: inout Int) throws(ReadError) -> [BusyEvent] {
        let bytes: [UInt8]
        do {
            bytes = try Files.readRegular(path, limit: 16 << 20)
        } catch {
            throw ReadError(error.message)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ReadError("not UTF-8 text") }
        return try read(text, zone: zone, from: from, until: until, ignoredLong: &ignoredLong)
    }

    /// The busy times of `text` that overlap `from..<until`, in no particular order.
    public static func read(_ text: String, zone: Zone, from: Date, until: Date) throws(ReadError) -> [BusyEvent] {
        var ignored = 0
        return try read(text, zone: zone, from: from, until: until, ignoredLong: &ignored)
    }

    /// As `read`, counting in `ignoredLong` the events too long to be busy time.
    public static func read(_ text: String, zone: Zone, from: Date, until: Date, ignoredLong: inout Int) throws(ReadError) -> [BusyEvent] {
        let trimmed = text.trimmingSpaces()
        let upper = trimmed.uppercased()
        guard upper.hasPrefix("BEGIN:VCALENDAR") || upper.hasPrefix("BEGIN:VEVENT") else {
            throw ReadError("not iCalendar (expected BEGIN:VCALENDAR)")
        }
        // A file cut short (a writer that has not finished) must not read as fewer meetings.
        guard upper.hasSuffix(upper.hasPrefix("BEGIN:VCALENDAR") ? "END:VCALENDAR" : "END:VEVENT") else {
            throw ReadError("incomplete: it does not end with END:VCALENDAR")
        }
        let occurrences = try ICalEvents.read(text, zone: zone, from: from, until: until, maxLength: maxLength, ignoredLong: &ignoredLong)
        var out: [BusyEvent] = []
        for o in occurrences where !o.transparent {
            out.append(BusyEvent(start: o.start, end: o.end, summary: summary(o.summary)))
        }
        guard out.count <= maxEvents else { throw ReadError("more than \(maxEvents) busy times in the plan's window") }
        return out
    }

    /// An event's SUMMARY as one line of printable text; "busy" when it has none.
    static func summary(_ raw: String?) -> String {
        let raw = raw ?? ""
        var out = String.UnicodeScalarView()
        for s in raw.unicodeScalars {
            if s.value < 0x20 || (0x7F...0x9F).contains(s.value) {
                if s == "\n" || s == "\t" || s == "\r" { out.append(" ") }
            } else {
                out.append(s)
            }
        }
        let text = String(out).trimmingSpaces()
        if text.isEmpty { return "busy" }
        return text.count > maxSummary ? String(text.prefix(maxSummary - 1)) + "…" : text
    }
}
