# SPDX-License-Identifier: MIT
"""fileserver (handout Part C) over real sockets: persistent connections and pipelining, HEAD,
redirects, listings, index files, errors with http.server's messages, traversal attempts against
a canary outside the served directory, the engine's limits and deadlines, many parallel
downloads, and a clean stop. Raw sockets throughout, so nothing is normalised by a client library.
"""
import concurrent.futures
import hashlib
import html.parser
import os
import re
import signal
import socket
import struct
import subprocess
import time

import pytest

from conftest import BIN_DIR, SLOW

CANARY = b"CANARY-outside-the-docroot-7f3a"
BIG = 1 << 20


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    """A served directory, with a canary file and a secret directory just outside it."""
    top = tmp_path_factory.mktemp("fileserver")
    (top / "canary.txt").write_bytes(CANARY)
    (top / "outside").mkdir()
    (top / "outside" / "secret.txt").write_bytes(CANARY)
    root = top / "docroot"
    root.mkdir()
    (root / "hello.txt").write_bytes(b"hello, world\n")
    (root / "big.bin").write_bytes(os.urandom(BIG))
    (root / "huge.bin").write_bytes(os.urandom(16 * BIG))
    for d in ("sub", "withindex", "htmonly", "odd", "empty", "many", "evil.example/sub",
              "x <b> & y"):
        (root / d).mkdir(parents=True)
    (root / "sub" / "a.txt").write_bytes(b"a\n")
    (root / "sub" / "B.txt").write_bytes(b"B\n")
    (root / "withindex" / "index.html").write_bytes(b"<p>the index.html</p>\n")
    (root / "withindex" / "index.htm").write_bytes(b"<p>the index.htm</p>\n")
    (root / "withindex" / "other.txt").write_bytes(b"other\n")
    (root / "htmonly" / "index.htm").write_bytes(b"<p>only htm</p>\n")
    for name in ("a&b.txt", "<tag>.txt", "100% sure.txt", "spa ce.txt", "q\"uote'.txt"):
        (root / "odd" / name).write_bytes(name.encode() + b"\n")
    (root / "odd" / "Dir").mkdir()
    for i in range(300):
        (root / "many" / f"file-{i:03d}-with-a-rather-long-name.txt").write_bytes(b"x")
    os.symlink("../canary.txt", root / "link-out")
    os.symlink(str(top / "canary.txt"), root / "link-abs")
    os.symlink("../outside", root / "dir-out")
    os.symlink("sub", root / "link-in")
    os.symlink("nowhere", root / "odd" / "broken")
    os.symlink("../sub", root / "odd" / "tosub")
    (root / "links").mkdir()
    os.symlink("..", root / "links" / "up")                   # back to the root: allowed
    os.symlink("../link-in", root / "links" / "chain")        # a link to a link to sub
    os.symlink("loop", root / "links" / "loop")               # a loop: ELOOP, 404
    os.symlink("../../canary.txt", root / "links" / "deep-out")
    os.symlink("up/../../canary.txt", root / "links" / "out-via-up")
    os.symlink(str(root / "sub"), root / "links" / "abs-in")  # absolute, even inward: refused
    os.mkfifo(root / "fifo")
    return root


# How fileserver opens a path beneath its folder (fileserver/beneath.c): openat2() where the
# kernel has it, else the walk of openat(O_NOFOLLOW); FILESERVER_OPEN=walk makes it walk here
# too, so every path test checks both.
OPEN_MODES = ["openat2", "walk"]


def start(server, docroot, *extra, mode="openat2"):
    env = dict(os.environ, FILESERVER_OPEN=mode)
    return server("fileserver", "-b", "127.0.0.1", "-d", str(docroot), *extra, "0",
                  port_stream="stderr", env=env)


class Response:
    def __init__(self, version, status, reason, headers, body):
        self.version, self.status, self.reason = version, status, reason
        self.header_list, self.body = headers, body
        self.headers = {k.lower(): v for k, v in headers}

    def get(self, name):
        return self.headers.get(name.lower())


