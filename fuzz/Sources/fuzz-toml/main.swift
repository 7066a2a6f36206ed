import Glibc
import TOMLKit

/// Differential fuzzing of the TOML target against toml++ (through TOMLKit), the oracle.
///
/// toml++ aborts on some malformed input (its `assert`s, which with NDEBUG would become
/// undefined behaviour instead), and recurses per key segment and nesting level. So it
/// is never run in this process on input our parser refused:
///
/// - Input we accept (bounded by our limits, so no deep recursion) goes to toml++ here,
///   and both must give the same document: `canonical` dumps types and values (keys
///   sorted, floats by bit pattern or both NaN, dates and times by component).
/// - Input we refuse goes to toml++ in a forked child (`tomlppAccepts`): if it accepts
///   there, that is a finding too; if it refuses, or aborts, or overflows its stack, the
///   child dies alone and we have nothing to compare.
///
/// A disagreement aborts, so libFuzzer keeps the input — unless it is one of the few
/// documented toml++ deviations from TOML 1.0 below.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let a: String
    switch parseOurs(bytes) {
    case .success(let dump): a = dump
    case .failure(let error):
        // A limit is ours alone; toml++ would recurse on what it guards against.
        if error.isLimit { return 0 }
        if knownDeviation(bytes) { return 0 }
        if tomlppAccepts(bytes) {
            fail("we refuse what toml++ accepts: \(error.description)", bytes)
        }
        return 0
    }
    // Valid UTF-8 by now: our parser refused anything else.
    let text = String(decoding: bytes, as: UTF8.self)
    let theirs: TOMLKit.TOMLTable
    do {
        theirs = try TOMLKit.TOMLTable(string: text)
    } catch {
        if knownDeviation(bytes) { return 0 }
        fail("we accept what toml++ refuses: \(error)", bytes)
    }
    let b = canonical(theirs)
    if a != b {
        if knownDeviation(bytes) { return 0 }
        fail("different values:\n  ours:  \(a.prefix(2000))\n  toml++: \(b.prefix(2000))", bytes)
    }
    return 0
}

/// Known toml++ 3.4.0 deviations from TOML 1.0, each found by this fuzzer; kept few and
/// narrow: an input matching one is not compared.
func knownDeviation(_ bytes: [UInt8]) -> Bool {
    // Not toml++ but TOMLKit: it hands toml++ a C string, which ends at the first NUL,
    // so toml++ never sees the rest (we refuse a NUL as a control character).
    if bytes.contains(0) { return true }
    // Likewise TOMLKit takes a Swift String, which repairs invalid UTF-8 (U+FFFD), so
    // toml++ would parse other text than ours (we refuse invalid UTF-8).
    if String(validating: bytes, as: UTF8.self) == nil { return true }
    // toml++ 3.4.0 deviation 1: after a line-ending backslash in a multi-line basic
    // string, it trims Unicode spaces (U+FEFF, U+3000, …) along with the blanks and
    // newlines; TOML 1.0's whitespace is only space and tab, so we keep them.
    if lineEndingBackslashThenUnicodeSpace(bytes) { return true }
    return false
}

func isUnicodeSpace(_ s: Unicode.Scalar) -> Bool {
    switch s.value {
    case 0x85, 0xA0, 0x1680, 0x2000...0x200B, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0xFEFF: return true
    default: return false
    }
}

/// A `\`, blanks, a newline, blanks and newlines, then a Unicode space.
func lineEndingBackslashThenUnicodeSpace(_ bytes: [UInt8]) -> Bool {
    let scalars = Array(String(decoding: bytes, as: UTF8.self).unicodeScalars)
    var i = 0
    while i < scalars.count {
        defer { i += 1 }
        guard scalars[i] == "\\" else { continue }
        var k = i + 1
        while k < scalars.count, scalars[k] == " " || scalars[k] == "\t" { k += 1 }
        guard k < scalars.count, scalars[k] == "\n" || scalars[k] == "\r" else { continue }
        while k < scalars.count, [" ", "\t", "\n", "\r"].contains(scalars[k]) { k += 1 }
        if k < scalars.count, isUnicodeSpace(scalars[k]) { return true }
    }
    return false
}

func fail(_ message: String, _ bytes: [UInt8]) -> Never {
    let text = "fuzz-toml: \(message)\ninput: \(String(decoding: bytes, as: UTF8.self).debugDescription)\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    abort()
}

/// Whether toml++ accepts `bytes`, asked in a child process so that its assertion
/// failures and stack overflows cannot take the fuzzer down.
func tomlppAccepts(_ bytes: [UInt8]) -> Bool {
    let pid = fork()
    if pid == 0 {
        // The child must die quietly: libFuzzer's, ASan's and Swift's crash handlers
        // would otherwise report toml++'s assertion failures as our crashes.
        for sig in [SIGABRT, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP] { signal(sig, SIG_DFL) }
        let null = open("/dev/null", O_WRONLY)
        if null >= 0 { dup2(null, 2) } // toml++'s assertion messages are no finding
        let text = String(decoding: bytes, as: UTF8.self)
        let ok = (try? TOMLKit.TOMLTable(string: text)) != nil
        _exit(ok ? 0 : 1)
    }
    guard pid > 0 else { return false }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    // Exited normally (low 7 bits 0) with status 0.
    return status & 0x7F == 0 && (status >> 8) & 0xFF == 0
}

// MARK: - Canonical dumps

func two(_ i: Int) -> String { i < 10 ? "0\(i)" : "\(i)" }
func dateText(_ y: Int, _ m: Int, _ d: Int) -> String { "\(y)-\(two(m))-\(two(d))" }
func timeText(_ h: Int, _ m: Int, _ s: Int, _ ns: Int) -> String { "\(two(h)):\(two(m)):\(two(s)).\(ns)" }
func floatText(_ d: Double) -> String { d.isNaN ? "nan" : String(d.bitPattern, radix: 16) }
func quote(_ s: String) -> String { s.debugDescription }

func canonical(_ v: any TOMLValueConvertible) -> String {
    switch v.type {
    case .string: return "s" + quote(v.string!)
    case .int: return "i\(v.int!)"
    case .double: return "f" + floatText(v.double!)
    case .bool: return "b\(v.bool!)"
    case .date:
        let d = v.date!
        return "ld" + dateText(d.year, d.month, d.day)
    case .time:
        let t = v.time!
        return "lt" + timeText(t.hour, t.minute, t.second, t.nanoSecond)
    case .dateTime:
        let dt = v.dateTime!
        let text = dateText(dt.date.year, dt.date.month, dt.date.day) + "T"
            + timeText(dt.time.hour, dt.time.minute, dt.time.second, dt.time.nanoSecond)
        if let o = dt.offset { return "odt" + text + "@\(o.offset)" }
        return "ldt" + text
    case .array: return "[" + v.array!.map { canonical($0) }.joined(separator: ",") + "]"
    case .table: return canonical(v.table!)
    }
}

func canonical(_ t: TOMLKit.TOMLTable) -> String {
    "{" + t.keys.sorted().map { quote($0) + "=" + canonical(t[$0]!) }.joined(separator: ",") + "}"
}
