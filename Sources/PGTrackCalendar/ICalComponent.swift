import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore

/// One libical component this code created or parsed, owned until it is added to a
/// parent (`icalcomponent_add_component` takes ownership) or freed in `deinit`.
public final class ICalComponent {
    let pointer: OpaquePointer
    /// False once a parent owns the component; then `deinit` must not free it.
    private var owned = true

    init(_ pointer: OpaquePointer) { self.pointer = pointer }

    init(kind: icalcomponent_kind) {
        pointer = icalcomponent_new(kind)
    }

    deinit {
        if owned { icalcomponent_free(pointer) }
    }

    /// A physical line longer than this is refused before libical reads the text:
    /// libical builds a line by appending to it, which costs the square of its length (a
    /// 15 MiB unfolded line took 21 s), and iCalendar folds lines at 75 octets.
    public static let maxLineLength = 64 << 10

    /// The number (from 1) of the first line of `text` longer than `maxLineLength`, if any.
    public static func overlongLine(_ text: String) -> Int? {
        var line = 1, length = 0
        for byte in text.utf8 {
            if byte == UInt8(ascii: "\n") {
                line += 1
                length = 0
            } else {
                length += 1
                if length > maxLineLength { return line }
            }
        }
        return nil
    }

    /// Why `text` is refused before parsing, in words; nil when it may be parsed.
    public static func refusal(_ text: String) -> String? {
        overlongLine(text).map { "line \($0) is longer than \(maxLineLength >> 10) KiB (iCalendar folds its lines)" }
    }

    /// Parses iCalendar text; nil when libical cannot make a component of it.
    public static func parse(_ text: String) -> ICalComponent? {
        guard let p = icalparser_parse_string(text) else { return nil }
        return ICalComponent(p)
    }

    /// Moves `child` under this component; libical frees it with this one.
    func add(_ child: ICalComponent) {
        icalcomponent_add_component(pointer, child.pointer)
        child.owned = false
    }

    /// Adds a property; the component owns it from here on.
    func add(_ property: OpaquePointer?) {
        guard let property else { return }
        icalcomponent_add_property(pointer, property)
    }

    /// Adds an `X-` property. libical 3.0 escapes backslashes and newlines in X values
    /// but leaves `,` and `;` as they are (X values may be lists); the clients that read
    /// X-WR-CALNAME take the text as written either way.
    func addX(_ name: String, _ value: String) {
        guard let p = icalproperty_new_x(value) else { return }
        icalproperty_set_x_name(p, name)
        add(p)
    }

    /// The component as iCalendar text (CRLF line ends, folded at 75 octets).
    public var text: String {
        guard let raw = icalcomponent_as_ical_string_r(pointer) else { return "" }
        defer { free(raw) }
        return String(cString: raw)
    }

    public var kind: icalcomponent_kind { icalcomponent_isa(pointer) }

    /// The direct children of `kind`, as non-owning views valid while `self` lives.
    public func children(_ kind: icalcomponent_kind) -> [ICalChild] {
        var out: [ICalChild] = []
        var c = icalcomponent_get_first_component(pointer, kind)
        while let child = c {
            out.append(ICalChild(pointer: child, parent: self))
            c = icalcomponent_get_next_component(pointer, kind)
        }
        return out
    }

    /// Number of X-LIC-ERROR properties libical left anywhere in the tree.
    public var errorCount: Int { Int(icalcomponent_count_errors(pointer)) }
}

/// A component owned by its parent (which this keeps alive).
public struct ICalChild {
    let pointer: OpaquePointer
    let parent: ICalComponent

    public func property(_ kind: icalproperty_kind) -> OpaquePointer? {
        icalcomponent_get_first_property(pointer, kind)
    }

    public var uid: String? { icalcomponent_get_uid(pointer).map { String(cString: $0) } }
    public var summary: String? { icalcomponent_get_summary(pointer).map { String(cString: $0) } }
    public var dtstart: icaltimetype { icalcomponent_get_dtstart(pointer) }
}

extension icaltimetype {
    /// A wall-clock time with no zone attached; the TZID parameter names the zone.
    static func floating(_ date: Date, in zone: Zone) -> icaltimetype {
        floating(date, offset: zone.secondsFromGMT(for: date))
    }

    /// The wall clock `offset` seconds east of UTC shows at `date`.
    static func floating(_ date: Date, offset: Int) -> icaltimetype {
        let local = Int(date.timeIntervalSince1970.rounded(.down)) + offset
        let (day, seconds) = splitDays(local)
        let d = LocalDate(dayNumber: day)
        var t = icaltime_null_time()
        t.year = Int32(clamping: d.year)
        t.month = Int32(d.month)
        t.day = Int32(d.day)
        t.hour = Int32(seconds / 3600)
        t.minute = Int32(seconds / 60 % 60)
        t.second = Int32(seconds % 60)
        t.is_date = 0
        return t
    }

    /// A UTC time (serialised with a trailing `Z`).
    static func utc(_ date: Date) -> icaltimetype {
        icaltime_from_timet_with_zone(time_t(date.timeIntervalSince1970.rounded(.down)), 0, icaltimezone_get_utc_timezone())
    }
}

/// An `icalproperty` for a time in a named zone: `DTSTART;TZID=Europe/Berlin:20270104T180000`.
///
/// The TZID parameter is set by hand with the bare IANA name: Debian's libical 3.0
/// prefixes the names of its built-in zones with `/freeassociation.sourceforge.net/`,
/// which khal and calcurse do not understand.
func zoned(_ make: (icaltimetype) -> OpaquePointer?, _ date: Date, _ zone: Zone) -> OpaquePointer? {
    guard let p = make(.floating(date, in: zone)) else { return nil }
    icalproperty_add_parameter(p, icalparameter_new_tzid(zone.identifier))
    return p
}
