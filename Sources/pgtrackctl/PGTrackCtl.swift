import ArgumentParser
import Foundation

/// pgtrackctl: controls a running pgtrackd over its Varlink socket.
@main
struct PGTrackCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgtrackctl",
        abstract: "Control the pgtrack study-plan daemon.",
        discussion: """
        Talks to pgtrackd over its control socket ($XDG_RUNTIME_DIR/pgtrack/control.sock, \
        or --socket / $PGTRACK_SOCKET). SLOT is a slot id such as w03d2, or today, next, current. \
        Exit status: 0 on success, 1 when pgtrackd refused the request, 69 when it cannot be reached.
        """,
        version: "0.1.0",
        subcommands: [Status.self, Agenda.self, Next.self, Skip.self, Reschedule.self, Done.self, Undone.self,
                      Snooze.self, Undo.self, Progress.self, Export.self, Reload.self, Monitor.self],
        defaultSubcommand: Status.self
    )
}

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document on stdout instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The daemon's control socket (default: $PGTRACK_SOCKET, then $XDG_RUNTIME_DIR/pgtrack/control.sock).",
                                            valueName: "path"))
    var socket: String?
}
