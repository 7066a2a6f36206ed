import PGTrackCore
import Systemd

/// glibc's `malloc_trim`, which the Glibc module does not export: returns the free
/// memory at the top of the heap and in whole free pages inside it to the kernel.
@_silgen_name("malloc_trim")
func mallocTrim(_ pad: Int) -> Int32

/// A second after the last activity (a call, an outcome), gives the heap that work freed
/// back to the kernel: 0.6 MB after start-up (bench/RESULTS.md). It runs before any idle
/// window: between deadlines the daemon makes no system call.
final class HeapTrim: Output {
    private var timer: TimerSource?
    private var lastActivity = Microseconds(rawValue: 0), armed = false

    init(loop: EventLoop) throws {
        timer = try loop.addTimer(.monotonic, at: .infinity, accuracy: .milliseconds(250), description: "trim") { [unowned self] _ in
            self.trimIfQuiet()
        }
    }

    func follow(_ outcome: Outcome) { noteActivity() }

    /// Something ran: a trim waits until a second has passed without. Costs a clock read
    /// (vDSO, no system call); the timer is armed only when none is.
    func noteActivity() {
        lastActivity = Clock.monotonic.now
        if !armed { armed = (try? timer?.arm(at: lastActivity + .seconds(1))) != nil }
    }

    private func trimIfQuiet() {
        let quietFrom = lastActivity + .seconds(1)
        if Clock.monotonic.now < quietFrom {
            armed = (try? timer?.arm(at: quietFrom)) != nil
            return
        }
        armed = false
        _ = mallocTrim(0)
    }
}
