import CSystemd
import FoundationEssentials
import Glibc
import SystemPackage

/// The service manager's side of a daemon: readiness, status, socket activation.
public enum ServiceManager {
    /// Sends `state` (`READY=1`, `STATUS=...`, ...) to `$NOTIFY_SOCKET`.
    /// Returns false when not run by a service manager.
    @discardableResult
    public static func notify(_ state: String) -> Bool {
        sd_notify(0, state) > 0
    }

    /// `READY=1` with a status line.
    public static func ready(status: String) { notify("READY=1\nSTATUS=\(status)") }

    /// `RELOADING=1` with the monotonic time systemd 253+ asks for (older ones ignore it).
    public static func reloading() {
        notify("RELOADING=1\nMONOTONIC_USEC=\(Clock.monotonic.now.rawValue)")
    }

    public static func stopping() { notify("STOPPING=1") }

    public static func status(_ text: String) { notify("STATUS=\(text)") }

    /// The descriptors passed by socket activation, by `FileDescriptorName=`.
    /// They are marked close-on-exec; `LISTEN_*` is removed from the environment.
    public static func listenedSockets() -> [String: FileDescriptor] {
        passedSockets.compactMapValues(\.first)
    }

    /// Every socket passed, by name (several may share one, as `http` for an IPv4 and an
    /// IPv6 listener). Read once: `sd_listen_fds_with_names` unsets the variables it reads.
    public static func listenedSocketsAll() -> [String: [FileDescriptor]] { passedSockets }

    private static let passedSockets: [String: [FileDescriptor]] = {
        var names: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
        let n = sd_listen_fds_with_names(1, &names)
        guard n > 0 else { return [:] }
        var out: [String: [FileDescriptor]] = [:]
        for i in 0..<Int(n) {
            let fd = FileDescriptor(rawValue: SD_LISTEN_FDS_START + Int32(i))
            let name = names?[i].map { String(cString: $0) } ?? "unknown"
            out[name, default: []].append(fd)
            free(names?[i])
        }
        free(names)
        return out
    }()

    /// Whether `fd` is a listening Unix stream socket (what the .socket unit passes).
    public static func isListeningUnixSocket(_ fd: FileDescriptor) -> Bool {
        sd_is_socket_unix(fd.rawValue, SOCK_STREAM_VALUE, 1, nil, 0) > 0
    }

    /// Whether stderr is connected to the journal (`$JOURNAL_STREAM` names its device and inode).
    public static var stderrIsJournal: Bool {
        guard let stream = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] else { return false }
        let parts = stream.split(separator: ":")
        guard parts.count == 2, let dev = UInt64(parts[0]), let ino = UInt64(parts[1]) else { return false }
        var st = stat()
        guard fstat(2, &st) == 0 else { return false }
        return UInt64(st.st_dev) == dev && UInt64(st.st_ino) == ino
    }
}

/// `SOCK_STREAM` as an Int32 (Glibc imports it as an enum on Linux).
let SOCK_STREAM_VALUE = Int32(SOCK_STREAM.rawValue)
