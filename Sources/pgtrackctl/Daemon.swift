import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import PGTrackCore
import PGTrackPlatform
import Varlink

/// The connection to pgtrackd, with the CLI's exit statuses for what can go wrong.
struct Daemon {
    /// EX_UNAVAILABLE: the daemon is not reachable.
    static let unavailable: Int32 = 69

    let client: VarlinkClient
    let path: String

    /// `--socket`, else `PGTRACK_SOCKET`, else the plan instance's socket (`--plan`, else
    /// `PGTRACK_PLAN`, else the default plan's).
    static func socketPath(_ socket: String?, plan: String? = nil) throws -> String {
        if let socket { return socket }
        if let s = environment("PGTRACK_SOCKET"), !s.isEmpty { return s }
        return paths(plan: try plan ?? instance).controlSocket
    }

    /// `PGTRACK_PLAN`, unless empty. A value that names no plan is an error (exit 64), as
    /// it is to pgtrackd: ignoring it would send the command to the default plan.
    static var instance: String? {
        get throws {
            guard let name = environment("PGTRACK_PLAN"), !name.isEmpty else { return nil }
            if let problem = Paths.planNameProblem(name) { throw Daemon.fail("PGTRACK_PLAN: \(problem)", status: 64) }
            return name
        }
    }

    static func paths(plan: String?) -> Paths {
        var env: [String: String] = [:]
        for name in ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"] { env[name] = environment(name) }
        return Paths(environment: env, uid: getuid(), plan: plan)
    }

    /// Connects, or exits 69 with a hint how to start the daemon.
    static func connect(_ options: GlobalOptions) throws -> Daemon { try connect(socket: options.socket, plan: options.plan) }

    static func connect(socket: String?, plan: String? = nil) throws -> Daemon {
        let path = try socketPath(socket, plan: plan)
        let instance = try plan ?? Daemon.instance
        let unit = instance.map { "pgtrackd@\($0)" } ?? "pgtrackd"
        let client: VarlinkClient
        do {
            client = try VarlinkClient(path: path)
        } catch {
            // A daemon started without XDG_RUNTIME_DIR listens in /tmp/pgtrack-UID; a
            // shell that has it looks elsewhere. Say where the daemon is, if it is there.
            var fallbackEnv = ["HOME": environment("HOME") ?? "/"]
            fallbackEnv["XDG_RUNTIME_DIR"] = nil
            let fallback = Paths(environment: fallbackEnv, uid: getuid(), plan: instance).controlSocket
            var st = stat()
            if socket == nil, environment("PGTRACK_SOCKET") == nil, fallback != path, lstat(fallback, &st) == 0, st.st_mode & S_IFMT == S_IFSOCK {
                throw Daemon.fail("""
                    cannot reach pgtrackd at \(path) (\(error.errno)), but a pgtrackd is listening at \(fallback): it was started without XDG_RUNTIME_DIR
                    Talk to it with: pgtrackctl --socket \(fallback) …   (or start pgtrackd with XDG_RUNTIME_DIR set, as systemd does)
                    """, status: unavailable)
            }
            throw Daemon.fail("""
                cannot reach pgtrackd at \(path) (\(error.errno))
                Start it with: systemctl --user start \(unit).socket \(unit).service
                           or: pgtrackd\(instance.map { " --plan \($0)" } ?? "")   (in the foreground)
                """, status: unavailable)
        }
        // Only the user's own daemon is believed: a socket another user made (in a
        // pre-made /tmp folder, or named by a wrong PGTRACK_SOCKET) could feed us anything.
        let peer = try? client.peer()
        guard let peer, peer.uid == geteuid() else {
            let who = peer.map { "uid \($0.uid)" } ?? "an unknown user"
            throw Daemon.fail("refusing \(path): it is served by \(who), not by you (uid \(geteuid()))", status: unavailable)
        }
        return Daemon(client: client, path: path)
    }

    /// Sends a call of io.pgtrack.Tracker and returns the reply's parameters; a refusal
    /// exits 1 with the daemon's message.
    func send(_ request: Request) throws -> JSON {
        do {
            return try client.call(request)
        } catch {
            throw failure(error)
        }
    }

    /// What a failed call exits with: 1 and the daemon's message for a refusal, 69 for a
    /// lost connection.
    func failure(_ error: any Error) -> any Error {
        switch error {
        case let error as VarlinkError: return Daemon.fail(error.parameters["message"]?.string ?? error.description, status: 1)
        case let error as SocketError: return Daemon.fail("lost the connection to pgtrackd at \(path) (\(error))", status: Daemon.unavailable)
        default: return error
        }
    }

    /// Prints `pgtrackctl: message` on stderr and returns the exit to throw.
    static func fail(_ message: String, status: Int32) -> ExitCode {
        writeOut("pgtrackctl: \(message)\n", to: 2)
        return ExitCode(status)
    }

    /// Decodes a reply into its wire type.
    func decode<T: WireValue>(_ type: T.Type, _ json: JSON?) throws -> T {
        do {
            return try T(wire: json ?? .null)
        } catch {
            throw unexpectedReply("\(error)")
        }
    }

