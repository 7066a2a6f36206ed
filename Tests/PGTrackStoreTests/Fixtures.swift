import Foundation
import PGTrackCore

enum Fixture {
    static let start = LocalDate(year: 2027, month: 1, day: 4) // a Monday
    static let berlin = Zone(identifier: "Europe/Berlin")!
    static var beforeStart: Date { berlin.instant(LocalDate(year: 2027, month: 1, day: 3), TimeOfDay(hour: 12, minute: 0)) }

    static func temporaryDirectory() -> String {
        let dir = NSTemporaryDirectory() + "pgtrack-store-tests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
