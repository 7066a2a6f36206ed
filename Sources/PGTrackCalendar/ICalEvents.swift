import CLibical
import FoundationEssentials
import PGTrackCore

/// The one reader of the events in an .ics file that pgtrack reads from elsewhere: busy
/// calendars and the holidays file (the vdir read-back reads one event's time with the
/// same `ICalTime`). It gives each event's occurrences within a window, by one rule:
///
/// - an event with `STATUS:CANCELLED` is not read;
/// - RRULE and RDATE add occurrences, EXDATE removes them (a DATE EXDATE of a timed event
///   removes that day's), and a component with a RECURRENCE-ID replaces the instance it
///   names (a cancelled one removes it);
/// - an occurrence lasts DTEND − DTSTART, or DURATION; an all-day event (DATE values)
///   lasts whole days, from midnight to midnight in `zone`;
/// - `TRANSP` is reported, not judged: a transparent meeting blocks no time, but a
///   transparent holiday is still a holiday.
///
/// The work is bounded whatever the file says: `maxSteps` recurrence steps for the whole
/// file (steps before the window cost only the iterator), `maxOccurrences` occurrences in
/// the window, lines of at most 64 KiB (see `ICalComponent.maxLineLength`).
public enum ICalEvents {
    /// Recurrence steps per file at most, all events together: 200 daily meetings for
    /// three years, or 200 weekly ones going back 19 years. Past it the file is refused,
    /// so that no file can keep the daemon busy for long (a million steps took 1.2 s).
    public static let maxSteps = 200_000
    /// Occurrences in the window at most (a year of a very busy work calendar is ~2,000).
    public static let maxOccurrences = 50_000

    public struct ReadError: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// One occurrence of an event.
    public struct Occurrence: Equatable, Sendable {
        public var start: Date
        public var end: Date
        /// For an all-day event, the days it covers (from the first, so many days).
        public var days: (first: LocalDate, count: Int)?
        public var summary: String?
        public var transparent: Bool

        public static func == (a: Occurrence, b: Occurrence) -> Bool {
            a.start == b.start && a.end == b.end && a.days?.first == b.days?.first && a.days?.count == b.days?.count
                && a.summary == b.summary && a.transparent == b.transparent
        }
    }

    /// The occurrences of `text`'s events that overlap `from..<until`, in no particular
    /// order. Events lasting longer than `maxLength` are counted in `ignoredLong` and not read.
    public static func read(_ text: String, zone: Zone, from: Date, until: Date, maxLength: TimeInterval = .infinity,
                            ignoredLong: inout Int) throws(ReadError) -> [Occurrence] {
        if let refusal = ICalComponent.refusal(text) { throw ReadError(refusal) }
        guard let root = ICalComponent.parse(text) else { throw ReadError("not iCalendar") }
        let events = root.kind == ICAL_VEVENT_COMPONENT ? [ICalChild(pointer: root.pointer, parent: root)] : root.children(ICAL_VEVENT_COMPONENT)
        // Instances moved or cancelled by a RECURRENCE-ID component, by UID.
        var overridden: [String: Set<Date>] = [:]
        for event in events {
            guard let p = event.property(ICAL_RECURRENCEID_PROPERTY), let uid = event.uid else { continue }
            let at = try time(p, icalproperty_get_recurrenceid(p), event, root: root, zone: zone)
            overridden[uid, default: []].insert(at)
        }
        var out: [Occurrence] = []
        var steps = maxSteps
        for event in events {
            let skipping = event.property(ICAL_RECURRENCEID_PROPERTY) == nil ? overridden[event.uid ?? ""] ?? [] : []
            try add(event, root: root, zone: zone, window: (from, until), maxLength: maxLength, skipping: skipping,
                    steps: &steps, ignoredLong: &ignoredLong, to: &out)
            guard out.count <= maxOccurrences else {
                throw ReadError("more than \(maxOccurrences) events in the window")
            }
        }
        return out
    }

    static func time(_ property: OpaquePointer, _ t: icaltimetype, _ event: ICalChild, root: ICalComponent,
                     zone: Zone) throws(ReadError) -> Date {
        do {
            return try ICalTime.instant(property, t, root: root, zone: zone)
        } catch {
            throw ReadError("event \(name(event)): \(error.description)")
        }
    }

    static func name(_ event: ICalChild) -> String {
        "\"" + String((event.summary ?? "").prefix(40)) + "\"" + (event.uid.map { " (UID \($0.prefix(60)))" } ?? "")
    }

    private static func date(_ t: icaltimetype) -> LocalDate { LocalDate(year: Int(t.year), month: Int(t.month), day: Int(t.day)) }

