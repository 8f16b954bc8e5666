# SPDX-License-Identifier: MIT
"""web_hello (handout Example 2): byte-exact HTTP/1.0 responses (Date checked by pattern), a head
sent one byte at a time, HEAD, 404, 501, the error codes for bad, long and slow requests, the
handout's printed list, a clean stop with clients connected, and a port in use. With HANDOUT_DIR
set, the handout's web_hello.py runs beside it: its glued header bytes, and the request split in
two that ends it."""
import email.utils
import os
import re
import resource
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BIN_DIR, SLOW, VARIANT, recv_until_close

WEB_HELLO = os.path.join(BIN_DIR, "web_hello")
DATE = re.compile(rb"\r\nDate: ((?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d "
                  rb"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                  rb"\d\d:\d\d:\d\d GMT)\r\n")
REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found", 408: "Request Timeout",
           414: "URI Too Long", 431: "Request Header Fields Too Large", 501: "Not Implemented",
           505: "HTTP Version Not Supported"}


def start(server, *args):
    return server("web_hello", "-p", "0", *args)


def expected(status, head_only=False):
    """The response as specified, with the Date value replaced by DATE."""
    text = "Hello World!" if status == 200 else f"{status} {REASONS[status]}"
    body = f"<html><body>{text}</body></html>\r\n".encode()
    head = (f"HTTP/1.0 {status} {REASONS[status]}\r\n"
            "Date: DATE\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\n"
            "Connection: close\r\n"
            "\r\n").encode()
    return head if head_only else head + body


def without_date(response):
    """Check the Date field (an IMF-fixdate of about now) and replace its value by DATE."""
    m = DATE.search(response)
    assert m, f"no valid Date field in {response!r}"
    when = email.utils.parsedate_to_datetime(m.group(1).decode()).timestamp()
    assert abs(when - time.time()) < 60, m.group(1)
    return response[:m.start(1)] + b"DATE" + response[m.end(1):]


def exchange(srv, request):
    """Send a request, end the sending side (a client that has said all), read the answer."""
    with srv.connect() as c:
        c.sendall(request)
        c.shutdown(socket.SHUT_WR)
        return recv_until_close(c)


REQUESTS = [
    # (request, status, head only, why)
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 200, False, "the hello page"),
    (b"GET / HTTP/1.0\r\n\r\n", 200, False, "HTTP/1.0 needs no Host"),
    (b"\r\nGET / HTTP/1.0\r\nUser-Agent: nc\r\n\r\n", 200, False,
     "an empty line before the request is ignored (RFC 9112 2.2)"),
    (b"GET / HTTP/1.0\n\n", 200, False, "bare LF line ends are accepted (RFC 9112 2.2)"),
    (b"HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", 200, True, "HEAD: the same head, no body"),
    (b"GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n", 404, False, "any other path"),
    (b"HEAD /missing HTTP/1.0\r\n\r\n", 404, True, "HEAD of a missing page"),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 501, False,
     "a method this server does not implement (RFC 9110 9.1)"),
    (b"DELETE / HTTP/1.0\r\n\r\n", 501, False, "another known method"),
    (b"BREW / HTTP/1.0\r\n\r\n", 501, False, "an unknown method"),
    (b"garbage\r\n\r\n", 400, False, "not a request line"),
    (b"\x00\xff\xfe\r\n\r\n", 400, False, "binary junk"),
    (b"GET / HTTP/1.1\r\n\r\n", 400, False, "HTTP/1.1 without Host (RFC 9112 3.2)"),
    (b"GET / HTTP/1.0\rX: y\r\n\r\n", 400, False, "a bare CR (RFC 9112 2.2)"),
    (b"GET / HTTP/1.0\r\n", 400, False, "EOF in the middle of the head"),
    (b"GET / HTTP/2.0\r\n\r\n", 505, False, "an unsupported major version"),
    (b"GET /" + b"a" * 9000 + b" HTTP/1.0\r\n\r\n", 414, False, "request line over 8 KiB"),
    (b"GET / HTTP/1.0\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, False, "head over 8 KiB"),
]


