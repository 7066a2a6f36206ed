"""The feed over loopback HTTP (libmicrohttpd on the daemon's loop): conditional GET,
the secret URL, what is refused, slow and garbage clients, TLS, socket activation."""
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import BIN, FUTURE, Daemon, require_tool, varlink_call, vdirsyncer_pull, wait_until


def feed_url(daemon):
    info = daemon.ctl_json("feed")
    assert set(info) == {"file", "url", "page", "vdir"}
    return info["url"]


def request(url, method="GET", headers=None, context=None):
    u = urlsplit(url)
    conn = (http.client.HTTPSConnection(u.hostname, u.port, timeout=10, context=context) if u.scheme == "https"
            else http.client.HTTPConnection(u.hostname, u.port, timeout=10))
    try:
        conn.request(method, u.path, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def test_get_head_and_conditional_requests(daemon):
    url = feed_url(daemon)
    assert url.startswith("http://127.0.0.1:") and url.endswith("/pgtrack.ics")
    status, headers, body = request(url)
    assert status == 200
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.count(b"BEGIN:VEVENT") == 100
    assert headers["content-type"] == "text/calendar; charset=utf-8"
    assert headers["content-length"] == str(len(body))
    assert headers["cache-control"] == "no-cache"
    assert "access-control-allow-origin" not in headers
    etag, modified = headers["etag"], headers["last-modified"]
    assert etag.startswith('"') and not etag.startswith("W/")
    # HEAD: the same headers, no body.
    status, head, body_head = request(url, "HEAD")
    assert status == 200 and body_head == b"" and head["etag"] == etag and head["content-length"] == str(len(body))
    # Revalidation.
    assert request(url, headers={"If-None-Match": etag})[0] == 304
    assert request(url, headers={"If-Modified-Since": modified})[0] == 304
    assert request(url, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified})[0] == 200
    # A change: new bytes, new ETag; the slot's SEQUENCE and LAST-MODIFIED rise.
    before = body
    daemon.ctl_json("skip", "w02d1")
    wait_until(lambda: request(url)[1]["etag"] != etag, what="a new ETag")
    status, headers, after = request(url)
    assert b"STATUS:CANCELLED" in after and after != before
    import icalendar
    old = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(before).walk("VEVENT")}
    new = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(after).walk("VEVENT")}
    uid = next(u for u in new if u.startswith("w02d1-"))
    assert int(new[uid]["SEQUENCE"]) == int(old[uid]["SEQUENCE"]) + 1
    assert new[uid]["LAST-MODIFIED"].dt > old[uid]["LAST-MODIFIED"].dt
    assert request(url, headers={"If-None-Match": etag})[0] == 200
    # ETag changes exactly when the bytes do: the same bytes keep it.
    assert request(url)[1]["etag"] == headers["etag"]


def test_what_is_refused(daemon):
    url = feed_url(daemon)
    u = urlsplit(url)
    token = u.path.split("/")[1]
    base = f"http://127.0.0.1:{u.port}"
    assert request(base + "/" + "0" * 32 + "/pgtrack.ics")[0] == 404
    assert request(base + "/pgtrack.ics")[0] == 404
    assert request(base + f"/{token}/other.ics")[0] == 404
    status, headers, _ = request(url, "POST")
    assert status == 405 and headers["allow"] == "GET, HEAD"
    assert request(url, "DELETE")[0] == 405
    # DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends its own Host.
    assert request(url, headers={"Host": f"evil.example:{u.port}"})[0] == 421
    assert request(url, headers={"Host": f"localhost:{u.port}"})[0] == 200


def test_rotating_the_token(daemon):
    old = feed_url(daemon)
    r = daemon.ctl("feed", "--rotate-token", "--json")
    assert r.returncode == 0, r.stderr
    new = json.loads(r.stdout)["url"]
    assert new != old
    assert request(old)[0] == 404 and request(new)[0] == 200
    # Kept across a restart.
    daemon.stop()
    again = Daemon(daemon.home)
    try:
        assert feed_url(again).split("/")[3] == new.split("/")[3]
        token = daemon.home.root / "state" / "pgtrack" / "http-token"
        assert os.stat(token).st_mode & 0o777 == 0o600
    finally:
        again.stop()


