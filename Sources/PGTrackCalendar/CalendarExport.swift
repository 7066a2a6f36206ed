import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore

/// The schedule as iCalendar: the subscription feed and the vdir's per-slot files.
///
/// Built with libical's non-variadic constructors and serialised by libical, which
/// escapes TEXT values and folds lines at 75 octets with CRLF line ends.
public struct CalendarExport {
    public var schedule: Schedule
    public var zone: Zone
    public var settings: Config.CalendarSettings
    /// The plan's first day; part of every UID, so a new plan start gives new events.
    public var start: LocalDate
    /// Published revisions by slot id; slots without one get sequence 0 and `fallbackModified`.
    public var revisions: [String: SlotRevision]
    public var fallbackModified: Date
    /// The plan instance (`pgtrackd --plan NAME`); part of every UID but the default
    /// plan's, so that two plans writing into one vdir never share a file.
    public var instance: String?

    public init(schedule: Schedule, zone: Zone, settings: Config.CalendarSettings, start: LocalDate,
                revisions: [String: SlotRevision] = [:], fallbackModified: Date, instance: String? = nil) {
        self.instance = instance
        self.schedule = schedule
        self.zone = zone
        self.settings = settings
        self.start = start
        self.revisions = revisions
        self.fallbackModified = fallbackModified
    }

    /// The slots that appear in the files (skipped ones only with `cancelled = "keep"`).
    /// Once every task is done, the spare catch-up slots after the last done leave the
    /// files: a finished plan has nothing left to keep time for (docs/DECISIONS.md).
    public var publishedSlots: [Slot] {
        let finished = standing.finished ?? .distantFuture
        return schedule.slots.filter {
            (settings.cancelled == .keep || !$0.state.isCancelled) && !($0.state == .catchUp && $0.start > finished)
        }
    }

    /// The figures the files show: those that do not depend on the clock (progress, the
    /// finish), so that the bytes change only when the schedule does.
    var standing: Standing { schedule.standing(at: .distantPast, start: start, zone: zone) }

    /// The calendar's description: `PostgreSQL … — 34/90 tasks (37%) · Thu 2027-04-15
    /// projected · Thu 2027-04-15 planned (on time)`.
    var calendarDescription: String {
        let s = standing
        return "\(schedule.plan.title) — \(s.progressText) · \(s.finishText)"
    }

    /// A slot's stable UID: `w03d2-20270104@pgtrack`, or `w03d2-20270104-go@pgtrack` in
    /// the plan instance `go`.
    public func uid(_ slot: Slot) -> String { Self.uid(slot.id, start: start, instance: instance) }

    public static func uid(_ id: SlotID, start: LocalDate, instance: String?) -> String {
        "\(id)-\(String(start.description.filter(\.isNumber)))\(instance.map { "-\($0)" } ?? "")@pgtrack"
    }

    public var calendarName: String { settings.name.isEmpty ? schedule.plan.title : settings.name }

    // MARK: - Content

    /// What an event says; everything that can change about a slot.
    struct EventContent {
        var summary: String
        var description: String
        var status: icalproperty_status
        var transparent: Bool
        var alarm: Span?
        var start: Date
        var end: Date

        /// Digest of the content, for SEQUENCE bookkeeping.
        var digest: String {
            stableDigest([summary, description, "\(status.rawValue)", "\(transparent)", alarm?.description ?? "-",
                          "\(start.timeIntervalSince1970)", "\(end.timeIntervalSince1970)"].joined(separator: "\u{1F}"))
        }
    }

    func content(_ slot: Slot) -> EventContent {
        let plan = schedule.plan
        let title = schedule.title(of: slot)
        var summary = "\(plan.shortName) · W\(slot.week) · \(title)"
        switch slot.state {
        case .done: summary += " (done)"
        case .paused: summary = "\(plan.shortName) · W\(slot.week) · Paused" + (slot.reason.map { " (\($0))" } ?? "")
        case .skipped: summary = "\(plan.shortName) · W\(slot.week) · " + (slot.task.flatMap { plan.task($0)?.plainTitle } ?? "Skipped") + " (skipped)"
        case .missed: summary += " (missed)"
        case .scheduled, .catchUp: break
        }
        var lines: [String] = []
        if let stage = plan.stage(ofWeek: slot.week) { lines.append(stage.plainTitle) }
        if let task = slot.task {
            lines.append("Week \(slot.week) · task \(task) · \(slot.state.rawValue)")
        } else {
            lines.append("Week \(slot.week) · slot \(slot.id) · \(slot.state.rawValue)")
        }
        switch slot.state {
        case .catchUp: lines.append("A free slot to catch up on week \(slot.week) or earlier.")
        case .paused: lines.append("Paused" + (slot.reason.map { ": \($0)" } ?? "."))
        case .skipped: lines.append("Skipped" + (slot.reason.map { ": \($0)" } ?? "."))
        case .done: lines.append(slot.minutesSpent.map { "Done in \($0) min (\(Int(slot.duration / 60)) planned)." } ?? "Done.")
        case .missed: lines.append("Missed: the slot ended without its task done.")
        case .scheduled: break
        }
        if let note = slot.note { lines.append("Moved \(note) (a busy calendar).") }
        // The user's own words, line breaks kept: libical escapes them (and , ; \) as TEXT.
        if let study = slot.studyNote { lines.append("Note: \(study)") }
        if slot.isExtension { lines.append("Added after week \(plan.weeks.count) to absorb slips.") }
        lines.append("Slot \(slot.id) · pgtrackctl done \(slot.id) / skip \(slot.id)")
        let live = slot.state == .scheduled || slot.state == .catchUp
        return EventContent(
            summary: summary,
            description: lines.joined(separator: "\n"),
            status: slot.state.isCancelled ? ICAL_STATUS_CANCELLED : slot.state == .catchUp ? ICAL_STATUS_TENTATIVE : ICAL_STATUS_CONFIRMED,
            transparent: slot.state.isCancelled,
            alarm: live && slot.task != nil ? settings.alarm : nil,
            start: slot.start,
            end: slot.end
        )
    }

