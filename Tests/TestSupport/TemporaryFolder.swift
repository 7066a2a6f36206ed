import Foundation

/// Folders for unit tests, all under one folder of this test process
/// (`$TMPDIR/pgtrack-unit-PID`), which is removed when the process exits: a run leaves
/// nothing behind in /tmp, where it used to leave dozens of `pgtrack-*` folders.
public enum TemporaryFolder {
    /// The process's folder, made on first use; its removal is registered then.
    public static let root: String = {
        let root = NSTemporaryDirectory() + "pgtrack-unit-\(getpid())"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: TemporaryFolder.root) }
        return root
    }()

    /// A new empty folder `<root>/<prefix>-<uuid>`.
    public static func make(_ prefix: String = "pgtrack") -> String {
        let dir = root + "/" + prefix + "-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }
}
