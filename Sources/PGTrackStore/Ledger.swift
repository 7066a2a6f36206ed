import FoundationEssentials
import Glibc
import PGTrackCore
import PGTrackPlatform
import GRDB
import SystemPackage

/// The state database could not be used. It is never replaced or recreated silently.
public struct LedgerError: Error, CustomStringConvertible {
    public var path: String
    public var message: String

    public var description: String { "\(path): \(message)" }
}

/// The append-only ledger of changes, in SQLite.
///
/// Each `append` is one committed transaction (WAL, `synchronous=FULL`) before it
/// returns, so a caller that reports success to the user only after `append` returned
/// never loses an acknowledged change, even to `kill -9` or a power cut.
public final class Ledger {
    public let path: String
    let queue: DatabaseQueue

    /// Opens (or creates) the ledger at `path`, creating its folder with mode 0700.
    ///
    /// Skip and pause reasons are the user's own words: the folder is kept 0700 and the
    /// database, its `-wal` and `-shm` 0600, whatever the umask, and an existing folder or
    /// file that others could read is tightened (SQLite gives its journal files the
    /// database's mode, so a 0600 database keeps them 0600 too).
    ///
    /// A file that is not a pgtrack database is reported, not replaced.
    public init(path: String) throws(LedgerError) {
        self.path = path
        let folder = FilePath(path).removingLastComponent().string
        do {
            try Files.makeFolders(folder, mode: 0o700)
        } catch {
            throw LedgerError(path: path, message: "cannot create the folder \(folder) (\(error.message))")
        }
        try Ledger.keepPrivate(folder: folder, database: path)
        var config = Configuration()
        config.label = "pgtrack.ledger"
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: path, configuration: config)
            try Ledger.migrator.migrate(queue)
        } catch {
            throw LedgerError(path: path, message: "cannot open the state database (\(Ledger.describe(error))); "
                + "it was left untouched: move it away to start afresh")
        }
    }

    /// Tightens the folder to 0700 and the database files to 0600, creating the database
    /// 0600 if it is missing. Only what the user owns is touched, and links are not followed.
    static func keepPrivate(folder: String, database: String) throws(LedgerError) {
        var st = stat()
        if lstat(folder, &st) == 0, st.st_mode & S_IFMT == S_IFDIR, st.st_uid == geteuid(), st.st_mode & 0o077 != 0 {
            guard chmod(folder, 0o700) == 0 else {
                throw LedgerError(path: database, message: "cannot make the folder \(folder) private (\(String(cString: strerror(errno))))")
            }
        }
        let fd = open(database, O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0o600)
        if fd >= 0 { close(fd) }
        for file in [database, database + "-wal", database + "-shm"] {
            guard lstat(file, &st) == 0, st.st_mode & S_IFMT == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o077 != 0 else { continue }
            guard chmod(file, 0o600) == 0 else {
                throw LedgerError(path: database, message: "cannot make \(file) private (\(String(cString: strerror(errno))))")
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? e.resultCode.description }
        return "\(error)"
    }

    /// Schema changes. A migration is never edited once shipped; add a new one.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-events") { db in
            try db.create(table: "event") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("time", .double).notNull()
                t.column("kind", .text).notNull()
                t.column("slot", .text)
                t.column("task", .text)
                t.column("at", .double)
                t.column("text", .text)
                t.column("target", .integer)
            }
        }
        m.registerMigration("v2-published") { db in
            try db.create(table: "published") { t in
                t.primaryKey("slot", .text)
                t.column("digest", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("modified", .double).notNull()
            }
        }
        m.registerMigration("v3-origin") { db in
            try db.alter(table: "event") { t in t.add(column: "origin", .text) }
        }
        m.registerMigration("v4-pause") { db in
            try db.alter(table: "event") { t in
                t.add(column: "from_date", .text)
                t.add(column: "to_date", .text)
            }
        }
        // Study notes need no column: a `note` event's and a `done` event's `text` holds them.
        m.registerMigration("v5-minutes") { db in
            try db.alter(table: "event") { t in t.add(column: "minutes", .integer) }
        }
        // The plan's task list as last seen (one row, replaced): what a start compares
        // the plan file with, to follow dones whose tasks moved while pgtrackd was stopped.
        m.registerMigration("v6-task-list") { db in
            try db.create(table: "task_list") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("list", .text).notNull()
            }
        }
        return m
    }

    /// Appends `event` in its own committed transaction and returns it with its id.
    @discardableResult
    public func append(_ event: LedgerEvent) throws(LedgerError) -> LedgerEvent {
        do {
            return try queue.write { db in
                var record = event
                try record.insert(db)
                record.id = db.lastInsertedRowID
                return record
            }
        } catch {
            throw LedgerError(path: path, message: "cannot record the change (\(Ledger.describe(error)))")
        }
    }

    /// Appends `events` and, with `taskList`, replaces the recorded task list, in one
    /// committed transaction (all or none); returns the events with their ids.
    @discardableResult
    public func append(_ events: [LedgerEvent], taskList: String?) throws(LedgerError) -> [LedgerEvent] {
        do {
            return try queue.write { db in
                let stored = try events.map { event in
                    var record = event
                    try record.insert(db)
                    record.id = db.lastInsertedRowID
                    return record
                }
                if let taskList {
                    try db.execute(sql: "INSERT OR REPLACE INTO task_list (id, list) VALUES (1, ?)", arguments: [taskList])
                }
                return stored
            }
        } catch {
            throw LedgerError(path: path, message: "cannot record the change (\(Ledger.describe(error)))")
        }
    }

    /// The task list last recorded, if any.
    public func taskList() throws(LedgerError) -> String? {
        do {
            return try queue.read { db in try String.fetchOne(db, sql: "SELECT list FROM task_list WHERE id = 1") }
        } catch {
            throw LedgerError(path: path, message: "cannot read the ledger (\(Ledger.describe(error)))")
        }
    }

    /// Every event, oldest first.
    public func events() throws(LedgerError) -> [LedgerEvent] {
        do {
            return try queue.read { db in try LedgerEvent.order(Column("id")).fetchAll(db) }
        } catch {
            throw LedgerError(path: path, message: "cannot read the ledger (\(Ledger.describe(error)))")
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database.
    public func integrityCheck() throws(LedgerError) -> String {
        do {
            return try queue.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
        } catch {
            throw LedgerError(path: path, message: "integrity check failed (\(Ledger.describe(error)))")
        }
    }
}

// MARK: - Database

extension LedgerEvent: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "event"

    public init(row: Row) throws {
        let kindName: String = row["kind"]
        guard let kind = Kind(rawValue: kindName) else {
            throw DatabaseError(resultCode: .SQLITE_MISMATCH, message: "unknown event kind '\(kindName)' in row \(row["id"] as Int64? ?? 0)")
        }
        self.init(
            id: row["id"],
            time: Date(timeIntervalSince1970: row["time"]),
            kind: kind,
            slot: (row["slot"] as String?).flatMap(SlotID.init),
            task: (row["task"] as String?).flatMap(TaskID.init),
            at: (row["at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            text: row["text"],
            target: row["target"],
            origin: row["origin"],
            from: (row["from_date"] as String?).flatMap(LocalDate.init),
            to: (row["to_date"] as String?).flatMap(LocalDate.init),
            minutes: Int.fromDatabaseValue(row["minutes"] as DatabaseValue)
        )
    }

    public func encode(to container: inout PersistenceContainer) {
        container["id"] = id
        container["time"] = time.timeIntervalSince1970
        container["kind"] = kind.rawValue
        container["slot"] = slot?.description
        container["task"] = task?.description
        container["at"] = at?.timeIntervalSince1970
        container["text"] = text
        container["target"] = target
        container["origin"] = origin
        container["from_date"] = from?.description
        container["to_date"] = to?.description
        container["minutes"] = minutes
    }
}
