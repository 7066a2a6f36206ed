import ArgumentParser
import FoundationEssentials
import Glibc
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
            try daemon.client.stream("io.pgtrack.Tracker.Monitor") { event in
                // Written straight out, so a pipe sees each change as it happens.
                let line: String
                if options.json {
                    line = event.text
                } else {
                    let slot = event["slot"]?.string.map { " \($0)" } ?? ""
                    line = "\(event["at"]?.string ?? "") \(event["kind"]?.string ?? "?")\(slot) · \(event["summary"]?.string ?? "")"
                }
                writeOut(line + "\n")
                return true
            }
        } catch let error as VarlinkError {
            throw Daemon.fail(error.description, status: 1)
        } catch {
            throw Daemon.fail("lost the connection to pgtrackd (\(error))", status: Daemon.unavailable)
        }
    }
}
