import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore

/// Reads a busy calendar (`schedule.busy`): the times of its events that block a study
/// slot, within the plan's window.
///
/// An event blocks unless it is `TRANSP:TRANSPARENT` or `STATUS:CANCELLED`. Recurring
/// events (RRULE, EXDATE, and instances overridden by RECURRENCE-ID) are expanded within
/// the window; all-day events block their whole days in the plan's zone. The work is
/// bounded whatever the file says: `maxSteps` steps of a recurrence, `maxEvents` busy
/// times in all.
public enum BusyCalendar {
    /// Recurrence steps per file at most, all events together: a year of minutely
    /// meetings, or 200 weekly ones going back 100 years. Past it the file is refused,
    /// so that no file can keep the daemon busy for long.
    public static let maxSteps = 1_000_000
    /// Busy times in the window at most (a year of a very busy work calendar is ~2,000).
    public static let maxEvents = 50_000
    /// A summary is cut to this many characters: it is shown as "after …".
    public static let maxSummary = 80

    public struct ReadError: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The span a plan reads its busy calendars for: its weeks from the day before its
    /// start, plus a year for slips (as for the holidays file).
    public static func window(start: LocalDate, weeks: Int, zone: Zone) -> (from: Date, until: Date) {
        let midnight = TimeOfDay(hour: 0, minute: 0)
        return (zone.instant(start.adding(days: -1), midnight), zone.instant(start.adding(days: 7 * weeks + 366), midnight))
    }

    /// The file at `path`, read whole (a regular file of at most 16 MiB).
    public static func load(path: String, zone: Zone, from: Date, until: Date) throws(ReadError) -> [BusyEvent] {
        let bytes: [UInt8]
        do {
            bytes = try Files.readRegular(path, limit: 16 << 20)
        } catch {
            throw ReadError(error.message)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw ReadError("not UTF-8 text") }
        return try read(text, zone: zone, from: from, until: until)
    }

    /// The busy times of `text` that overlap `from..<until`, in no particular order.
    public static func read(_ text: String, zone: Zone, from: Date, until: Date) throws(ReadError) -> [BusyEvent] {
        let trimmed = text.trimmingSpaces()
        let upper = trimmed.uppercased()
        guard upper.hasPrefix("BEGIN:VCALENDAR") || upper.hasPrefix("BEGIN:VEVENT") else {
            throw ReadError("not iCalendar (expected BEGIN:VCALENDAR)")
        }
        // A file cut short (a writer that has not finished) must not read as fewer meetings.
        guard upper.hasSuffix(upper.hasPrefix("BEGIN:VCALENDAR") ? "END:VCALENDAR" : "END:VEVENT") else {
            throw ReadError("incomplete: it does not end with END:VCALENDAR")
        }
        guard let root = ICalComponent.parse(text) else { throw ReadError("not iCalendar") }
        let events = root.kind == ICAL_VEVENT_COMPONENT ? [ICalChild(pointer: root.pointer, parent: root)] : root.children(ICAL_VEVENT_COMPONENT)
        // Instances moved or cancelled by a RECURRENCE-ID component, by UID.
        var overridden: [String: Set<Date>] = [:]
        for event in events {
            guard let p = event.property(ICAL_RECURRENCEID_PROPERTY), let uid = event.uid else { continue }
            let at = try time(p, icalproperty_get_recurrenceid(p), event, root: root, zone: zone)
            overridden[uid, default: []].insert(at)
        }
        var out: [BusyEvent] = []
        var steps = maxSteps
        for event in events {
            try add(event, root: root, zone: zone, from: from, until: until,
                    skipping: event.property(ICAL_RECURRENCEID_PROPERTY) == nil ? overridden[event.uid ?? ""] ?? [] : [],
                    steps: &steps, to: &out)
            guard out.count <= maxEvents else {
                throw ReadError("more than \(maxEvents) busy times in the plan's window")
            }
        }
        return out
    }

    private static func time(_ property: OpaquePointer, _ t: icaltimetype, _ event: ICalChild, root: ICalComponent,
                             zone: Zone) throws(ReadError) -> Date {
        do {
            return try ICalTime.instant(property, t, root: root, zone: zone)
        } catch {
            throw ReadError("event \(name(event)): \(error.description)")
        }
    }

    private static func name(_ event: ICalChild) -> String {
        "\"" + String(summary(event).prefix(40)) + "\"" + (event.uid.map { " (UID \($0.prefix(60)))" } ?? "")
    }

