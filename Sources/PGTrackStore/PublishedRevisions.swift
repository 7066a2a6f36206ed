import FoundationEssentials
import Glibc
import GRDB
import PGTrackCore

extension Ledger {
    /// Every slot's published revision, by slot id. A row that does not read as one (a
    /// NULL, a value of another type: the file was edited or damaged) is left out, so
    /// its slot starts a new sequence; the table is bookkeeping, never worth a failed start.
    public func publishedRevisions() throws(LedgerError) -> [String: SlotRevision] {
        do {
            return try queue.read { db in
                var out: [String: SlotRevision] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT slot, digest, sequence, modified FROM published") {
                    guard let slot = String.fromDatabaseValue(row[0] as DatabaseValue),
                          let digest = String.fromDatabaseValue(row[1] as DatabaseValue),
                          let sequence = Int.fromDatabaseValue(row[2] as DatabaseValue),
                          let modified = Double.fromDatabaseValue(row[3] as DatabaseValue), modified.isFinite
                    else { continue }
                    out[slot] = SlotRevision(digest: digest, sequence: sequence, modified: Date(timeIntervalSince1970: modified))
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
