import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore
import PGTrackPlatform

/// Reads blackout dates from an .ics file: every day of every all-day event, within the
/// plan's window `from...until` only. The events are read by `ICalEvents`, as busy
/// calendars' are: RRULE and RDATE expanded, EXDATE and cancelled instances (a
/// RECURRENCE-ID with `STATUS:CANCELLED`) honoured, a cancelled event not read, one step
/// budget for the file. Transparency does not matter (holiday feeds mark their days
/// transparent), and timed events are no holidays.
public enum Holidays {
    public static func load(path: String, from: LocalDate, until: LocalDate) throws(ConfigError) -> Set<LocalDate> {
        let bytes: [UInt8]
        do {
            bytes = try Files.readRegular(path, limit: 16 << 20)
        } catch {
            throw ConfigError(file: path, line: 0, key: "schedule.holidays", message: "cannot read the holidays file: \(error)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConfigError(file: path, line: 0, key: "schedule.holidays", message: "cannot read the holidays file: not UTF-8 text")
        }
        let upper = text.prefix(64).uppercased().drop { $0.isWhitespace || $0 == "\u{FEFF}" }
        guard upper.hasPrefix("BEGIN:VCALENDAR") || upper.hasPrefix("BEGIN:VEVENT") else {
            throw ConfigError(file: path, line: 0, key: "schedule.holidays", message: "expected an iCalendar file (BEGIN:VCALENDAR or BEGIN:VEVENT)")
        }
        // All-day values are dates: read them in UTC, a day either side of the window.
        let midnight = TimeOfDay(hour: 0, minute: 0)
        var ignored = 0
        let occurrences: [ICalEvents.Occurrence]
        do {
            occurrences = try ICalEvents.read(text, zone: .utc, from: Zone.utc.instant(from.adding(days: -1), midnight),
                                              until: Zone.utc.instant(until.adding(days: 2), midnight), ignoredLong: &ignored)
        } catch {
            throw ConfigError(file: path, line: 0, key: "schedule.holidays", message: "cannot read the holidays file: \(error.description)")
        }
        var dates = Set<LocalDate>()
        for o in occurrences {
            guard let (first, count) = o.days else { continue } // timed events are not holidays
            // Only the window's days: an all-day event "lasting" until 2999 costs those.
            let lo = max(first.dayNumber, from.dayNumber), hi = min(first.dayNumber + count, until.dayNumber + 1)
            guard lo < hi else { continue }
            for day in lo..<hi { dates.insert(LocalDate(dayNumber: day)) }
        }
        return dates
    }
}
