# SPDX-License-Identifier: MIT
"""fileserver's partial content and conditional GET (handout Part A.1, RFC 9110 sections 13-14),
over real sockets: the exact bytes of single, suffix and open ranges of a 10 MiB file,
multipart/byteranges bodies parsed back part by part, 416, ranges that must be ignored,
If-Range both ways, the order of the conditional checks, HEAD with Range, the Range requests a
browser makes for a video, curl's -r and -C -, and what --trace shows of it all.

The chunked listing against --no-chunked, and HTTP/1.0's close-delimited listing, are tested in
test_fileserver.py.
"""
import hashlib
import os
import re
import subprocess
import time

import pytest

from conftest import ROOT, SLOW
from test_fileserver import Conn, fetch, get

BIG_SIZE = 10 * 1024 * 1024
HANDOUT_SIZE = 47022            # the file of the handout's "Content-Range: bytes 21010-47021/47022"
PAST = 1000000000               # Sun, 09 Sep 2001 01:46:40 GMT: a Last-Modified long over
PAST_DATE = "Sun, 09 Sep 2001 01:46:40 GMT"
VIDEO = os.path.join(ROOT, "www", "video", "sample.webm")


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    root = tmp_path_factory.mktemp("ranges")
    (root / "big.bin").write_bytes(os.urandom(BIG_SIZE))
    (root / "handout.bin").write_bytes(os.urandom(HANDOUT_SIZE))
    (root / "small.txt").write_bytes(b"0123456789" * 10)
    (root / "empty.txt").write_bytes(b"")
    (root / "future.txt").write_bytes(b"modified in the future\n")
    for name in ("big.bin", "handout.bin", "small.txt", "empty.txt"):
        os.utime(root / name, (PAST, PAST))
    later = time.time() + 3600     # a date not over yet: never a strong validator
    os.utime(root / "future.txt", (later, later))
    (root / "dir").mkdir()
    for i in range(40):
        (root / "dir" / f"entry-{i:02d}.txt").write_bytes(b"x")
    return root


def start(server, docroot, *extra):
    return server("fileserver", "-b", "127.0.0.1", "-d", str(docroot), *extra, "0",
                  port_stream="stderr")


def content(docroot, name):
    return (docroot / name).read_bytes()


def ranged(srv, path, spec, extra="", method="GET"):
    """One request with "Range: spec" (None: no Range field) on its own connection."""
    return fetch(srv, path, method, (f"Range: {spec}\r\n" if spec is not None else "") + extra)


def parse_multipart(r):
    """[(content_type, content_range, bytes)] of a multipart/byteranges response, checking
    its framing: the body is exactly its parts, each behind CRLF "--" boundary, then the close
    delimiter (RFC 9110 14.6, RFC 2046 5.1.1)."""
    m = re.fullmatch(r"multipart/byteranges; boundary=([0-9a-f]{32})", r.get("content-type"))
    assert m, r.get("content-type")
    delim = b"\r\n--" + m.group(1).encode()
    assert r.body.startswith(delim + b"\r\n") and r.body.endswith(delim + b"--\r\n")
    pieces = r.body[:-len(delim + b"--\r\n")].split(delim)
    assert pieces[0] == b"", "nothing before the first boundary"
    parts = []
    for piece in pieces[1:]:
        head, data = piece.split(b"\r\n\r\n", 1)
        lines = head.decode("ascii").split("\r\n")
        assert lines[0] == "", "the boundary line ends right after the boundary"
        fields = dict(line.split(": ", 1) for line in lines[1:])
        assert set(fields) == {"Content-Type", "Content-Range"}, fields
        parts.append((fields["Content-Type"], fields["Content-Range"], data))
    return parts


# ---- one range ------------------------------------------------------------------------------

