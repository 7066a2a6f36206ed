import CLibical
import FoundationEssentials
import Glibc
import PGTrackCore

/// Builds a VTIMEZONE from the system's zone data, in the yearly RRULE form that
/// Outlook, khal and calcurse read, covering only the years a calendar uses.
enum VTimeZone {
    struct Rule: Hashable {
        var isDaylight: Bool
        var month: Int
        /// 1...4 for the n-th weekday of the month, -1 for the last.
        var week: Int
        var weekday: Int // 1 = Sunday ... 7 = Saturday, as `byDay` is indexed
        var hour: Int
        var minute: Int
        var from: Int
        var to: Int
        var name: String
    }

    struct Observance {
        var rule: Rule
        var first: Date
        var last: Date
    }

    static let byDay = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]

    /// The transitions of `zone` from a year before `from` to a year after `to`,
    /// grouped into yearly rules.
    static func observances(_ zone: Zone, from: Date, to: Date) -> [Observance] {
        let start = from.addingTimeInterval(-366 * 86400)
        let end = to.addingTimeInterval(366 * 86400)
        var out: [Observance] = []
        var cursor = start
        while let t = zone.nextTransition(after: cursor), t < end {
            let before = zone.secondsFromGMT(for: t.addingTimeInterval(-1))
            let after = zone.secondsFromGMT(for: t)
            // DTSTART is the local time just before the change, in the old offset.
            let c = icaltimetype.floating(t, offset: before)
            let day = Int(c.day), month = Int(c.month)
            let daysInMonth = LocalDate.daysIn(month: month, year: Int(c.year))
            let week = day + 7 > daysInMonth ? -1 : (day - 1) / 7 + 1
            let weekday = LocalDate(year: Int(c.year), month: month, day: day).weekday.rawValue % 7 + 1
            let rule = Rule(isDaylight: zone.isDaylightSavingTime(for: t), month: month, week: week,
                            weekday: weekday, hour: Int(c.hour), minute: Int(c.minute), from: before, to: after,
                            name: zone.abbreviation(for: t))
            if let i = out.lastIndex(where: { $0.rule == rule }), i == out.count - 1 || i == out.count - 2 {
                out[i].last = t
            } else {
                out.append(Observance(rule: rule, first: t, last: t))
            }
            cursor = t
        }
        return out
    }

    /// The VTIMEZONE component for `zone`, with TZID the bare IANA name.
    static func component(_ zone: Zone, from: Date, to: Date) -> ICalComponent {
        let vtz = ICalComponent(kind: ICAL_VTIMEZONE_COMPONENT)
        vtz.add(icalproperty_new_tzid(zone.identifier))
        let observances = observances(zone, from: from, to: to)
        if observances.isEmpty {
            // No DST in range: one STANDARD observance with the zone's fixed offset.
            let offset = zone.secondsFromGMT(for: from)
            let std = ICalComponent(kind: ICAL_XSTANDARD_COMPONENT)
            var t = icaltime_null_time()
            t.year = 1970; t.month = 1; t.day = 1
            std.add(icalproperty_new_dtstart(t))
            std.add(icalproperty_new_tzoffsetfrom(Int32(offset)))
            std.add(icalproperty_new_tzoffsetto(Int32(offset)))
            std.add(icalproperty_new_tzname(zone.abbreviation(for: from)))
            vtz.add(std)
            return vtz
        }
        for (i, o) in observances.enumerated() {
            let r = o.rule
            let sub = ICalComponent(kind: r.isDaylight ? ICAL_XDAYLIGHT_COMPONENT : ICAL_XSTANDARD_COMPONENT)
            sub.add(icalproperty_new_tzoffsetfrom(Int32(r.from)))
            sub.add(icalproperty_new_tzoffsetto(Int32(r.to)))
            sub.add(icalproperty_new_tzname(r.name))
            sub.add(icalproperty_new_dtstart(.floating(o.first, offset: r.from)))
            // A later rule of the same kind replaces this one: end it with UNTIL.
            let replaced = observances[(i + 1)...].contains { $0.rule.isDaylight == r.isDaylight }
            var rrule = "FREQ=YEARLY;BYMONTH=\(r.month);BYDAY=\(r.week)\(byDay[r.weekday - 1])"
            if replaced {
                let until = icaltimetype.utc(o.last)
                rrule += ";UNTIL=" + String(cString: icaltime_as_ical_string(until))
            }
            let recurrence = icalrecurrencetype_from_string(rrule)
            sub.add(icalproperty_new_rrule(recurrence))
            vtz.add(sub)
        }
        return vtz
    }
}
