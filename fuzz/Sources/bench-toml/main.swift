import Glibc
import TOML
import TOMLKit

/// config/pgtrack.toml parsed N times (default 2000) by the TOML target and by toml++
/// (TOMLKit), interleaved in one run; prints the median and p99 per parse of each and
/// their ratio. Build in release without sanitizers:
///     cd fuzz && swift build -c release --product bench-toml --scratch-path .build-bench
let runs = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 2000 : 2000
let here = #filePath.split(separator: "/").dropLast(4).joined(separator: "/")
let path = "/" + here + "/config/pgtrack.toml"
guard let file = fopen(path, "rb") else { fatalError("cannot open \(path)") }
var bytes: [UInt8] = []
var buffer = [UInt8](repeating: 0, count: 4096)
while true {
    let n = fread(&buffer, 1, buffer.count, file)
    if n <= 0 { break }
    bytes += buffer[0..<n]
}
fclose(file)
let text = String(decoding: bytes, as: UTF8.self)

func nanoseconds(_ body: () throws -> Void) rethrows -> Double {
    var a = timespec(), b = timespec()
    clock_gettime(CLOCK_MONOTONIC, &a)
    try body()
    clock_gettime(CLOCK_MONOTONIC, &b)
    return Double(b.tv_sec - a.tv_sec) * 1e9 + Double(b.tv_nsec - a.tv_nsec)
}

var ours: [Double] = []
var theirs: [Double] = []
var keys = 0
for i in 0..<(runs + 50) {
    // The string as the loader has it; each parser starts from it.
    let a = try nanoseconds { keys &+= try TOML.parse(text).count }
    let b = try nanoseconds { keys &+= try TOMLKit.TOMLTable(string: text).count }
    if i >= 50 { ours.append(a); theirs.append(b) } // the first 50 warm up
}
func quantile(_ xs: [Double], _ q: Double) -> Double {
    let s = xs.sorted()
    return s[min(s.count - 1, Int(Double(s.count) * q))]
}
func ms(_ ns: Double) -> String {
    let v = (ns / 1e6 * 1000).rounded() / 1000
    return "\(v) ms"
}
let (m1, p1, m2, p2) = (quantile(ours, 0.5), quantile(ours, 0.99), quantile(theirs, 0.5), quantile(theirs, 0.99))
print("config/pgtrack.toml (\(bytes.count) bytes), \(runs) parses each, interleaved (\(keys) keys seen)")
print("TOML (Swift):     median \(ms(m1)), p99 \(ms(p1))")
print("TOMLKit (toml++): median \(ms(m2)), p99 \(ms(p2))")
print("ratio TOML / TOMLKit: median \((m1 / m2 * 100).rounded() / 100), p99 \((p1 / p2 * 100).rounded() / 100)")
