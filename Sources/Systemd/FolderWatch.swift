import Glibc

/// The files of one folder, watched with inotify on the loop: written (close-write),
/// renamed in or out, deleted. So a write in place, an editor's save by writing a new
/// file and renaming it over the old one (vim, VS Code), and a sync tool's replace are
/// all seen, where a watch on the file itself would be lost at the first rename. No
/// polling: an idle watch costs no wake-up.
///
/// `changed` gets the name of each file that changed; `gone` runs once if the folder
/// itself goes away (the watch is over then; make a new one when it is back).
public final class FolderWatch {
    public let folder: String
    private var source: EventSource?

    public init(loop: EventLoop, folder: String, description: String,
                changed: @escaping (_ name: String) -> Void, gone: @escaping () -> Void = {}) throws(SystemError) {
        self.folder = folder
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
        source = try loop.addInotify(path: folder, mask: mask, description: description) { [weak self] mask, name in
            if mask & UInt32(IN_IGNORED) != 0 {
                self?.source = nil
                gone()
                return
            }
            changed(name)
        }
    }

    /// Whether the folder is still watched (false once it went away).
    public var isWatching: Bool { source != nil }
}
