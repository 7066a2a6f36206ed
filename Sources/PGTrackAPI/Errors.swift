import PGTrackCore
import Varlink

/// A reload that was refused: the candidate config or plan is broken. The last good
/// ones stay in force.
public struct ReloadError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A change that was allowed but could not be recorded (the ledger's disk failed).
public struct StorageError: Error, Equatable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A sync run that failed, or sync being off.
public struct SyncError: Error, Equatable, CustomStringConvertible {
    /// `exit status 1`, `killed by signal 15`, `timed out after 2m`, `cannot start`, `off`.
    public var status: String
    /// The tail of what the command printed.
    public var output: String
    public var message: String

    public init(status: String, output: String, message: String) {
        self.status = status
        self.output = output
        self.message = message
    }

    public var description: String { message }
}

extension API {
    /// `io.pgtrack.Tracker.`: the prefix of the interface's error names.
    public static let errorPrefix = TrackerInterface.name + "."

    /// The interface's error for a refused change.
    public static func error(_ e: ScheduleError) -> VarlinkError {
        var params: [(String, JSON?)] = []
        let name: String
        switch e {
        case .noSuchSlot(let s): name = "NoSuchSlot"; params.append(("slot", .string(s)))
        case .slotInPast(let s, _): name = "SlotInPast"; params.append(("slot", .string(s.description)))
        case .alreadyDone(let s): name = "AlreadyDone"; params.append(("slot", .string(s.description)))
        case .notDone(let s): name = "NotDone"; params.append(("slot", .string(s.description)))
        case .skipped(let s), .paused(let s): name = "SlotSkipped"; params.append(("slot", .string(s.description)))
        case .noTask(let s): name = "NoTask"; params.append(("slot", .string(s.description)))
        case .overlap(let s, let other, _):
            name = "Overlap"
            params.append(("slot", .string(s.description)))
            params.append(("other", .string(other.description)))
        case .invalidTime: name = "InvalidTime"
        case .nothingToUndo: name = "NothingToUndo"
        case .invalidReason: name = "InvalidReason"
        case .invalidNote: name = "InvalidNote"
        case .notPaused: name = "NotPaused"
        }
        params.append(("message", .string(e.description)))
        return VarlinkError(errorPrefix + name, .obj(params))
    }

    public static func error(_ e: ReloadError) -> VarlinkError {
        VarlinkError(errorPrefix + "ReloadFailed", ["message": .string("\(e.message); keeping the last good config and plan")])
    }

    public static func error(_ e: StorageError) -> VarlinkError {
        VarlinkError(errorPrefix + "StorageFailed", ["message": .string(e.message)])
    }

    public static func error(_ e: SyncError) -> VarlinkError {
        VarlinkError(errorPrefix + "SyncFailed", ["status": .string(e.status), "output": .string(e.output), "message": .string(e.message)])
    }

    public static func invalidFormat(_ format: String) -> VarlinkError {
        VarlinkError(errorPrefix + "InvalidFormat",
                     ["format": .string(format), "message": .string("expected ics, json, markdown or html, found '\(format)'")])
    }

    /// Any error a method can end in, as the interface names it.
    public static func error(_ e: any Error) -> VarlinkError {
        switch e {
        case let e as VarlinkError: return e
        case let e as ScheduleError: return error(e)
        case let e as ReloadError: return error(e)
        case let e as StorageError: return error(e)
        case let e as SyncError: return error(e)
        default: return error(StorageError("\(e)"))
        }
    }
}
