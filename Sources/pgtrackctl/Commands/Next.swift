import ArgumentParser
import PGTrackAPI
import PGTrackViews
import Varlink

struct Next: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next",
        abstract: "Show the next slot with a task.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        if options.json { return printJSON(status.next?.wire ?? .null) }
        if let finished = status.standing.finishedText { return print("The plan is finished: \(finished).") }
        guard let next = status.next else { return print("No upcoming slot.") }
        print(SlotText(zone: status.zone, style: .current).line(next))
    }
}
