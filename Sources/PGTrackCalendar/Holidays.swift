import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore

/// Reads blackout dates from an .ics file: every all-day event's days, with yearly and
/// other RRULEs expanded, within the plan's window `from...until` only.
///
/// The work is bounded whatever the file says: at most `maxOccurrences` steps of a
/// recurrence, and days outside the window are never enumerated (an all-day event
/// "lasting" until 2999 costs its days in the window, not 350,000 of them each time).
public enum Holidays {
    /// Recurrence steps per event at most (daily for 270 years).
    public static let maxOccurrences = 100_000

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
        guard let cal = ICalComponent.parse(text) else {
            throw ConfigError(file: path, line: 0, key: "schedule.holidays", message: "expected an iCalendar file (BEGIN:VCALENDAR or BEGIN:VEVENT)")
        }
        var dates = Set<LocalDate>()
        // A file whose root is one VEVENT (as some "export this event" buttons write) is that holiday.
        let events = cal.kind == ICAL_VEVENT_COMPONENT ? [ICalChild(pointer: cal.pointer, parent: cal)] : cal.children(ICAL_VEVENT_COMPONENT)
        for event in events {
            let start = event.dtstart
            guard start.is_date != 0 else { continue } // timed events are not holidays
            let end = icalcomponent_get_dtend(event.pointer)
            let first = LocalDate(year: Int(start.year), month: Int(start.month), day: Int(start.day))
            var days = 1
            if icaltime_is_null_time(end) == 0, end.is_date != 0 {
                days = max(1, LocalDate(year: Int(end.year), month: Int(end.month), day: Int(end.day)).dayNumber - first.dayNumber)
            }
            var starts = [first]
            if let rrule = event.property(ICAL_RRULE_PROPERTY) {
                starts = []
                let recurrence = icalproperty_get_rrule(rrule)
                if let it = icalrecur_iterator_new(recurrence, start) {
                    defer { icalrecur_iterator_free(it) }
                    var next = icalrecur_iterator_next(it)
                    var steps = 0
                    while icaltime_is_null_time(next) == 0, steps < maxOccurrences {
                        steps += 1
                        let d = LocalDate(year: Int(next.year), month: Int(next.month), day: Int(next.day))
                        if d > until { break }
                        if d.adding(days: days) > from { starts.append(d) }
                        next = icalrecur_iterator_next(it)
                    }
                }
            }
            // Occurrences come in date order and last equally long, so each day of the
            // window is added once: from where the last occurrence's days ended.
            var covered = from.dayNumber
            for s in starts {
                let lo = max(covered, s.dayNumber), hi = min(s.dayNumber + days, until.dayNumber + 1)
                guard lo < hi else { continue }
                for day in lo..<hi { dates.insert(LocalDate(dayNumber: day)) }
                covered = hi
            }
        }
        return dates
    }
}
