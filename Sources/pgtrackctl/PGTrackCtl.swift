import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import PGTrackPlatform

/// pgtrackctl: controls a running pgtrackd over its Varlink socket.
@main
struct PGTrackCtl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pgtrackctl",
        abstract: "Control the pgtrack study-plan daemon.",
        discussion: """
        Talks to pgtrackd over its control socket ($XDG_RUNTIME_DIR/pgtrack/control.sock, \
        or --socket / $PGTRACK_SOCKET). SLOT is a slot id such as w03d2, or today, next, current. \
        Exit status: 0 on success, 1 when pgtrackd refused the request, 64 for a bad argument, 69 when it \
        cannot be reached.
        """,
        version: API.version,
        subcommands: [Status.self, Agenda.self, Next.self, Skip.self, Reschedule.self, Start.self, Done.self, Undone.self, Note.self,
                      Snooze.self, Pause.self, Resume.self, Undo.self, Progress.self, JournalCommand.self, Export.self, Feed.self, Sync.self,
                      Plans.self, Reload.self, Monitor.self],
        defaultSubcommand: Status.self
    )

    /// `pgtrackctl`, `pgtrackctl status` and `pgtrackctl status --json` are what status
    /// bars and shell prompts run every few seconds. They go straight to `Status.show`:
    /// building ArgumentParser's command tree and argument sets costs about a
    /// millisecond, half the command's run time. Every other argument list, `--help`
    /// included, goes through ArgumentParser, and an integration test checks that both
    /// ways print the same. Exit codes are the parser path's.
    static func main() {
        let args = globalOptionsAfterTheSubcommand(Array(CommandLine.arguments.dropFirst()))
        guard args.isEmpty || args == ["status"] || args == ["status", "--json"] else {
            return main(args)
        }
        do {
            try Status.show(json: args.count == 2, socket: nil)
        } catch {
            exit(withError: error)
        }
    }
}

extension PGTrackCtl {
    /// The global options (`--plan NAME`, `--socket PATH`, `--json`) are accepted before
    /// the subcommand too, as systemctl takes its options anywhere: `pgtrackctl --plan go
    /// status` is read as `pgtrackctl status --plan go`. ArgumentParser knows them only
    /// as each subcommand's options, so they are moved behind the subcommand's name.
    static func globalOptionsAfterTheSubcommand(_ args: [String]) -> [String] {
        var globals: [String] = []
        var i = 0
        while i < args.count {
            let a = args[i]
            if a == "--json" || a.hasPrefix("--plan=") || a.hasPrefix("--socket=") {
                globals.append(a)
                i += 1
            } else if a == "--plan" || a == "--socket", i + 1 < args.count {
                globals += [a, args[i + 1]]
                i += 2
            } else {
                break
            }
        }
        guard !globals.isEmpty, i < args.count, !args[i].hasPrefix("-") else { return args }
        return [args[i]] + globals + args[(i + 1)...]
    }
}

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Flag(name: .long, help: "Print one JSON document on stdout instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("The daemon's control socket (default: $PGTRACK_SOCKET, then $XDG_RUNTIME_DIR/pgtrack/control.sock).",
                                            valueName: "path"))
    var socket: String?

    @Option(name: .long, help: ArgumentHelp("The plan instance NAME (default: $PGTRACK_PLAN, else the default plan).", valueName: "name"))
    var plan: String?

    func validate() throws {
        if let plan, let problem = Paths.planNameProblem(plan) { throw ValidationError(problem) }
    }
}
