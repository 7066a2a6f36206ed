import CLibical
import Foundation
import PGTrackCore

/// Reads blackout dates from an .ics file: every all-day event's days, with yearly and
/// other RRULEs expanded up to `until`.
public enum Holidays {
    public static func load(path: String, until: LocalDate) throws(ConfigError) -> Set<LocalDate> {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: 0, key: "schedule.holidays", message: "cannot read the holidays file")
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
                    while icaltime_is_null_time(next) == 0, starts.count < 1000 {
                        let d = LocalDate(year: Int(next.year), month: Int(next.month), day: Int(next.day))
                        if d > until { break }
                        starts.append(d)
                        next = icalrecur_iterator_next(it)
                    }
                }
            }
            for s in starts { for i in 0..<days { dates.insert(s.adding(days: i)) } }
        }
        return dates
    }
}