@pytest.mark.parametrize("spec,first,last", [
    ("bytes=0-0", 0, 0),
    ("bytes=0-99", 0, 99),
    ("bytes=1000-1999", 1000, 1999),
    ("bytes=5000000-", 5000000, BIG_SIZE - 1),                 # open: to the end
    ("bytes=-1", BIG_SIZE - 1, BIG_SIZE - 1),                   # suffix: the last byte
    ("bytes=-100000", BIG_SIZE - 100000, BIG_SIZE - 1),         # suffix: the last 100000
    ("bytes=0-", 0, BIG_SIZE - 1),                              # the whole file, as 206
    ("bytes=10485700-99999999", 10485700, BIG_SIZE - 1),        # last-pos clamped to the end
    ("bytes=-99999999", 0, BIG_SIZE - 1),                       # suffix longer than the file
    ("BYTES=7-7", 7, 7),                                        # the unit is case-insensitive
])
def test_single_range_is_exactly_those_bytes(server, docroot, spec, first, last):
    srv = start(server, docroot)
    r = ranged(srv, "/big.bin", spec)
    assert r.status == 206 and r.reason == "Partial Content", spec
    assert r.get("content-range") == f"bytes {first}-{last}/{BIG_SIZE}"
    assert r.get("content-length") == str(last - first + 1)
    assert r.get("content-type") == "application/octet-stream"
    assert r.get("accept-ranges") == "bytes" and r.get("etag") and r.get("last-modified")
    assert r.body == content(docroot, "big.bin")[first:last + 1]


def test_ranges_on_one_connection_keep_it_in_step(server, docroot):
    srv = start(server, docroot)
    data = content(docroot, "big.bin")
    c = Conn(srv)
    specs = [("bytes=100-199", 206, [data[100:200]]), ("bytes=-10", 206, [data[-10:]]),
             ("bytes=9999999999-", 416, []), ("bytes=0-9,20-29", 206, [data[0:10], data[20:30]]),
             ("bytes=5-1", 200, [data]), ("bytes=3-3", 206, [data[3:4]])]
    c.send(b"".join(get("/big.bin", extra=f"Range: {s}\r\n") for s, _, _ in specs))  # pipelined
    for spec, status, bodies in specs:
        r = c.response()
        assert r.status == status, spec
        if len(bodies) > 1:
            assert [p[2] for p in parse_multipart(r)] == bodies, spec
        else:
            assert r.body == b"".join(bodies), spec
    c.close()


def test_plain_get_of_a_file_says_accept_ranges(server, docroot):
    srv = start(server, docroot)
    r = fetch(srv, "/small.txt")
    assert r.status == 200 and r.get("accept-ranges") == "bytes"
    assert r.get("content-range") is None
    listing = fetch(srv, "/dir/")
    assert listing.status == 200 and listing.get("accept-ranges") is None


# ---- several ranges: multipart/byteranges ---------------------------------------------------

@pytest.mark.parametrize("name,spec,want", [
    ("handout.bin", "bytes=200-1000, 2000-6576, 19000-",            # the handout's example
     [(200, 1000), (2000, 6576), (19000, HANDOUT_SIZE - 1)]),
    ("big.bin", "bytes=200-1000, 2000-6576, 19000-",
     [(200, 1000), (2000, 6576), (19000, BIG_SIZE - 1)]),
    ("big.bin", "bytes=5000-5999,0-99",                              # sorted into file order
     [(0, 99), (5000, 5999)]),
    ("big.bin", "bytes=0-9, 5-19,\t100-199 , 200-299, -10",          # merged, OWS, a suffix
     [(0, 19), (100, 299), (BIG_SIZE - 10, BIG_SIZE - 1)]),
    ("small.txt", "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,"
     "26-26,28-28,30-30", [(i, i) for i in range(0, 32, 2)]),        # exactly 16 ranges
])
def test_multipart_body_parsed_back(server, docroot, name, spec, want):
    srv = start(server, docroot)
    data = content(docroot, name)
    r = ranged(srv, "/" + name, spec)
    assert r.status == 206 and r.get("content-range") is None
    assert r.get("content-length") == str(len(r.body)) and r.get("accept-ranges") == "bytes"
    parts = parse_multipart(r)
    ctype = "text/plain; charset=utf-8" if name.endswith(".txt") else "application/octet-stream"
    assert [(t, cr) for t, cr, _ in parts] == \
        [(ctype, f"bytes {a}-{b}/{len(data)}") for a, b in want]
    assert [body for _, _, body in parts] == [data[a:b + 1] for a, b in want]


def test_multipart_boundary_is_random(server, docroot):
    srv = start(server, docroot)
    boundaries = {ranged(srv, "/small.txt", "bytes=0-1,5-6").get("content-type") for _ in range(5)}
    assert len(boundaries) == 5


def test_ranges_that_merge_into_one_get_a_single_part(server, docroot):
    srv = start(server, docroot)
    r = ranged(srv, "/small.txt", "bytes=10-19,0-9, 5-14")
    assert r.status == 206 and r.get("content-range") == "bytes 0-19/100"
    assert r.get("content-type").startswith("text/plain") and r.body == b"0123456789" * 2


