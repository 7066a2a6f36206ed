import Foundation
import HTTPServer
import PGTrackAPI
import PGTrackViews
import PGTrackCore
@testable import PGTrackWeb
import Testing

@Suite struct SiteTests {
    static let token = "0123456789abcdef0123456789abcdef"
    static let feed = FeedDocument(bytes: Array("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n".utf8),
                                   modified: Date(timeIntervalSince1970: 1_800_000_000))

    func site() -> Site { Site(token: Self.token, allowedHosts: ["127.0.0.1:8787", "localhost:8787"], feed: Self.feed) }

    func get(_ path: String, method: String = "GET", _ headers: [String: String] = ["host": "127.0.0.1:8787"]) -> HTTPResponse {
        site().respond(HTTPRequest(method: method, path: path) { headers[$0.lowercased()] })
    }

    @Test func theFeedWithItsValidators() {
        let r = get("/\(Self.token)/pgtrack.ics")
        #expect(r.status == 200)
        #expect(r.body == Self.feed.bytes)
        #expect(r.header("Content-Type") == "text/calendar; charset=utf-8")
        #expect(r.header("ETag") == Self.feed.etag && Self.feed.etag.hasPrefix("\"") && !Self.feed.etag.hasPrefix("W/"))
        #expect(r.header("Last-Modified") == "Fri, 15 Jan 2027 08:00:00 GMT")
        #expect(r.header("Cache-Control") == "no-cache")
        #expect(r.header("Access-Control-Allow-Origin") == nil)
    }

    @Test(arguments: [
        (["if-none-match": SiteTests.feed.etag], 304),
        (["if-none-match": "\"other\", " + SiteTests.feed.etag], 304),
        (["if-none-match": "W/" + SiteTests.feed.etag], 304),
        (["if-none-match": "*"], 304),
        (["if-none-match": "\"stale\""], 200),
        // If-None-Match wins over If-Modified-Since.
        (["if-none-match": "\"stale\"", "if-modified-since": "Fri, 15 Jan 2027 08:00:00 GMT"], 200),
        (["if-modified-since": "Fri, 15 Jan 2027 08:00:00 GMT"], 304),
        (["if-modified-since": "Fri, 15 Jan 2027 07:59:59 GMT"], 200),
        (["if-modified-since": "yesterday"], 200),
    ])
    func conditionalRequests(headers: [String: String], status: Int) {
        let r = get("/\(Self.token)/pgtrack.ics", headers.merging(["host": "127.0.0.1:8787"]) { $1 })
        #expect(r.status == status)
        if status == 304 {
            #expect(r.body.isEmpty && r.header("ETag") == Self.feed.etag)
        }
    }

    @Test(arguments: [
        ("/0123456789abcdef0123456789abcdee/pgtrack.ics", 404), // one digit off
        ("/pgtrack.ics", 404), ("/", 404), ("//pgtrack.ics", 404), ("/\(SiteTests.token)/other.ics", 404),
        ("/\(SiteTests.token)/pgtrack.ics/x", 404), ("/0123456789abcdef0123456789abcdee", 404), ("/\(SiteTests.token)/events/x", 404),
    ])
    func wrongPathsAreNotFound(path: String, status: Int) {
        #expect(get(path).status == status)
    }

    @Test func theTokenAloneRedirectsToThePage() {
        let r = get("/\(Self.token)")
        #expect(r.status == 308 && r.header("Location") == "/\(Self.token)/")
    }

    static let page = ProgressPage.Rendered(html: "<!doctype html><main data-version=\"v1\"></main>", version: "v1")