    private static func add(_ event: ICalChild, root: ICalComponent, zone: Zone, window: (from: Date, until: Date),
                            maxLength: TimeInterval, skipping: Set<Date>, steps: inout Int, ignoredLong: inout Int,
                            to out: inout [Occurrence]) throws(ReadError) {
        if let p = event.property(ICAL_STATUS_PROPERTY), icalproperty_get_status(p) == ICAL_STATUS_CANCELLED { return }
        let transparent = event.property(ICAL_TRANSP_PROPERTY).map { icalproperty_get_transp($0) == ICAL_TRANSP_TRANSPARENT } ?? false
        guard let startProperty = event.property(ICAL_DTSTART_PROPERTY) else {
            throw ReadError("event \(name(event)) has no DTSTART")
        }
        let dtstart = icalproperty_get_dtstart(startProperty)
        let allDay = dtstart.is_date != 0
        let start = try time(startProperty, dtstart, event, root: root, zone: zone)
        // How long each occurrence lasts: whole days for all-day events (DST-proof), seconds otherwise.
        var days = 1
        var length: TimeInterval = 0
        if let p = event.property(ICAL_DTEND_PROPERTY) {
            let dtend = icalproperty_get_dtend(p)
            if allDay, dtend.is_date != 0 {
                days = date(dtend).dayNumber - date(dtstart).dayNumber
            } else {
                length = try time(p, dtend, event, root: root, zone: zone).timeIntervalSince(start)
            }
        } else if let p = event.property(ICAL_DURATION_PROPERTY) {
            let seconds = Int(icaldurationtype_as_int(icalproperty_get_duration(p)))
            if allDay { days = seconds / 86400 } else { length = TimeInterval(seconds) }
        }
        guard allDay ? days > 0 : length > 0 else { return } // takes no time
        guard (allDay ? Double(days) * 86400 : length) <= maxLength else {
            ignoredLong += 1
            return
        }
        let summary = event.summary
        func occurrence(_ t: icaltimetype, at begin: Date) -> Occurrence {
            if allDay {
                let day = date(t)
                return Occurrence(start: begin, end: zone.instant(day.adding(days: days), TimeOfDay(hour: 0, minute: 0)),
                                  days: (day, days), summary: summary, transparent: transparent)
            }
            return Occurrence(start: begin, end: begin.addingTimeInterval(length), days: nil, summary: summary, transparent: transparent)
        }
        func keep(_ o: Occurrence) { if o.end > window.from, o.start < window.until { out.append(o) } }

        var excluded = skipping
        var excludedDays = Set<LocalDate>()
        var p = icalcomponent_get_first_property(event.pointer, ICAL_EXDATE_PROPERTY)
        while let exdate = p {
            let t = icalproperty_get_exdate(exdate)
            if t.is_date != 0, !allDay {
                excludedDays.insert(date(t))
            } else {
                excluded.insert(try time(exdate, t, event, root: root, zone: zone))
            }
            p = icalcomponent_get_next_property(event.pointer, ICAL_EXDATE_PROPERTY)
        }
        func allowed(_ t: icaltimetype, _ begin: Date) -> Bool { !excluded.contains(begin) && !excludedDays.contains(date(t)) }

        var seen = Set<Date>()
        if allowed(dtstart, start) {
            keep(occurrence(dtstart, at: start))
            seen.insert(start)
        }
        // RDATE: more occurrences, each as long as the first.
        p = icalcomponent_get_first_property(event.pointer, ICAL_RDATE_PROPERTY)
        while let rdate = p {
            steps -= 1
            guard steps >= 0 else { throw ReadError("its recurrences take more than \(maxSteps) steps to expand (event \(name(event)))") }
            let value = icalproperty_get_rdate(rdate)
            let t = icaltime_is_null_time(value.time) == 0 ? value.time : value.period.start
            let begin = try time(rdate, t, event, root: root, zone: zone)
            if allowed(t, begin), seen.insert(begin).inserted { keep(occurrence(t, at: begin)) }
            p = icalcomponent_get_next_property(event.pointer, ICAL_RDATE_PROPERTY)
        }
        guard let rrule = event.property(ICAL_RRULE_PROPERTY) else { return }
        guard let iterator = icalrecur_iterator_new(icalproperty_get_rrule(rrule), dtstart) else {
            throw ReadError("event \(name(event)): an RRULE libical cannot expand")
        }
        defer { icalrecur_iterator_free(iterator) }
        // Occurrences that end days before the window are passed over on their date
        // alone, without working out their instant.
        let firstDay = LocalDate(window.from, in: .utc).dayNumber - (allDay ? days : Int(length / 86400) + 1) - 2
        var next = icalrecur_iterator_next(iterator)
        while icaltime_is_null_time(next) == 0 {
            steps -= 1
            guard steps >= 0 else {
                throw ReadError("its recurrences take more than \(maxSteps) steps to expand (event \(name(event)))")
            }
            if date(next).dayNumber < firstDay {
                next = icalrecur_iterator_next(iterator)
                continue
            }
            // Each occurrence has the wall-clock time of DTSTART in DTSTART's zone.
            let begin = try time(startProperty, next, event, root: root, zone: zone)
            if begin >= window.until { break }
            if allowed(next, begin), seen.insert(begin).inserted {
                keep(occurrence(next, at: begin))
                if out.count > maxOccurrences { return }
            }
            next = icalrecur_iterator_next(iterator)
        }
    }
}