def test_a_slow_client_does_not_delay_another(daemon):
    url = feed_url(daemon)
    u = urlsplit(url)
    slow = socket.create_connection((u.hostname, u.port))
    text = f"GET {u.path} HTTP/1.1\r\nHost: 127.0.0.1:{u.port}\r\n".encode()
    slow.send(text[:5])
    sent = 5
    # While the slow client has sent 5 bytes of its request, whole requests are answered.
    for _ in range(3):
        assert request(url)[0] == 200
        slow.send(text[sent:sent + 1])
        sent += 1
        time.sleep(0.2)
    slow.close()


def test_garbage_leaves_the_daemon_answering(home):
    # A client that sends garbage and hangs up holds its connection slot until the
    # connection timeout at most (libmicrohttpd, edge-triggered, may not see a FIN that
    # came with the data): with timeout = 1s the 32 slots turn over quickly.
    import random
    daemon = Daemon(home, FUTURE + 'timeout = "1s"\n')
    try:
        url = feed_url(daemon)
        u = urlsplit(url)
        rng = random.Random(7)
        for i in range(1000):
            try:
                s = socket.create_connection((u.hostname, u.port), timeout=2)
                kind = i % 3
                if kind == 0:
                    s.sendall(bytes(rng.randrange(256) for _ in range(200)))
                elif kind == 1:
                    s.sendall(b"GET /" + b"a" * 40000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")  # over the request limit
                else:
                    s.sendall(b"GET / HTTP/1.1\r\n" + b"X: y\r\n" * 5000 + b"\r\n")
                s.close()
            except OSError:
                pass  # refused or reset at the connection cap: that is the cap working
        def served():
            try:
                return request(url)[0] == 200
            except OSError:
                return False  # a slot not free yet
        wait_until(served, timeout=10, what="the feed served again")
        assert daemon.ctl_json("status")["total"] == 90
        assert daemon.process.poll() is None
    finally:
        daemon.stop()


def test_vdirsyncer_and_icalendar_read_the_served_feed(daemon, tmp_path):
    import icalendar
    url = feed_url(daemon)
    cal = icalendar.Calendar.from_ical(request(url)[2])
    assert len(cal.walk("VEVENT")) == 100
    local = vdirsyncer_pull(tmp_path, f'type = "http"\nurl = "{url}"')
    assert len(list(local.glob("*.ics"))) == 100


def test_a_port_in_use_is_a_clear_error(home):
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen(1)
    port = blocker.getsockname()[1]
    home.write_config(FUTURE.replace('listen = "127.0.0.1:0"', f'listen = "127.0.0.1:{port}"'))
    r = home.run("pgtrackd")
    blocker.close()
    assert r.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}: Address already in use" in r.stderr


def test_tls_with_a_self_signed_certificate(home, tmp_path):
    openssl = require_tool("openssl")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    daemon = Daemon(home, FUTURE + f'tls_key = "{key}"\ntls_cert = "{cert}"\n')
    try:
        url = feed_url(daemon)
        assert url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(cert))
        status, headers, body = request(url, context=context)
        assert status == 200 and body.startswith(b"BEGIN:VCALENDAR\r\n")
        # Plain HTTP on the TLS port is not answered with the feed.
        with pytest.raises(Exception):
            plain = request(url.replace("https://", "http://"))
            assert plain[0] != 200
            raise RuntimeError("answered")
    finally:
        daemon.stop()


