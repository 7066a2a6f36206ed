import ArgumentParser
import Varlink

struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Show the next slot with a task.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let next = status["next"] ?? .null
        if options.json { return printJSON(next) }
        guard !next.isNull else { return print("No upcoming slot.") }
        print(SlotText(zone: daemon.zone(status), style: .current).line(next))
    }
}