@pytest.mark.parametrize("request_bytes,status,head_only,why", REQUESTS,
                         ids=[r[3] for r in REQUESTS])
def test_answers_byte_for_byte(server, request_bytes, status, head_only, why):
    srv = start(server)
    response = exchange(srv, request_bytes)    # the half-close makes "EOF mid-head" an EOF
    assert without_date(response) == expected(status, head_only), why


def test_reads_a_head_sent_one_byte_at_a_time(server):
    srv = start(server)
    with srv.connect() as c:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for byte in b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n":
            c.sendall(bytes([byte]))
            time.sleep(0.02)
        response = recv_until_close(c)
    assert without_date(response) == expected(200)
    srv.wait_line(r"^\['GET', '/', 'HTTP/1\.1'\]$")


def test_prints_the_request_line_as_a_python_list(server):
    srv = start(server)
    exchange(srv, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    exchange(srv, b"GET /it's HTTP/1.0\r\n\r\n")
    exchange(srv, b"garbage  here\r\n\r\n")
    srv.wait_line(r"^\['garbage', '', 'here'\]$")
    assert srv.output()[1:] == ["['GET', '/', 'HTTP/1.1']",
                                repr("GET /it's HTTP/1.0".split(" ")),
                                "['garbage', '', 'here']"]


def test_an_empty_connection_is_just_closed(server):
    srv = start(server)
    assert exchange(srv, b"") == b""
    assert without_date(exchange(srv, b"GET / HTTP/1.0\r\n\r\n")) == expected(200)
    srv.wait_line(r"^\['GET'")
    assert len(srv.output()) == 2              # nothing printed for the empty one


def test_a_head_too_slow_gets_408(server):
    srv = start(server, "-q")
    with srv.connect(timeout=15) as c:
        c.sendall(b"GET / HTTP/1.1\r\n")       # and never the rest
        started = time.monotonic()
        response = recv_until_close(c)
    assert without_date(response) == expected(408)
    assert 9 <= time.monotonic() - started <= 11 * SLOW


def send_slowly(sock, stop):
    try:
        for byte in b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X: y\r\n" * 1000:
            if stop.is_set():
                return
            sock.sendall(bytes([byte]))
            time.sleep(0.01)
    except OSError:
        pass


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_it_with_clients_connected(server, sig):
    srv = start(server)
    idle, slow = srv.connect(), srv.connect()
    stop = threading.Event()
    sender = threading.Thread(target=send_slowly, args=(slow, stop))
    try:
        sender.start()
        time.sleep(0.2)
        srv.stop(sig, within=1.0)
        assert srv.output("stderr")[-1] == "web_hello: stopped"
        idle.settimeout(2 * SLOW)
        assert recv_until_close(idle) == b""   # nothing was asked, nothing is answered
    finally:
        stop.set()
        sender.join(timeout=5)
        idle.close()
        slow.close()


BUSY = (b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
        b"Connection: close\r\n\r\n")


def test_past_the_client_cap_a_503_byte_for_byte():
    """A descriptor limit of 40 caps live clients at 8 (net keeps 32 descriptors spare): the 9th
    client gets the busy response at once, and a client is served again once one leaves."""
    # Valgrind keeps 12 descriptors of the limit for itself, so the program would see 28.
    limit = 40 + (12 if VARIANT == "valgrind" else 0)

    def limit_descriptors():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))

    proc = subprocess.Popen([WEB_HELLO, "-p", "0", "-q"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            preexec_fn=limit_descriptors)
    try:
        port = int(re.search(r" port (\d+)", proc.stdout.readline().decode()).group(1))
        held = [socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) for _ in range(8)]
        time.sleep(0.3 * SLOW)                     # all eight accepted and waiting for a head
        with socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) as c:
            assert recv_until_close(c) == BUSY
        held.pop().close()
        time.sleep(0.3 * SLOW)
        with socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW) as c:
            c.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert without_date(recv_until_close(c)) == expected(200)
        for c in held:
            c.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=5 * SLOW) == 0
        assert proc.stderr.read().decode().splitlines() == ["web_hello: stopped"]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_first_line_names_address_port_and_url(server):
    srv = start(server)
    assert srv.first_line == (f"web_hello: listening on 127.0.0.1 port {srv.port}, "
                              f"open http://127.0.0.1:{srv.port}/ (Ctrl-C to stop)")


