/// Where pgtrack keeps its files, following the XDG Base Directory specification.
///
/// Built from an environment dictionary so that tests can pass their own.
public struct Paths: Sendable, Equatable {
    public var configFile: String
    public var stateDatabase: String
    /// The feed; nil when `calendar.file = "none"`.
    public var calendarFile: String?
    public var controlSocket: String
    /// Set when `XDG_RUNTIME_DIR` is missing and the socket went under /tmp instead;
    /// the daemon logs it as a warning, as the XDG spec asks.
    public var runtimeWarning: String?

    public init(environment env: [String: String], uid: UInt32, config: Config? = nil) {
        func dir(_ name: String, _ fallback: String) -> String {
            // The spec says relative values are invalid and must be ignored.
            if let v = env[name], v.hasPrefix("/") { return v }
            return fallback
        }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? "/"
        let configHome = dir("XDG_CONFIG_HOME", home + "/.config")
        let dataHome = dir("XDG_DATA_HOME", home + "/.local/share")
        let stateHome = dir("XDG_STATE_HOME", home + "/.local/state")
        let runtime: String
        if let r = env["XDG_RUNTIME_DIR"], r.hasPrefix("/") {
            runtime = r + "/pgtrack"
            runtimeWarning = nil
        } else {
            runtime = "/tmp/pgtrack-\(uid)"
            runtimeWarning = "XDG_RUNTIME_DIR is not set; using \(runtime) for the control socket"
        }
        configFile = configHome + "/pgtrack/pgtrack.toml"
        stateDatabase = stateHome + "/pgtrack/pgtrack.sqlite"
        switch config?.calendar.file ?? "" {
        case "": calendarFile = dataHome + "/pgtrack/pgtrack.ics"
        case Config.CalendarSettings.noFeed: calendarFile = nil
        case let file: calendarFile = file
        }
        if let socket = config.flatMap({ $0.control.socket.isEmpty ? nil : $0.control.socket }) {
            controlSocket = socket
            runtimeWarning = nil
        } else {
            controlSocket = runtime + "/control.sock"
        }
    }
}