    @Test func thePageWithItsValidatorAndPolicy() {
        let site = site()
        let request = { (headers: [String: String]) in
            site.respond(HTTPRequest(method: "GET", path: "/\(Self.token)/") { headers.merging(["host": "127.0.0.1:8787"]) { $1 }[$0.lowercased()] })
        }
        #expect(request([:]).status == 503) // not rendered yet
        var renders = 0
        site.renderPage = { renders += 1; return Self.page }
        let r = request([:])
        #expect(r.status == 200 && r.body == Array(Self.page.html.utf8))
        #expect(r.header("Content-Type") == "text/html; charset=utf-8" && r.header("ETag") == "\"v1\"")
        #expect(r.header("Content-Security-Policy")?.hasPrefix(ProgressPage.contentSecurityPolicy) == true)
        #expect(r.header("Content-Security-Policy")?.hasSuffix("frame-ancestors 'none'") == true)
        #expect(r.header("Referrer-Policy") == "no-referrer" && r.header("X-Content-Type-Options") == "nosniff")
        #expect(request(["if-none-match": "\"v1\""]).status == 304)
        // Rendered once, and again only after a change.
        #expect(renders == 1)
        site.pageChanged(reason: "done")
        #expect(renders == 1) // no stream open: rendered at the next request
        _ = request([:])
        #expect(renders == 2)
    }

    @Test func theEventStream() {
        let site = site()
        let events = { site.respond(HTTPRequest(method: "GET", path: "/\(Self.token)/events") { ["host": "127.0.0.1:8787"][$0.lowercased()] }) }
        #expect(events().status == 503) // no page yet
        site.renderPage = { Self.page }
        let r = events()
        #expect(r.status == 200 && r.opened != nil)
        #expect(r.header("Content-Type") == "text/event-stream" && r.header("Cache-Control") == "no-store")
        #expect(String(decoding: Site.event(version: "v2", reason: "done"), as: UTF8.self)
                == "id: v2\ndata: {\"version\":\"v2\",\"reason\":\"done\"}\n\n")
        // Anything but letters, '-' and spaces is dropped from the reason.
        #expect(String(decoding: Site.event(version: "v2", reason: "a\"}\n\ndata: x"), as: UTF8.self)
                == "id: v2\ndata: {\"version\":\"v2\",\"reason\":\"adata x\"}\n\n")
    }

    @Test(arguments: ["POST", "PUT", "DELETE", "OPTIONS", "PROPFIND"])
    func onlyGetAndHead(method: String) {
        let r = get("/\(Self.token)/pgtrack.ics", method: method)
        #expect(r.status == 405 && r.header("Allow") == "GET, HEAD")
    }

    @Test(arguments: [["host": "evil.example:8787"], ["host": "127.0.0.1:9999"], [:]])
    func foreignHostsAreMisdirected(headers: [String: String]) {
        #expect(get("/\(Self.token)/pgtrack.ics", headers).status == 421)
    }

    @Test func localhostAndCaseAreAccepted() {
        #expect(get("/\(Self.token)/pgtrack.ics", ["host": "LocalHost:8787"]).status == 200)
    }

    @Test(arguments: [(0.0, "Thu, 01 Jan 1970 00:00:00 GMT"), (784111777.0, "Sun, 06 Nov 1994 08:49:37 GMT"),
                      (1_800_000_000.0, "Fri, 15 Jan 2027 08:00:00 GMT")])
    func httpDates(seconds: Double, text: String) {
        #expect(HTTPDate.format(Date(timeIntervalSince1970: seconds)) == text)
        #expect(HTTPDate.parse(text) == Date(timeIntervalSince1970: seconds))
    }

    /// A header from any client must never trap: years out of IMF-fixdate's four digits,
    /// signs, overflowing numbers (issue 23: `300000000000` crashed pgtrackd).
    @Test(arguments: ["Fri, 01 Jan 300000000000 00:00:00 GMT", "Fri, 01 Jan -300000000000 00:00:00 GMT",
                      "Fri, 01 Jan -1 00:00:00 GMT", "Fri, 01 Jan +2027 00:00:00 GMT", "Fri, 01 Jan 9223372036854775807 00:00:00 GMT",
                      "Fri, 99999999999999999999 Jan 2027 00:00:00 GMT", "Fri, 1 Jan 2027 00:00:00 GMT",
                      "Fri, 01 Jan 2027 00:00:00000000000000000000 GMT", "Fri, 01 Jan 2027 -1:00:00 GMT"])
    func absurdHTTPDatesAreNotDates(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }

    @Test func constantTimeComparison() {
        #expect(Site.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Site.constantTimeEqual(Array("abc".utf8), Array("abd".utf8)))
        #expect(!Site.constantTimeEqual(Array("abc".utf8), Array("abcd".utf8)))
        #expect(!Site.constantTimeEqual([], Array("a".utf8)))
    }
}
