import FoundationEssentials
import HTTPServer
import PGTrackAPI
import PGTrackViews
import PGTrackCore

/// The feed as served: its bytes, a strong validator and when it last changed.
public struct FeedDocument: Sendable, Equatable {
    public var bytes: [UInt8]
    /// `"<digest>"`, quotes included (a strong ETag: equal exactly when the bytes are).
    public var etag: String
    /// The latest LAST-MODIFIED of its events: stable across restarts.
    public var modified: Date

    public init(bytes: [UInt8], modified: Date) {
        self.bytes = bytes
        self.etag = "\"" + stableDigest(bytes) + "\""
        self.modified = modified
    }
}

/// What pgtrack serves over HTTP: the feed, the progress page and the page's event
/// stream, decided by the secret token, the allowed Host names and the current documents.
///
/// - Only GET and HEAD (405 otherwise, with `Allow`).
/// - A `Host` that is not one of `allowedHosts` is refused with 421, so a web page cannot
///   read the feed through DNS rebinding (its Host would be the attacker's name).
/// - Everything lives under `/<token>/`; a wrong or missing token is 404, the token
///   compared in constant time. No CORS headers are ever sent.
/// - The feed and the page answer `If-None-Match` (the feed also `If-Modified-Since`)
///   with 304, and are always served from memory: a failed disk write never makes them
///   a 4xx/5xx.
/// - `/<token>/events` is a Server-Sent Events stream: an event whenever the page's
///   content changes, its id the page's new version.
public final class Site {
    public var token: String
    /// Lowercased `host:port` values a request's Host may have.
    public var allowedHosts: Set<String>
    public var feed: FeedDocument? {
        didSet { feedAnswers = feed.map(Answers.init) }
    }
    /// Renders the live page; the page is 503 until it is set.
    public var renderPage: (() -> ProgressPage.Rendered)? {
        didSet { pageStale = true }
    }
    /// Event streams open at once; more are refused with 503 so that pages left open
    /// cannot take every connection from the feed's clients.
    public var maxStreams = 16
    /// A stream whose client has not taken this many bytes is closed.
    public var maxQueued = 64 * 1024

    public init(token: String, allowedHosts: Set<String>, feed: FeedDocument? = nil) {
        self.token = token
        self.allowedHosts = allowedHosts
        self.feed = feed
        feedAnswers = feed.map(Answers.init)
    }

    /// A document's two answers, made once per version and reused for every request
    /// (HTTPServer keeps libmicrohttpd's copy of each).
    private struct Answers {
        var etag: String
        var full: HTTPResponse
        var notModified: HTTPResponse

        init(_ feed: FeedDocument) {
            let validators = [("ETag", feed.etag), ("Last-Modified", HTTPDate.format(feed.modified)), ("Cache-Control", "no-cache")]
            etag = feed.etag
            full = HTTPResponse(status: 200, headers: [("Content-Type", "text/calendar; charset=utf-8")] + validators, body: feed.bytes)
            notModified = HTTPResponse(status: 304, headers: validators)
        }

        init(page: ProgressPage.Rendered) {
            etag = "\"" + page.version + "\""
            let validators = [("ETag", etag), ("Cache-Control", "no-cache")]
            full = HTTPResponse(status: 200, headers: [("Content-Type", "text/html; charset=utf-8")] + validators + Site.pageHeaders,
                                body: Array(page.html.utf8))
            notModified = HTTPResponse(status: 304, headers: validators)
        }
    }

    private var feedAnswers: Answers?
    private var page: (version: String, answers: Answers)?
    private var pageStale = true
    private var streams: [ObjectIdentifier: HTTPStream] = [:]

    public static let feedName = "pgtrack.ics"
    public static let eventsName = "events"

    /// Event streams open now.
    public var streamCount: Int { streams.count }

