/// A config file that cannot be used: names the file, the line and the key.
public struct ConfigError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line; 0 when unknown (the file as a whole).
    public var line: Int
    /// Dotted key (`schedule.time`), or empty for a syntax error.
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }

    /// EX_CONFIG from sysexits.h: the exit status for a bad configuration.
    public static let exitStatus: Int32 = 78
}
