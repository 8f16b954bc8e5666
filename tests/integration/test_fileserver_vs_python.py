# SPDX-License-Identifier: MIT
"""fileserver next to `python3 -m http.server` (handout Part C) on the same directory: the same
listings (entries and links), the same status codes for the same requests, and differences only
where fileserver is deliberately stricter. Each difference is listed in DIFFERENCES with the
reason, and the README documents them.
"""
import os
import re
import socket
import subprocess

import pytest

from conftest import SLOW, recv_until_close
from test_fileserver import parse_listing

PYTHON = "/usr/bin/python3"


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    top = tmp_path_factory.mktemp("vs_python")
    (top / "outside.txt").write_bytes(b"outside the root\n")
    root = top / "docroot"
    root.mkdir()
    (root / "hello.txt").write_bytes(b"hello, world\n")
    (root / "big.bin").write_bytes(os.urandom(300000))
    (root / "back\\slash.txt").write_bytes(b"a backslash in the name\n")
    for d in ("sub", "withindex", "htmonly", "odd", "empty", "many", "evil.example/sub", "Dir"):
        (root / d).mkdir(parents=True)
    (root / "sub" / "a.txt").write_bytes(b"a\n")
    (root / "sub" / "B.txt").write_bytes(b"B\n")
    (root / "withindex" / "index.html").write_bytes(b"<p>index.html</p>\n")
    (root / "withindex" / "index.htm").write_bytes(b"<p>index.htm</p>\n")
    (root / "htmonly" / "index.htm").write_bytes(b"<p>index.htm</p>\n")
    for name in ("a&b.txt", "<tag>.txt", "100% sure.txt", "spa ce.txt", "q\"uote'.txt", "Zed"):
        (root / "odd" / name).write_bytes(b"odd\n")
    for i in range(120):
        (root / "many" / f"f{i:03d}.txt").write_bytes(b"x")
    os.symlink("sub", root / "link-in")
    os.symlink(str(root / "sub"), root / "link-abs-in")
    os.symlink("../outside.txt", root / "link-out")
    os.symlink("nowhere", root / "odd" / "broken")
    return root


