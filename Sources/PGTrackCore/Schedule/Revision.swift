import FoundationEssentials

/// How a slot was last published in the calendar files: its content's digest, its
/// SEQUENCE, and when that content last changed (DTSTAMP and LAST-MODIFIED).
///
/// This is a record of what was published, not truth about the plan: losing it only
/// restarts the sequence numbers.
public struct SlotRevision: Sendable, Equatable {
    public var digest: String
    public var sequence: Int
    public var modified: Date

    public init(digest: String, sequence: Int, modified: Date) {
        self.digest = digest
        self.sequence = sequence
        self.modified = modified
    }

    /// The revisions after publishing `digests` at `now`: unchanged slots keep theirs,
    /// changed ones get the next sequence number, new ones start at 0.
    ///
    /// LAST-MODIFIED has whole seconds, and some clients (ICSx5) update an event only when
    /// it rose: a change in the same second as the last one gets the next second.
    public static func revise(_ old: [String: SlotRevision], digests: [String: String], now: Date) -> [String: SlotRevision] {
        var changed: [String: SlotRevision] = [:]
        let second = now.timeIntervalSince1970.rounded(.down)
        for (key, digest) in digests {
            if let previous = old[key] {
                if previous.digest != digest {
                    let after = previous.modified.timeIntervalSince1970.rounded(.down) + 1
                    changed[key] = SlotRevision(digest: digest, sequence: previous.sequence + 1,
                                                modified: Date(timeIntervalSince1970: max(second, after)))
                }
            } else {
                changed[key] = SlotRevision(digest: digest, sequence: 0, modified: now)
            }
        }
        return changed
    }
}

/// FNV-1a, 64 bits: a digest that is the same in every run (Swift's `Hasher` is not).
public func stableDigest(_ text: String) -> String { stableDigest(text.utf8) }

/// The same digest of bytes.
public func stableDigest<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}
