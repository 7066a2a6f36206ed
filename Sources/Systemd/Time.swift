import CSystemd
import FoundationEssentials
import Glibc

/// A point or span on one of the kernel's clocks, in microseconds (sd-event's unit).
public struct Microseconds: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `USEC_INFINITY`: never.
    public static let infinity = Microseconds(rawValue: UInt64.max)

    /// `s` seconds; negative and NaN give 0, anything past the 64-bit range `.infinity`.
    public static func seconds(_ s: Double) -> Microseconds { Microseconds(clamping: s * 1_000_000) }
    public static func milliseconds(_ ms: UInt64) -> Microseconds { Microseconds(rawValue: ms * 1_000) }

    /// The CLOCK_REALTIME reading of `date`.
    public init(_ date: Date) { self.init(clamping: (date.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// A count of microseconds as a double, clamped into range: sd-event must never be
    /// handed a wrapped time, and a conversion must never trap on a value from a file.
    init(clamping us: Double) {
        if !(us > 0) { rawValue = 0 } else if us >= 18_446_744_073_709_551_615.0 { rawValue = UInt64.max } else { rawValue = UInt64(us) }
    }

    /// The wall-clock time of a CLOCK_REALTIME reading.
    public var date: Date { Date(timeIntervalSince1970: Double(rawValue) / 1_000_000) }
    public var seconds: Double { Double(rawValue) / 1_000_000 }
    public var milliseconds: UInt64 { rawValue / 1_000 }

    public var description: String { self == .infinity ? "infinity" : "\(rawValue)µs" }

    public static func < (a: Microseconds, b: Microseconds) -> Bool { a.rawValue < b.rawValue }
    public static func + (a: Microseconds, b: Microseconds) -> Microseconds {
        let (sum, overflow) = a.rawValue.addingReportingOverflow(b.rawValue)
        return overflow ? .infinity : Microseconds(rawValue: sum)
    }
}

/// A kernel clock sd-event can wait on.
public enum Clock: Sendable, CaseIterable {
    /// `CLOCK_REALTIME`: the wall clock; an absolute timer fires when the wall clock
    /// reaches it, after a suspend or a clock change too.
    case realtime
    /// `CLOCK_MONOTONIC`: stops during suspend.
    case monotonic
    /// `CLOCK_BOOTTIME`: monotonic, counting suspend.
    case boottime

    public var id: clockid_t {
        switch self {
        case .realtime: return CLOCK_REALTIME
        case .monotonic: return CLOCK_MONOTONIC
        case .boottime: return CLOCK_BOOTTIME
        }
    }

    /// The clock's current reading.
    public var now: Microseconds {
        var ts = timespec()
        clock_gettime(id, &ts)
        return Microseconds(rawValue: UInt64(ts.tv_sec) * 1_000_000 + UInt64(ts.tv_nsec) / 1_000)
    }
}