    public func respond(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == "GET" || request.method == "HEAD" else {
            return Self.methodNotAllowed
        }
        guard let host = request.header("Host"), allowedHosts.contains(host.lowercased()) else {
            return Self.misdirected
        }
        // /<token>/<name>: the token segment first, then what is asked for.
        let parts = request.path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].isEmpty else { return Self.notFound }
        let rest = parts[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard Self.constantTimeEqual(Array(rest[0].utf8), Array(token.utf8)) else { return Self.notFound }
        guard rest.count == 2 else {
            // The page's address without its last slash: where a typed URL often ends.
            return HTTPResponse(status: 308, headers: [("Location", "/\(token)/")] + Self.plain, body: Array("see /<token>/\n".utf8))
        }
        switch rest[1] {
        case Substring(Self.feedName): return feedResponse(request)
        case "": return pageResponse(request)
        case Substring(Self.eventsName): return eventsResponse(request)
        default: return Self.notFound
        }
    }

    private func feedResponse(_ request: HTTPRequest) -> HTTPResponse {
        guard let feed, let answers = feedAnswers else { return Self.building }
        if let match = request.header("If-None-Match") {
            if Self.matches(match, feed.etag) { return answers.notModified }
        } else if let since = request.header("If-Modified-Since").flatMap(HTTPDate.parse),
                  feed.modified.timeIntervalSince1970.rounded(.down) <= since.timeIntervalSince1970 {
            return answers.notModified
        }
        return answers.full
    }

    // MARK: - The page and its events

    /// The page as it is now, rendered again if the schedule changed since.
    private func currentPage() -> (version: String, answers: Answers)? {
        if pageStale || page == nil, let renderPage {
            let rendered = renderPage()
            if rendered.version != page?.version { page = (rendered.version, Answers(page: rendered)) }
            pageStale = false
        }
        return page
    }

    private func pageResponse(_ request: HTTPRequest) -> HTTPResponse {
        guard let page = currentPage() else { return Self.building }
        if let match = request.header("If-None-Match"), Self.matches(match, page.answers.etag) { return page.answers.notModified }
        return page.answers.full
    }

    /// What the page shows may have changed (a change, a deadline, a reload). With no
    /// stream open, this only marks the page for rendering at the next request; with
    /// streams open, the page is rendered now and, if it differs, each stream hears of it.
    /// Returns whether any stream was given an event.
    @discardableResult
    public func pageChanged(reason: String) -> Bool {
        pageStale = true
        guard !streams.isEmpty else { return false }
        let before = page?.version
        guard let now = currentPage(), now.version != before else { return false }
        let event = Self.event(version: now.version, reason: reason)
        for stream in streams.values {
            if stream.queued > maxQueued { stream.finish() } else { stream.send(event) }
        }
        return true
    }

    /// `id:` is the page version, so a browser that reconnects says which page it has.
    static func event(version: String, reason: String) -> [UInt8] {
        let word = String(reason.unicodeScalars.filter { ("a"..."z").contains($0) || $0 == "-" || $0 == " " }.prefix(32).map(Character.init))
        return Array("id: \(version)\ndata: {\"version\":\"\(version)\",\"reason\":\"\(word)\"}\n\n".utf8)
    }

    private func eventsResponse(_ request: HTTPRequest) -> HTTPResponse {
        guard let page = currentPage() else { return Self.building }
        if streams.count >= maxStreams {
            // Streams of browsers that went away are noticed only when written to: a
            // comment to each lets libmicrohttpd close the dead ones before the retry.
            for stream in streams.values { stream.send(Array(":\n".utf8)) }
            return Self.tooManyStreams
        }
        // The version the client has: Last-Event-ID on a reconnect, else the page's own.
        let known = request.header("Last-Event-ID") ?? request.argument("since")
        return HTTPResponse(status: 200, headers: Self.eventHeaders) { [weak self] stream in
            guard let self else { return }
            let key = ObjectIdentifier(stream)
            streams[key] = stream
            stream.onClose = { [weak self] in self?.streams[key] = nil }
            var hello = Array("retry: 2000\n\n".utf8)
            if known != page.version { hello += Self.event(version: page.version, reason: "missed") }
            stream.send(hello)
        }
    }

