import PGTrackCore
/// Where pgtrack keeps its files, following the XDG Base Directory specification.
///
/// Built from an environment dictionary so that tests can pass their own.
public struct Paths: Sendable, Equatable {
    public var configFile: String
    public var stateDatabase: String
    /// The feed; nil when `calendar.file = "none"`.
    public var calendarFile: String?
    public var controlSocket: String
    /// The HTTP feed's secret token.
    public var httpToken: String
    /// The plan instance (`--plan NAME`); nil for the default one.
    public var plan: String?
    /// Set when `XDG_RUNTIME_DIR` is missing and the socket went under /tmp instead;
    /// the daemon logs it as a warning, as the XDG spec asks.
    public var runtimeWarning: String?

    /// `plan` names an instance (`pgtrackd --plan NAME`): its files are `NAME.toml`,
    /// `NAME.sqlite`, `NAME.ics` and `NAME.sock` where the default one's are
    /// `pgtrack.toml`, `pgtrack.sqlite`, `pgtrack.ics` and `control.sock`.
    public init(environment env: [String: String], uid: UInt32, config: Config? = nil, plan: String? = nil) {
        self.plan = plan
        let base = plan ?? "pgtrack"
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
        configFile = configHome + "/pgtrack/\(base).toml"
        stateDatabase = stateHome + "/pgtrack/\(base).sqlite"
        httpToken = stateHome + "/pgtrack/" + (plan.map { "\($0).http-token" } ?? "http-token")
        switch config?.calendar.file ?? "" {
        case "": calendarFile = dataHome + "/pgtrack/\(base).ics"
        case Config.CalendarSettings.noFeed: calendarFile = nil
        case let file: calendarFile = file
        }
        if let socket = config.flatMap({ $0.control.socket.isEmpty ? nil : $0.control.socket }) {
            controlSocket = socket
            runtimeWarning = nil
        } else {
            controlSocket = runtime + "/" + (plan.map { "\($0).sock" } ?? "control.sock")
        }
    }

    /// Why `name` cannot name a plan instance, or nil if it can: 1 to 32 of a-z, 0-9 and
    /// `-`, starting with a letter or digit (`-a` and `--` read as options, and `--.sqlite`
    /// is no file name to make), and not the default instance's own file names.
    public static func planNameProblem(_ name: String) -> String? {
        func alphanumeric(_ c: UInt8) -> Bool { (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(c) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(c) }
        guard (1...32).contains(name.utf8.count), name.utf8.allSatisfy({ alphanumeric($0) || $0 == UInt8(ascii: "-") }),
              let first = name.utf8.first, alphanumeric(first)
        else { return "a plan name is 1 to 32 of a-z, 0-9 and '-', starting with a letter or digit, found '\(name.prefix(40))'" }
        guard name != "pgtrack", name != "control" else { return "'\(name)' names the default plan's files; run without --plan for it" }
        return nil
    }
}
