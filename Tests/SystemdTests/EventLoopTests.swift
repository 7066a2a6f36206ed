import Foundation
import Glibc
import SystemPackage
import Testing
@testable import Systemd
import PGTrackTestSupport

@Suite struct TimeUnitTests {
    @Test(arguments: [(1.5, 1_500_000 as UInt64), (0.001, 1_000), (0, 0), (-3, 0)])
    func secondsToMicroseconds(seconds: Double, usec: UInt64) {
        #expect(Microseconds.seconds(seconds).rawValue == usec)
    }

    @Test func millisecondsAndBack() {
        #expect(Microseconds.milliseconds(250).rawValue == 250_000)
        #expect(Microseconds(rawValue: 1_234_567).milliseconds == 1_234)
        #expect(Microseconds(rawValue: 2_500_000).seconds == 2.5)
    }

    @Test func datesAreRealtimeMicroseconds() {
        let d = Date(timeIntervalSince1970: 1_800_000_000.123456)
        let us = Microseconds(d)
        #expect(us.rawValue == 1_800_000_000_123_456)
        #expect(abs(us.date.timeIntervalSince1970 - d.timeIntervalSince1970) < 1e-6)
    }

    @Test func infinitySaturates() {
        #expect(Microseconds.infinity.rawValue == UInt64.max)
        #expect((Microseconds.infinity + .seconds(1)) == .infinity)
    }

    /// Each clock reads the kernel clock it names: realtime is the wall clock (decades
    /// past the epoch), monotonic is the time since boot without suspend, and boottime
    /// is never behind it.
    @Test func clocksReadTheirKernelClocks() {
        func kernel(_ id: clockid_t) -> Double {
            var ts = timespec()
            clock_gettime(id, &ts)
            return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
        }
        #expect(abs(Clock.realtime.now.seconds - Date().timeIntervalSince1970) < 1)
        #expect(abs(Clock.monotonic.now.seconds - kernel(CLOCK_MONOTONIC)) < 1)
        #expect(Clock.boottime.now.seconds >= kernel(CLOCK_MONOTONIC) - 0.01)
        #expect(Clock.monotonic.now.seconds < Clock.realtime.now.seconds / 2)
    }

    @Test func errnoMapping() throws {
        #expect(throws: SystemError("sd_fake", Errno(rawValue: ENOENT))) { try check(-ENOENT, "sd_fake") }
        #expect(try check(3, "sd_fake") == 3)
        #expect(Errno.noSuchFileOrDirectory.description == "No such file or directory")
        errno = EBADF
        #expect(throws: SystemError("close", .init(rawValue: EBADF))) { try checkLibc(-1, "close") }
        #expect(SystemError("sd_bus_open_user", .connectionRefused).description == "sd_bus_open_user: Connection refused")
    }
}

@Suite(.serialized) struct EventLoopTests {
    @Test func realtimeTimerFiresAtItsTime() throws {
        let loop = try EventLoop()
        var firedAt: Microseconds?
        let due = Clock.realtime.now + .milliseconds(50)
        let timer = try loop.addTimer(.realtime, at: due, description: "test") { _ in
            firedAt = Clock.realtime.now
            loop.exit()
        }
        #expect(timer.sourceDescription == "test")
        try loop.runBounded()
        let fired = try #require(firedAt)
        #expect(fired >= due)
        _ = timer
    }

    @Test func disarmedTimerDoesNotFireAndCanBeArmed() throws {
        let loop = try EventLoop()
        var count = 0
        let timer = try loop.addTimer(.realtime, at: .infinity, description: "later") { _ in count += 1 }
        #expect(!timer.isEnabled)
        try loop.runOnce(timeout: .milliseconds(20))
        #expect(count == 0)
        try timer.arm(at: Clock.realtime.now + .milliseconds(10))
        #expect(timer.isEnabled)
        for _ in 0..<10 where count == 0 { try loop.runOnce(timeout: .milliseconds(50)) }
        #expect(count == 1)
        #expect(!timer.isEnabled, "one shot per arming")
    }