    /// The event's SUMMARY, one line of printable text; "busy" when it has none.
    static func summary(_ event: ICalChild) -> String {
        let raw = event.summary ?? ""
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

    private static func add(_ event: ICalChild, root: ICalComponent, zone: Zone, from: Date, until: Date,
                            skipping: Set<Date>, steps: inout Int, to out: inout [BusyEvent]) throws(ReadError) {
        if let p = event.property(ICAL_TRANSP_PROPERTY), icalproperty_get_transp(p) == ICAL_TRANSP_TRANSPARENT { return }
        if let p = event.property(ICAL_STATUS_PROPERTY), icalproperty_get_status(p) == ICAL_STATUS_CANCELLED { return }
        guard let startProperty = event.property(ICAL_DTSTART_PROPERTY) else {
            throw ReadError("event \(name(event)) has no DTSTART")
        }
        let dtstart = icalproperty_get_dtstart(startProperty)
        let start = try time(startProperty, dtstart, event, root: root, zone: zone)
        let allDay = dtstart.is_date != 0
        // How long each occurrence lasts: whole days for all-day events (DST-proof), seconds otherwise.
        var days = 1
        var length: TimeInterval = 0
        if let p = event.property(ICAL_DTEND_PROPERTY) {
            let dtend = icalproperty_get_dtend(p)
            if allDay, dtend.is_date != 0 {
                days = LocalDate(year: Int(dtend.year), month: Int(dtend.month), day: Int(dtend.day)).dayNumber
                    - LocalDate(year: Int(dtstart.year), month: Int(dtstart.month), day: Int(dtstart.day)).dayNumber
            } else {
                length = try time(p, dtend, event, root: root, zone: zone).timeIntervalSince(start)
            }
        } else if let p = event.property(ICAL_DURATION_PROPERTY) {
            let seconds = Int(icaldurationtype_as_int(icalproperty_get_duration(p)))
            if allDay { days = seconds / 86400 } else { length = TimeInterval(seconds) }
        }
        guard allDay ? days > 0 : length > 0 else { return } // blocks no time
        let summary = summary(event)
        func occurrence(_ t: icaltimetype, at begin: Date) -> BusyEvent {
            if allDay {
                let day = LocalDate(year: Int(t.year), month: Int(t.month), day: Int(t.day))
                return BusyEvent(start: begin, end: zone.instant(day.adding(days: days), TimeOfDay(hour: 0, minute: 0)), summary: summary)
            }
            return BusyEvent(start: begin, end: begin.addingTimeInterval(length), summary: summary)
        }
        guard let rrule = event.property(ICAL_RRULE_PROPERTY) else {
            let e = occurrence(dtstart, at: start)
            if e.end > from, e.start < until { out.append(e) }
            return
        }
        var excluded = skipping
        var excludedDays = Set<LocalDate>()
        var p = icalcomponent_get_first_property(event.pointer, ICAL_EXDATE_PROPERTY)
        while let exdate = p {
            let t = icalproperty_get_exdate(exdate)
            if t.is_date != 0, !allDay {
                excludedDays.insert(LocalDate(year: Int(t.year), month: Int(t.month), day: Int(t.day)))
            } else {
                excluded.insert(try time(exdate, t, event, root: root, zone: zone))
            }
            p = icalcomponent_get_next_property(event.pointer, ICAL_EXDATE_PROPERTY)
        }
        guard let iterator = icalrecur_iterator_new(icalproperty_get_rrule(rrule), dtstart) else {
            throw ReadError("event \(name(event)): an RRULE libical cannot expand")
        }
        defer { icalrecur_iterator_free(iterator) }
        // Occurrences that end days before the window are passed over on their date
        // alone, without working out their instant.
        let firstDay = LocalDate(from, in: .utc).dayNumber - (allDay ? days : Int(length / 86400) + 1) - 2
        var next = icalrecur_iterator_next(iterator)
        while icaltime_is_null_time(next) == 0 {
            steps -= 1
            guard steps >= 0 else {
                throw ReadError("its recurrences take more than \(maxSteps) steps to expand (event \(name(event)))")
            }
            if LocalDate(year: Int(next.year), month: Int(next.month), day: Int(next.day)).dayNumber < firstDay {
                next = icalrecur_iterator_next(iterator)
                continue
            }
            // Each occurrence has the wall-clock time of DTSTART in DTSTART's zone.
            let begin = try time(startProperty, next, event, root: root, zone: zone)
            if begin >= until { break }
            let day = LocalDate(year: Int(next.year), month: Int(next.month), day: Int(next.day))
            if !excluded.contains(begin), !excludedDays.contains(day) {
                let e = occurrence(next, at: begin)
                if e.end > from {
                    out.append(e)
                    if out.count > maxEvents { return }
                }
            }
            next = icalrecur_iterator_next(iterator)
        }
    }
}
