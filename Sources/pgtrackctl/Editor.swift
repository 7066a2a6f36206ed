import FoundationEssentials
import Glibc
import PGTrackCore
import PGTrackPlatform

/// The user's editor on a temporary file, as `git commit` opens it.
enum Editor {
    /// `$VISUAL`, else `$EDITOR`, else `vi`; run by `/bin/sh` so that `EDITOR="code --wait"` works.
    static var command: String {
        for name in ["VISUAL", "EDITOR"] { if let e = environment(name), !e.trimmingSpaces().isEmpty { return e } }
        return "vi"
    }

    /// Lets the user edit `text` in a private temporary file named after `name`; returns
    /// the file's text after the editor exited with status 0. The file is removed in
    /// every case. While the editor runs, Ctrl-C and Ctrl-\ are the editor's, not ours
    /// (as git does), so the file is never left behind by an interrupt.
    static func edit(_ text: String, name: String) throws -> String {
        let folder = environment("TMPDIR").flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        var template = Array("\(folder)/pgtrack-\(name)-XXXXXX.txt".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemps($0.baseAddress!, 4) } // 0600
        guard fd >= 0 else { throw Daemon.fail("cannot make a temporary file in \(folder): \(String(cString: strerror(errno)))", status: 1) }
        let path = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        defer { unlink(path) }
        let bytes = Array((text.isEmpty ? "" : text + "\n").utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        guard written == bytes.count else { throw Daemon.fail("cannot write \(path)", status: 1) }

        let editor = command
        let status = try run(["/bin/sh", "-c", "\(editor) \"$@\"", editor, path])
        guard status == 0 else {
            let how = status > 0 ? "exited with status \(status)" : "was killed by signal \(-status)"
            throw Daemon.fail("the editor (\(editor)) \(how); nothing changed", status: 1)
        }
        do {
            return String(decoding: try Files.readRegular(path, limit: 1 << 20), as: UTF8.self)
        } catch {
            throw Daemon.fail("cannot read the edited note: \(error)", status: 1)
        }
    }

    /// Runs `argv` with our terminal and waits; its exit status, or minus the signal that ended it.
    private static func run(_ argv: [String]) throws -> Int32 {
        var attr = posix_spawnattr_t()
        posix_spawnattr_init(&attr)
        defer { posix_spawnattr_destroy(&attr) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        sigaddset(&defaults, SIGINT)
        sigaddset(&defaults, SIGQUIT)
        posix_spawnattr_setsigdefault(&attr, &defaults)
        posix_spawnattr_setflags(&attr, Int16(POSIX_SPAWN_SETSIGDEF))
        let oldInt = signal(SIGINT, SIG_IGN), oldQuit = signal(SIGQUIT, SIG_IGN)
        defer {
            signal(SIGINT, oldInt)
            signal(SIGQUIT, oldQuit)
        }
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid = pid_t()
        let r = posix_spawn(&pid, argv[0], nil, &attr, &cArgs, environ)
        guard r == 0 else { throw Daemon.fail("cannot start the editor: \(String(cString: strerror(r)))", status: 1) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw Daemon.fail("lost the editor: \(String(cString: strerror(errno)))", status: 1) }
        }
        let signalled = status & 0x7f
        return signalled == 0 ? (status >> 8) & 0xff : -signalled
    }
}
