import ArgumentParser
import PGTrackAPI
import PGTrackCore
import Varlink

struct Done: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "done",
        abstract: "Mark a slot's task done.",
        discussion: "Without SLOT: the running slot, else today's slot.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference?

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let id = try slot.map { try daemon.resolve($0, status: status, verb: "done") } ?? daemon.defaultSlot(status: status, fallback: .today, verb: "done")
        let slot = try daemon.change(.complete(id))
        if options.json { return printJSON(slot.wire) }
        print("Done: \(id) · \(slot.task?.id ?? "") \(printable(Markdown.plain(slot.task?.title ?? "")))")
    }
}

struct Undone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undone",
        abstract: "Mark a done slot's task open again.")

    @OptionGroup var options: GlobalOptions

    @Argument(help: "The slot (w03d2, today, next, current).", transform: parseSlot)
    var slot: SlotReference

    func run() throws {
        let daemon = try Daemon.connect(options)
        let status = try daemon.status()
        let id = try daemon.resolve(slot, status: status)
        // The daemon's "w01d1 is not done" alone leaves a newcomer guessing: say what it is.
        let current = try daemon.slot(id)
        if current.state != .done {
            throw Daemon.fail("\(id) is not done: it is \(current.state.rawValue), \(SlotText(zone: status.zone, style: .plain).when(current)); "
                              + "nothing to reopen (`pgtrackctl done \(id)` marks it done)", status: 1)
        }
        let slot = try daemon.change(.reopen(id))
        if options.json { return printJSON(slot.wire) }
        print("Reopened \(id).")
    }
}
