import FoundationEssentials

/// An IANA time zone: the transitions of a TZif file (RFC 8536), with the POSIX TZ rule
/// in the file's footer for instants past its last transition. Reading the system's
/// files (`Zone(identifier:)`, `Zone.current`) is PGTrackPlatform's.
///
/// pgtrack does its own zone arithmetic rather than use Foundation's `TimeZone`: on
/// Linux that is backed by ICU, whose code and data are most of what a process touches
/// when it asks for one offset: 2.5 MB of code and 4 MB of data in `pgtrackd`'s
/// resident set, and a millisecond of `pgtrackctl`'s start. The system's own zone files
/// are also what `date`, `khal` and `remind` read, so all of them agree.
public struct Zone: Sendable, Hashable, CustomStringConvertible {
    /// The IANA name (`Europe/Berlin`).
    public let identifier: String
    private let data: ZoneData

    public static func == (a: Zone, b: Zone) -> Bool { a.identifier == b.identifier }
    public func hash(into h: inout Hasher) { h.combine(identifier) }
    public var description: String { identifier }

    private init(identifier: String, data: ZoneData) {
        self.identifier = identifier
        self.data = data
    }

    /// A zone read from TZif bytes (for tests, and `/etc/localtime`).
    public init(identifier: String, tzif: [UInt8]) throws(ZoneFileError) {
        self.init(identifier: identifier, data: try ZoneData(tzif: tzif))
    }

    public static let utc = Zone(identifier: "UTC", data: ZoneData(fixed: LocalType(offset: 0, isDST: false, abbreviation: "UTC")))

    // MARK: - Lookups

    /// The UTC offset in seconds at `instant`.
    public func secondsFromGMT(for instant: Date) -> Int { data.type(at: seconds(instant)).offset }

    /// Whether `instant` falls in daylight saving time.
    public func isDaylightSavingTime(for instant: Date) -> Bool { data.type(at: seconds(instant)).isDST }

    /// The zone's abbreviation at `instant` (`CET`, `CEST`, `+0530`).
    public func abbreviation(for instant: Date) -> String { data.type(at: seconds(instant)).abbreviation }

    /// The first instant after `instant` at which the offset or the DST flag changes (a
    /// change of abbreviation alone, such as Troll's `-00` to `+00`, is not one).
    public func nextTransition(after instant: Date) -> Date? {
        data.nextTransition(after: seconds(instant)).map { Date(timeIntervalSince1970: Double($0)) }
    }

    private func seconds(_ d: Date) -> Int64 { Int64(d.timeIntervalSince1970.rounded(.down)) }

    /// What the wall clock in this zone shows at `instant`: the date and the seconds
    /// since midnight.
    public func wallClock(_ instant: Date) -> (date: LocalDate, seconds: Int) {
        let local = Int(seconds(instant)) + secondsFromGMT(for: instant)
        let (day, seconds) = splitDays(local)
        return (LocalDate(dayNumber: day), seconds)
    }

    /// The instant at which the wall clock in this zone shows `time` on `date`.
    ///
    /// A time shown twice (the repeated hour of an autumn night) is its first showing; a
    /// time skipped (02:30 on a spring-forward night) resolves to as long after the
    /// change as it was after the hour that was skipped (03:30), as Foundation's
    /// `Calendar` does.
    public func instant(_ date: LocalDate, _ time: TimeOfDay) -> Date {
        let local = Int64(date.dayNumber) * 86400 + Int64(time.hour * 3600 + time.minute * 60)
        let before = Int64(data.type(at: local - 86400).offset), after = Int64(data.type(at: local + 86400).offset)
        var valid: [Int64] = []
        for offset in Set([before, after]) where Int64(data.type(at: local - offset).offset) == offset {
            valid.append(local - offset)
        }
        return Date(timeIntervalSince1970: Double(valid.min() ?? local - before))
    }
}