    /// A reply of another shape than the interface's is the daemon's fault (or another
    /// program's on the socket), reported as such.
    func unexpectedReply(_ what: String) -> ExitCode {
        Daemon.fail("unexpected reply from pgtrackd at \(path): \(what)", status: 1)
    }

    // MARK: - What the commands share

    func status() throws -> API.Overview { try decode(API.Overview.self, try send(.status)["status"]) }

    /// The slots starting in [from, to), or of plan week `week`; all of them by default.
    func slots(from: Date? = nil, to: Date? = nil, week: Int? = nil) throws -> [API.Slot] {
        try slots(in: try send(.listSlots(from: from, to: to, week: week)))
    }

    /// Every slot; a week at a time when they do not fit in one reply (long notes on
    /// many slots can pass the daemon's 1 MiB). `weeks`: the plan's (`Overview.weeks`).
    func allSlots(weeks: Int) throws -> [API.Slot] {
        do {
            return try slots(in: try client.call(.listSlots(from: nil, to: nil, week: nil)))
        } catch let error as VarlinkError where error.name == API.errorPrefix + "ReplyTooLarge" {
            var out: [API.Slot] = []
            var week = 1
            // Extension weeks follow the plan's without a gap; a plan week may be empty.
            while true {
                let these = try slots(week: week)
                if these.isEmpty, week > weeks { return out }
                out += these
                week += 1
            }
        } catch {
            throw failure(error)
        }
    }

    /// The `slots` array of a reply (ListSlots, Pause, Resume).
    func slots(in reply: JSON) throws -> [API.Slot] {
        guard let items = reply["slots"]?.array else {
            throw unexpectedReply("slots: expected an array")
        }
        return try items.map { try decode(API.Slot.self, $0) }
    }

    /// Makes a change of one slot and returns the slot as it is now.
    func change(_ change: Change) throws -> API.Slot {
        try decode(API.Slot.self, try send(.change(change))["slot"])
    }

    /// The slots of the plan's local day `date`.
    func slots(on date: LocalDate, days: Int = 1, zone: Zone) throws -> [API.Slot] {
        let midnight = TimeOfDay(hour: 0, minute: 0)
        let from = zone.instant(date, midnight), to = zone.instant(date.adding(days: days), midnight)
        return try slots(from: from, to: to)
    }

    /// What `pgtrackctl VERB next` does, for a refusal that names the way forward.
    static let aheadOfTime = ["done": "marks it done ahead of time", "skip": "skips it", "reschedule": "moves it",
                              "snooze": "snoozes it", "start": "starts it now", "note": "notes it"]

    /// Resolves `today`, `next` and `current` to a slot id. `verb` (the subcommand) lets
    /// a refusal say what to do instead.
    func resolve(_ reference: SlotReference, status: API.Overview, verb: String? = nil) throws -> SlotID {
        switch reference {
        case .id(let id): return id
        case .next:
            guard let id = status.next?.slotID else { throw Daemon.fail("no upcoming slot", status: 1) }
            return id
        case .current:
            guard let id = status.current?.slotID else { throw Daemon.fail("no slot is running now", status: 1) }
            return id
        case .today:
            let zone = status.zone
            guard let id = try slots(on: LocalDate(Date(), in: zone), zone: zone).first?.slotID else {
                guard let next = status.next else { throw Daemon.fail("no slot today, and none to come", status: 1) }
                let hint = verb.flatMap { v in Daemon.aheadOfTime[v].map { " (`pgtrackctl \(v) next` \($0))" } } ?? ""
                throw Daemon.fail("no slot today; the next is \(next.id) on \(SlotText(zone: zone, style: .plain).when(next))\(hint)",
                                  status: 1)
            }
            return id
        }
    }

    /// The slot a command means when none is given: the running one, else `fallback`.
    func defaultSlot(status: API.Overview, fallback: SlotReference, verb: String? = nil) throws -> SlotID {
        if let id = status.current?.slotID { return id }
        return try resolve(fallback, status: status, verb: verb)
    }

    func slot(_ id: SlotID) throws -> API.Slot {
        guard let slot = try slots(week: id.week).first(where: { $0.id == id.description }) else {
            throw Daemon.fail("no slot \(id) in the schedule", status: 1)
        }
        return slot
    }
}

/// Calls written as `Request`s, the type pgtrackd reads them into.
extension VarlinkClient {
    func call(_ request: Request) throws -> JSON { try call(request.qualifiedMethod, request.parameters) }

    func stream(_ request: Request, each: (JSON) throws -> Bool) throws {
        try stream(request.qualifiedMethod, request.parameters, each: each)
    }

    func begin(_ request: Request) throws { try begin(request.qualifiedMethod, request.parameters) }
}

/// Parses SLOT arguments before anything is sent.
func parseSlot(_ text: String) throws -> SlotReference {
    do { return try SlotReference(text) } catch { throw ValidationError(error.description) }
}
