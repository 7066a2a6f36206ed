import CSystemd
import Glibc
import SystemPackage

/// An sd-event loop: one thread waits on every timer, descriptor and signal.
///
/// Owns its `sd_event` and unrefs it in `deinit`. Sources keep the loop alive as long
/// as they exist (libsystemd references it from each source).
public final class EventLoop {
    let pointer: OpaquePointer

    /// A new loop (`sd_event_new`).
    public init() throws(SystemError) {
        var e: OpaquePointer?
        try check(sd_event_new(&e), "sd_event_new")
        guard let e else { throw SystemError("sd_event_new", .noSuchFileOrDirectory) }
        pointer = e
    }

    deinit { sd_event_unref(pointer) }

    /// Runs until `exit` is called or an exit signal arrives; returns the exit code.
    @discardableResult
    public func run() throws(SystemError) -> Int32 {
        try check(sd_event_loop(pointer), "sd_event_loop")
    }

    /// Runs one iteration, waiting at most `timeout` (tests use this).
    @discardableResult
    public func runOnce(timeout: Microseconds) throws(SystemError) -> Int32 {
        try check(sd_event_run(pointer, timeout.rawValue), "sd_event_run")
    }

    /// Asks the loop to stop after the current iteration (`sd_event_exit`).
    public func exit(code: Int32 = 0) {
        _ = sd_event_exit(pointer, code)
    }

    /// Sends `WATCHDOG=1` to the service manager at half of `WatchdogSec=`, from the loop
    /// itself, so a stuck loop stops the pings. No-op when the watchdog is off.
    @discardableResult
    public func enableWatchdog() throws(SystemError) -> Bool {
        try check(sd_event_set_watchdog(pointer, 1), "sd_event_set_watchdog") > 0
    }

    // MARK: - Sources

    /// A timer on `clock` at the absolute time `at` (`.infinity`: armed later with
    /// `TimerSource.arm`). `accuracy` lets the kernel coalesce wake-ups.
    public func addTimer(_ clock: Clock, at: Microseconds, accuracy: Microseconds = .milliseconds(1),
                         description: String, handler: @escaping (TimerSource) -> Void) throws(SystemError) -> TimerSource {
        let box = Box<(TimerSource) -> Void>(handler)
        var s: OpaquePointer?
        let userdata = Unmanaged.passRetained(box).toOpaque()
        let r = sd_event_add_time(pointer, &s, clock.id, at.rawValue, accuracy.rawValue, { source, _, userdata in
            guard let userdata else { return 0 }
            let box = Unmanaged<Box<(TimerSource) -> Void>>.fromOpaque(userdata).takeUnretainedValue()
            if let timer = box.owner as? TimerSource { box.value(timer) }
            return 0
        }, userdata)
        let source = try EventSource.adopt(s, result: r, userdata: userdata, call: "sd_event_add_time", as: TimerSource.self,
                                           description: description)
        box.owner = source
        if at == .infinity { source.isEnabled = false }
        return source
    }

    /// A readable/writable watch on `fd` (which the caller keeps open).
    public func addIO(fd: FileDescriptor, events: UInt32 = UInt32(EPOLLIN.rawValue), description: String,
                      handler: @escaping (_ revents: UInt32) -> Void) throws(SystemError) -> EventSource {
        let box = Box<(UInt32) -> Void>(handler)
        var s: OpaquePointer?
        let userdata = Unmanaged.passRetained(box).toOpaque()
        let r = sd_event_add_io(pointer, &s, fd.rawValue, events, { _, _, revents, userdata in
            guard let userdata else { return 0 }
            Unmanaged<Box<(UInt32) -> Void>>.fromOpaque(userdata).takeUnretainedValue().value(revents)
            return 0
        }, userdata)
        return try EventSource.adopt(s, result: r, userdata: userdata, call: "sd_event_add_io", as: EventSource.self,
                                     description: description)
    }

    /// Handles `signal` (which must already be blocked). With no handler the loop exits.
    public func addSignal(_ signal: Int32, description: String,
                          handler: ((Int32) -> Void)? = nil) throws(SystemError) -> EventSource {
        var s: OpaquePointer?
        guard let handler else {
            let r = sd_event_add_signal(pointer, &s, signal, nil, nil)
            return try EventSource.adopt(s, result: r, userdata: nil, call: "sd_event_add_signal", as: EventSource.self,
                                         description: description)
        }
        let box = Box<(Int32) -> Void>(handler)
        let userdata = Unmanaged.passRetained(box).toOpaque()
        let r = sd_event_add_signal(pointer, &s, signal, { _, info, userdata in
            guard let userdata, let info else { return 0 }
            Unmanaged<Box<(Int32) -> Void>>.fromOpaque(userdata).takeUnretainedValue().value(Int32(info.pointee.ssi_signo))
            return 0
        }, userdata)
        return try EventSource.adopt(s, result: r, userdata: userdata, call: "sd_event_add_signal", as: EventSource.self,
                                     description: description)
    }

    /// Watches child `pid` until it exits (SIGCHLD must be blocked); the handler gets
    /// `si_code` and `si_status`. sd-event reaps the child after the handler returns.
    public func addChild(pid: pid_t, description: String,
                         handler: @escaping (_ code: Int32, _ status: Int32) -> Void) throws(SystemError) -> EventSource {
        let box = Box<(Int32, Int32) -> Void>(handler)
        var s: OpaquePointer?
        let userdata = Unmanaged.passRetained(box).toOpaque()
        let r = sd_event_add_child(pointer, &s, pid, WEXITED, { _, info, userdata in
            guard let userdata, let info else { return 0 }
            Unmanaged<Box<(Int32, Int32) -> Void>>.fromOpaque(userdata).takeUnretainedValue()
                .value(info.pointee.si_code, pgtrack_siginfo_status(info))
            return 0
        }, userdata)
        return try EventSource.adopt(s, result: r, userdata: userdata, call: "sd_event_add_child", as: EventSource.self,
                                     description: description)
    }

