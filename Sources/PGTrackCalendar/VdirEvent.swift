import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore
import PGTrackPlatform

/// What pgtrack reads back from a slot's file in the vdir after someone else wrote it (a
/// sync pulled an edit from the server): its UID, when it starts and ends, and whether
/// it was cancelled. Everything else in the file is pgtrack's to overwrite.
public struct VdirEvent: Equatable, Sendable {
    public var uid: String
    public var start: Date
    public var end: Date
    public var cancelled: Bool
    /// SEQUENCE (0 when absent): what pgtrack's next revision of the event must exceed.
    public var sequence: Int
    /// LAST-MODIFIED, when the file has one in UTC.
    public var modified: Date?

    public init(uid: String, start: Date, end: Date, cancelled: Bool, sequence: Int = 0, modified: Date? = nil) {
        self.uid = uid
        self.start = start
        self.end = end
        self.cancelled = cancelled
        self.sequence = sequence
        self.modified = modified
    }

    /// Why a file could not be read as a slot's event.
    public struct ReadError: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// Reads the first VEVENT of `text`. Times with a TZID are read in that zone (an IANA
    /// name, also with libical's `/freeassociation.sourceforge.net/` prefix; else the
    /// file's own VTIMEZONE), UTC times as UTC, floating times in `zone`.
    public static func read(_ text: String, zone: Zone) throws(ReadError) -> VdirEvent {
        if let refusal = ICalComponent.refusal(text) { throw ReadError(refusal) }
        guard let root = ICalComponent.parse(text) else { throw ReadError("not iCalendar") }
        let event: ICalChild
        if root.kind == ICAL_VEVENT_COMPONENT {
            event = ICalChild(pointer: root.pointer, parent: root)
        } else if let first = root.children(ICAL_VEVENT_COMPONENT).first {
            event = first
        } else {
            throw ReadError("no VEVENT")
        }
        guard let uid = event.uid, !uid.isEmpty else { throw ReadError("no UID") }
        guard let startProperty = event.property(ICAL_DTSTART_PROPERTY) else { throw ReadError("no DTSTART") }
        let start = try instant(startProperty, icalproperty_get_dtstart(startProperty), root: root, zone: zone)
        let end: Date
        if let endProperty = event.property(ICAL_DTEND_PROPERTY) {
            end = try instant(endProperty, icalproperty_get_dtend(endProperty), root: root, zone: zone)
        } else if let duration = event.property(ICAL_DURATION_PROPERTY) {
            end = start.addingTimeInterval(Double(icaldurationtype_as_int(icalproperty_get_duration(duration))))
        } else {
            end = start
        }
        guard end >= start else { throw ReadError("DTEND before DTSTART") }
        let status = event.property(ICAL_STATUS_PROPERTY).map { icalproperty_get_status($0) }
        let sequence = event.property(ICAL_SEQUENCE_PROPERTY).map { Int(icalproperty_get_sequence($0)) } ?? 0
        let modified = event.property(ICAL_LASTMODIFIED_PROPERTY).flatMap { p -> Date? in
            let t = icalproperty_get_lastmodified(p)
            guard icaltime_is_utc(t) != 0 else { return nil }
            return try? ICalTime.instant(p, t, root: root, zone: .utc)
        }
        return VdirEvent(uid: uid, start: start, end: end, cancelled: status == ICAL_STATUS_CANCELLED,
                         sequence: min(max(sequence, 0), 1_000_000), modified: modified)
    }

    static func instant(_ property: OpaquePointer, _ t: icaltimetype, root: ICalComponent, zone: Zone) throws(ReadError) -> Date {
        guard t.is_date == 0 || icaltime_is_null_time(t) != 0 else { throw ReadError("an all-day event, not a study slot") }
        do {
            return try ICalTime.instant(property, t, root: root, zone: zone)
        } catch {
            throw ReadError(error.description)
        }
    }
}