# ---- 416 and ignored ranges -----------------------------------------------------------------

@pytest.mark.parametrize("name,spec", [
    ("big.bin", f"bytes={BIG_SIZE}-"),
    ("big.bin", "bytes=99999999-99999999"),
    ("big.bin", "bytes=-0"),
    ("big.bin", f"bytes={BIG_SIZE}-,{BIG_SIZE + 10}-"),
    ("empty.txt", "bytes=0-"),
    ("empty.txt", "bytes=0-0"),
])
def test_nothing_satisfiable_is_416_with_the_size(server, docroot, name, spec):
    srv = start(server, docroot)
    size = len(content(docroot, name))
    c = Conn(srv)
    c.send(get("/" + name, extra=f"Range: {spec}\r\n") + get("/small.txt"))
    r = c.response()
    assert r.status == 416 and r.reason == "Range Not Satisfiable"
    assert r.get("content-range") == f"bytes */{size}" and r.get("content-length") == "0"
    assert r.body == b"" and r.get("connection") is None       # the connection goes on
    assert c.response().body == b"0123456789" * 10
    c.close()


@pytest.mark.parametrize("spec", [
    "items=0-1",                                   # an unknown unit
    "bytes=5-1",                                   # backwards
    "bytes=0-1,9-2",                               # one backwards range spoils the list
    "bytes=abc",                                   # garbage
    "bytes=1 - 2",                                 # whitespace inside a range-spec
    "bytes=0-18446744073709551616",                # 2^64: never wrapped to 0
    "bytes=99999999999999999999-",                 # 20 digits
    "bytes=" + ",".join(f"{i}-{i}" for i in range(0, 34, 2)),    # 17 ranges (CVE-2011-3192)
    "bytes=0-,0-",                                 # more bytes than the file: overlaps
    "bytes=0-60,40-99",                            # 121 bytes of a 100-byte file
])
def test_invalid_or_abusive_range_is_ignored(server, docroot, spec):
    srv = start(server, docroot)
    r = ranged(srv, "/small.txt", spec)
    assert r.status == 200 and r.get("content-range") is None, spec
    assert r.body == content(docroot, "small.txt") and r.get("accept-ranges") == "bytes"


def test_two_range_fields_are_ignored(server, docroot):
    srv = start(server, docroot)
    r = ranged(srv, "/small.txt", "bytes=0-1", extra="Range: bytes=5-6\r\n")
    assert r.status == 200 and r.body == content(docroot, "small.txt")


def test_suffix_of_an_empty_file_is_the_whole_empty_file(server, docroot):
    """RFC 9110 14.1.1: "-5" of an empty file is satisfiable, but no Content-Range can name a
    byte of it: the whole (empty) file, with 200."""
    srv = start(server, docroot)
    r = ranged(srv, "/empty.txt", "bytes=-5")
    assert r.status == 200 and r.get("content-length") == "0" and r.body == b""


def test_range_of_a_listing_is_ignored(server, docroot):
    srv = start(server, docroot)
    whole = fetch(srv, "/dir/")
    r = ranged(srv, "/dir/", "bytes=0-9")
    assert r.status == 200 and r.body == whole.body and len(r.body) > 10


# ---- If-Range -------------------------------------------------------------------------------

def test_if_range_both_ways(server, docroot):
    srv = start(server, docroot)
    data = content(docroot, "big.bin")
    first = fetch(srv, "/big.bin", method="HEAD")
    etag, modified = first.get("etag"), first.get("last-modified")
    assert modified == PAST_DATE
    cases = [
        (f"If-Range: {etag}\r\n", 206),                             # strong match
        ('If-Range: "not-the-etag"\r\n', 200),
        (f"If-Range: W/{etag}\r\n", 200),                           # weak never matches (13.1.5)
        (f"If-Range: {etag[:-2]}\"\r\n", 200),                      # a prefix of the tag
        (f"If-Range: {PAST_DATE}\r\n", 206),                        # exactly Last-Modified
        ("If-Range: Sun, 09 Sep 2001 01:46:41 GMT\r\n", 200),       # one second later
        ("If-Range: Sun, 09 Sep 2001 01:46:39 GMT\r\n", 200),       # one second earlier
        # 13.1.5: the date must exactly match the Last-Modified field value; the same
        # time in RFC 850's form is another value.
        ("If-Range: Sunday, 09-Sep-01 01:46:40 GMT\r\n", 200),
        ("If-Range: yesterday\r\n", 200),
    ]
    for extra, status in cases:
        r = ranged(srv, "/big.bin", "bytes=10-19", extra=extra)
        assert r.status == status, extra
        assert r.body == (data[10:20] if status == 206 else data), extra


