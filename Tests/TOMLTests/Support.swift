import TOML

/// The value at `path` (one element per key segment) in `table`, if there is one.
func value(_ table: TOMLTable, _ path: [String]) -> TOMLValue? {
    var current = TOMLValue.table(table)
    for key in path {
        guard let t = current.table, let next = t[key] else { return nil }
        current = next
    }
    return current
}

/// Shorthands for the expected values in test tables.
func date(_ y: Int, _ m: Int, _ d: Int) -> TOMLDate { TOMLDate(year: y, month: m, day: d) }
func time(_ h: Int, _ m: Int, _ s: Int, _ ns: Int = 0) -> TOMLTime { TOMLTime(hour: h, minute: m, second: s, nanosecond: ns) }
func strings(_ s: String...) -> TOMLValue { .array(s.map(TOMLValue.string)) }
func ints(_ i: Int64...) -> TOMLValue { .array(i.map(TOMLValue.integer)) }

/// The error parsing `text` gives, or nil if it parses.
func failure(_ text: String, limits: TOMLLimits = TOMLLimits()) -> TOMLError? {
    do {
        _ = try TOML.parse(text, limits: limits)
        return nil
    } catch {
        return error
    }
}

/// A table's entries without their lines, for comparing shapes.
func shape(_ v: TOMLValue) -> String {
    switch v {
    case .table(let t): return "{" + t.entries.map { "\($0.key)=\(shape($0.value))" }.joined(separator: ",") + "}"
    case .array(let a): return "[" + a.map(shape).joined(separator: ",") + "]"
    case .string(let s): return "\"\(s)\""
    default: return "\(v)"
    }
}