/// Times as iCalendar files write them, read as instants.
enum ICalTime {
    struct Unreadable: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    /// `t`, the value of `property`: with a TZID in that zone (an IANA name, also with
    /// libical's `/freeassociation.sourceforge.net/` prefix; else the file's own
    /// VTIMEZONE), UTC as UTC, floating (and a DATE, at midnight) in `zone`.
    static func instant(_ property: OpaquePointer, _ t: icaltimetype, root: ICalComponent, zone: Zone) throws(Unreadable) -> Date {
        guard icaltime_is_null_time(t) == 0, icaltime_is_valid_time(t) != 0 else { throw Unreadable("a time libical cannot read") }
        guard (1...9999).contains(t.year), (1...12).contains(t.month), (1...31).contains(t.day),
              (0...23).contains(t.hour), (0...59).contains(t.minute) else { throw Unreadable("a time out of range") }
        let date = LocalDate(year: Int(t.year), month: Int(t.month), day: Int(t.day))
        if t.is_date != 0 { return zone.instant(date, TimeOfDay(hour: 0, minute: 0)) }
        let wall = TimeOfDay(hour: Int(t.hour), minute: Int(t.minute))
        if icaltime_is_utc(t) != 0 {
            return Date(timeIntervalSince1970: Double(date.dayNumber * 86400 + Int(t.hour) * 3600 + Int(t.minute) * 60 + Int(t.second)))
        }
        guard let parameter = icalproperty_get_first_parameter(property, ICAL_TZID_PARAMETER),
              let raw = icalparameter_get_tzid(parameter) else {
            return zone.instant(date, wall).addingTimeInterval(Double(t.second)) // floating: the plan's zone
        }
        let tzid = String(cString: raw)
        let name = tzid.hasPrefix("/freeassociation.sourceforge.net/") ? String(tzid.dropFirst(33)) : tzid
        if let named = Zone(identifier: name) { return named.instant(date, wall).addingTimeInterval(Double(t.second)) }
        // A zone named only by the file's own VTIMEZONE (Outlook's "W. Europe Standard Time").
        if let own = icalcomponent_get_timezone(root.pointer, raw) {
            return Date(timeIntervalSince1970: Double(icaltime_as_timet_with_zone(t, own)))
        }
        throw Unreadable("unknown time zone \(name.prefix(40))")
    }
}

/// What an edit of a slot's event in the calendar means for the plan.
public enum CalendarEdit: Equatable, Sendable {
    /// A change to make, through the same path as the CLI's.
    case change(Change)
    /// Nothing the plan takes (a new summary, an alarm, a DTEND alone): the file is
    /// written back with the plan's truth.
    case writeBack

    public static let cancelledReason = "cancelled in the calendar"

    /// The edited event of `slot`: cancelled → skip; moved (DTSTART) → reschedule; else
    /// nothing.
    public static func decide(_ event: VdirEvent, slot: Slot) -> CalendarEdit {
        if event.cancelled {
            return slot.state.isCancelled ? .writeBack : .change(.skip(slot.id, reason: cancelledReason))
        }
        if event.start != slot.start { return .change(.reschedule(slot.id, to: event.start)) }
        return .writeBack
    }

    /// `slot`'s file was deleted in the calendar.
    public static func deleted(slot: Slot, policy: DeletedPolicy) -> CalendarEdit {
        policy == .skip && !slot.state.isCancelled ? .change(.skip(slot.id, reason: cancelledReason)) : .writeBack
    }
}

extension CalendarExport {
    /// The slot a UID of this plan names (`w03d2-20270104@pgtrack` with this start and no
    /// instance); nil for any other UID.
    public static func slot(ofUID uid: String, start: LocalDate, instance: String? = nil) -> SlotID? {
        guard let (id, date, tag) = parts(ofUID: uid), date == String(start.description.filter(\.isNumber)), tag == instance
        else { return nil }
        return id
    }

    /// Whether the vdir file `name` is one that this plan instance writes: a slot's file
    /// of this instance, for any plan start (a start changed while pgtrackd was stopped
    /// leaves the old start's files, which are the plan's own to remove). Files of other
    /// instances, and anything else named `…@pgtrack.ics`, are not: pgtrackd neither
    /// removes them nor reads them as edits.
    public static func isOwnFile(_ name: String, instance: String?) -> Bool {
        guard name.hasSuffix(".ics"), let (_, _, tag) = parts(ofUID: String(name.dropLast(4))) else { return false }
        return tag == instance
    }

    /// `w03d2-20270104-go@pgtrack` → (w03d2, "20270104", "go"); nil unless the UID has
    /// exactly that shape.
    static func parts(ofUID uid: String) -> (SlotID, String, String?)? {
        guard uid.hasSuffix("@pgtrack") else { return nil }
        let parts = uid.dropLast("@pgtrack".count).split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, let id = SlotID(String(parts[0])), id.description == parts[0],
              parts[1].utf8.count == 8, parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { return nil }
        let tag = parts.count == 3 ? String(parts[2]) : nil
        if let tag, Paths.planNameProblem(tag) != nil { return nil }
        return (id, String(parts[1]), tag)
    }
}
