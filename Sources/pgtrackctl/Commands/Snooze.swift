import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackCore
import Varlink

struct Snooze: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snooze",
        abstract: "Delay the current slot's next reminder.",
        discussion: "Applies to the running slot, else the next one.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "How long, such as 10m or 1h.", transform: { text in
        guard let span = Span(text), span.seconds > 0 else { throw ValidationError("'\(text)' is not a duration such as 10m or 1h") }
        return span
    })
    var duration: Span = .minutes(10)

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let zone = status.zone
        let id = try daemon.defaultSlot(status: status, fallback: .next)
        let until = Date().addingTimeInterval(duration.timeInterval)
        let slot = try daemon.change("Snooze", ["slot": .string(id.description), "until": .string(until.rfc3339(in: zone))])
        if options.json { return printJSON(slot.wire) }
        print("Snoozed \(id) until \(until.time(in: zone)).")
    }
}