def test_if_range_date_in_the_current_second_is_not_trusted(server, docroot):
    """RFC 9110 8.8.2.2: a date is a strong validator only once the file cannot change again
    within its second; future.txt's Last-Modified has not happened yet."""
    srv = start(server, docroot)
    modified = fetch(srv, "/future.txt", method="HEAD").get("last-modified")
    r = ranged(srv, "/future.txt", "bytes=0-3", extra=f"If-Range: {modified}\r\n")
    assert r.status == 200 and r.body == content(docroot, "future.txt")
    etag = fetch(srv, "/future.txt", method="HEAD").get("etag")
    r = ranged(srv, "/future.txt", "bytes=0-3", extra=f"If-Range: {etag}\r\n")
    assert r.status == 206 and r.body == b"modi"


def test_if_range_without_range_is_ignored(server, docroot):
    srv = start(server, docroot)
    r = ranged(srv, "/small.txt", None, extra='If-Range: "other"\r\n')
    assert r.status == 200 and r.body == content(docroot, "small.txt")


# ---- conditional GET before Range (RFC 9110 13.2.2) -----------------------------------------

def test_conditional_get_comes_before_range(server, docroot):
    srv = start(server, docroot)
    etag = fetch(srv, "/small.txt", method="HEAD").get("etag")
    cases = [
        (f"If-None-Match: {etag}\r\n", 304),
        (f"If-Modified-Since: {PAST_DATE}\r\n", 304),
        ("If-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT\r\n", 206),       # changed since
        # If-None-Match decides alone when present (13.1.3): a stale tag means the
        # client's copy is old, whatever If-Modified-Since says, so the Range applies.
        (f"If-None-Match: \"old\"\r\nIf-Modified-Since: {PAST_DATE}\r\n", 206),
        (f"If-None-Match: {etag}\r\nIf-Modified-Since: Mon, 01 Jan 2001 00:00:00 GMT\r\n", 304),
        (f"If-None-Match: {etag}\r\nIf-Range: \"old\"\r\n", 304),
    ]
    for extra, status in cases:
        c = Conn(srv)
        c.send(get("/small.txt", extra="Range: bytes=0-4\r\n" + extra) + get("/dir/entry-00.txt"))
        r = c.response()
        assert r.status == status, extra
        if status == 304:
            assert r.get("etag") == etag and r.get("content-range") is None
        else:
            assert r.body == b"01234" and r.get("content-range") == "bytes 0-4/100", extra
        assert c.response().body == b"x", extra        # a 304 carries no body
        c.close()


# ---- HEAD -----------------------------------------------------------------------------------

def test_head_ignores_range_and_has_no_body(server, docroot):
    """RFC 9110 14.2: Range is defined for GET only; a server MUST ignore it on HEAD, so HEAD
    gets the 200 head of the whole file (with Accept-Ranges), whatever the Range says."""
    srv = start(server, docroot)
    for spec in ("bytes=0-99", "bytes=200-1000, 2000-6576, 19000-", f"bytes={BIG_SIZE}-"):
        c = Conn(srv)
        c.send(get("/big.bin", method="HEAD", extra=f"Range: {spec}\r\n") + get("/small.txt"))
        h = c.response(head=True)
        assert c.response().body == content(docroot, "small.txt"), spec   # no stray body
        assert (h.status, h.get("content-length"), h.get("content-range")) == \
            (200, str(BIG_SIZE), None), spec
        assert h.get("accept-ranges") == "bytes", spec
        c.close()


# ---- what a browser and curl send -----------------------------------------------------------

