import FoundationEssentials
import Logging
import PGTrackCore

/// Something that follows what the engine did: the calendar files, the page, reminders,
/// monitors, the deadline timer, the service status. It reads the outcome and keeps no
/// reference to the daemon.
protocol Output: AnyObject {
    func follow(_ outcome: Outcome)
}

/// The daemon's one way into the engine. Every source — the control socket, a reminder's
/// button, a vdir edit, the busy files, the timers, a reload — submits here; the outcome
/// goes to the one who asked (to answer its client), and then to every output in turn.
final class Door {
    let engine: Engine
    private var log: Logger
    /// Outputs whose work is part of the change itself: they follow before the one who
    /// asked hears the answer, so that what was acknowledged survives a `kill -9`. The
    /// plan file's box: an undone whose untick was lost would be read back as done.
    var beforeAnswer: [any Output] = []
    /// In the order they follow, after the answer: a change is heard by monitors first
    /// (they asked to hear), the calendar's writes with their fsyncs come last but one.
    var outputs: [any Output] = []
    /// Monitors of the control socket: they hear a change before the files are written,
    /// and a reload or a busy calendar after.
    weak var monitors: (any Output)?

    init(engine: Engine, log: Logger) {
        self.engine = engine
        self.log = log
    }

    /// Takes `input` through the engine; `answer` hears the outcome after `beforeAnswer`
    /// and before the other outputs (a client hears its change was recorded before the
    /// calendar files are written).
    @discardableResult
    func submit(_ input: Input, now: Date = Date(), answer: ((Outcome) -> Void)? = nil) -> Outcome {
        let outcome = engine.submit(input, now: now)
        report(outcome)
        // Nothing follows a refusal (nothing changed), nor a shown reminder (only recorded).
        let follows = outcome.refused == nil && !input.isReminderShown
        if follows { for output in beforeAnswer { output.follow(outcome) } }
        answer?(outcome)
        if !follows { return outcome }
        let changeFirst = outcome.event != nil
        if changeFirst { monitors?.follow(outcome) }
        for output in outputs { output.follow(outcome) }
        if !changeFirst { monitors?.follow(outcome) }
        return outcome
    }

    /// The journal's lines for a change, a refusal and the slots' transitions.
    private func report(_ outcome: Outcome) {
        if case .change(let change, let origin) = outcome.input {
            if let event = outcome.event {
                log.info("\(([event.kind.rawValue] + (event.slot.map { [$0.description] } ?? [])).joined(separator: " ")) from \(origin.rawValue)",
                         metadata: event.slot.map { ["slot": "\($0)"] })
            } else if let error = outcome.refused {
                if error is ScheduleError {
                    log.debug("\(change) from \(origin.rawValue) refused: \(error)")
                } else {
                    log.error("cannot record a change: \(error)")
                }
            }
        }
        for t in outcome.transitions {
            var slotLog = log
            slotLog[metadataKey: "slot"] = "\(t.slot)"
            switch t.kind {
            case .started: slotLog.info("slot \(t.slot) started: \(t.title)")
            case .ended: slotLog.info("slot \(t.slot) ended: \(t.title)")
            case .missed: slotLog.notice("slot \(t.slot) missed: \(t.title)")
            }
        }
    }
}

extension Outcome {
    /// A word for what happened: the change's kind (`done`, `skip`), or what moved time
    /// or the schedule (`deadline`, `busy calendar`, `reload`). Open pages hear it.
    var reason: String {
        if let event { return event.kind.rawValue }
        switch input {
        case .change(_, let origin): return "refused from \(origin.rawValue)"
        case .reminderShown: return "reminder"
        case .busy: return "busy calendar"
        case .settings: return "reload"
        case .zone: return "zone change"
        case .tick(let reason): return reason
        }
    }
}
