import FoundationEssentials
import ArgumentParser
import PGTrackAPI
import PGTrackViews
import Varlink

struct Progress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Show progress per stage, the finish, the streaks and a week-by-day grid of every slot.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let slots = try daemon.slots()
        let now = Date()
        if options.json {
            let streaks = Streaks(slots: slots, now: now)
            return printJSON(.object([
                ("stages", .array(status.stages.map(\.wire))), ("finish", status.finish.map(JSON.string) ?? .null),
                ("planned", status.planned.map(JSON.string) ?? .null),
                ("streaks", .object([("current", .int(Int64(streaks.current))), ("longest", .int(Int64(streaks.longest)))])),
                ("slots", .array(slots.map(\.wire))),
            ]))
        }
        print(progressText(status: status, slots: slots, now: now, style: .current), terminator: "")
    }
}