    /// Watches `path` with inotify; the handler gets the event's mask and file name.
    public func addInotify(path: String, mask: UInt32, description: String,
                           handler: @escaping (_ mask: UInt32, _ name: String) -> Void) throws(SystemError) -> EventSource {
        let box = Box<(UInt32, String) -> Void>(handler)
        var s: OpaquePointer?
        let userdata = Unmanaged.passRetained(box).toOpaque()
        let r = sd_event_add_inotify(pointer, &s, path, mask, { _, event, userdata in
            guard let userdata, let event else { return 0 }
            var name = ""
            if event.pointee.len > 0 {
                // The name follows the fixed header, NUL-padded.
                let raw = UnsafeRawPointer(event).advanced(by: MemoryLayout<inotify_event>.size)
                name = String(cString: raw.assumingMemoryBound(to: CChar.self))
            }
            Unmanaged<Box<(UInt32, String) -> Void>>.fromOpaque(userdata).takeUnretainedValue().value(event.pointee.mask, name)
            return 0
        }, userdata)
        return try EventSource.adopt(s, result: r, userdata: userdata, call: "sd_event_add_inotify", as: EventSource.self,
                                     description: description)
    }

    /// Runs `handler` once, at the next iteration, before waiting again; `trigger()`
    /// runs it once more, at the iteration after.
    public func addDefer(description: String, handler: @escaping () -> Void) throws(SystemError) -> DeferSource {
        let box = Box<() -> Void>(handler)
        var s: OpaquePointer?
        let userdata = Unmanaged.passRetained(box).toOpaque()
        let r = sd_event_add_defer(pointer, &s, { _, userdata in
            guard let userdata else { return 0 }
            Unmanaged<Box<() -> Void>>.fromOpaque(userdata).takeUnretainedValue().value()
            return 0
        }, userdata)
        let source = try EventSource.adopt(s, result: r, userdata: userdata, call: "sd_event_add_defer", as: DeferSource.self,
                                           description: description)
        source.setEnabled(Int32(SD_EVENT_ONESHOT))
        return source
    }
}

/// Holds a handler for C; retained through userdata and released in the source's destroy callback.
final class Box<T> {
    let value: T
    /// The source the handler belongs to (weak: the source owns the box, not the reverse).
    weak var owner: EventSource?
    init(_ value: T) { self.value = value }
}

/// One sd-event source. Disabled and unreferenced in `deinit`: dropping it stops the watch.
public class EventSource {
    let pointer: OpaquePointer

    required init(pointer: OpaquePointer) { self.pointer = pointer }

    deinit { sd_event_source_disable_unref(pointer) }

    static func adopt<S: EventSource>(_ s: OpaquePointer?, result: Int32, userdata: UnsafeMutableRawPointer?, call: String,
                                      as: S.Type, description: String) throws(SystemError) -> S {
        guard result >= 0, let s else {
            if let userdata { Unmanaged<AnyObject>.fromOpaque(userdata).release() }
            throw SystemError(call, Errno(rawValue: result < 0 ? -result : ENOMEM))
        }
        if userdata != nil {
            sd_event_source_set_destroy_callback(s) { userdata in
                if let userdata { Unmanaged<AnyObject>.fromOpaque(userdata).release() }
            }
        }
        sd_event_source_set_description(s, description)
        return S(pointer: s)
    }

    /// The description given at creation (shown in sd-event debug logs).
    public var sourceDescription: String {
        var d: UnsafePointer<CChar>?
        guard sd_event_source_get_description(pointer, &d) >= 0, let d else { return "" }
        return String(cString: d)
    }

    func setEnabled(_ mode: Int32) { _ = sd_event_source_set_enabled(pointer, mode) }

    /// Changes which events an I/O source waits for (`EPOLLIN`, `EPOLLOUT`, ...).
    public func setIOEvents(_ events: UInt32) {
        _ = sd_event_source_set_io_events(pointer, events)
    }

    public var isEnabled: Bool {
        get {
            var mode: Int32 = 0
            return sd_event_source_get_enabled(pointer, &mode) >= 0 && mode != Int32(SD_EVENT_OFF)
        }
        set { setEnabled(newValue ? Int32(SD_EVENT_ON) : Int32(SD_EVENT_OFF)) }
    }
}

/// A timer source; fires once per arming.
/// A source that runs its handler at the next loop iteration, once per `trigger()`: no
/// timer, no wake-up descriptor, no system call.
public final class DeferSource: EventSource {
    public func trigger() { setEnabled(Int32(SD_EVENT_ONESHOT)) }
}

public final class TimerSource: EventSource {
    /// Fires once at `at` on the timer's clock; `.infinity` disarms.
    public func arm(at: Microseconds) throws(SystemError) {
        guard at != .infinity else { isEnabled = false; return }
        try check(sd_event_source_set_time(pointer, at.rawValue), "sd_event_source_set_time")
        setEnabled(Int32(SD_EVENT_ONESHOT))
    }
}

/// epoll event bits, as I/O sources report and request them.
public struct IOEvents: OptionSet, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `EPOLLIN`
    public static let readable = IOEvents(rawValue: UInt32(EPOLLIN.rawValue))
    /// `EPOLLOUT`
    public static let writable = IOEvents(rawValue: UInt32(EPOLLOUT.rawValue))
    /// `EPOLLHUP`
    public static let hangup = IOEvents(rawValue: UInt32(EPOLLHUP.rawValue))
    /// `EPOLLERR`
    public static let error = IOEvents(rawValue: UInt32(EPOLLERR.rawValue))
}
