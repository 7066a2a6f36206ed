import FoundationEssentials
import Glibc
import PGTrackAPI
import PGTrackViews
import SystemPackage
import Varlink

extension Style {
    /// Colour only on a terminal, never with NO_COLOR or TERM=dumb.
    static let current = Style(enabled: isatty(1) == 1 && environment("NO_COLOR") == nil && environment("TERM") != "dumb")
}

/// One JSON document on stdout (`--json`).
func printJSON(_ value: JSON) {
    print(value.pretty())
}

/// Writes `text` to a standard stream at once (not through stdout's buffer, which
/// `print` uses: callers flush it first), so a pipe sees each line as it is written.
func writeOut(_ text: String, to fd: Int32 = 1) {
    fflush(nil)
    _ = try? FileDescriptor(rawValue: fd).writeAll(text.utf8)
}

/// One environment variable (ProcessInfo's dictionary copies them all, at a cost a
/// command that runs for two milliseconds notices).
func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
