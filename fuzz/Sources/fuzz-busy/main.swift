import Foundation
import PGTrackCalendar
import PGTrackCore
import PGTrackPlatform

let zone = Zone(identifier: "Europe/Berlin")!
let window = BusyCalendar.window(start: LocalDate(year: 2027, month: 1, day: 4), weeks: 20, zone: zone)

/// A busy calendar read with libical, on any text: what comes back lies in the window,
/// within the bounds, with a one-line summary; anything else is refused.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let events = try? BusyCalendar.read(text, zone: zone, from: window.from, until: window.until) else { return 0 }
    precondition(events.count <= BusyCalendar.maxEvents + 1)
    for e in events {
        precondition(e.end > window.from && e.start < window.until, "outside the window")
        precondition(!e.summary.isEmpty && e.summary.count <= BusyCalendar.maxSummary, "summary")
        precondition(!e.summary.unicodeScalars.contains { $0.value < 0x20 }, "control character in a summary")
    }
    _ = BusyTimes(events).overlap(start: window.from, end: window.until)
    return 0
}
