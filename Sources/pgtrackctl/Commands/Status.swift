import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackCore
import PGTrackViews
import Varlink

extension StatusBar.Format: ExpressibleByArgument {}

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the current stage and week, progress, the next slot, and the projected finish.",
        discussion: """
        With --format, one line for a status bar (waybar, i3bar for i3status-rust, polybar, json); \
        with --follow as well, a line at start and one per change, until pgtrackd stops.
        """)

    @OptionGroup var options: GlobalOptions

    @Option(name: .long, help: ArgumentHelp("Print one line for a status bar: waybar, i3bar, polybar or json.", valueName: "format"))
    var format: StatusBar.Format?

    @Flag(name: .long, help: "Keep printing a line per change (JSON with --format json, the default), until pgtrackd stops.")
    var follow = false

    func run() throws {
        if follow { return try Follower(format: format ?? .json, socket: options.socket, plan: options.plan).run() }
        if let format {
            let status = try Daemon.connect(options).status()
            return writeOut(StatusBar(status, now: Date()).line(format, status: status) + "\n")
        }
        try Status.show(json: options.json, socket: options.socket, plan: options.plan)
    }

    /// What `status` prints; also run directly by `main` for the argument lists a status
    /// bar or prompt polls with (see `PGTrackCtl.main`).
    static func show(json: Bool, socket: String?, plan: String? = nil) throws {
        let daemon = try Daemon.connect(socket: socket, plan: plan)
        let status = try daemon.status()
        if json { return printJSON(status.wire) }
        print(status.text(style: .current, today: LocalDate(Date(), in: status.zone)), terminator: "")
    }
}

/// `status --follow`: a status bar's line at start and one per change, read from the
/// Monitor stream. Between changes it sleeps in one `poll` on the stream: no polling, no
/// wake-up, but for the instants the text changes with time alone (a slot starts or ends,
/// the date turns, and within the hour before a slot each minute of the countdown).
/// When pgtrackd stops it prints a last line and exits 69; a bar's restart brings it back.
struct Follower {
    var format: StatusBar.Format
    var socket: String?
    var plan: String?

    func run() throws {
        var last: String?
        func emit(_ bar: StatusBar, _ status: API.Overview?) {
            let line = bar.line(format, status: status)
            guard line != last else { return }
            last = line
            writeOut(line + "\n")
        }
        func stopped(_ why: String) -> ExitCode {
            emit(.stopped(why), nil)
            return Daemon.fail(why, status: Daemon.unavailable)
        }
        let stream: Daemon
        do {
            stream = try Daemon.connect(socket: socket, plan: plan)
            stream.client.waitForever()
            try stream.client.begin(.monitor)
        } catch {
            throw stopped("cannot reach pgtrackd")
        }
        var status: API.Overview?
        /// Status over a connection of its own (the stream's is busy); one per change.
        func refresh() throws {
            let daemon = try Daemon.connect(socket: socket, plan: plan)
            status = try daemon.status()
        }
        while true {
            let now = Date()
            let wake = status.flatMap { StatusBar.nextChange($0, now: now) }
            let reply: (parameters: JSON, continues: Bool)?
            do {
                reply = try stream.client.nextReply(within: wake.map { max(0, $0.timeIntervalSince(now)) })
            } catch let error as VarlinkError {
                throw stopped(error.description)
            } catch {
                throw stopped("pgtrackd stopped (\(error))")
            }
            if let reply, !reply.continues { throw stopped("pgtrackd ended the stream") }
            let at = Date()
            // A change, or the answer's `until` passed: ask again. A countdown minute: the
            // answer still holds, only the text moves.
            if reply != nil || status == nil || status?.until.flatMap({ Date(rfc3339: $0) }).map({ $0 <= at }) == true {
                do { try refresh() } catch { throw stopped("pgtrackd stopped") }
            }
            if let status { emit(StatusBar(status, now: at), status) }
        }
    }
}
