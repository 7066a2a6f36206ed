import ArgumentParser
import PGTrackAPI
import PGTrackViews
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
        // The ledger's kinds, in the words of the commands that made them.
        let what = ["started": "start", "reopen": "undone"][undone.kind] ?? undone.kind
        print("Undid \(printable(what))\(undone.slot.map { " of \($0.id)" } ?? "").")
    }
}
