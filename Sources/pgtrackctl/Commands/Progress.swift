import ArgumentParser
import PGTrackAPI
import Varlink

struct Progress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "progress",
        abstract: "Show progress per stage and a week-by-day grid of every slot.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let slots = try daemon.slots()
        if options.json {
            return printJSON(.object([("stages", .array(status.stages.map(\.wire))), ("slots", .array(slots.map(\.wire)))]))
        }
        print(progressText(stages: status.stages, slots: slots, style: .current), terminator: "")
    }
}
