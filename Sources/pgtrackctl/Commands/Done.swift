import ArgumentParser
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
        let id = try slot.map { try daemon.resolve($0, status: status) } ?? daemon.defaultSlot(status: status, fallback: .today)
        let reply = try daemon.call("Complete", ["slot": .string(id.description)])
        if options.json { return printJSON(reply["slot"] ?? .null) }
        let task = reply["slot"]?["task"]
        print("Done: \(id) · \(task?["id"]?.string ?? "") \(Markdown.plain(task?["title"]?.string ?? ""))")
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
        let id = try daemon.resolve(slot, status: try daemon.status())
        let reply = try daemon.call("Reopen", ["slot": .string(id.description)])
        if options.json { return printJSON(reply["slot"] ?? .null) }
        print("Reopened \(id).")
    }
}
