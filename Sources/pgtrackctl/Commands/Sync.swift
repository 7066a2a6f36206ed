import ArgumentParser
import PGTrackAPI
import PGTrackViews
import Varlink

struct Sync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Sync the calendar with the CalDAV server now, and wait for it.",
        discussion: "Runs [sync] command (vdirsyncer) through pgtrackd, after the run under way if there is one.")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        // The daemon stops a run after sync.timeout; the reply comes then at the latest.
        daemon.client.waitForever()
        let run = try daemon.decode(API.SyncRun.self, try daemon.send(.sync))
        if options.json { return printJSON(run.wire) }
        print("Synced in \(num(run.seconds)) s.")
    }
}