/// Why bytes are not a usable TZif file.
public struct ZoneFileError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// One of a zone's local time types: an offset, whether it is DST, an abbreviation.
struct LocalType: Sendable, Equatable {
    var offset: Int
    var isDST: Bool
    var abbreviation: String
}

/// A zone's transitions and the rule after them.
final class ZoneData: Sendable {
    /// Transition instants, ascending, and the type that starts at each.
    let times: [Int64]
    let typeIndex: [Int]
    let types: [LocalType]
    let rule: PosixRule?

    init(fixed: LocalType) {
        times = []
        typeIndex = []
        types = [fixed]
        rule = nil
    }

    /// Parses a TZif file, version 1 to 4; from version 2 on, the 64-bit data and the
    /// footer's rule are used.
    init(tzif b: [UInt8]) throws(ZoneFileError) {
        func fail(_ m: String) -> ZoneFileError { ZoneFileError(message: m) }
        func be(_ at: Int, _ n: Int) -> Int64 {
            var v: UInt64 = 0
            for i in 0..<n { v = v << 8 | UInt64(b[at + i]) }
            return n == 4 ? Int64(Int32(truncatingIfNeeded: v)) : Int64(bitPattern: v)
        }
        struct Header {
            var isut, isstd, leap, time, type, char: Int
        }
        func header(_ at: Int) throws(ZoneFileError) -> Header {
            guard b.count >= at + 44, b[at] == 0x54, b[at + 1] == 0x5A, b[at + 2] == 0x69, b[at + 3] == 0x66 else {
                throw fail("not a TZif file")
            }
            let c = (0..<6).map { Int(be(at + 20 + $0 * 4, 4)) }
            guard c.allSatisfy({ (0...1_000_000).contains($0) }), c[4] > 0 else { throw fail("bad TZif counts") }
            return Header(isut: c[0], isstd: c[1], leap: c[2], time: c[3], type: c[4], char: c[5])
        }
        func blockSize(_ h: Header, _ timeSize: Int) -> Int {
            h.time * timeSize + h.time + h.type * 6 + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        }
        var h = try header(0)
        var at = 44
        var timeSize = 4
        if b[4] >= 0x32 { // version 2 or later: skip the 32-bit block
            at += blockSize(h, 4)
            h = try header(at)
            at += 44
            timeSize = 8
        }
        guard b.count >= at + blockSize(h, timeSize) else { throw fail("truncated TZif file") }
        var times: [Int64] = []
        for i in 0..<h.time { times.append(be(at + i * timeSize, timeSize)) }
        at += h.time * timeSize
        var index: [Int] = []
        for i in 0..<h.time {
            guard Int(b[at + i]) < h.type else { throw fail("TZif type index out of range") }
            index.append(Int(b[at + i]))
        }
        at += h.time
        let charsAt = at + h.type * 6
        var types: [LocalType] = []
        for i in 0..<h.type {
            let p = at + i * 6
            let offset = Int(be(p, 4))
            let abbr = Int(b[p + 5])
            guard abbr < h.char, abs(offset) < 26 * 3600 else { throw fail("bad TZif local time type") }
            var end = charsAt + abbr
            while end < charsAt + h.char, b[end] != 0 { end += 1 }
            types.append(LocalType(offset: offset, isDST: b[p + 4] != 0,
                                   abbreviation: String(decoding: b[(charsAt + abbr)..<end], as: UTF8.self)))
        }
        at = charsAt + h.char + h.leap * (timeSize + 4) + h.isstd + h.isut
        var rule: PosixRule?
        if timeSize == 8, at < b.count, b[at] == 0x0A, let nl = b[(at + 1)...].firstIndex(of: 0x0A), nl > at + 1 {
            rule = PosixRule(String(decoding: b[(at + 1)..<nl], as: UTF8.self))
        }
        self.times = times
        self.typeIndex = index
        self.types = types
        self.rule = rule
    }

