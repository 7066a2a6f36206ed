import Foundation
import PGTrackCore

/// The CLI's time expressions, durations, slot ids and RFC 3339 times.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let zone = TimeZone(identifier: "Europe/Berlin") ?? .current
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    _ = try? TimeExpression.resolve(text, now: now, zone: zone, relativeTo: now)
    _ = Span(text)
    _ = SlotID(text)
    _ = try? SlotReference(text)
    _ = ReminderOffset(text)
    _ = LocalDate(text)
    _ = TimeOfDay(text)
    if let d = Date(rfc3339: text) { _ = d.rfc3339(in: zone) }
    return 0
}
