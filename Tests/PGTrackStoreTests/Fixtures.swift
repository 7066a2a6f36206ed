import Foundation
import PGTrackTestSupport
import PGTrackCore
import PGTrackStore

enum Fixture {
    static let start = LocalDate(year: 2027, month: 1, day: 4) // a Monday
    static let berlin = Zone(identifier: "Europe/Berlin")!
    static var beforeStart: Date { berlin.instant(LocalDate(year: 2027, month: 1, day: 3), TimeOfDay(hour: 12, minute: 0)) }

    /// The default plan from `start` in Berlin.
    static var config: Config {
        var config = Config()
        config.schedule.timezone = "Europe/Berlin"
        config.plan.start = start
        return config
    }

    /// A tracker on a new ledger in a temporary folder; the path to open it again.
    static func tracker() throws -> (Tracker, path: String) {
        let path = temporaryDirectory() + "/pgtrack.sqlite"
        return (try Tracker(config: config, plan: try PlanParser.load(config), ledger: try Ledger(path: path), now: beforeStart), path)
    }

    static func temporaryDirectory() -> String {
        TemporaryFolder.make("store")
    }
}