    /// The local time type in effect at `t` (seconds since the epoch).
    func type(at t: Int64) -> LocalType {
        // After the last transition the footer's rule applies; before the first, type 0
        // (RFC 8536 §3.2 and §3.3).
        if let last = times.last, t >= last, let rule { return rule.type(at: t) }
        if times.isEmpty { return rule?.type(at: t) ?? types[0] }
        guard t >= times[0] else { return types[0] }
        var lo = 0, hi = times.count - 1 // times[lo] <= t
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if times[mid] <= t { lo = mid } else { hi = mid - 1 }
        }
        return types[typeIndex[lo]]
    }

    private func changes(_ a: LocalType, _ b: LocalType) -> Bool { a.offset != b.offset || a.isDST != b.isDST }

    func nextTransition(after t: Int64) -> Int64? {
        var lo = 0, hi = times.count // first index with times[i] > t
        while lo < hi {
            let mid = (lo + hi) / 2
            if times[mid] > t { hi = mid } else { lo = mid + 1 }
        }
        var i = lo
        while i < times.count {
            if changes(type(at: times[i] - 1), types[typeIndex[i]]) { return times[i] }
            i += 1
        }
        guard let rule, rule.dst != nil else { return nil }
        var from = max(t, times.last ?? Int64.min)
        // A rule's first change may repeat the table's last type; look a few ahead.
        for _ in 0..<4 {
            guard let next = rule.nextChange(after: from) else { return nil }
            if changes(type(at: next - 1), type(at: next)) { return next }
            from = next
        }
        return nil
    }
}

/// A POSIX TZ rule (`CET-1CEST,M3.5.0,M10.5.0/3`), as in a TZif footer.
struct PosixRule: Sendable, Equatable {
    var std: LocalType
    var dst: LocalType?
    /// When DST starts (in standard time) and ends (in DST), each year.
    var start = DateRule.month(3, week: 2, weekday: 0, at: 7200)
    var end = DateRule.month(11, week: 1, weekday: 0, at: 7200)

    enum DateRule: Sendable, Equatable {
        /// `Jn`: day 1...365, February 29 never counted.
        case julian(Int, at: Int)
        /// `n`: day 0...365, February 29 counted.
        case zeroBased(Int, at: Int)
        /// `Mm.w.d`: weekday d (0 = Sunday) of week w (5 = last) of month m.
        case month(Int, week: Int, weekday: Int, at: Int)

        /// The local time (seconds since the epoch, as if UTC) this rule names in `year`.
        func local(in year: Int) -> Int64 {
            let jan1 = LocalDate(year: year, month: 1, day: 1).dayNumber
            let day: Int, at: Int
            switch self {
            case let .julian(n, t):
                let leap = LocalDate.isLeap(year) && n >= 60
                day = jan1 + n - 1 + (leap ? 1 : 0)
                at = t
            case let .zeroBased(n, t):
                day = jan1 + n
                at = t
            case let .month(m, w, d, t):
                let first = LocalDate(year: year, month: m, day: 1)
                let firstWeekday = (first.weekday.rawValue) % 7 // 0 = Sunday
                var dom = 1 + (d - firstWeekday + 7) % 7 + (w - 1) * 7
                let length = LocalDate.daysIn(month: m, year: year)
                while dom > length { dom -= 7 }
                day = first.dayNumber + dom - 1
                at = t
            }
            return Int64(day) * 86400 + Int64(at)
        }
    }

