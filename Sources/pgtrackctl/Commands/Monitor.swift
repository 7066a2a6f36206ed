import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import Varlink

struct Monitor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "monitor",
        abstract: "Print every change as it happens, until interrupted.",
        discussion: "With --json, one JSON document per line (JSON Lines).")

    @OptionGroup var options: GlobalOptions

    func run() throws {
        let daemon = try Daemon.connect(options)
        daemon.client.waitForever()
        do {
            try daemon.client.stream(.monitor) { json in
                // Written straight out, so a pipe sees each change as it happens.
                let event = try daemon.decode(API.Event.self, json)
                let line: String
                if options.json {
                    line = event.wire.text
                } else {
                    line = printable("\(event.at) \(event.kind)\(event.slot.map { " \($0)" } ?? "") · \(event.summary)")
                }
                writeOut(line + "\n")
                return true
            }
        } catch let exit as ExitCode {
            throw exit
        } catch let error as VarlinkError {
            throw Daemon.fail(error.description, status: 1)
        } catch {
            throw Daemon.fail("lost the connection to pgtrackd (\(error))", status: Daemon.unavailable)
        }
    }
}
