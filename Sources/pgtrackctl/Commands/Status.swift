import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackCore
import Varlink

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the current stage and week, progress, the next slot, and the projected finish.")

    @OptionGroup var options: GlobalOptions

    func run() throws { try Status.show(json: options.json, socket: options.socket, plan: options.plan) }

    /// What `status` prints; also run directly by `main` for the argument lists a status
    /// bar or prompt polls with (see `PGTrackCtl.main`).
    static func show(json: Bool, socket: String?, plan: String? = nil) throws {
        let daemon = try Daemon.connect(socket: socket, plan: plan)
        let status = try daemon.status()
        if json { return printJSON(status.wire) }
        print(status.text(style: .current, today: LocalDate(Date(), in: status.zone)), terminator: "")
    }
}
