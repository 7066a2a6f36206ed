import FoundationEssentials
import PGTrackAPI
import PGTrackCore

/// The progress page: where the plan stands, a burndown, a heatmap of the study days and
/// the week-by-day grid of every slot, as one HTML document with nothing external (inline
/// CSS and SVG, a `data:` favicon), readable without JavaScript.
///
/// A pure function of the status and the slots as the API shows them. The daemon serves
/// it at `/<token>/` with a small script that follows `/<token>/events`;
/// `export --format html` writes it without the script.
public struct ProgressPage {
    public var overview: API.Overview
    public var slots: [API.Slot]
    public var now: Date

    public init(overview: API.Overview, slots: [API.Slot], now: Date) {
        self.overview = overview
        self.slots = slots
        self.now = now
    }

    /// A rendered page; `version` changes exactly when the page's content does.
    public struct Rendered: Sendable {
        public var html: String
        public var version: String

        public init(html: String, version: String) {
            self.html = html
            self.version = version
        }
    }

    /// How the page is delivered: served live, or written to a file.
    public enum Mode: Sendable {
        /// Served by the daemon: the script that follows the event stream is included.
        case live
        /// A standalone file; says when it was written.
        case standalone(exported: Date)
    }

    public func render(_ mode: Mode) -> Rendered {
        let zone = overview.zone
        let streaks = Streaks(slots: slots, now: now)
        var body = header(zone: zone) + summary(zone: zone, streaks: streaks) + comingWeekSection(zone: zone) + stagesSection()
            + burndownSection()
            + heatmapSection(streaks: streaks) + gridSection(zone: zone) + journalSection(zone: zone)
        if case .standalone(let at) = mode {
            body += "<p class=\"foot\">Exported \(esc(at.formatted(in: zone))) by pgtrack; the live page updates by itself.</p>\n"
        }
        let version = stableDigest(body)
        var html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            + "<meta name=\"color-scheme\" content=\"light dark\">"
            + "<meta http-equiv=\"Content-Security-Policy\" content=\"\(Self.contentSecurityPolicy)\">"
            + "<meta name=\"referrer\" content=\"no-referrer\">"
            + "<title>\(esc(plain(overview.plan))) · pgtrack</title>"
            + "<link rel=\"icon\" href=\"\(Self.favicon)\">"
            + "<style>\(Self.style)</style></head>\n<body>\n"
            + "<main data-version=\"\(version)\">\n\(body)</main>\n"
        if case .live = mode { html += "<script>\(Self.script)</script>\n" }
        html += "</body></html>\n"
        return Rendered(html: html, version: version)
    }

    // MARK: - Sections

    private func header(zone: Zone) -> String {
        let week = overview.standing.weekLine(today: LocalDate(now, in: zone))
        // The stage without its leading emoji: a browser without an emoji font draws a box.
        let stage = String(plain(overview.stage).drop { !$0.isLetter && !$0.isNumber })
        return "<header><h1>\(esc(plain(overview.plan)))</h1>"
            + "<p>\(esc(stage)) · \(esc(week))</p></header>\n"
    }

    /// The next seven days as text: date, time, task and state, readable without hovering.
    private func comingWeekSection(zone: Zone) -> String {
        let text = SlotText(zone: zone, style: .plain)
        let today = LocalDate(now, in: zone)
        let from = zone.instant(today, TimeOfDay(hour: 0, minute: 0)), to = zone.instant(today.adding(days: 7), TimeOfDay(hour: 0, minute: 0))
        let coming = slots.filter { $0.startDate >= from && $0.startDate < to }
        var out = "<section><h2>The coming week</h2>"
        guard !coming.isEmpty else {
            let next = slots.first { $0.startDate >= to && ($0.state == .scheduled || $0.state == .catchUp) }
            return out + "<p>No study slot in the next seven days" + (next.map { "; the next is \(esc(text.when($0)))" } ?? "") + ".</p></section>\n"
        }
        out += "<table class=\"coming\"><tr><th scope=\"col\">When</th><th scope=\"col\">Task</th><th scope=\"col\">State</th></tr>"
        for s in coming {
            let task = s.task.map { "\($0.id) \(text.title(s))" } ?? "catch-up slot"
            out += "<tr data-coming=\"\(s.id)\"><td>\(esc(text.when(s)))</td><td>\(esc(task))\(s.note.map { " <small>(\(esc($0)))</small>" } ?? "")</td>"
                + "<td>\(Self.mark(s.state).word)</td></tr>"
        }
        return out + "</table></section>\n"
    }