    init?(_ text: String) {
        var s = Substring(text)
        guard let stdName = PosixRule.name(&s), let stdOffset = PosixRule.time(&s) else { return nil }
        std = LocalType(offset: -stdOffset, isDST: false, abbreviation: stdName)
        if s.isEmpty { return }
        guard let dstName = PosixRule.name(&s) else { return nil }
        var dstOffset = std.offset + 3600
        if let first = s.first, first != "," { guard let o = PosixRule.time(&s) else { return nil }; dstOffset = -o }
        dst = LocalType(offset: dstOffset, isDST: true, abbreviation: dstName)
        if s.isEmpty { return } // the rule's defaults (US rules), as POSIX leaves them to the implementation
        guard s.first == ",", case _ = s.removeFirst(), let a = PosixRule.dateRule(&s), s.first == ",", case _ = s.removeFirst(),
              let b = PosixRule.dateRule(&s), s.isEmpty
        else { return nil }
        start = a
        end = b
    }

    private static func name(_ s: inout Substring) -> String? {
        if s.first == "<" {
            guard let close = s.firstIndex(of: ">") else { return nil }
            let n = String(s[s.index(after: s.startIndex)..<close])
            s = s[s.index(after: close)...]
            return n
        }
        let n = s.prefix { $0.isLetter }
        guard n.count >= 3 else { return nil }
        s = s.dropFirst(n.count)
        return String(n)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    private static func time(_ s: inout Substring) -> Int? {
        var sign = 1
        if s.first == "-" { sign = -1; s.removeFirst() } else if s.first == "+" { s.removeFirst() }
        var parts: [Int] = []
        while parts.count < 3 {
            let digits = s.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 3, let v = Int(digits) else { return parts.isEmpty ? nil : sign * total(parts) }
            parts.append(v)
            s = s.dropFirst(digits.count)
            guard s.first == ":" else { break }
            s.removeFirst()
        }
        return sign * total(parts)
    }

    private static func total(_ p: [Int]) -> Int {
        p.enumerated().reduce(0) { $0 + $1.element * [3600, 60, 1][$1.offset] }
    }

    private static func dateRule(_ s: inout Substring) -> DateRule? {
        func number() -> Int? {
            let d = s.prefix { $0.isASCII && $0.isNumber }
            guard !d.isEmpty, d.count <= 3 else { return nil }
            s = s.dropFirst(d.count)
            return Int(d)
        }
        func at() -> Int? {
            guard s.first == "/" else { return 7200 }
            s.removeFirst()
            return time(&s)
        }
        switch s.first {
        case "J":
            s.removeFirst()
            guard let n = number(), (1...365).contains(n), let t = at() else { return nil }
            return .julian(n, at: t)
        case "M":
            s.removeFirst()
            guard let m = number(), s.first == ".", case _ = s.removeFirst(), let w = number(), s.first == ".",
                  case _ = s.removeFirst(), let d = number(), (1...12).contains(m), (1...5).contains(w), (0...6).contains(d),
                  let t = at()
            else { return nil }
            return .month(m, week: w, weekday: d, at: t)
        default:
            guard let n = number(), (0...365).contains(n), let t = at() else { return nil }
            return .zeroBased(n, at: t)
        }
    }

    /// The instants DST starts and ends in `year` (UTC seconds).
    private func changes(in year: Int) -> (start: Int64, end: Int64) {
        guard let dst else { return (.max, .max) }
        return (start.local(in: year) - Int64(std.offset), end.local(in: year) - Int64(dst.offset))
    }

    func type(at t: Int64) -> LocalType {
        guard let dst else { return std }
        let local = t + Int64(std.offset)
        let (s, e) = changes(in: LocalDate(dayNumber: Int(local.floorDivided(by: 86400))).year)
        // Northern rules start before they end within a year; southern ones the other way round.
        return s < e ? (t >= s && t < e ? dst : std) : (t >= e && t < s ? std : dst)
    }

    func nextChange(after t: Int64) -> Int64? {
        guard dst != nil else { return nil }
        let year = LocalDate(dayNumber: Int(t.floorDivided(by: 86400))).year
        var best: Int64?
        for y in (year - 1)...(year + 1) {
            let (s, e) = changes(in: y)
            for c in [s, e] where c > t && c < (best ?? .max) { best = c }
        }
        return best
    }
}
