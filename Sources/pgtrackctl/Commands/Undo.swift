import ArgumentParser
import Varlink

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Revert the last change (it stays in the history, reverted).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let reply = try daemon.call("Undo")
        if options.json { return printJSON(reply) }
        print("Undid \(reply["kind"]?.string ?? "the last change")\(reply["slot"]?["id"]?.string.map { " of \($0)" } ?? "").")
    }
}
