import Foundation
import PGTrackCalendar
import PGTrackCore
import Systemd

/// Edits of the plan's events that arrive in the vdir from elsewhere (a sync pulled them
/// from the server): read with libical and turned into changes through `apply`, as the
/// CLI's are, with origin `calendar`.
extension Manager {
    /// Watches the vdir, once it exists, for files written, renamed in and deleted:
    /// vdirsyncer writes a pulled event as a new file renamed over the old one. Called
    /// after each publish; it does nothing while the watch stands.
    func watchVdir() {
        let vdir = config.calendar.vdir
        if vdir == watchedVdir, vdirWatch != nil { return }
        vdirWatch = nil
        watchedVdir = vdir
        guard !vdir.isEmpty else { return }
        let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_ONLYDIR)
        do {
            vdirWatch = try loop.addInotify(path: vdir, mask: mask, description: "vdir") { [unowned self] mask, name in
                if mask & UInt32(IN_IGNORED) != 0 {
                    // The folder went away; the next publish makes it and watches again.
                    self.vdirWatch = nil
                    return
                }
                self.vdirChanged(name, gone: mask & UInt32(IN_DELETE | IN_MOVED_FROM) != 0)
            }
        } catch {
            log.warning("cannot watch the vdir \(vdir) for edits from the calendar: \(error)")
        }
    }

    private func vdirChanged(_ name: String, gone: Bool) {
        guard name.hasSuffix("@pgtrack.ics"), let expected = publisher.writer.written(name) else { return }
        let path = config.calendar.vdir + "/" + name
        let now = Date()
        let schedule = tracker.schedule(now: now)
        guard let id = CalendarExport.slot(ofUID: String(name.dropLast(4)), start: tracker.startDate),
              let slot = schedule.slot(id) else { return }
        let edit: CalendarEdit
        if gone {
            guard Files.kind(of: path) == nil else { return } // already back (a rename over it)
            edit = CalendarEdit.deleted(slot: slot, policy: config.sync.deleted)
            log.info("calendar: \(name) was deleted", metadata: ["slot": "\(id)"])
        } else {
            guard let bytes = Files.read(path, limit: 1 << 20), Data(bytes) != expected else { return }
            do {
                let event = try VdirEvent.read(String(decoding: bytes, as: UTF8.self), zone: config.timeZone)
                guard event.uid + ".ics" == name else {
                    log.warning("calendar: \(name) holds the event \(event.uid.prefix(60)); writing the plan's back")
                    return writeBack(name, now: now)
                }
                edit = CalendarEdit.decide(event, slot: slot)
            } catch {
                log.warning("calendar: cannot read the edit of \(name) (\(error)); writing the plan's back")
                return writeBack(name, now: now)
            }
        }
        switch edit {
        case .writeBack:
            writeBack(name, now: now)
        case .change(let change):
            do {
                changed(try apply(change, now: now, origin: "calendar"))
            } catch {
                let why = "\(error)"
                log.warning("calendar: \(describe(change)) refused: \(why); the calendar gets the plan's time back",
                            metadata: ["slot": "\(id)"])
                notice(summary: "Calendar edit not taken", body: "\(describe(change)): \(why). The calendar shows the plan again.",
                       category: "x-pgtrack.calendar")
                writeBack(name, now: now)
            }
        }
    }

    private func describe(_ change: Change) -> String {
        switch change {
        case .skip(let id, _): return "cancelling \(id)"
        case .reschedule(let id, let to): return "moving \(id) to \(to.formatted(in: config.timeZone))"
        default: return "\(change)"
        }
    }

    /// The file gets the plan's content again; the next sync takes it to the server.
    private func writeBack(_ name: String, now: Date) {
        publisher.rewrite(name)
        publish(now: now)
    }
}
