import FoundationEssentials
import Glibc
import Logging
import PGTrackCore
import Systemd

/// Time as a source and an output: the deadline timer (armed from each outcome's next
/// deadline), steps of the wall clock, and the system time zone (/etc/localtime, watched
/// as PID 1 does); each outcome's status line goes to the service manager.
final class ClockInput: Output {
    private unowned let door: Door
    private let loop: EventLoop
    private var log: Logger
    private var deadlineTimer: TimerSource?
    private var clockWatch: ClockWatch?
    private var zoneWatch: EventSource?

    init(door: Door, loop: EventLoop, log: Logger) throws {
        self.door = door
        self.loop = loop
        self.log = log
        deadlineTimer = try loop.addTimer(.realtime, at: .infinity, description: "next-deadline") { [unowned self] _ in
            self.door.submit(.tick(reason: "deadline"))
        }
        clockWatch = try ClockWatch(loop: loop) { [unowned self] in
            self.log.info("system clock was set, re-planning")
            self.door.submit(.tick(reason: "clock change"))
        }
        watchZone()
    }

    /// Watches /etc/localtime (the link itself); the watch is renewed after each event
    /// because the link is usually replaced, not modified.
    private func watchZone() {
        let mask = UInt32(IN_ATTRIB | IN_MOVE_SELF | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_DONT_FOLLOW)
        do {
            zoneWatch = try loop.addInotify(path: "/etc/localtime", mask: mask, description: "localtime") { [unowned self] _, _ in
                Zone.resetCurrent()
                self.log.info("system time zone changed to \(Zone.current.identifier)")
                self.watchZone()
                // The zone in effect: the one the config names, else the system's new one.
                self.door.submit(.zone(self.door.engine.config.timeZone))
            }
        } catch {
            zoneWatch = nil
            log.debug("cannot watch /etc/localtime (\(error)), ignoring")
        }
    }

    /// Sleeps until the next deadline, and tells the service manager where the plan stands.
    func follow(_ outcome: Outcome) {
        let next = outcome.nextDeadline
        do {
            try deadlineTimer?.arm(at: next.map(Microseconds.init) ?? .infinity)
        } catch {
            log.error("cannot arm the deadline timer: \(error)")
        }
        ServiceManager.status(outcome.statusLine)
        log.debug("\(outcome.reason): next deadline \(next.map { $0.formatted(in: outcome.zone) } ?? "none")")
    }
}
