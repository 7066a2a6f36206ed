import ArgumentParser
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import Varlink

struct Skip: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skip",
        abstract: "Cancel a slot; its task and the later ones slide to the next usable slots.",
        discussion: "Without SLOT: the running slot, else the next one.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference?

    @Option(name: .long, help: "Why (kept in the ledger and shown in the calendar).")
    var reason: String?

    func validate() throws {
        // The daemon's own rule, checked before anything is sent.
        if let reason { do { _ = try ScheduleInput.skipReason(reason) } catch { throw ValidationError(error.description) } }
    }

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let id = try slot.map { try daemon.resolve($0, status: status, verb: "skip") } ?? daemon.defaultSlot(status: status, fallback: .next)
        let slot = try daemon.change(.skip(id, reason: reason))
        if options.json { return printJSON(slot.wire) }
        print("Skipped \(id). Its task and the later ones moved to the next slots.")
    }
}