    private func summary(zone: Zone, streaks: Streaks) -> String {
        let text = SlotText(zone: zone, style: .plain)
        let standing = overview.standing
        var rows: [(String, String)] = []
        if let finished = standing.finishedText { rows.append(("Finished", esc(finished))) }
        rows.append(("Progress", standing.progressText))
        if !standing.isFinished {
            rows.append(("Behind", esc(standing.behindText)))
            rows.append(("Finish", esc(standing.finishText)))
        }
        if let paused = standing.pausedText { rows.append(("Paused", esc(paused))) }
        rows.append(("Streak", streaks.text))
        if let current = overview.current { rows.append(("Now", esc(text.line(current)))) }
        if let next = overview.next { rows.append(("Next", esc(text.line(next)))) }
        return "<section aria-label=\"Summary\"\(standing.isFinished ? " class=\"finished\"" : "")><dl class=\"facts\">"
            + rows.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl></section>\n"
    }

    private func stagesSection() -> String {
        var out = "<section><h2>Stages</h2><table class=\"stages\">"
        for s in overview.stages {
            let title = esc(Stage(number: s.number, title: s.title).plainTitle)
            out += "<tr><th scope=\"row\">\(title)</th><td><progress max=\"\(max(1, s.total))\" value=\"\(s.done)\">"
                + "\(s.done)/\(s.total)</progress></td><td>\(s.done)/\(s.total)</td></tr>"
        }
        return out + "</table></section>\n"
    }

    // MARK: - Burndown

    /// The chart's frame: 600×240, the plot inside 40..590 × 10..210.
    static let plot = (left: 40.0, right: 590.0, top: 10.0, bottom: 210.0)

    /// The `points` attribute of a line: week → x, tasks remaining → y.
    public static func points(_ line: [Burndown.Point], weeks: Int, total: Int) -> String {
        let p = plot
        let dx = (p.right - p.left) / Double(max(1, weeks)), dy = (p.bottom - p.top) / Double(max(1, total))
        return line.map { "\(num(p.left + Double($0.week) * dx)),\(num(p.bottom - Double($0.remaining) * dy))" }.joined(separator: " ")
    }

    private func burndownSection() -> String {
        let b = Burndown(slots: slots, currentWeek: overview.week)
        let weeks = max(1, (b.planned + b.actual + b.projected).map(\.week).max() ?? 1)
        let p = Self.plot
        var svg = "<svg class=\"burndown\" viewBox=\"0 0 600 240\" role=\"img\" aria-labelledby=\"bd-t\">"
            + "<title id=\"bd-t\">Tasks remaining per week: planned, actual and projected (table below)</title>"
        // Axes, ticks and labels.
        svg += "<path class=\"axis\" d=\"M\(num(p.left)) \(num(p.top))V\(num(p.bottom))H\(num(p.right))\"/>"
        let step = max(1, (weeks + 9) / 10)
        for w in stride(from: 0, through: weeks, by: step) {
            let x = num(p.left + Double(w) * (p.right - p.left) / Double(weeks))
            svg += "<text x=\"\(x)\" y=\"226\" text-anchor=\"middle\">\(w)</text>"
        }
        for r in Set([0, b.total / 2, b.total]).sorted() {
            let y = num(p.bottom - Double(r) * (p.bottom - p.top) / Double(max(1, b.total)))
            svg += "<text x=\"34\" y=\"\(y)\" text-anchor=\"end\" dy=\"4\">\(r)</text>"
        }
        svg += "<text x=\"315\" y=\"239\" text-anchor=\"middle\">week</text>"
        let nowX = num(p.left + Double(b.currentWeek) * (p.right - p.left) / Double(weeks))
        svg += "<path class=\"now\" d=\"M\(nowX) \(num(p.top))V\(num(p.bottom))\"/>"
        for (line, name) in [(b.planned, "planned"), (b.projected, "projected"), (b.actual, "actual")] where !line.isEmpty {
            svg += "<polyline class=\"\(name)\" points=\"\(Self.points(line, weeks: weeks, total: b.total))\"/>"
        }
        svg += "</svg>"
        let legend = "<p class=\"legend\"><span class=\"k planned\"></span>planned <span class=\"k actual\"></span>actual "
            + "<span class=\"k projected\"></span>projected · the line marks week \(b.currentWeek)</p>"
        // The same figures as a table, for screen readers and for copying.
        var table = "<details><summary>Burndown as a table</summary><table class=\"numbers\"><tr><th scope=\"col\">Week</th>"
            + "<th scope=\"col\">Planned</th><th scope=\"col\">Actual</th><th scope=\"col\">Projected</th></tr>"
        func value(_ line: [Burndown.Point], _ w: Int) -> String { line.first { $0.week == w }.map { "\($0.remaining)" } ?? "" }
        for w in 0...weeks {
            table += "<tr><th scope=\"row\">\(w)</th><td>\(value(b.planned, w))</td><td>\(value(b.actual, w))</td><td>\(value(b.projected, w))</td></tr>"
        }
        table += "</table></details>"
        return "<section><h2>Burndown</h2><figure>\(svg)\(legend)\(table)</figure></section>\n"
    }

    // MARK: - Heatmap and grid

    /// Per state: the CSS class, the grid's symbol, and the word for it.
    static func mark(_ state: SlotState) -> (symbol: String, word: String) {
        switch state {
        case .done: return ("✔", "done")
        case .skipped: return ("✗", "skipped")
        case .paused: return ("‖", "paused")
        case .missed: return ("!", "missed")
        case .catchUp: return ("○", "catch-up")
        case .scheduled: return ("·", "upcoming")
        }
    }

    private var dayCount: Int { max(1, slots.map(\.day).max() ?? 5) }
    private var weekCount: Int { slots.map(\.week).max() ?? 0 }

    private func heatmapSection(streaks: Streaks) -> String {
        let days = dayCount, weeks = weekCount
        var counts: [SlotState: Int] = [:]
        for s in slots { counts[s.state, default: 0] += 1 }
        let described = SlotState.allCases.compactMap { st in counts[st].map { "\($0) \(Self.mark(st).word)" } }.joined(separator: ", ")
        let pitch = Self.pitch, width = 30 + weeks * pitch, height = 20 + days * pitch
        var svg = "<svg class=\"heat\" viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" "
            + "aria-label=\"Study days, a week per column: \(described)\">"
            + "<defs><pattern id=\"hatch\" width=\"4\" height=\"4\" patternUnits=\"userSpaceOnUse\"><path d=\"M0 4L4 0\"/></pattern></defs>"
        for d in 1...days { svg += "<text x=\"0\" y=\"\(20 + d * pitch - 5)\">d\(d)</text>" }
        for w in Set([1] + Array(stride(from: 5, through: weeks, by: 5))).sorted() where w <= weeks {
            svg += "<text x=\"\(30 + (w - 1) * pitch + Self.side / 2)\" y=\"12\" text-anchor=\"middle\">\(w)</text>"
        }
        for s in slots {
            svg += Self.cell(s.state, x: 30 + (s.week - 1) * pitch, y: 20 + (s.day - 1) * pitch)
        }
        svg += "</svg>"
        var legend = "<p class=\"legend\">"
        for st in [SlotState.done, .skipped, .paused, .missed, .catchUp, .scheduled] {
            legend += "<svg width=\"\(Self.side)\" height=\"\(Self.side)\" aria-hidden=\"true\">\(Self.cell(st, x: 0, y: 0))</svg> \(Self.mark(st).word) "
        }
        legend += "</p>"
        return "<section><h2>Study days</h2><p>Streak: <strong>\(streaks.current)</strong> done in a row now, "
            + "longest <strong>\(streaks.longest)</strong>. A skipped slot ends a streak only if its week's tasks were not all "
            + "done within that week.</p>\(svg)\(legend)</section>\n"
    }

    /// A heatmap cell's side and the distance between cells.
    static let side = 14, pitch = 17

    /// One heatmap cell; the shape tells the state as much as the colour does: a filled
    /// square (done), a hatched one (skipped), one with a cross (missed), a ring
    /// (catch-up), an outline (upcoming).
    static func cell(_ state: SlotState, x: Int, y: Int) -> String {
        let n = side
        switch state {
        case .done: return "<rect class=\"done\" x=\"\(x)\" y=\"\(y)\" width=\"\(n)\" height=\"\(n)\"/>"
        case .paused: return "<path class=\"paused\" d=\"M\(x + 3) \(y + 2)v\(n - 4)M\(x + n - 3) \(y + 2)v\(n - 4)\"/>"
        case .skipped: return "<rect class=\"skipped\" x=\"\(x).5\" y=\"\(y).5\" width=\"\(n - 1)\" height=\"\(n - 1)\"/>"
        case .missed: return "<path class=\"missed\" d=\"M\(x).5 \(y).5h\(n - 1)v\(n - 1)h-\(n - 1)zM\(x + 4) \(y + 4)l\(n - 8) \(n - 8)m0-\(n - 8)l-\(n - 8) \(n - 8)\"/>"
        case .catchUp: return "<circle class=\"catch-up\" cx=\"\(x + n / 2)\" cy=\"\(y + n / 2)\" r=\"\(n / 2 - 2)\"/>"
        case .scheduled: return "<rect class=\"scheduled\" x=\"\(x).5\" y=\"\(y).5\" width=\"\(n - 1)\" height=\"\(n - 1)\"/>"
        }
    }

    private func gridSection(zone: Zone) -> String {
        let text = SlotText(zone: zone, style: .plain)
        let days = dayCount
        var byWeek: [Int: [Int: API.Slot]] = [:]
        for s in slots { byWeek[s.week, default: [:]][s.day] = s }
        var out = "<section><h2>Every slot</h2><table class=\"grid\"><tr><th scope=\"col\">Week</th>"
        for d in 1...days { out += "<th scope=\"col\">d\(d)</th>" }
        out += "</tr>"
        for w in byWeek.keys.sorted() {
            out += "<tr><th scope=\"row\">\(w)</th>"
            for d in 1...days {
                guard let s = byWeek[w]?[d] else { out += "<td></td>"; continue }
                let mark = Self.mark(s.state)
                let tip = (s.task.map { "\(text.when(s)) · \($0.id) \(text.title(s)) (\(mark.word))" } ?? "\(text.when(s)) · \(mark.word)")
                    + (s.note.map { " · " + $0 } ?? "") + (s.minutesSpent.map { " · \($0) min spent" } ?? "")
                out += "<td data-slot=\"\(s.id)\" data-state=\"\(s.state.rawValue)\" title=\"\(esc(tip))\" tabindex=\"0\">\(mark.symbol)</td>"
            }
            out += "</tr>"
        }
        return out + "</table><p class=\"legend\">✔ done ✗ skipped ‖ paused ! missed · upcoming ○ catch-up</p></section>\n"
    }

    // MARK: - Learning log

    /// The journal: totals per stage, then each week's sessions and notes, the latest
    /// week open. Notes keep their line breaks (`white-space: pre-wrap`), escaped as text.
    private func journalSection(zone: Zone) -> String {
        let journal = Journal(slots: slots, stages: overview.stages, start: LocalDate(overview.start) ?? LocalDate(now, in: zone), zone: zone)
        var out = "<section><h2>Learning log</h2>"
        guard !journal.isEmpty else {
            return out + "<p>Nothing recorded yet: <code>pgtrackctl done --note TEXT --minutes N</code> records a session.</p></section>\n"
        }
        out += "<table class=\"numbers\"><tr><th scope=\"col\">Stage</th><th scope=\"col\">Sessions</th><th scope=\"col\">Planned</th>"
            + "<th scope=\"col\">Spent</th></tr>"
        for s in journal.stages {
            out += "<tr><th scope=\"row\">\(esc(plain(Stage(number: s.number, title: s.title).plainTitle)))</th><td>\(s.totals.sessions)</td>"
                + "<td>\(s.totals.planned) min</td><td>\(esc(Journal.spentText(s.totals)))</td></tr>"
        }
        out += "</table>"
        for (i, week) in journal.weeks.reversed().enumerated() {
            out += "<details\(i == 0 ? " open" : "")><summary>Week \(week.number) · \(Journal.day(week.from)) to \(Journal.day(week.to)) · "
                + "\(esc(Journal.totalsText(week.totals)))</summary><table class=\"journal\"><tr><th scope=\"col\">Date</th>"
                + "<th scope=\"col\">Task</th><th scope=\"col\">Planned</th><th scope=\"col\">Spent</th><th scope=\"col\">Note</th></tr>"
            for e in week.entries {
                out += "<tr data-journal=\"\(e.slot)\"><td>\(Journal.day(e.date))</td><td>\(esc(Journal.title(e)))</td>"
                    + "<td>\(e.state == .done ? "\(e.planned) min" : "")</td><td>\(e.spent.map { "\($0) min" } ?? "")</td>"
                    + "<td class=\"note\">\(esc(e.note ?? ""))</td></tr>"
            }
            out += "</table></details>"
        }
        return out + "</section>\n"
    }

    // MARK: - The fixed parts

    /// Colours from the Okabe–Ito palette, which reads for the common colour-vision
    /// deficiencies; every state also has its own shape or symbol.
    public static let style = """
        :root{--fg:#1d1d1f;--bg:#fff;--mute:#6b6b70;--line:#c8c8cc;--done:#0072b2;--skip:#8a8a8a;--miss:#d55e00;--spare:#e69f00;--plan:#6b6b70}\
        @media (prefers-color-scheme:dark){:root{--fg:#e8e8ea;--bg:#17171a;--mute:#a0a0a6;--line:#45454b;--done:#56b4e9;--skip:#9a9a9a;--miss:#f08a4b;--spare:#f0c25a;--plan:#a0a0a6}}\
        body{font:15px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg);margin:0}\
        main{max-width:760px;margin:0 auto;padding:1rem}h1{font-size:1.4rem;margin:0}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}\
        header p,.legend,.foot{color:var(--mute)}.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}\
        .facts dt{font-weight:600}.facts dd{margin:0}table{border-collapse:collapse}th{text-align:left;font-weight:600}\
        .stages td,.stages th,.coming td,.coming th{padding:.15rem .6rem .15rem 0;text-align:left}progress{width:14rem;accent-color:var(--done)}\
        svg text{fill:var(--mute);font-size:11px}.axis{fill:none;stroke:var(--line)}.now{stroke:var(--line);stroke-dasharray:2 3}\
        polyline{fill:none;stroke-width:2.5}.planned{stroke:var(--plan);stroke-dasharray:6 4}.actual{stroke:var(--done)}\
        .projected{stroke:var(--spare);stroke-dasharray:2 3}.burndown{width:100%;height:auto}\
        .k{display:inline-block;width:1.6rem;height:0;border-top:3px solid;vertical-align:middle;margin:0 .3rem}\
        .k.planned{border-color:var(--plan);border-top-style:dashed}.k.actual{border-color:var(--done)}\
        .k.projected{border-color:var(--spare);border-top-style:dotted}\
        .numbers td,.numbers th{padding:0 .6rem;text-align:right}\
        .journal td,.journal th{padding:.15rem .6rem .15rem 0;text-align:left;vertical-align:top}.journal .note{white-space:pre-wrap}\
        summary{cursor:pointer}\
        rect.done{fill:var(--done)}rect.skipped{fill:url(#hatch);stroke:var(--skip)}#hatch path{stroke:var(--skip)}\
        path.missed{fill:none;stroke:var(--miss);stroke-width:1.5}circle.catch-up{fill:none;stroke:var(--spare);stroke-width:2}\
        rect.scheduled{fill:none;stroke:var(--line)}path.paused{stroke:var(--skip);stroke-width:2.5}\
        .grid td,.grid th{width:2.2rem;height:1.6rem;text-align:center;border:1px solid var(--line);position:relative}\
        .grid td[data-state=done]{background:var(--done);color:var(--bg)}.grid td[data-state=skipped]{color:var(--skip)}\
        .grid td[data-state=missed]{color:var(--miss);font-weight:700}.grid td[data-state=paused]{color:var(--skip)}.grid td[data-state=catch-up]{color:var(--spare)}\
        .grid td:focus{outline:3px solid var(--spare)}\
        .grid td:focus::after{content:attr(title);position:absolute;left:0;top:100%;z-index:1;white-space:nowrap;\
        background:var(--fg);color:var(--bg);padding:.2rem .4rem;font-size:.85rem}
        """

    /// Follows `events`: at each new version it fetches the page and swaps its `<main>`,
    /// so the page never reloads; after a lost connection the browser reconnects with
    /// `Last-Event-ID`, and after a refused one the script starts again in 3 s.
    public static let script = """
        (function(){var v=document.querySelector('main').dataset.version,es;\
        function update(){fetch('./',{cache:'no-store'}).then(function(r){return r.ok?r.text():null}).then(function(t){\
        if(!t)return;var n=new DOMParser().parseFromString(t,'text/html').querySelector('main');\
        if(n){document.querySelector('main').replaceWith(n);v=n.dataset.version;}}).catch(function(){});}\
        function open(){es=new EventSource('events?since='+v);\
        es.onmessage=function(e){if(e.lastEventId!==v)update();};\
        es.onerror=function(){if(es.readyState===2)setTimeout(open,3000);};}\
        open();})();
        """

    static let favicon = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'%3E"
        + "%3Crect width='16' height='16' rx='3' fill='%230072b2'/%3E%3Cpath d='M4 8.5l3 3 5-7' fill='none' stroke='white' stroke-width='2'/%3E%3C/svg%3E"

    /// Nothing but the page's own script and style, its own origin for the event stream
    /// and the page, and `data:` images; no frame may embed it.
    public static let contentSecurityPolicy = "default-src 'none'; style-src \(SHA256.cspSource(style)); "
        + "script-src \(SHA256.cspSource(script)); connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
}

/// A plan's Markdown text as plain text without control characters.
private func plain(_ text: String) -> String { printable(Markdown.plain(text)) }

/// Text for HTML content and attribute values.
func esc(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text.unicodeScalars {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(c)
        }
    }
    return out
}

/// A number with at most one decimal: `40`, `67.5` (coordinates, seconds).
public func num(_ value: Double) -> String {
    let tenths = Int((value * 10).rounded())
    let sign = tenths < 0 ? "-" : ""
    let t = abs(tenths)
    return t % 10 == 0 ? "\(sign)\(t / 10)" : "\(sign)\(t / 10).\(t % 10)"
}
