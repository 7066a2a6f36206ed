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

    /// An engine on a new ledger in a temporary folder; the path to open it again.
    static func engine() throws -> (Engine, path: String) {
        let path = temporaryDirectory() + "/pgtrack.sqlite"
        return (try engine(config: config, path: path, now: beforeStart), path)
    }

    /// An engine on the ledger at `path`, as pgtrackd opens it.
    static func engine(config: Config, path: String, now: Date) throws -> Engine {
        let ledger = try Ledger(path: path)
        let engine = Engine(settings: EngineSettings(config: config, plan: try PlanParser.load(config), zone: config.timeZone), store: ledger,
                            events: try ledger.events(), taskList: try ledger.taskList(), now: now)
        try engine.recordPending()
        return engine
    }

    static func temporaryDirectory() -> String {
        TemporaryFolder.make("store")
    }
}


extension Engine {
    /// Submits a change from the control socket; throws what refused it.
    @discardableResult
    func apply(_ change: Change, now: Date) throws -> LedgerEvent? {
        let outcome = submit(.change(change, origin: .control), now: now)
        if let refused = outcome.refused { throw refused }
        return outcome.event
    }
}
