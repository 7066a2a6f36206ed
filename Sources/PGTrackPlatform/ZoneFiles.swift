import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
import PGTrackCore
import Synchronization

/// The system's zone files: `Zone(identifier:)` reads `/usr/share/zoneinfo/NAME` (or
/// `$TZDIR`), `Zone.current` what `$TZ`, `/etc/localtime` or `/etc/timezone` name.
/// Each file is read once and kept.
extension Zone {
    /// Where the zone files are: `$TZDIR`, or `/usr/share/zoneinfo`.
    static var directory: String {
        if let d = getenv("TZDIR"), d.pointee != 0 { return String(cString: d) }
        return "/usr/share/zoneinfo"
    }

    /// The zone with IANA name `identifier`, or nil when there is no such zone file.
    public init?(identifier: String) {
        if let cached = Zone.cache.withLock({ $0[identifier] }) {
            self = cached
            return
        }
        guard Zone.isValidName(identifier), let bytes = Files.read(Zone.directory + "/" + identifier),
              let zone = try? Zone(identifier: identifier, tzif: bytes)
        else { return nil }
        self = zone
        Zone.cache.withLock { $0[identifier] = zone }
    }

    /// A name as the zone database spells them: no `..`, not absolute.
    static func isValidName(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count < 256, name.first != "/", !name.contains("..") else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "/_+-".unicodeScalars.contains($0)) }
    }

    private static let cache = Mutex<[String: Zone]>([:])
    private static let currentZone = Mutex<Zone?>(nil)

    /// The system's zone: `$TZ` when it names one, else the zone `/etc/localtime` links to,
    /// else `/etc/timezone`, else UTC. Read once; `resetCurrent()` reads it again.
    public static var current: Zone {
        if let z = currentZone.withLock({ $0 }) { return z }
        let z = readCurrent()
        currentZone.withLock { $0 = z }
        return z
    }

    /// Forgets the system zone, so that the next `current` reads it again (after
    /// `/etc/localtime` changed).
    public static func resetCurrent() {
        currentZone.withLock { $0 = nil }
        cache.withLock { $0.removeAll() }
    }

    private static func readCurrent() -> Zone {
        if let tz = getenv("TZ"), tz.pointee != 0 {
            var name = String(cString: tz)
            if name.hasPrefix(":") { name.removeFirst() }
            if let r = name.firstRange(of: "zoneinfo/") { name = String(name[r.upperBound...]) }
            if let z = Zone(identifier: name) { return z }
        }
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/etc/localtime", &buffer, buffer.count - 1)
        if n > 0 {
            let target = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let r = target.firstRange(of: "zoneinfo/"), let z = Zone(identifier: String(target[r.upperBound...])) { return z }
        }
        if let text = Files.read("/etc/timezone"),
           let z = Zone(identifier: String(decoding: text, as: UTF8.self).trimmingSpaces()) {
            return z
        }
        return .utc
    }
}