@pytest.fixture(scope="module")
def python_port(docroot):
    """http.server on a free port (port 0: it prints the real one), as the handout runs it."""
    p = subprocess.Popen([PYTHON, "-u", "-m", "http.server", "-b", "127.0.0.1", "-d", str(docroot),
                          "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                         stdin=subprocess.DEVNULL)
    try:
        banner = p.stdout.readline().decode()
        port = int(re.search(r"port (\d+)", banner).group(1))
        socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW).close()
        yield port
    finally:
        p.terminate()
        p.wait(timeout=10)


@pytest.fixture
def ours(server, docroot):
    return server("fileserver", "-b", "127.0.0.1", "-d", str(docroot), "0",
                  port_stream="stderr").port


def exchange(port, raw):
    """Send raw, read until the server closes: (status, headers, body). Status None: nothing
    came back; 0: an answer without a status line (HTTP/0.9 style)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW) as s:
        s.sendall(raw)
        data = b""
        try:
            while chunk := s.recv(65536):
                data += chunk
        except ConnectionResetError:
            pass
    if not data:
        return None, {}, b""
    if not data.startswith(b"HTTP/"):
        return 0, {}, data
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, v in
               (line.split(":", 1) for line in lines[1:] if ":" in line)}
    return int(lines[0].split()[1]), headers, body


def req(target, method="GET", extra=b""):
    return (f"{method} {target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n".encode()
            + extra + b"\r\n")


def decode_chunked(body):
    out = b""
    while True:
        size_line, _, body = body.partition(b"\r\n")
        size = int(size_line, 16)
        if size == 0:
            return out
        out, body = out + body[:size], body[size + 2:]


def body_of(headers, body):
    return decode_chunked(body) if headers.get("transfer-encoding") == "chunked" else body


SAME = [
    req("/"), req("/hello.txt"), req("/big.bin"), req("/sub/"), req("/sub"), req("/sub?x=1&y=2"),
    req("/missing.txt"), req("/sub/missing.txt"), req("/hello.txt/"), req("/withindex/"),
    req("/withindex"), req("/htmonly/"), req("/odd/"), req("/odd/a%26b.txt"),
    req("/odd/100%25%20sure.txt"), req("/odd/spa%20ce.txt"), req("/odd/%3Ctag%3E.txt"),
    req("/empty/"), req("/link-in/"), req("/link-in"), req("/sub/./a.txt"),
    req("/sub/../hello.txt"), req("/hello.txt?q=1"), req("//evil.example/sub"),
    req("/%252e%252e/"), req("/odd/broken"),
    req("/", "HEAD"), req("/hello.txt", "HEAD"), req("/missing", "HEAD"),
    req("/", "BREW"), b"GET /hello.txt HTTP/1.2\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n",
    b"GET /hello.txt HTTP/1.0\r\n\r\n",
]


@pytest.mark.parametrize("raw", SAME, ids=[r.split(b"\r\n")[0].decode()[:60] for r in SAME])
def test_same_status_as_http_server(ours, python_port, raw):
    ps, ph, pb = exchange(python_port, raw)
    fs, fh, fb = exchange(ours, raw)
    assert fs == ps
    if fs == 301:
        assert fh["location"] == ph["location"]
    if fs == 200 and not raw.startswith(b"HEAD") and b"/ HTTP" not in raw.split(b"\r\n")[0]:
        assert body_of(fh, fb) == pb        # files: the same bytes


LISTED = ["/", "/sub/", "/odd/", "/many/", "/empty/", "/link-in/", "/evil.example/", "/Dir/"]


@pytest.mark.parametrize("path", LISTED)
def test_same_listing_as_http_server(ours, python_port, path):
    ps, _, pb = exchange(python_port, req(path))
    fs, fh, fb = exchange(ours, req(path))
    assert fs == ps == 200
    mine, theirs = parse_listing(body_of(fh, fb)), parse_listing(pb)
    assert mine.title == theirs.title and mine.entries == theirs.entries
    assert len(mine.entries) > 0 or path in ("/empty/", "/Dir/")


@pytest.mark.parametrize("path", ["/sub/", "/many/", "/empty/"])
def test_listing_bytes_identical_for_plain_names(ours, python_port, path):
    # Names without quotes, so html.escape(quote=False) and fileserver's escaping agree.
    _, _, pb = exchange(python_port, req(path))
    _, fh, fb = exchange(ours, req(path))
    assert body_of(fh, fb) == pb


def test_with_p_http10_the_status_line_matches(server, docroot, python_port):
    port = server("fileserver", "-b", "127.0.0.1", "-d", str(docroot), "-p", "HTTP/1.0", "0",
                  port_stream="stderr").port
    for path in ("/sub/", "/hello.txt"):
        raw = f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()   # both close anyway
        got = []
        for p in (port, python_port):
            with socket.create_connection(("127.0.0.1", p), timeout=10 * SLOW) as s:
                s.sendall(raw)
                got.append(recv_until_close(s))
        assert all(g.startswith(b"HTTP/1.0 200 OK\r\n") for g in got)
        # The same body; a listing is close-delimited here where Python counts it first.
        assert got[0].partition(b"\r\n\r\n")[2] == got[1].partition(b"\r\n\r\n")[2]


# Where fileserver answers differently on purpose: (why, request, http.server's, fileserver's).
DIFFERENCES = [
    # http.server's translate_path drops a ".." that would climb above the root and serves what
    # is left; fileserver refuses the request (an attack, not a typo).
    ("dot-dot above the root", req("/../hello.txt"), 200, 404),
    ("encoded dot-dot above the root", req("/%2e%2e/hello.txt"), 200, 404),
    # A backslash is a separator on Windows: fileserver refuses it in any path, so no "..\"
    # spelling can matter; http.server on Linux serves a file whose name holds one.
    ("backslash in the name", req("/back%5Cslash.txt"), 200, 404),
    # http.server follows symlinks wherever they lead; fileserver (openat2 RESOLVE_BENEATH)
    # never leaves the served directory, and refuses absolute symlinks even when they lead back
    # inside.
    ("symlink out of the root", req("/link-out"), 200, 404),
    ("absolute symlink into the root", req("/link-abs-in/a.txt"), 200, 404),
    # NUL: http.server's open() raises ValueError and the connection drops with a traceback.
    ("NUL in the path", req("/hello.txt%00"), None, 404),
    # RFC 9112 3.2: HTTP/1.1 needs exactly one Host; http.server does not check.
    ("no Host in HTTP/1.1", b"GET /hello.txt HTTP/1.1\r\nConnection: close\r\n\r\n", 200, 400),
    ("two Hosts", req("/hello.txt", extra=b"Host: other\r\n"), 200, 400),
    # RFC 9112 6.1: Content-Length with Transfer-Encoding is how requests are smuggled.
    ("Content-Length and Transfer-Encoding",
     req("/hello.txt", extra=b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"), 200, 400),
    # RFC 9112 5.2: obs-fold is rejected (or replaced); http.server unfolds it.
    ("obs-fold", req("/hello.txt", extra=b"X-A: 1\r\n 2\r\n"), 200, 400),
    # Named limits: 8 KiB per request line (414) and per field line (431); http.server's are 64 KiB.
    ("9000-byte request line", req("/" + "a" * 9000), 404, 414),
    ("9000-byte field line",
     req("/hello.txt", extra=b"X-Long: " + b"b" * 9000 + b"\r\n"), 200, 431),
    # http.server checks the version before it knows it, and so answers HTTP/2.0 as HTTP/0.9:
    # an error page with no status line (0 here). fileserver answers 505 (RFC 9110 15.6.6).
    ("HTTP/2.0", b"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 0, 505),
    # RFC 9110 15.5.6: a method HTTP knows that this server does not allow is 405 with Allow
    # (and the connection goes on); http.server says 501 for every method it has no do_X for.
    ("POST", req("/", "POST"), 501, 405),
    ("PUT", req("/hello.txt", "PUT", b"Content-Length: 0\r\n"), 501, 405),
    ("DELETE", req("/hello.txt", "DELETE"), 501, 405),
    # RFC 9110 9.3.7: OPTIONS says what may be asked (204 with Allow).
    ("OPTIONS", req("/", "OPTIONS"), 501, 204),
]


@pytest.mark.parametrize("why,raw,python_status,our_status", DIFFERENCES,
                         ids=[d[0] for d in DIFFERENCES])
def test_deliberate_differences(ours, python_port, why, raw, python_status, our_status):
    assert exchange(python_port, raw)[0] == python_status, why
    status, _, body = exchange(ours, raw)
    assert status == our_status, why
    assert b"outside the root" not in body