def test_video_ranges_as_a_browser_asks(server):
    """A <video> element first asks for "bytes=0-" (and learns the size from Content-Range),
    then for a later start when the user seeks."""
    srv = server("fileserver", "-b", "127.0.0.1", "-d", os.path.join(ROOT, "www"), "0",
                 port_stream="stderr")
    data = open(VIDEO, "rb").read()
    size = len(data)
    c = Conn(srv)
    for start_at in (0, 100000, size - 1):
        c.send(get("/video/sample.webm", extra=f"Range: bytes={start_at}-\r\n"))
        r = c.response()
        assert r.status == 206 and r.get("content-type") == "video/webm"
        assert r.get("content-range") == f"bytes {start_at}-{size - 1}/{size}"
        assert r.body == data[start_at:]
    c.close()


def curl(*args):
    return subprocess.run(["curl", "-s", "-S", *args], capture_output=True, timeout=30 * SLOW)


def test_curl_range_and_resume(server, docroot, tmp_path):
    srv = start(server, docroot)
    url = f"http://127.0.0.1:{srv.port}/big.bin"
    data = content(docroot, "big.bin")
    p = curl("-r", "0-99", url)
    assert p.returncode == 0 and p.stdout == data[:100]
    p = curl("-r", "-100", url)
    assert p.returncode == 0 and p.stdout == data[-100:]
    partial = tmp_path / "big.bin"
    partial.write_bytes(data[:3 * 1024 * 1024 + 17])     # a download cut off part way
    p = curl("-C", "-", "-o", str(partial), "-w", "%{http_code} %{size_download}", url)
    assert p.returncode == 0, p.stderr
    assert p.stdout.decode() == f"206 {BIG_SIZE - (3 * 1024 * 1024 + 17)}"
    assert hashlib.sha256(partial.read_bytes()).digest() == hashlib.sha256(data).digest()


# ---- --trace --------------------------------------------------------------------------------

def test_trace_shows_reuse_ranges_and_chunks(server, docroot):
    srv = start(server, docroot, "--trace")
    c = Conn(srv)
    c.send(get("/small.txt", extra="Range: bytes=0-9\r\n"))
    assert c.response().status == 206
    c.send(get("/handout.bin", extra="Range: bytes=200-1000, 2000-6576, 19000-\r\n"))
    assert c.response().status == 206
    c.send(get("/small.txt", extra="Range: bytes=500-\r\n"))
    assert c.response().status == 416
    c.send(get("/small.txt", extra='Range: bytes=0-9\r\nIf-Range: "old"\r\n'))
    assert c.response().status == 200
    c.send(get("/dir/", extra="Connection: close\r\n"))
    assert c.response().status == 200
    assert c.closed_by_server()
    c.close()
    opened = srv.wait_line(r"^\[conn \d+\] opened from 127\.0\.0\.1:\d+$", stream="stderr")
    conn = re.match(r"\[conn (\d+)\]", opened).group(1)
    tag = rf"^\[conn {conn}\] "
    for pattern in [
        tag + r"request 1 on this connection$",
        r"^  Range: bytes=0-9\\r\\n$",
        tag + r"range served: 0-9 of 100 bytes$",
        r"^  HTTP/1\.1 206 Partial Content\\r\\n$",
        r"^  Content-Range: bytes 0-9/100\\r\\n$",
        tag + r"request 2 on this connection$",
        tag + r"ranges served: 200-1000, 2000-6576, 19000-47021 of 47022 bytes, "
              r"as multipart/byteranges$",
        r"^  Content-Type: multipart/byteranges; boundary=[0-9a-f]{32}\\r\\n$",
        tag + r"request 3 on this connection$",
        tag + r"no range satisfiable in a file of 100 bytes: 416$",
        r"^  Content-Range: bytes \*/100\\r\\n$",
        tag + r"request 4 on this connection$",
        tag + r"Range ignored: If-Range is not the current ETag or date",
        tag + r"request 5 on this connection$",
        r"^  Transfer-Encoding: chunked\\r\\n$",
        tag + r"chunk [0-9a-f]+ \(\d+ bytes\)$",
        tag + r"chunk 0 \(last chunk\)$",
        tag + r"closed: Connection: close \(last status 200\)$",
    ]:
        srv.wait_line(pattern, stream="stderr")
    # ... and in that order, on one connection.
    lines = srv.output("stderr")
    at = 0
    for pattern in (r"request 1 on", r"request 2 on", r"request 3 on", r"request 4 on",
                    r"request 5 on", r"chunk 0 \(last chunk\)", r"closed: Connection: close"):
        at = next(i for i in range(at, len(lines)) if re.search(tag + pattern, lines[i])) + 1
    assert sum(1 for line in lines if re.search(r"\] opened from", line)) == 1
