// pgtrack-bench: the Swift side of the benchmarks in bench/run.py. Prints one JSON
// object per run on stdout. Not installed; `make bench` builds and runs it.
import Foundation
import PGTrackAPI
import PGTrackCalendar
import PGTrackCore
import PGTrackViews
import Varlink

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func emit(_ pairs: [(String, JSON)]) { print(JSON.object(pairs).text) }

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

/// A schedule of `count` slots, Monday to Friday at 18:00 in Berlin, tasks cycling
/// through a 52-week plan of five tasks a week.
func syntheticSchedule(count: Int) throws -> (Schedule, LocalDate) {
    var text = "# Bench plan\n## Stage\n"
    for w in 1...52 {
        text += "### Week \(w)\n"
        for t in 1...5 { text += "- [ ] Task \(t) of week \(w): read, practise, write it up\n" }
    }
    let plan = try PlanParser.parse(text, file: "bench.md", maxTasksPerWeek: 5)
    let zone = Zone(identifier: "Europe/Berlin")!
    let start = LocalDate(year: 2027, month: 1, day: 4)
    var slots: [Slot] = []
    var i = 0
    var day = start
    while slots.count < count {
        if day.weekday.rawValue <= 5 {
            let week = (day.dayNumber - start.dayNumber) / 7 + 1
            let begin = zone.instant(day, TimeOfDay(hour: 18, minute: 0))
            let task = TaskID(week: i / 5 % 52 + 1, index: i % 5 + 1)
            slots.append(Slot(id: SlotID(week: week, day: day.weekday.rawValue), date: day, start: begin,
                              end: begin.addingTimeInterval(1800), originalStart: begin, state: .scheduled, task: task))
            i += 1
        }
        day = day.adding(days: 1)
    }
    return (Schedule(plan: plan, slots: slots), start)
}

func benchExport(slots: Int, runs: Int) throws {
    let schedule: Schedule
    let start: LocalDate
    if slots == 0 {
        start = LocalDate(year: 2027, month: 1, day: 4)
        let input = ScheduleInput(plan: try PlanParser.builtIn(maxTasksPerWeek: 5), settings: Config.ScheduleSettings(), start: start,
                                  zone: Zone(identifier: "Europe/Berlin")!, now: Date(timeIntervalSince1970: 0))
        schedule = Scheduler.compute(input)
    } else {
        (schedule, start) = try syntheticSchedule(count: slots)
    }
    var times: [Double] = []
    var bytes = 0
    for _ in 0..<runs {
        let t0 = now()
        let export = CalendarExport(schedule: schedule, zone: Zone(identifier: "Europe/Berlin")!,
                                    settings: Config.CalendarSettings(), start: start,
                                    fallbackModified: Date(timeIntervalSince1970: 1_800_000_000))
        bytes = export.feed().utf8.count
        times.append(now() - t0)
    }
    times.sort()
    emit([("slots", .int(Int64(schedule.slots.count))), ("runs", .int(Int64(runs))), ("bytes", .int(Int64(bytes))),
          ("median_ms", .double(percentile(times, 0.5) * 1000)), ("min_ms", .double(times[0] * 1000))])
}

