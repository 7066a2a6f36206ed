"""The HTTP listener under hostile clients: what must neither wedge nor crash pgtrackd.
Each test here failed against the code before its fix (issue 23's findings 1, 2, 10)."""
import http.client
import socket
import time
from urllib.parse import urlsplit

import pytest

from conftest import FUTURE, Daemon, wait_until


def feed_url(daemon):
    return daemon.ctl_json("feed")["url"]


def get(url, headers=None, timeout=5):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("GET", u.path, headers=headers or {})
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


def raw(url, text: bytes, timeout=5):
    """Sends `text` as it is and returns the status line's code."""
    u = urlsplit(url)
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as s:
        s.sendall(text)
        answer = b""
        while b"\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ")[1]) if answer else None


def test_idle_connections_past_the_limit_do_not_wedge_the_listener(home):
    # max_connections idle connections (and one more, refused), left to time out: once
    # libmicrohttpd closed them it must listen again, with nothing else happening.
    daemon = Daemon(home, FUTURE + 'timeout = "1s"\nmax_connections = 8\n')
    try:
        url = feed_url(daemon)
        u = urlsplit(url)
        idle = []
        for _ in range(9):
            try:
                idle.append(socket.create_connection((u.hostname, u.port), timeout=2))
            except OSError:
                pass
        # Each connection libmicrohttpd took is closed by its timeout (the ninth waits in
        # the listen queue, or was refused at the cap).
        for s in idle[:8]:
            s.settimeout(10)
            assert s.recv(1) == b""
        for s in idle:
            s.close()
        # Nothing else happens in the daemon now; a new client must be answered.
        status, body = get(url, timeout=5)
        assert status == 200 and b"BEGIN:VCALENDAR" in body
        assert daemon.process.poll() is None
    finally:
        daemon.stop()


@pytest.mark.parametrize("date", [
    "Fri, 01 Jan 300000000000 00:00:00 GMT",
    "Fri, 01 Jan -300000000000 00:00:00 GMT",
    "Fri, 01 Jan -1 00:00:00 GMT",
    "Fri, 01 Jan 9223372036854775807 00:00:00 GMT",
    "Fri, 99999999999999999999 Jan 2027 00:00:00 GMT",
    "Fri, 01 Jan +2027 00:00:00 GMT",
    "Fri, 01 Jan 2027 00:00:00000000000000000000000 GMT",
])
def test_absurd_dates_in_if_modified_since_are_ignored(daemon, date):
    url = feed_url(daemon)
    status, body = get(url, {"If-Modified-Since": date})
    assert status == 200 and b"BEGIN:VCALENDAR" in body
    assert daemon.process.poll() is None
    assert get(url)[0] == 200


def test_two_host_headers_are_a_bad_request(daemon):
    url = feed_url(daemon)
    u = urlsplit(url)
    request = (f"GET {u.path} HTTP/1.1\r\nHost: 127.0.0.1:{u.port}\r\nHost: evil.example\r\n"
               "Connection: close\r\n\r\n").encode()
    assert raw(url, request) == 400
    assert get(url)[0] == 200
