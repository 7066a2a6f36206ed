import CSystemd
import Glibc
import SystemPackage

/// Notices the wall clock being set (by NTP, the user, or a resume that steps it).
///
/// A `timerfd` on CLOCK_REALTIME armed far in the future with
/// `TFD_TIMER_CANCEL_ON_SET` becomes readable with `ECANCELED` whenever the clock is
/// set discontinuously; systemd's `time_change_fd()` does the same. It never fires
/// otherwise, so it costs no wake-ups.
public final class ClockWatch {
    private let fd: FileDescriptor
    private var source: EventSource?

    public init(loop: EventLoop, handler: @escaping () -> Void) throws(SystemError) {
        fd = FileDescriptor(rawValue: try checkLibc(timerfd_create(CLOCK_REALTIME, Int32(TFD_NONBLOCK | TFD_CLOEXEC)), "timerfd_create"))
        do {
            try arm()
            source = try loop.addIO(fd: fd, description: "clock-change") { [unowned self] _ in
                // Drain the fd; ECANCELED is the signal, then re-arm for the next change.
                var expirations: UInt64 = 0
                _ = read(self.fd.rawValue, &expirations, 8)
                try? self.arm()
                handler()
            }
        } catch {
            try? fd.close()
            throw error
        }
    }

    private func arm() throws(SystemError) {
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(Int32.max) // far in the future; never reached
        try checkLibc(timerfd_settime(fd.rawValue, Int32(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET), &spec, nil), "timerfd_settime")
    }

    deinit {
        source = nil
        try? fd.close()
    }
}