def test_port_in_use_is_one_clear_line(server):
    srv = start(server)
    r = subprocess.run([WEB_HELLO, "-p", str(srv.port)], capture_output=True, text=True,
                       timeout=5 * SLOW)
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, lines
    assert f"port {srv.port}" in lines[0] and "in use" in lines[0]


@pytest.mark.parametrize("args", [["--bogus"], ["-p", ""], ["-p", "80000"], ["extra"]])
def test_bad_usage_exits_2_with_a_hint(args):
    r = subprocess.run([WEB_HELLO] + args, capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "--help" in r.stderr.splitlines()[-1]


def test_help_and_version():
    r = subprocess.run([WEB_HELLO, "--help"], capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 0
    for word in ("--bind", "--port", "--quiet", "8080", "curl"):
        assert word in r.stdout
    r = subprocess.run([WEB_HELLO, "--version"], capture_output=True, text=True,
                       timeout=5 * SLOW)
    assert r.returncode == 0 and r.stdout.startswith("web_hello ")


# ---- the handout's web_hello.py, beside ours (HANDOUT_DIR) ------------------------------------
# What the handout's listing sends: b'Connection: close' b'Content-Type:...' glued into one line
# (adjacent bytes literals join, and there is no \r\n between them), <body> closing the body, no
# Content-Length, and one more CRLF after the page.
HANDOUT_RESPONSES = {
    "/": (b"HTTP/1.0 200 OK\r\nConnection: closeContent-Type:text/html; charset=utf-8\r\n\r\n"
          b"<html><body>Hello World!<body></html>\r\n\r\n"),
    "/not-exist": (b"HTTP/1.0 404 Not Found\r\nConnection: closeContent-Type:text/html; "
                   b"charset=utf-8\r\n\r\n<html><body>404 Not Found<body></html>\r\n\r\n"),
}


@pytest.mark.parametrize("path,status", [("/", 200), ("/not-exist", 404)])
def test_the_handouts_listing_glues_two_headers_and_ours_does_not(server, listing, path, status):
    theirs = exchange(listing("web_hello.py"), f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert theirs == HANDOUT_RESPONSES[path]
    ours = exchange(start(server), f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert without_date(ours) == expected(status)
    assert b"closeContent-Type" not in ours and b"</body>" in ours


def test_the_handouts_listing_dies_on_a_request_line_split_in_two(server, listing):
    """Windows telnet sends each key as it is typed: the listing's one recv(2048) gets "G", and
    "G".split(' ')[1] raises IndexError, which ends the server. Ours reads the whole head."""
    theirs = listing("web_hello.py")
    with theirs.connect() as c:
        c.sendall(b"G")
        time.sleep(0.5)
        try:
            c.sendall(b"ET / HTTP/1.0\r\n\r\n")
        except OSError:
            pass                                   # it may already be gone
        assert recv_until_close(c) == b""
    theirs.proc.wait(timeout=10 * SLOW)
    time.sleep(0.2)                                # the pump thread reads the last lines
    assert any("IndexError" in line for line in theirs.lines), theirs.lines
    srv = start(server)
    with srv.connect() as c:
        c.sendall(b"G")
        time.sleep(0.5)
        c.sendall(b"ET / HTTP/1.0\r\n\r\n")
        assert without_date(recv_until_close(c)) == expected(200)
