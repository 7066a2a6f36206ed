import ArgumentParser
import FoundationEssentials
import Glibc
import PGTrackCore
import Varlink

/// The connection to pgtrackd, with the CLI's exit statuses for what can go wrong.
struct Daemon {
    /// EX_UNAVAILABLE: the daemon is not reachable.
    static let unavailable: Int32 = 69

    let client: VarlinkClient
    let path: String

    static func socketPath(_ socket: String?) -> String {
        if let socket { return socket }
        if let s = environment("PGTRACK_SOCKET"), !s.isEmpty { return s }
        var env: [String: String] = [:]
        for name in ["HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR"] { env[name] = environment(name) }
        return Paths(environment: env, uid: getuid()).controlSocket
    }

    /// Connects, or exits 69 with a hint how to start the daemon.
    static func connect(_ options: GlobalOptions) throws -> Daemon { try connect(socket: options.socket) }

    static func connect(socket: String?) throws -> Daemon {
        let path = socketPath(socket)
        do {
            return Daemon(client: try VarlinkClient(path: path), path: path)
        } catch {
            throw Daemon.fail("""
                cannot reach pgtrackd at \(path) (\(String(cString: strerror(error.code))))
                Start it with: systemctl --user start pgtrackd.socket pgtrackd.service
                           or: pgtrackd   (in the foreground)
                """, status: unavailable)
        }
    }

    /// Calls a method of io.pgtrack.Tracker; a refusal exits 1 with the daemon's message.
    func call(_ method: String, _ parameters: JSON = [:]) throws -> JSON {
        do {
            return try client.call("io.pgtrack.Tracker." + method, parameters)
        } catch let error as VarlinkError {
            let message = error.parameters["message"]?.string ?? error.description
            throw Daemon.fail(message, status: 1)
        } catch let error as SocketError {
            throw Daemon.fail("lost the connection to pgtrackd at \(path) (\(error))", status: Daemon.unavailable)
        }
    }

    /// Prints `pgtrackctl: message` on stderr and returns the exit to throw.
    static func fail(_ message: String, status: Int32) -> ExitCode {
        writeOut("pgtrackctl: \(message)\n", to: 2)
        return ExitCode(status)
    }

    // MARK: - What the commands share

    func status() throws -> JSON { try call("Status")["status"] ?? .null }

    /// The plan's zone, for reading and showing times.
    func zone(_ status: JSON) -> Zone {
        status["timezone"]?.string.flatMap(Zone.init(identifier:)) ?? .current
    }

    /// Resolves `today`, `next` and `current` to a slot id.
    func resolve(_ reference: SlotReference, status: JSON) throws -> SlotID {
        switch reference {
        case .id(let id): return id
        case .next:
            guard let id = status["next"]?["id"]?.string.flatMap(SlotID.init) else { throw Daemon.fail("no upcoming slot", status: 1) }
            return id
        case .current:
            guard let id = status["current"]?["id"]?.string.flatMap(SlotID.init) else {
                throw Daemon.fail("no slot is running now", status: 1)
            }
            return id
        case .today:
            let zone = zone(status)
            let today = LocalDate(Date(), in: zone)
            let from = zone.instant(today, TimeOfDay(hour: 0, minute: 0)), to = zone.instant(today.adding(days: 1), TimeOfDay(hour: 0, minute: 0))
            let slots = try call("ListSlots", ["from": .string(from.rfc3339(in: zone)), "to": .string(to.rfc3339(in: zone))])["slots"]?.array ?? []
            guard let id = slots.first?["id"]?.string.flatMap(SlotID.init) else { throw Daemon.fail("no slot today", status: 1) }
            return id
        }
    }

    /// The slot a command means when none is given: the running one, else `fallback`.
    func defaultSlot(status: JSON, fallback: SlotReference) throws -> SlotID {
        if let id = status["current"]?["id"]?.string.flatMap(SlotID.init) { return id }
        return try resolve(fallback, status: status)
    }

    func slot(_ id: SlotID) throws -> JSON {
        let slots = try call("ListSlots", ["week": .int(Int64(id.week))])["slots"]?.array ?? []
        guard let slot = slots.first(where: { $0["id"]?.string == id.description }) else {
            throw Daemon.fail("no slot \(id) in the schedule", status: 1)
        }
        return slot
    }
}

/// Parses SLOT arguments before anything is sent.
func parseSlot(_ text: String) throws -> SlotReference {
    do { return try SlotReference(text) } catch { throw ValidationError(error.description) }
}