    /// Each published slot's content digest, by slot id.
    public func digests() -> [String: String] {
        var out: [String: String] = [:]
        for slot in publishedSlots { out[slot.id.description] = content(slot).digest }
        return out
    }

    // MARK: - Components

    func event(_ slot: Slot) -> ICalComponent {
        let c = content(slot)
        let revision = revisions[slot.id.description]
        let modified = revision?.modified ?? fallbackModified
        let e = ICalComponent(kind: ICAL_VEVENT_COMPONENT)
        e.add(icalproperty_new_uid(uid(slot)))
        e.add(icalproperty_new_dtstamp(.utc(modified)))
        e.add(icalproperty_new_lastmodified(.utc(modified)))
        e.add(icalproperty_new_sequence(Int32(clamping: revision?.sequence ?? 0)))
        e.add(zoned(icalproperty_new_dtstart, c.start, zone))
        e.add(zoned(icalproperty_new_dtend, c.end, zone))
        e.add(icalproperty_new_summary(c.summary))
        e.add(icalproperty_new_description(c.description))
        e.add(Self.categories(["Study", schedule.plan.shortName]))
        e.add(icalproperty_new_status(c.status))
        e.add(icalproperty_new_transp(c.transparent ? ICAL_TRANSP_TRANSPARENT : ICAL_TRANSP_OPAQUE))
        if let alarm = c.alarm {
            let a = ICalComponent(kind: ICAL_VALARM_COMPONENT)
            a.add(icalproperty_new_action(ICAL_ACTION_DISPLAY))
            a.add(icalproperty_new_description(c.summary))
            var trigger = icaltriggertype()
            trigger.time = icaltime_null_time()
            trigger.duration = icaldurationtype_from_int(Int32(clamping: alarm.seconds))
            a.add(icalproperty_new_trigger(trigger))
            e.add(a)
        }
        return e
    }

    func calendar(events slots: [Slot]) -> ICalComponent {
        let cal = ICalComponent(kind: ICAL_VCALENDAR_COMPONENT)
        cal.add(icalproperty_new_prodid("-//pgtrack//pgtrack//EN"))
        cal.add(icalproperty_new_version("2.0"))
        cal.add(icalproperty_new_calscale("GREGORIAN"))
        cal.add(icalproperty_new_name(calendarName))
        cal.addX("X-WR-CALNAME", calendarName)
        cal.add(icalproperty_new_description(calendarDescription))
        cal.addX("X-WR-CALDESC", calendarDescription)
        cal.addX("X-WR-TIMEZONE", zone.identifier)
        cal.add(icalproperty_new_color(settings.color))
        if let refresh = icalproperty_new_refreshinterval(icaldurationtype_from_int(Int32(clamping: settings.refresh.seconds))) {
            icalproperty_add_parameter(refresh, icalparameter_new_value(ICAL_VALUE_DURATION))
            cal.add(refresh)
        }
        cal.addX("X-PUBLISHED-TTL", Self.duration(settings.refresh))
        // By time, not by id: a rescheduled slot can be the earliest or the latest.
        if let first = schedule.slots.map(\.start).min(), let last = schedule.slots.map(\.end).max() {
            cal.add(VTimeZone.component(zone, from: first, to: last))
        }
        for slot in slots { cal.add(event(slot)) }
        return cal
    }

    /// `PT1H`, as RFC 5545 writes durations.
    static func duration(_ span: Span) -> String {
        let d = icaldurationtype_from_int(Int32(clamping: span.seconds))
        guard let raw = icaldurationtype_as_ical_string_r(d) else { return "PT1H" }
        defer { free(raw) }
        return String(cString: raw)
    }

    /// The whole feed: one VCALENDAR with every published slot.
    public func feed() -> String { calendar(events: publishedSlots).text }

    /// The vdir: one VCALENDAR per slot, keyed by file name (`<uid>.ics`).
    public func vdirFiles() -> [String: String] {
        var out: [String: String] = [:]
        for slot in publishedSlots { out[uid(slot) + ".ics"] = calendar(events: [slot]).text }
        return out
    }
}

extension CalendarExport {
    /// One `CATEGORIES:a,b` property. RFC 5545 allows the property more than once, but
    /// ics.py refuses a VEVENT with two ("at most one CATEGORIES"), and so do the
    /// dashboards built on it: one line reads everywhere. libical writes the commas of a
    /// CATEGORIES value as list separators, so the values themselves must not contain
    /// any (nor `;` or `\`): those are dropped (the plan's short name has none anyway).
    static func categories(_ values: [String]) -> OpaquePointer? {
        let clean = values.map { $0.filter { $0 != "," && $0 != ";" && $0 != "\\" && !$0.isNewline } }.filter { !$0.isEmpty }
        return icalproperty_new_categories(clean.joined(separator: ","))
    }
}
