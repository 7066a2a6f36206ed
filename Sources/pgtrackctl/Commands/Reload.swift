import ArgumentParser
import PGTrackAPI
import PGTrackViews
import Varlink

struct Reload: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Re-read the config and the plan (a broken file keeps the last good ones).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        let reply = try daemon.send(.reload)
        if options.json { return printJSON(reply) }
        print(printable(reply["summary"]?.string ?? "reloaded"))
    }
}
