import Foundation
import PGTrackCore
import PGTrackPlatform

/// The CLI's time expressions, durations, slot ids and RFC 3339 times; the same bytes
/// as a TZif zone file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let zone = Zone(identifier: "Europe/Berlin") ?? .current
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    _ = try? TimeExpression.resolve(text, now: now, zone: zone, relativeTo: now)
    _ = Span(text)
    _ = SlotID(text)
    _ = try? SlotReference(text)
    _ = ReminderOffset(text)
    _ = LocalDate(text)
    _ = TimeOfDay(text)
    if let d = Date(rfc3339: text) { _ = d.rfc3339(in: zone) }
    if let z = try? Zone(identifier: "fuzz", tzif: Array(UnsafeBufferPointer(start: data, count: size))) {
        for t in stride(from: -4e9, through: 4e9, by: 1e9) {
            let d = Date(timeIntervalSince1970: t)
            _ = z.secondsFromGMT(for: d)
            _ = z.nextTransition(after: d)
            _ = z.instant(LocalDate(d, in: z), TimeOfDay(hour: 2, minute: 30))
        }
    }
    return 0
}