    @Test func ioSourceSeesReadableData() throws {
        let loop = try EventLoop()
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var got = ""
        let source = try loop.addIO(fd: FileDescriptor(rawValue: fds[0]), description: "pipe") { _ in
            var buf = [UInt8](repeating: 0, count: 16)
            let n = read(fds[0], &buf, 16)
            got = String(decoding: buf[0..<max(0, n)], as: UTF8.self)
            loop.exit()
        }
        _ = write(fds[1], "hi", 2)
        try loop.runBounded()
        #expect(got == "hi")
        _ = source
    }

    @Test func droppingASourceStopsIt() throws {
        let loop = try EventLoop()
        var dropped = 0, kept = 0
        var timer: TimerSource? = try loop.addTimer(.monotonic, at: Clock.monotonic.now, description: "drop") { _ in dropped += 1 }
        let control = try loop.addTimer(.monotonic, at: Clock.monotonic.now, description: "keep") { _ in kept += 1 }
        _ = timer
        timer = nil
        try loop.runOnce(timeout: .milliseconds(100))
        // Both were due: the kept one ran, so the loop dispatched, and the dropped one did not.
        #expect(kept == 1)
        #expect(dropped == 0)
        _ = control
    }

    @Test func deferRunsOnce() throws {
        let loop = try EventLoop()
        var count = 0
        let d = try loop.addDefer(description: "once") { count += 1 }
        try loop.runOnce(timeout: .milliseconds(10))
        try loop.runOnce(timeout: .milliseconds(10))
        #expect(count == 1)
        _ = d
    }

    @Test func inotifySeesAFileWrite() throws {
        let dir = TemporaryFolder.make("inotify")
        let loop = try EventLoop()
        var names: [String] = []
        let watch = try loop.addInotify(path: dir, mask: UInt32(IN_CLOSE_WRITE), description: "dir") { _, name in
            names.append(name)
            loop.exit()
        }
        _ = FileManager.default.createFile(atPath: dir + "/localtime", contents: Data("x".utf8))
        try loop.runBounded()
        #expect(names == ["localtime"])
        _ = watch
    }

    @Test func signalHandlerRuns() throws {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGUSR1)
        pthread_sigmask(SIG_BLOCK, &set, nil)
        defer { pthread_sigmask(SIG_UNBLOCK, &set, nil) }
        let loop = try EventLoop()
        var got: Int32 = 0
        let s = try loop.addSignal(SIGUSR1, description: "usr1") { sig in got = sig; loop.exit() }
        // Directed at this thread: other test threads do not block SIGUSR1.
        pthread_kill(pthread_self(), SIGUSR1)
        try loop.runBounded()
        #expect(got == SIGUSR1)
        _ = s
    }

    @Test func notifyWithoutAServiceManagerIsANoOp() {
        unsetenv("NOTIFY_SOCKET")
        #expect(ServiceManager.notify("READY=1") == false)
        #expect(ServiceManager.listenedSockets().isEmpty)
    }

    @Test func journalFieldNames() {
        #expect(JournalLogHandler.fieldName("slot", prefix: "PGTRACK_") == "PGTRACK_SLOT")
        #expect(JournalLogHandler.fieldName("task-id", prefix: "PGTRACK_") == "PGTRACK_TASK_ID")
        #expect(JournalLogHandler.priority(.error) == 3)
        #expect(JournalLogHandler.priority(.info) == 6)
    }
}

extension EventLoop {
    /// Runs until a handler exits the loop, or fails the test after `seconds`: a broken
    /// timer or source fails instead of hanging the suite.
    func runBounded(seconds: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) throws {
        var timedOut = false
        let bound = try addTimer(.monotonic, at: Clock.monotonic.now + .seconds(seconds), description: "test-bound") { [unowned self] _ in
            timedOut = true
            self.exit(code: 1)
        }
        _ = try run()
        withExtendedLifetime(bound) {}
        if timedOut { Issue.record("the loop ran \(seconds) s without its handler exiting it", sourceLocation: sourceLocation) }
    }
}