/// `connections` connections from one thread, each sending Status and waiting for its
/// reply before sending the next, multiplexed with poll(2): the shape of
/// `redis-benchmark -c N`, so the client costs about what redis's own client costs and
/// the figure is the server's. A reply is checked to be a Status answer, not an error.
func benchAPILoad(socket: String, connections: Int, calls: Int) throws {
    let request = Framer.frame(Call(method: "io.pgtrack.Tracker.Status").json)
    let expected = Array(#"{"parameters":{"status":{"#.utf8)
    var fds: [pollfd] = []
    var pending: [[UInt8]] = Array(repeating: [], count: connections)
    var sentAt = [Double](repeating: 0, count: connections)
    for _ in 0..<connections {
        fds.append(pollfd(fd: try UnixSocket.connect(path: socket).rawValue, events: Int16(POLLIN), revents: 0))
    }
    func send(_ i: Int) {
        sentAt[i] = now()
        _ = request.withUnsafeBytes { Glibc.send(fds[i].fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
    var times: [Double] = []
    times.reserveCapacity(calls)
    var sent = 0
    let t0 = now()
    for i in 0..<connections where sent < calls { send(i); sent += 1 }
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while times.count < calls {
        guard poll(&fds, nfds_t(fds.count), 10_000) > 0 else { throw SocketError("poll") }
        for i in fds.indices where fds[i].revents != 0 {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fds[i].fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw SocketError("read") }
            pending[i].append(contentsOf: buffer[0..<n])
            while let nul = pending[i].firstIndex(of: 0) {
                guard pending[i].starts(with: expected) else {
                    throw SocketError("unexpected reply: \(String(decoding: pending[i][..<nul], as: UTF8.self))")
                }
                pending[i].removeFirst(nul + 1)
                times.append(now() - sentAt[i])
                if sent < calls { send(i); sent += 1 }
            }
        }
    }
    let total = now() - t0
    for f in fds { close(f.fd) }
    times.sort()
    emit([("calls", .int(Int64(calls))), ("connections", .int(Int64(connections))), ("seconds", .double(total)),
          ("rps", .double(Double(calls) / total)), ("p50_us", .double(percentile(times, 0.5) * 1e6)),
          ("p99_us", .double(percentile(times, 0.99) * 1e6))])
}

/// The progress page of the default plan in week 8 (35 slots past: most done, three
/// skipped, two missed), rendered `runs` times; beside it, the feed of the same schedule
/// exported the same number of times: what the daemon already does at every change.
func benchPage(runs: Int) throws {
    let zone = Zone(identifier: "Europe/Berlin")!
    let start = LocalDate(year: 2027, month: 1, day: 4)
    let at = zone.instant(start.adding(days: 7 * 7 + 2), TimeOfDay(hour: 12, minute: 0))
    var events: [LedgerEvent] = []
    var id: Int64 = 1
    for w in 1...7 {
        for d in 1...5 {
            let slot = SlotID(week: w, day: d), at = zone.instant(start.adding(days: 7 * (w - 1) + d - 1), TimeOfDay(hour: 18, minute: 30))
            switch (w, d) {
            case (3, 2), (5, 4), (6, 1): events.append(LedgerEvent(id: id, time: at, kind: .skip, slot: slot))
            case (4, 3), (7, 5): break
            default: events.append(LedgerEvent(id: id, time: at, kind: .done, slot: slot))
            }
            id += 1
        }
    }
    let plan = try PlanParser.builtIn(maxTasksPerWeek: 5)
    // Done events name their task as the daemon records them: the slot's task at the time.
    var recorded: [LedgerEvent] = []
    for e in events {
        var e = e
        if e.kind == .done {
            let input = ScheduleInput(plan: plan, settings: Config.ScheduleSettings(), start: start, zone: zone, events: recorded, now: e.time)
            e.task = Scheduler.compute(input).slot(e.slot!)?.task
        }
        recorded.append(e)
    }
    let input = ScheduleInput(plan: plan, settings: Config.ScheduleSettings(), start: start, zone: zone, events: recorded, now: at)
    let schedule = Scheduler.compute(input)
    var render: [Double] = [], export: [Double] = []
    var bytes = 0, feedBytes = 0
    for _ in 0..<runs {
        let t0 = now()
        let overview = API.Overview(schedule, start: start, zone: zone, notifications: "on", now: at)
        let page = ProgressPage(overview: overview, slots: schedule.slots.map { API.Slot($0, in: schedule, zone: zone) }, now: at)
        bytes = page.render(.live).html.utf8.count
        let t1 = now()
        feedBytes = CalendarExport(schedule: schedule, zone: zone, settings: Config.CalendarSettings(), start: start,
                                   fallbackModified: at).feed().utf8.count
        let t2 = now()
        render.append(t1 - t0)
        export.append(t2 - t1)
    }
    render.sort()
    export.sort()
    emit([("runs", .int(Int64(runs))), ("bytes", .int(Int64(bytes))), ("feed_bytes", .int(Int64(feedBytes))),
          ("done", .int(Int64(schedule.doneCount))),
          ("median_ms", .double(percentile(render, 0.5) * 1000)), ("p99_ms", .double(percentile(render, 0.99) * 1000)),
          ("feed_median_ms", .double(percentile(export, 0.5) * 1000)), ("feed_p99_ms", .double(percentile(export, 0.99) * 1000))])
}

/// Laying out the default plan with 20 pauses of 1 to 5 days, and with those and 500 busy
/// events, beside the plain plan, in the same run: what pauses and busy calendars cost
/// the scheduler.
func benchPauses(runs: Int) throws {
    let zone = Zone(identifier: "Europe/Berlin")!
    let start = LocalDate(year: 2027, month: 1, day: 4)
    let plan = try PlanParser.builtIn(maxTasksPerWeek: 5)
    let before = zone.instant(start.adding(days: -1), TimeOfDay(hour: 12, minute: 0))
    let plain = ScheduleInput(plan: plan, settings: Config.ScheduleSettings(), start: start, zone: zone, now: before)
    var paused = plain
    for i in 0..<20 {
        let from = start.adding(days: i * 7 + i % 3)
        paused.events.append(LedgerEvent(id: Int64(i + 1), time: before, kind: .pause, text: "pause \(i)", from: from, to: from.adding(days: i % 5)))
    }
    func time(_ input: ScheduleInput) -> (median: Double, p99: Double, slots: Int) {
        var times: [Double] = []
        var slots = 0
        for _ in 0..<runs {
            let t0 = now()
            slots = Scheduler.compute(input).slots.count
            times.append(now() - t0)
        }
        times.sort()
        return (percentile(times, 0.5) * 1000, percentile(times, 0.99) * 1000, slots)
    }
    // A year of a work calendar, written as an .ics: ten meetings a week, two of them in
    // the evening across the slots' 18:00, one a weekly recurring event; and read back.
    var ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n"
    func stamp(_ day: LocalDate, _ h: Int, _ m: Int) -> String {
        "\(day.description.filter(\.isNumber))T\(h < 10 ? "0" : "")\(h)\(m < 10 ? "0" : "")\(m)00"
    }
    var count = 0
    for week in 0..<50 {
        for day in 0..<5 {
            let date = start.adding(days: week * 7 + day)
            var meetings = [(9, 0, 10, 0)]
            if day % 2 == week % 2 { meetings.append((17, 30 + day, 18, 15 + day * 5)) } else { meetings.append((13, 0, 14, 0)) }
            for (h1, m1, h2, m2) in meetings {
                count += 1
                ics += "BEGIN:VEVENT\r\nUID:m\(count)@bench\r\nDTSTAMP:20270101T000000Z\r\nSUMMARY:Meeting \(count)\r\n"
                    + "DTSTART;TZID=Europe/Berlin:\(stamp(date, h1, m1))\r\nDTEND;TZID=Europe/Berlin:\(stamp(date, h2, m2))\r\nEND:VEVENT\r\n"
            }
        }
    }
    ics += "END:VCALENDAR\r\n"
    let window = BusyCalendar.window(start: start, weeks: plan.weeks.count, zone: zone)
    var reads: [Double] = []
    var events: [BusyEvent] = []
    for _ in 0..<max(5, runs / 20) {
        let t0 = now()
        events = try BusyCalendar.read(ics, zone: zone, from: window.from, until: window.until)
        reads.append(now() - t0)
    }
    reads.sort()
    var busy = paused
    busy.busy = BusyTimes(events)
    let a = time(plain), b = time(paused), c = time(busy)
    let moved = Scheduler.compute(busy).slots.filter { $0.note != nil }.count
    emit([("runs", .int(Int64(runs))), ("plain_median_ms", .double(a.median)), ("plain_p99_ms", .double(a.p99)),
          ("plain_slots", .int(Int64(a.slots))), ("paused_median_ms", .double(b.median)), ("paused_p99_ms", .double(b.p99)),
          ("paused_slots", .int(Int64(b.slots))), ("busy_events", .int(Int64(events.count))), ("busy_median_ms", .double(c.median)),
          ("busy_p99_ms", .double(c.p99)), ("busy_slots", .int(Int64(c.slots))), ("busy_moved", .int(Int64(moved))),
          ("read_bytes", .int(Int64(ics.utf8.count))), ("read_median_ms", .double(percentile(reads, 0.5) * 1000)),
          ("read_p99_ms", .double(percentile(reads, 0.99) * 1000))])
}

let args = CommandLine.arguments
do {
    switch args.dropFirst().first {
    case "export":
        try benchExport(slots: Int(args[2]) ?? 0, runs: Int(args[3]) ?? 20)
    case "pauses":
        try benchPauses(runs: Int(args[2]) ?? 500)
    case "page":
        try benchPage(runs: Int(args[2]) ?? 200)
    case "api-load":
        try benchAPILoad(socket: args[2], connections: Int(args[3]) ?? 8, calls: Int(args[4]) ?? 100_000)
    default:
        FileHandle.standardError.write(Data("usage: pgtrack-bench export SLOTS RUNS | page RUNS | pauses RUNS | api-load SOCKET CONNECTIONS CALLS\n".utf8))
        exit(64)
    }
} catch {
    FileHandle.standardError.write(Data("pgtrack-bench: \(error)\n".utf8))
    exit(1)
}
