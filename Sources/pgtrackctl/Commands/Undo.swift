import ArgumentParser
import PGTrackAPI
import Varlink

struct Undo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "undo",
        abstract: "Revert the last change (it stays in the history, reverted).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let undone = try daemon.decode(API.Undone.self, try daemon.send(.change(.undo)))
        if options.json { return printJSON(undone.wire) }
        print("Undid \(printable(undone.kind))\(undone.slot.map { " of \($0.id)" } ?? "").")
    }
}
