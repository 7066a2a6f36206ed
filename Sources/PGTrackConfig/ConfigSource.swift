import FoundationEssentials
import PGTrackCore

/// Where the config comes from and how it was found.
public enum ConfigSource {
    /// Reads `explicit` if given (it must exist), else the default path if it exists,
    /// else the compiled-in defaults (equal to `config/pgtrack.toml`).
    public static func load(explicit: String?, defaultPath: String) throws(ConfigError) -> (Config, String?) {
        if let explicit { return (try ConfigLoader.load(path: explicit), explicit) }
        guard FileManager.default.fileExists(atPath: defaultPath) else { return (Config(), nil) }
        return (try ConfigLoader.load(path: defaultPath), defaultPath)
    }
}