class Conn:
    """One client connection with a read buffer, so pipelined responses are read in order."""

    def __init__(self, srv, timeout=10):
        self.sock = srv.connect(timeout=timeout)
        self.buf = b""

    def close(self):
        self.sock.close()

    def send(self, data):
        self.sock.sendall(data)

    def _fill(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise EOFError(f"connection closed; unread: {self.buf[:200]!r}")
        self.buf += chunk

    def _take_until(self, sep):
        while sep not in self.buf:
            self._fill()
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _chunked_body(self):
        body = b""
        while True:
            size = int(self._take_until(b"\r\n").split(b";")[0], 16)
            if size == 0:
                while self._take_until(b"\r\n") != b"\r\n":
                    pass
                return body
            body += self._take(size)
            assert self._take(2) == b"\r\n"

    def _rest(self):
        try:
            while True:
                self._fill()
        except EOFError:
            out, self.buf = self.buf, b""
            return out

    def response(self, head=False):
        """Read one response; head=True for the answer to a HEAD request (no body)."""
        lines = self._take_until(b"\r\n\r\n").decode("latin-1").split("\r\n")[:-2]
        version, status, reason = (lines[0].split(" ", 2) + [""])[:3]
        headers = [tuple(x.strip() for x in line.split(":", 1)) for line in lines[1:]]
        r = Response(version, int(status), reason, headers, b"")
        if head or r.status in (204, 304) or r.status < 200:
            return r
        if (r.get("transfer-encoding") or "").lower() == "chunked":
            r.body = self._chunked_body()
        elif r.get("content-length") is not None:
            r.body = self._take(int(r.get("content-length")))
        else:
            r.body = self._rest()
        return r

    def closed_by_server(self, timeout=2):
        """True if the server closes (EOF or reset) within timeout with nothing more to read."""
        self.sock.settimeout(timeout * SLOW)
        try:
            return self.sock.recv(1) == b"" and self.buf == b""
        except ConnectionResetError:
            return self.buf == b""
        except socket.timeout:
            return False


def get(path, version="1.1", method="GET", extra=""):
    return f"{method} {path} HTTP/{version}\r\nHost: localhost\r\n{extra}\r\n".encode()


def fetch(srv, path, method="GET", extra="", version="1.1"):
    c = Conn(srv)
    try:
        c.send(get(path, version, method, extra + "Connection: close\r\n"))
        return c.response(head=method == "HEAD")
    finally:
        c.close()


class ListingParser(html.parser.HTMLParser):
    """The title and the (href, text) of each <li><a> in a listing."""

    def __init__(self):
        super().__init__()
        self.title, self.entries, self._in, self._href = "", [], None, None

    def handle_starttag(self, tag, attrs):
        self._in = tag
        if tag == "a":
            self._href = dict(attrs)["href"]
            self.entries.append([self._href, ""])

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "a":
            self.entries[-1][1] += data


def parse_listing(body):
    p = ListingParser()
    p.feed(body.decode("utf-8"))
    return p


# ---- the program's frame --------------------------------------------------------------------

def test_banner_has_http_servers_shape_and_real_port(server, docroot):
    srv = start(server, docroot)
    assert srv.first_line == (f"Serving HTTP on 127.0.0.1 port {srv.port} "
                              f"(http://127.0.0.1:{srv.port}/) ...")


def test_default_bind_is_dual_stack(server, docroot):
    srv = server("fileserver", "-d", str(docroot), "0", port_stream="stderr")
    assert srv.first_line == f"Serving HTTP on :: port {srv.port} (http://[::]:{srv.port}/) ..."
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        with socket.socket(family) as s:
            s.settimeout(5 * SLOW)
            s.connect((host, srv.port))
            s.sendall(get("/hello.txt", extra="Connection: close\r\n"))
            assert s.recv(100).startswith(b"HTTP/1.1 200 ")
    srv.wait_line(r'^::ffff:127\.0\.0\.1 - - \[.*\] "GET /hello.txt HTTP/1.1" 200 ', "stderr")


def test_sigint_prints_the_last_line_and_exits_0(server, docroot):
    srv = start(server, docroot)
    srv.stop(signal.SIGINT)
    assert srv.output("stderr")[-1] == "Keyboard interrupt received, exiting."


@pytest.mark.parametrize("args,code,pattern", [
    (["--help"], 0, r"Usage: fileserver \[-b ADDRESS\] \[-d DIRECTORY\] \[-p VERSION\]"),
    (["--version"], 0, r"^fileserver \d"),
    (["-d", "/nonexistent/dir", "0"], 2, r"cannot serve directory '/nonexistent/dir'"),
    (["-p", "HTTP/2", "0"], 2, r"-p takes HTTP/1.0 or HTTP/1.1"),
    (["--head-timeout", "-5", "0"], 2, r"--head-timeout takes a number"),
    (["--send-timeout", "0", "0"], 2, r"--send-timeout takes a number"),
    (["notaport"], 2, r"the port takes a number from 0 to 65535"),
    (["1", "2"], 2, r"one port only"),
    (["--bogus"], 2, r"Try 'fileserver --help'"),
])
def test_command_line(args, code, pattern):
    p = subprocess.run([os.path.join(BIN_DIR, "fileserver")] + args, capture_output=True,
                       timeout=10 * SLOW, stdin=subprocess.DEVNULL)
    assert p.returncode == code
    assert re.search(pattern, (p.stdout + p.stderr).decode(), re.MULTILINE)


def test_port_in_use_is_one_line_and_exit_1(docroot):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        p = subprocess.run([os.path.join(BIN_DIR, "fileserver"), "-b", "127.0.0.1", "-d",
                            str(docroot), str(port)], capture_output=True, timeout=10 * SLOW)
    assert p.returncode == 1
    lines = p.stderr.decode().splitlines()
    assert len(lines) == 1 and str(port) in lines[0] and "in use" in lines[0], lines


# ---- persistent connections (handout Part A.1) ----------------------------------------------

def test_two_requests_on_one_connection(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(get("/hello.txt"))
    r1 = c.response()
    c.send(get("/sub/a.txt"))
    r2 = c.response()
    assert (r1.status, r1.body, r2.status, r2.body) == (200, b"hello, world\n", 200, b"a\n")
    assert r1.version == "HTTP/1.1" and (r1.get("connection") or "").lower() != "close"
    assert not c.closed_by_server(timeout=0.3)
    c.close()


def test_connection_close_from_the_client_is_honoured(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(get("/hello.txt", extra="Connection: close\r\n"))
    r = c.response()
    assert r.status == 200 and r.get("connection").lower() == "close"
    assert c.closed_by_server()


def test_http10_request_closes(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(b"GET /hello.txt HTTP/1.0\r\n\r\n")
    r = c.response()
    assert r.status == 200 and r.body == b"hello, world\n"
    assert c.closed_by_server()


def test_http10_keep_alive_stays_open(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    for _ in range(2):
        c.send(b"GET /hello.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        r = c.response()
        assert r.status == 200 and r.get("connection").lower() == "keep-alive"
        assert r.get("content-length") == "13"
    assert not c.closed_by_server(timeout=0.3)
    c.close()


def test_pipelined_requests_are_answered_in_order(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(get("/hello.txt") + get("/missing") + get("/sub/B.txt"))
    got = [c.response() for _ in range(3)]
    assert [(r.status, r.body) for r in got][::2] == [(200, b"hello, world\n"), (200, b"B\n")]
    assert got[1].status == 404
    c.close()


def test_head_has_the_headers_and_no_body(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(get("/big.bin", method="HEAD") + get("/hello.txt"))
    h = c.response(head=True)
    assert h.status == 200 and h.get("content-length") == str(BIG)
    assert h.get("content-type") == "application/octet-stream" and h.get("last-modified")
    r = c.response()        # read right after the head: any body bytes would break this
    assert r.status == 200 and r.body == b"hello, world\n"
    c.close()


def test_http10_option_answers_as_http_server_does(server, docroot):
    srv = start(server, docroot, "-p", "HTTP/1.0")
    c = Conn(srv)
    c.send(get("/hello.txt"))
    r = c.response()
    assert r.version == "HTTP/1.0" and r.status == 200 and r.body == b"hello, world\n"
    assert c.closed_by_server()


# ---- files, directories, listings -----------------------------------------------------------

def test_file_headers(server, docroot):
    srv = start(server, docroot)
    r = fetch(srv, "/hello.txt")
    assert r.get("content-type").startswith("text/plain")
    assert r.get("content-length") == "13" and r.get("date") and r.get("etag")
    st = os.stat(docroot / "hello.txt")
    assert r.get("last-modified") == time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                                   time.gmtime(st.st_mtime))


@pytest.mark.parametrize("target,location", [
    ("/sub", "/sub/"),
    ("/sub?x=1&y=%20", "/sub/?x=1&y=%20"),
    ("/odd", "/odd/"),
    ("/link-in", "/link-in/"),
    ("/sub/./../sub", "/sub/"),
    ("//evil.example/sub", "/evil.example/sub/"),
    ("/%2fevil.example/sub", "/evil.example/sub/"),
    ("///evil.example//sub?a", "/evil.example/sub/?a"),
])
@pytest.mark.parametrize("mode", OPEN_MODES)
def test_directory_without_slash_redirects(server, docroot, target, location, mode):
    srv = start(server, docroot, mode=mode)
    r = fetch(srv, target)
    assert r.status == 301 and r.get("location") == location
    assert not r.get("location").startswith("//")


def test_listing_entries_hrefs_and_escaping(server, docroot):
    srv = start(server, docroot)
    r = fetch(srv, "/odd/")
    assert r.status == 200 and r.get("content-type") == "text/html; charset=utf-8"
    p = parse_listing(r.body)
    assert p.title == "Directory listing for /odd/"
    assert p.entries == [
        ["100%25%20sure.txt", "100% sure.txt"],
        ["%3Ctag%3E.txt", "<tag>.txt"],
        ["a%26b.txt", "a&b.txt"],
        ["broken", "broken@"],
        ["Dir/", "Dir/"],
        ["q%22uote%27.txt", "q\"uote'.txt"],
        ["spa%20ce.txt", "spa ce.txt"],
        ["tosub/", "tosub@"],
    ]
    text = r.body.decode()
    assert "&lt;tag&gt;.txt" in text and "a&amp;b.txt" in text and "<tag>" not in text
    assert text.startswith('<!DOCTYPE HTML>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    assert text.endswith("</ul>\n<hr>\n</body>\n</html>\n")


def test_listing_title_of_escaped_path(server, docroot):
    srv = start(server, docroot)
    r = fetch(srv, "/x%20%3Cb%3E%20%26%20y/")
    assert parse_listing(r.body).title == "Directory listing for /x <b> & y/"
    assert b"<title>Directory listing for /x &lt;b&gt; &amp; y/</title>" in r.body
    r = fetch(srv, "/evil.example/")
    assert parse_listing(r.body).title == "Directory listing for /evil.example/"
    assert parse_listing(r.body).entries == [["sub/", "sub/"]]


@pytest.mark.parametrize("mode", OPEN_MODES)
def test_index_html_preferred_then_index_htm(server, docroot, mode):
    srv = start(server, docroot, mode=mode)
    assert fetch(srv, "/withindex/").body == b"<p>the index.html</p>\n"
    r = fetch(srv, "/htmonly/")
    assert r.body == b"<p>only htm</p>\n" and r.get("content-type").startswith("text/html")
    assert fetch(srv, "/withindex/other.txt").body == b"other\n"


def test_chunked_listing_equals_the_buffered_one(server, docroot):
    srv = start(server, docroot)
    buffered = start(server, docroot, "--no-chunked")
    c = Conn(srv)
    c.send(get("/many/"))
    r = c.response()
    assert r.get("transfer-encoding") == "chunked" and r.get("content-length") is None
    b = fetch(buffered, "/many/")
    assert b.get("transfer-encoding") is None and b.get("content-length") == str(len(b.body))
    assert r.body == b.body and len(parse_listing(r.body).entries) == 300
    c.send(get("/hello.txt"))           # the connection survives a chunked listing
    assert c.response().status == 200
    c.close()


def test_http10_listing_is_close_delimited(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(b"GET /many/ HTTP/1.0\r\n\r\n")
    r = c.response()
    assert r.status == 200 and r.get("transfer-encoding") is None
    assert r.get("content-length") is None and len(parse_listing(r.body).entries) == 300
    assert r.body.endswith(b"</html>\n")


def test_head_of_listing_has_no_body(server, docroot):
    for args in ((), ("--no-chunked",)):
        srv = start(server, docroot, *args)
        c = Conn(srv)
        c.send(get("/many/", method="HEAD") + get("/hello.txt"))
        assert c.response(head=True).status == 200
        assert c.response().body == b"hello, world\n"
        c.close()


def test_conditional_get(server, docroot):
    srv = start(server, docroot)
    first = fetch(srv, "/hello.txt")
    etag, modified = first.get("etag"), first.get("last-modified")
    cases = [
        (f"If-None-Match: {etag}\r\n", 304),
        (f"If-None-Match: \"x\", W/{etag}\r\n", 304),
        ("If-None-Match: *\r\n", 304),
        ("If-None-Match: \"other\"\r\n", 200),
        (f"If-Modified-Since: {modified}\r\n", 304),
        ("If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\n", 200),
        ("If-Modified-Since: not a date\r\n", 200),
        # If-None-Match decides alone when present (RFC 9110 13.1.3)
        (f"If-None-Match: \"other\"\r\nIf-Modified-Since: {modified}\r\n", 200),
    ]
    for extra, status in cases:
        c = Conn(srv)
        c.send(get("/hello.txt", extra=extra) + get("/sub/a.txt"))
        r = c.response()
        assert r.status == status, extra
        if status == 304:
            assert r.get("etag") == etag and r.get("content-type") is None
        assert c.response().body == b"a\n", extra   # a 304 carries no body
        c.close()


# ---- errors and refusals ----------------------------------------------------------------------

def test_404_has_http_servers_message_and_log_line(server, docroot):
    srv = start(server, docroot)
    r = fetch(srv, "/missing.txt")
    assert r.status == 404 and b"File not found" in r.body
    srv.wait_line(r"^127\.0\.0\.1 - - \[\d\d/\w\w\w/\d{4} \d\d:\d\d:\d\d\] "
                  r"code 404, message File not found$", "stderr")
    srv.wait_line(r'^127\.0\.0\.1 - - \[.*\] "GET /missing.txt HTTP/1.1" 404 -$', "stderr")


ALLOW = "GET, HEAD, OPTIONS"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_known_methods_get_405_with_allow_and_keep_the_connection(server, docroot, method):
    """RFC 9110 15.5.6: a method HTTP knows but this resource does not allow is 405, with Allow.
    Its body is read and dropped by its framing, and the next request on the connection is
    answered (http.server answers 501 and closes)."""
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(f"{method} /hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n".encode() +
           b"hello world" + get("/hello.txt"))
    r = c.response()
    assert r.status == 405 and r.get("allow") == ALLOW
    assert r.get("connection") != "close"
    assert c.response().body == b"hello, world\n"
    c.close()
    srv.wait_line(rf'"{method} /hello.txt HTTP/1.1" 405 -$', "stderr")


def test_405_drops_a_chunked_body_with_its_trailer(server, docroot):
    """A chunked body (with a trailer field) before a pipelined GET: the GET is answered, so
    the body was read to its real end, trailer included, not to its zero chunk only."""
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
           b"5\r\nhello\r\n0\r\nX-Checksum: 42\r\n\r\n" + get("/hello.txt"))
    assert c.response().status == 405
    assert c.response().body == b"hello, world\n"
    c.close()


def test_405_with_a_body_too_large_to_skip_closes(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(b"PUT /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000000\r\n\r\n")
    r = c.response()
    assert r.status == 405 and r.get("connection") == "close"
    c.close()


@pytest.mark.parametrize("target", ["*", "/", "/hello.txt"])
def test_options_lists_the_allowed_methods(server, docroot, target):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(f"OPTIONS {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode() + get("/hello.txt"))
    r = c.response()
    assert r.status == 204 and r.get("allow") == ALLOW and r.body == b""
    assert r.get("content-length") is None          # 204 has no content (RFC 9110 15.3.5)
    assert c.response().body == b"hello, world\n"   # and the connection goes on
    c.close()


def test_unknown_methods_stay_501(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(b"BREW /pot HTTP/1.1\r\nHost: x\r\n\r\n")
    assert c.response().status == 501
    c.close()


@pytest.mark.parametrize("mode", OPEN_MODES)
@pytest.mark.parametrize("target", ["/fifo", "/hello.txt/", "/sub/a.txt/", "/nothing/"])
def test_not_a_file_is_404_never_a_hang(server, docroot, target, mode):
    srv = start(server, docroot, mode=mode)
    r = fetch(srv, target)
    assert r.status == 404 and b"File not found" in r.body


TRAVERSALS = [
    "/../canary.txt", "/%2e%2e/canary.txt", "/%2E%2E/canary.txt", "/.%2e/canary.txt",
    "/..%2fcanary.txt", "/%2e%2e%2fcanary.txt", "/sub/../../canary.txt",
    "/sub/%2e%2e/%2e%2e/canary.txt", "/%252e%252e/canary.txt", "/%252e%252e%252fcanary.txt",
    "/%c0%ae%c0%ae/canary.txt", "/%c0%ae%c0%ae%c0%afcanary.txt", "/%e0%80%ae%e0%80%ae/canary.txt",
    "/..\\canary.txt", "/..%5ccanary.txt", "/%5c..%5ccanary.txt", "/%00../canary.txt",
    "/hello.txt%00/../../canary.txt", "/./../canary.txt", "//../canary.txt", "/..;/canary.txt",
    "/link-out", "/link-abs", "/dir-out/secret.txt", "/dir-out/", "/link-out/",
    "http://localhost/../canary.txt", "http://localhost/%2e%2e/canary.txt",
    "/links/deep-out", "/links/out-via-up", "/links/up/link-out", "/links/up/links/deep-out",
    "/links/up/dir-out/secret.txt", "/links/loop", "/links/abs-in/a.txt",
]


@pytest.mark.parametrize("mode", OPEN_MODES)
@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_never_reaches_the_canary(server, docroot, target, mode):
    srv = start(server, docroot, mode=mode)
    c = Conn(srv)
    c.send(get(target, extra="Connection: close\r\n"))
    data = c._rest()
    assert data.startswith(b"HTTP/1.1 4"), data[:100]
    assert CANARY not in data


@pytest.mark.parametrize("mode", OPEN_MODES)
def test_symlink_inside_the_root_is_followed(server, docroot, mode):
    srv = start(server, docroot, mode=mode)
    assert fetch(srv, "/link-in/a.txt").body == b"a\n"
    assert fetch(srv, "/odd/tosub/B.txt").body == b"B\n"
    assert fetch(srv, "/links/up/hello.txt").body == b"hello, world\n"
    assert fetch(srv, "/links/up/links/up/sub/a.txt").body == b"a\n"
    assert fetch(srv, "/links/chain/B.txt").body == b"B\n"
    r = fetch(srv, "/odd/tosub/")
    assert r.status == 200 and b"a.txt" in r.body                 # a listing through a link
    assert fetch(srv, "/links/up").status == 301                  # a folder: the slash form


@pytest.mark.parametrize("mode", OPEN_MODES)
@pytest.mark.parametrize("target", ["/links/loop", "/odd/broken", "/links/abs-in/a.txt",
                                    "/links/deep-out"])
def test_refused_links_are_404(server, docroot, target, mode):
    srv = start(server, docroot, mode=mode)
    r = fetch(srv, target)
    assert r.status == 404 and b"File not found" in r.body


BAD_REQUESTS = [
    ("414 long request line", b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    ("431 long header line",
     b"GET / HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 9000 + b"\r\n\r\n", 431),
    ("431 too many fields", b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n", 431),
    ("400 no Host in 1.1", b"GET / HTTP/1.1\r\n\r\n", 400),
    ("400 two Hosts", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
    ("400 bare CR", b"GET / HTTP/1.1\r\nHost: x\rX: y\r\n\r\n", 400),
    ("400 obs-fold", b"GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", 400),
    ("400 space before colon", b"GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400),
    ("400 CL and TE", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n"
                      b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
    ("400 bad CL", b"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400),
    ("400 garbled version", b"GET / HTTQ/1.1\r\nHost: x\r\n\r\n", 400),
    ("501 unknown method", b"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    ("501 lowercase method", b"get / HTTP/1.1\r\nHost: x\r\n\r\n", 501),
    ("501 unknown coding", b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
                           b"0\r\n\r\n", 501),
    ("400 chunked not last", b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400),
    ("505 HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505),
]


@pytest.mark.parametrize("why,request_bytes,status", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_requests_get_their_status_and_close(server, docroot, why, request_bytes, status):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(request_bytes)
    r = c.response()
    assert r.status == status, why
    assert r.get("connection").lower() == "close" and c.closed_by_server(), why


def test_bare_lf_request_is_answered(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.send(b"GET /hello.txt HTTP/1.1\nHost: x\n\n")
    assert c.response().body == b"hello, world\n"
    c.close()


# ---- deadlines --------------------------------------------------------------------------------

def test_head_sent_one_byte_per_20ms_is_served(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    for b in get("/hello.txt"):
        c.send(bytes([b]))
        time.sleep(0.02)
    assert c.response().body == b"hello, world\n"
    c.close()


def test_head_that_never_completes_is_dropped_at_the_deadline(server, docroot):
    srv = start(server, docroot, "--head-timeout", "500")
    c = Conn(srv)
    t0 = time.monotonic()
    c.send(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n")
    r = c.response()
    took = time.monotonic() - t0
    assert r.status == 408 and c.closed_by_server()
    assert 0.4 <= took <= 3 * SLOW, took


def test_idle_connection_is_closed_after_the_idle_timeout(server, docroot):
    srv = start(server, docroot, "--idle-timeout", "300")
    c = Conn(srv)
    c.send(get("/hello.txt"))
    assert c.response().status == 200
    t0 = time.monotonic()
    assert c.closed_by_server(timeout=3)
    assert 0.2 <= time.monotonic() - t0 <= 3 * SLOW


# ---- load and hostile clients -----------------------------------------------------------------

def download(srv, path="/big.bin"):
    c = Conn(srv, timeout=60)
    try:
        c.send(get(path, extra="Connection: close\r\n"))
        r = c.response()
        return r.status, hashlib.sha256(r.body).hexdigest()
    finally:
        c.close()


def test_200_parallel_downloads_are_intact(server, docroot):
    srv = start(server, docroot, "-q")
    want = hashlib.sha256((docroot / "big.bin").read_bytes()).hexdigest()
    with concurrent.futures.ThreadPoolExecutor(max_workers=200) as pool:
        results = list(pool.map(lambda _: download(srv), range(200)))
    assert results == [(200, want)] * 200


def test_client_reset_mid_download_does_not_disturb_others(server, docroot):
    srv = start(server, docroot)
    want = hashlib.sha256((docroot / "huge.bin").read_bytes()).hexdigest()
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        others = [pool.submit(download, srv, "/huge.bin") for _ in range(3)]
        for _ in range(5):
            c = Conn(srv)
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
            c.send(get("/huge.bin"))
            c._take(100000)
            c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            c.close()                           # RST with megabytes still unsent
        assert [f.result() for f in others] == [(200, want)] * 3
    assert fetch(srv, "/hello.txt").status == 200


def test_sigterm_during_a_download_exits_0(server, docroot):
    srv = start(server, docroot)
    c = Conn(srv)
    c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    c.send(get("/huge.bin"))
    c._take(50000)                              # the download is under way, and stalls
    srv.stop(signal.SIGTERM)
    assert srv.output("stderr")[-1] == "Keyboard interrupt received, exiting."
    c.close()
