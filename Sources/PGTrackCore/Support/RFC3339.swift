import FoundationEssentials

extension Date {
    /// `2027-01-04T18:00:00+01:00`: RFC 3339 with the zone's offset at that instant.
    public func rfc3339(in zone: Zone) -> String {
        let (date, s) = zone.wallClock(self)
        let offset = zone.secondsFromGMT(for: self)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        let sign = offset < 0 ? "-" : "+"
        let o = abs(offset)
        return "\(date)T\(two(s / 3600)):\(two(s % 3600 / 60)):\(two(s % 60))\(sign)\(two(o / 3600)):\(two(o % 3600 / 60))"
    }

    /// Parses RFC 3339 (`2027-01-04T18:00:00+01:00`, `...Z`, fractional seconds allowed).
    public init?(rfc3339 text: String) {
        let t = Array(text.utf8)
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= t.count else { return nil }
            var v = 0
            for b in t[from..<from + len] {
                guard b >= 0x30, b <= 0x39 else { return nil }
                v = v * 10 + Int(b - 0x30)
            }
            return v
        }
        guard t.count >= 20, let y = num(0, 4), t[4] == 0x2D, let mo = num(5, 2), t[7] == 0x2D, let d = num(8, 2),
              t[10] == 0x54 || t[10] == 0x74 || t[10] == 0x20, let h = num(11, 2), t[13] == 0x3A, let mi = num(14, 2),
              t[16] == 0x3A, let s = num(17, 2),
              (1...12).contains(mo), d >= 1, d <= LocalDate.daysIn(month: mo, year: y), h < 24, mi < 60, s < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < t.count, t[i] == 0x2E {
            i += 1
            var scale = 0.1
            let start = i
            while i < t.count, t[i] >= 0x30, t[i] <= 0x39 { fraction += Double(t[i] - 0x30) * scale; scale /= 10; i += 1 }
            guard i > start else { return nil }
        }
        guard i < t.count else { return nil }
        var offset = 0
        if t[i] == 0x5A || t[i] == 0x7A {
            i += 1
        } else if t[i] == 0x2B || t[i] == 0x2D, let oh = num(i + 1, 2), i + 3 < t.count, t[i + 3] == 0x3A, let om = num(i + 4, 2),
                  oh < 24, om < 60 {
            offset = (oh * 3600 + om * 60) * (t[i] == 0x2D ? -1 : 1)
            i += 6
        } else {
            return nil
        }
        guard i == t.count else { return nil }
        let days = LocalDate(year: y, month: mo, day: d).dayNumber
        self = Date(timeIntervalSince1970: Double(days * 86400 + h * 3600 + mi * 60 + s - offset) + fraction)
    }
}
