import Foundation
import GRDB

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
    public static func revise(_ old: [String: SlotRevision], digests: [String: String], now: Date) -> [String: SlotRevision] {
        var changed: [String: SlotRevision] = [:]
        for (key, digest) in digests {
            if let previous = old[key] {
                if previous.digest != digest {
                    changed[key] = SlotRevision(digest: digest, sequence: previous.sequence + 1, modified: now)
                }
            } else {
                changed[key] = SlotRevision(digest: digest, sequence: 0, modified: now)
            }
        }
        return changed
    }
}

/// FNV-1a, 64 bits: a digest that is the same in every run (Swift's `Hasher` is not).
public func stableDigest(_ text: String) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01b3
    }
    let hex = String(hash, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
}

extension Ledger {
    /// Every slot's published revision, by slot id.
    public func publishedRevisions() throws(LedgerError) -> [String: SlotRevision] {
        do {
            return try queue.read { db in
                var out: [String: SlotRevision] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT slot, digest, sequence, modified FROM published") {
                    out[row["slot"]] = SlotRevision(digest: row["digest"], sequence: row["sequence"],
                                                    modified: Date(timeIntervalSince1970: row["modified"]))
                }
                return out
            }
        } catch {
            throw LedgerError(path: path, message: "cannot read published revisions (\(Ledger.describe(error)))")
        }
    }

    /// Stores changed revisions in one transaction.
    public func savePublished(_ revisions: [String: SlotRevision]) throws(LedgerError) {
        guard !revisions.isEmpty else { return }
        do {
            try queue.write { db in
                for (slot, r) in revisions {
                    try db.execute(sql: """
                        INSERT INTO published (slot, digest, sequence, modified) VALUES (?, ?, ?, ?)
                        ON CONFLICT(slot) DO UPDATE SET digest = excluded.digest, sequence = excluded.sequence,
                        modified = excluded.modified
                        """, arguments: [slot, r.digest, r.sequence, r.modified.timeIntervalSince1970])
                }
            }
        } catch {
            throw LedgerError(path: path, message: "cannot record published revisions (\(Ledger.describe(error)))")
        }
    }
}
