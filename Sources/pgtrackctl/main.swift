import ArgumentParser

/// pgtrackctl: controls a running pgtrackd over its socket.
///
/// The subcommands arrive with the control API (issue 5); until then this only names itself.
struct PGTrackCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgtrackctl",
        abstract: "Control the pgtrack daemon.",
        discussion: "Not yet available: the control API is being built. See the README."
    )

    func run() throws {
        throw CleanExit.helpRequest(self)
    }
}

PGTrackCtl.main()