    /// The page may use its own inline script and style only, and no frame may embed it.
    static let pageHeaders = [
        ("Content-Security-Policy", ProgressPage.contentSecurityPolicy + "; frame-ancestors 'none'"),
        ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer"),
    ]
    static let eventHeaders = [("Content-Type", "text/event-stream"), ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")]

    static let plain = [("Content-Type", "text/plain; charset=utf-8")]
    static let notFound = HTTPResponse(status: 404, headers: plain, body: Array("not found\n".utf8))
    static let building = HTTPResponse(status: 503, headers: [("Retry-After", "1")] + plain, body: Array("the feed is being built\n".utf8))
    static let tooManyStreams = HTTPResponse(status: 503, headers: [("Retry-After", "5")] + plain,
                                             body: Array("too many open pages; close one\n".utf8))
    static let methodNotAllowed = HTTPResponse(status: 405, headers: [("Allow", "GET, HEAD")] + plain, body: Array("only GET and HEAD\n".utf8))
    static let misdirected = HTTPResponse(status: 421, headers: plain, body: Array("this server does not answer for that Host\n".utf8))

    /// `If-None-Match`: `*` or a list of entity tags (weak ones compared weakly, RFC 9110).
    static func matches(_ header: String, _ etag: String) -> Bool {
        for item in header.split(separator: ",") {
            var tag = item.trimmingSpaces()
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = String(tag.dropFirst(2)) }
            if tag == etag { return true }
        }
        return false
    }

    /// Compares without stopping at the first difference, so the time taken says nothing
    /// about how much of a guessed token was right.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var diff = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for i in 0..<max(a.count, b.count) {
            diff |= (i < a.count ? a[i] : 0) ^ (i < b.count ? b[i] : 0)
        }
        return diff == 0
    }
}

/// HTTP dates (RFC 9110 IMF-fixdate): `Sun, 06 Nov 1994 08:49:37 GMT`.
public enum HTTPDate {
    static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"] // 1970-01-01 was a Thursday
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func format(_ date: Date) -> String {
        let (day, seconds) = splitDays(Int(date.timeIntervalSince1970.rounded(.down)))
        let d = LocalDate(dayNumber: day)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[((day % 7) + 7) % 7]), \(two(d.day)) \(months[d.month - 1]) \(d.year) "
            + "\(two(seconds / 3600)):\(two(seconds / 60 % 60)):\(two(seconds % 60)) GMT"
    }

    /// Parses an IMF-fixdate; nil for anything else (the obsolete forms are not sent by
    /// the clients that revalidate feeds).
    public static func parse(_ text: String) -> Date? {
        // Fixed widths, digits only: `Int` alone would take `+2027`, `-1` and years whose
        // day number overflows (a client's header must never trap the daemon).
        func digits(_ s: Substring, _ count: Int) -> Int? {
            s.utf8.count == count && s.utf8.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) } ? Int(s) : nil
        }
        let f = text.split(separator: " ")
        guard f.count == 6, f[5] == "GMT", let day = digits(f[1], 2), let month = months.firstIndex(of: String(f[2])),
              let year = digits(f[3], 4) else { return nil }
        let t = f[4].split(separator: ":")
        guard t.count == 3, let h = digits(t[0], 2), let m = digits(t[1], 2), let s = digits(t[2], 2), (0..<24).contains(h), (0..<60).contains(m),
              (0..<61).contains(s), (1...31).contains(day), day <= LocalDate.daysIn(month: month + 1, year: year) else { return nil }
        let n = LocalDate(year: year, month: month + 1, day: day).dayNumber
        return Date(timeIntervalSince1970: Double(n * 86400 + h * 3600 + m * 60 + s))
    }
}
