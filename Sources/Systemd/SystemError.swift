import CSystemd
import Glibc
import SystemPackage

/// A failed call into libsystemd or libc: which call, and the errno it gave (swift-system's
/// `Errno`, the one errno type of the code base).
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
    if result < 0 { throw SystemError(call(), Errno(rawValue: Glibc.errno)) }
    return result
}
