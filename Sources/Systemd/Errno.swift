import CSystemd
import Glibc

/// A POSIX error number (`errno`), as the `sd_*` functions return it negated.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// `ENOENT`
    public static let noSuchFile = Errno(rawValue: ENOENT)
    /// `EBUSY`
    public static let busy = Errno(rawValue: EBUSY)
    /// `EAGAIN`
    public static let wouldBlock = Errno(rawValue: EAGAIN)
    /// `EINTR`
    public static let interrupted = Errno(rawValue: EINTR)
    /// `ECANCELED`
    public static let canceled = Errno(rawValue: ECANCELED)
    /// `ECONNREFUSED`
    public static let connectionRefused = Errno(rawValue: ECONNREFUSED)
    /// `EADDRINUSE`
    public static let addressInUse = Errno(rawValue: EADDRINUSE)

    /// The current thread's `errno`.
    public static var current: Errno { Errno(rawValue: errno) }

    public var description: String { String(cString: strerror(rawValue)) }
}

/// A failed call into libsystemd or libc: which call, and the errno it gave.
public struct SystemError: Error, Equatable, CustomStringConvertible {
    public var call: String
    public var errno: Errno

    public init(_ call: String, _ errno: Errno) {
        self.call = call
        self.errno = errno
    }

    public var description: String { "\(call): \(errno)" }
}

/// Turns an `sd_*` return code (negative errno on failure) into a thrown error.
@discardableResult
@inline(__always)
func check(_ result: Int32, _ call: @autoclosure () -> String) throws(SystemError) -> Int32 {
    if result < 0 { throw SystemError(call(), Errno(rawValue: -result)) }
    return result
}

/// Turns a libc return code (-1 and `errno` on failure) into a thrown error.
@discardableResult
@inline(__always)
func checkLibc(_ result: Int32, _ call: @autoclosure () -> String) throws(SystemError) -> Int32 {
    if result < 0 { throw SystemError(call(), .current) }
    return result
}