def test_socket_activation_by_name(home, tmp_path):
    activate = require_tool("systemd-socket-activate")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    home.write_config(FUTURE)
    sock = tmp_path / "control.sock"
    passed = [f"-E{name}" for name in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR", "PATH")]
    p = subprocess.Popen([activate, "-l", str(sock), "-l", f"127.0.0.1:{port}", "--fdname=varlink:http", *passed, str(BIN / "pgtrackd")],
                         env=home.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(sock.exists, what="the control socket")
        # The first connection (HTTP here) makes systemd-socket-activate start pgtrackd.
        def served():
            try:
                return request(f"http://127.0.0.1:{port}/x/pgtrack.ics")[0] == 404
            except OSError:
                return False
        wait_until(served, what="the passed HTTP socket answering")
        r = subprocess.run([str(BIN / "pgtrackctl"), "feed", "--json"], env=dict(home.env, PGTRACK_SOCKET=str(sock)),
                           capture_output=True, text=True, timeout=30)
        url = json.loads(r.stdout)["url"]
        assert url.startswith(f"http://127.0.0.1:{port}/")
        assert request(url)[0] == 200
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=10)


def test_connections_are_kept_alive(daemon):
    # Answering at the first call made libmicrohttpd close every connection after one
    # response (a TCP handshake per revalidation); clients reuse one connection now.
    u = urlsplit(feed_url(daemon))
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request("GET", u.path)
        r = conn.getresponse()
        etag = r.getheader("ETag")
        r.read()
        assert r.getheader("Connection") != "close"
        first = conn.sock
        conn.request("GET", u.path, headers={"If-None-Match": etag})
        r = conn.getresponse()
        r.read()
        assert r.status == 304 and conn.sock is first
    finally:
        conn.close()


class EventStream:
    """A raw client of /<token>/events: reads the chunked body line by line."""

    def __init__(self, page, headers=None, query=""):
        u = urlsplit(page)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=5)
        self.conn.request("GET", u.path + "events" + query, headers=headers or {})
        self.response = self.conn.getresponse()

    def event(self, timeout=5):
        """The next event's fields (a blank line ends one); comments and retry skipped."""
        self.conn.sock.settimeout(timeout)
        fields = {}
        while True:
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if not line:
                if "data" in fields:
                    return fields
                continue
            name, _, value = line.partition(": ")
            if name in ("id", "data"):
                fields[name] = value

    def close(self):
        self.conn.close()


def page_version(page):
    status, headers, body = request(page)
    assert status == 200
    return headers["etag"].strip('"')


def test_the_event_stream(daemon):
    page = daemon.ctl_json("feed")["page"]
    version = page_version(page)
    # A client that says which page it has hears nothing until the page changes.
    stream = EventStream(page, headers={"Last-Event-ID": version})
    assert stream.response.status == 200
    assert stream.response.getheader("Content-Type") == "text/event-stream"
    assert stream.response.getheader("Cache-Control") == "no-store"
    daemon.ctl_json("skip", "w02d1")
    event = stream.event()
    new = page_version(page)
    assert new != version and event["id"] == new
    assert json.loads(event["data"]) == {"version": new, "reason": "skip"}
    # A client with an older page (its ?since) hears at once that there is a newer one.
    late = EventStream(page, query=f"?since={version}")
    assert late.event(timeout=2)["id"] == new
    # A change the page does not show (a snooze) sends nothing; the next real one does.
    reply = varlink_call(daemon.socket, "Snooze", slot="w02d2", until="2030-01-14T17:50:00+01:00")
    assert "error" not in reply, reply
    daemon.ctl_json("done", "w01d1")
    assert json.loads(stream.event()["data"])["reason"] == "done"
    stream.close()
    late.close()
    # HEAD: the headers, and the connection is done.
    status, headers, body = request(page + "events", "HEAD")
    assert status == 200 and headers["content-type"] == "text/event-stream" and body == b""


def test_event_streams_are_capped_and_cost_no_wakeups(home):
    strace = require_tool("strace")
    # max_connections = 6: at most 3 event streams, the rest of the slots for the feed.
    daemon = Daemon(home, FUTURE + "max_connections = 6\n")
    try:
        page = daemon.ctl_json("feed")["page"]
        streams = [EventStream(page) for _ in range(3)]
        assert all(s.response.status == 200 for s in streams)
        for s in streams:
            s.event(timeout=2)  # each heard of the page it did not name
        status, headers, body = request(page + "events")
        assert status == 503 and headers["retry-after"] == "5"
        assert request(daemon.ctl_json("feed")["url"])[0] == 200
        # Three open streams, nothing changing: not one system call for 12 s, longer
        # than the connection timeout (10 s) a non-parked connection would wake for.
        time.sleep(2)
        trace = subprocess.run(["timeout", "-s", "INT", "12", strace, "-f", "-c", "-p", str(daemon.process.pid)],
                               capture_output=True, text=True)
        assert "total" not in trace.stderr, f"system calls with idle streams:\n{trace.stderr}"
        # Still live after the quiet: a change reaches all three.
        daemon.ctl_json("skip", "w03d1")
        assert all(s.event()["id"] for s in streams)
        # A stream that goes away frees its place.
        streams.pop().close()
        wait_until(lambda: request(page + "events", "HEAD")[0] == 200, timeout=5, what="a free stream place")
        for s in streams:
            s.close()
    finally:
        daemon.stop()
