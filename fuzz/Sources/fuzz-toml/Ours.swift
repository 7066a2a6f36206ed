import TOML

// Our side, in a file of its own: the module TOML and its enum TOML share a name, so
// `TOML.TOMLTable` cannot be written where TOMLKit's types are also imported.

struct OurError: Error {
    var description: String
    var isLimit: Bool
}

/// Our parser's document as a canonical dump, or its error.
func parseOurs(_ bytes: [UInt8]) -> Result<String, OurError> {
    do {
        let table = try TOML.parse(bytes: bytes)
        return .success(canonical(.table(table)))
    } catch {
        let m = error.message
        let limit = m.hasPrefix("a key of more than") || m.hasPrefix("arrays and inline tables nested more than")
            || m.hasPrefix("a string longer than") || m.hasPrefix("a key longer than") || m.hasPrefix("the file is larger than")
            || m.hasPrefix("more than")
        return .failure(OurError(description: error.description, isLimit: limit))
    }
}

func canonical(_ v: TOMLValue) -> String {
    switch v {
    case .string(let s): return "s" + quote(s)
    case .integer(let i): return "i\(i)"
    case .float(let d): return "f" + floatText(d)
    case .boolean(let b): return "b\(b)"
    case .offsetDateTime(let d, let t, let m):
        return "odt" + dateText(d.year, d.month, d.day) + "T" + timeText(t.hour, t.minute, t.second, t.nanosecond) + "@\(m)"
    case .localDateTime(let d, let t):
        return "ldt" + dateText(d.year, d.month, d.day) + "T" + timeText(t.hour, t.minute, t.second, t.nanosecond)
    case .localDate(let d): return "ld" + dateText(d.year, d.month, d.day)
    case .localTime(let t): return "lt" + timeText(t.hour, t.minute, t.second, t.nanosecond)
    case .array(let a): return "[" + a.map(canonical).joined(separator: ",") + "]"
    case .table(let t):
        return "{" + t.entries.sorted { $0.key < $1.key }.map { quote($0.key) + "=" + canonical($0.value) }.joined(separator: ",") + "}"
    }
}

