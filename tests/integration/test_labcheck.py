# SPDX-License-Identifier: MIT
"""labcheck (issue 18) against real servers: this suite's fileserver and formapp pass every
check that applies to them; `python3 -m http.server` (HTTP/1.0 and -p HTTP/1.1) and web_hello
fail exactly the checks they must, for the reasons the lab notes give; and a deliberately
broken server written below (wrong Content-Length, no 0 chunk, a bad Content-Range, a hang, a
crash, a server that stops answering, garbage, endless heads and bodies) is caught by the check
that names each fault, without labcheck ever hanging. Results are read from --json.
"""
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

from conftest import BIN_DIR, SLOW

PYTHON = "/usr/bin/python3"
LABCHECK = os.path.join(BIN_DIR, "labcheck")
NO_LOGIN = "give --login PATH to check login sessions"
STATE = ["state.login", "state.cookie", "state.no-cookie", "state.logout"]
RANGES = ["ranges.single", "ranges.suffix", "ranges.open", "ranges.multipart",
          "ranges.unsatisfiable"]
def check_ids():
    out = subprocess.run([LABCHECK, "--list"], stdout=subprocess.PIPE, check=True, text=True)
    return [line.split()[0] for line in out.stdout.splitlines() if not line.startswith(" ")]


IDS = check_ids()


def run(url, *args, timeout=60):
    """labcheck --json URL: (exit status, {id: check}, seconds it took)."""
    start = time.monotonic()
    p = subprocess.run([LABCHECK, "--json", *args, url], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=timeout * SLOW, text=True)
    took = time.monotonic() - start
    assert p.stderr == "", p.stderr
    assert p.returncode in (0, 1), f"exit {p.returncode}: {p.stdout[-2000:]}"
    report = json.loads(p.stdout)
    checks = {c["id"]: c for c in report["checks"]}
    summary = report["summary"]
    assert summary["checks"] == len(checks)
    assert summary["failed"] == sum(c["verdict"] == "FAIL" for c in checks.values())
    assert p.returncode == (1 if summary["failed"] else 0)
    return p.returncode, checks, took


def verdicts(checks, verdict):
    return sorted(i for i, c in checks.items() if c["verdict"] == verdict)


def url(port):
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    """A folder without index.html, so the servers list it (fileserver: chunked). Its first
    file is longer than labcheck reads: discovery passes over it, as big is not broken."""
    root = tmp_path_factory.mktemp("labcheck")
    (root / "big.bin").write_bytes(b"b" * (5 << 20))
    (root / "hello.txt").write_bytes(b"hello, world\n")
    (root / "page.html").write_bytes(b"<p>" + b"x" * 3000 + b"</p>\n")
    (root / "sub").mkdir()
    return root


# ---- this suite's servers pass -------------------------------------------------------------

def test_fileserver_passes_every_check(server, docroot):
    srv = server("fileserver", "-b", "127.0.0.1", "-d", str(docroot), "0", port_stream="stderr")
    rc, checks, _ = run(url(srv.port))
    assert rc == 0
    assert list(checks) == IDS, "every check runs, in the table's order"
    assert verdicts(checks, "FAIL") == []
    # fileserver takes no POST, and has no login: the only checks that do not apply.
    assert verdicts(checks, "SKIP") == sorted(["chunked.request"] + STATE)
    assert "does not take POST" in checks["chunked.request"]["reason"]
    assert all(checks[i]["reason"] == NO_LOGIN for i in STATE)
    assert "Content-Length: 13," in checks["framing.content-length"]["reason"]
    assert "chunk" in checks["chunked.response"]["reason"]
    assert "bytes 0-4/13" in checks["ranges.single"]["reason"]
    # The course's "Range: 0-4" (no bytes=) is said beside the verdict, not failed.
    assert "Range: 0-4, without bytes=" in checks["ranges.single"]["note"]


def test_formapp_passes_every_check(server):
    srv = server("formapp", "-p", "0", port_stream="stderr")
    rc, checks, _ = run(url(srv.port), "--login", "/login",
                        "--chunked-path", "/stream?n=5&delay_ms=50")
    assert rc == 0
    assert verdicts(checks, "FAIL") == []
    # No Range support and no validators on its pages: both allowed, so SKIP with the reason.
    assert verdicts(checks, "SKIP") == sorted(RANGES + ["conditional.etag",
                                                         "conditional.last-modified"])
    assert all("Range is not supported" in checks[i]["reason"] for i in RANGES)
    assert "5 chunks" in checks["chunked.response"]["reason"]
    assert "next request on the connection got its 404" in checks["chunked.request"]["reason"]
    assert "cookie sessionid" in checks["state.login"]["reason"]
    assert "no longer opens /home" in checks["state.logout"]["reason"]
    assert "405 with Allow" in checks["errors.known-method"]["reason"]


# ---- the handout's servers fail what they must ---------------------------------------------

@pytest.fixture(params=["HTTP/1.0", "HTTP/1.1"])
def http_server(request, docroot):
    """python3 -m http.server on a free port, with its default protocol or -p HTTP/1.1."""
    proto = [] if request.param == "HTTP/1.0" else ["-p", "HTTP/1.1"]
    p = subprocess.Popen([PYTHON, "-u", "-m", "http.server", "-b", "127.0.0.1", "-d",
                          str(docroot), *proto, "0"], stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        port = int(re.search(r"port (\d+)", p.stdout.readline().decode()).group(1))
        yield request.param, port
    finally:
        p.terminate()
        p.wait(timeout=10)


def test_python_http_server_fails_what_it_must(http_server):
    proto, port = http_server
    rc, checks, _ = run(url(port))
    assert rc == 1
    # Both: no 400 for a missing Host (it never looks), and HTTP/2.0 answered as HTTP/0.9.
    must_fail = ["errors.no-host", "errors.version"]
    if proto == "HTTP/1.0":     # one request per connection
        must_fail += ["connections.persistent", "connections.pipelined"]
    assert verdicts(checks, "FAIL") == sorted(must_fail)
    assert "RFC 9112 3.2" in checks["errors.no-host"]["reason"]
    assert "does not start with a status line" in checks["errors.version"]["reason"]
    if proto == "HTTP/1.0":
        assert "HTTP/1.0 without Connection: keep-alive" in \
            checks["connections.persistent"]["reason"]
        assert "the second got no answer" in checks["connections.pipelined"]["reason"]
    # What it lacks, RFC 9110 lets it lack: SKIP, never PASS.
    assert all("Range is not supported" in checks[i]["reason"] for i in RANGES)
    assert "did not send chunked" in checks["chunked.response"]["reason"]
    assert checks["conditional.etag"]["verdict"] == "SKIP"
    assert checks["conditional.last-modified"]["verdict"] == "PASS"


def test_web_hello_fails_what_it_must(server):
    srv = server("web_hello", "-p", "0")
    rc, checks, _ = run(url(srv.port))
    assert rc == 1
    # An HTTP/1.0 server: it closes after every response, so nothing follows the first.
    assert verdicts(checks, "FAIL") == ["connections.persistent", "connections.pipelined"]
    assert "(Connection: close)" in checks["connections.persistent"]["reason"]
    for i in ["framing.content-length", "framing.head", "framing.pieces", "errors.no-host",
              "errors.version", "errors.unknown-method", "concurrency.clients",
              "concurrency.idle-client"]:
        assert checks[i]["verdict"] == "PASS", (i, checks[i])


# ---- a deliberately broken server ----------------------------------------------------------

BROKEN_SERVER = r'''
import os, socketserver, sys, time
MODE = sys.argv[1]
FILE = b"hello, world\n"
LISTING = b'<html><body><a href="hello.txt">hello.txt</a></body></html>\n'
FOREVER = 3600          # a hanging handler sleeps; the test kills the process
stopped = False         # "spin": set by LABCHECK, after which nothing is answered

def head(status, fields):
    return ("HTTP/1.1 %s\r\n" % status + "".join(f + "\r\n" for f in fields) + "\r\n").encode()

def chunked(body, last=True):
    return b"%x\r\n%s\r\n" % (len(body), body) + (b"0\r\n\r\n" if last else b"")

def faulty(w, method, path, fields):
    """The fault of MODE, if this request triggers it: True when answered (or never will be)."""
    global stopped
    if stopped or (MODE == "hang" and method == "HEAD"):
        time.sleep(FOREVER)
    if method == "LABCHECK" and MODE == "crash":
        os._exit(3)
    if method == "LABCHECK" and MODE == "spin":
        stopped = True
        time.sleep(FOREVER)
    if MODE == "wrong-length" and path == "/hello.txt":
        w(head("200 OK", ["Content-Length: 20"]) + FILE)
    elif MODE == "no-zero-chunk" and path == "/":
        w(head("200 OK", ["Transfer-Encoding: chunked"]) + chunked(LISTING, last=False))
    elif MODE == "bad-range" and fields.get("range") == "bytes=0-4":
        w(head("206 Partial Content", ["Content-Range: bytes 0-5/13", "Content-Length: 5"]) +
          FILE[:5])
    elif MODE == "garbage":
        w(os.urandom(300))
    elif MODE == "endless-head":
        w(head("200 OK", [])[:-2])
        while True:
            w(b"X-Filler: more\r\n")
    elif MODE == "endless-body":
        w(head("200 OK", ["Transfer-Encoding: chunked"]))
        while True:
            w(chunked(b"x" * 1000, last=False))
    elif MODE == "drip":
        for b in head("200 OK", ["Content-Length: 100000"]) + b"y" * 100000:
            w(bytes([b]))
            time.sleep(0.05)
    elif MODE == "auth" and not (fields.get("authorization") == "Basic dXNlcjpwdw==" or
                                 fields.get("cookie") == "token=abc" or
                                 fields.get("x-token") == "abc"):
        w(head("401 Unauthorized", ['WWW-Authenticate: Basic realm="lab"', "Content-Length: 0"]))
    else:
        return False
    return True

def normal(w, method, path, fields, version):
    body = None if method in ("GET", "HEAD") else b""
    if body is None and path == "/":
        if version == "HTTP/1.1":
            return w(head("200 OK", ["Transfer-Encoding: chunked"]) +
                     (chunked(LISTING) if method == "GET" else b""))
        body = LISTING
    elif body is None and path == "/hello.txt" and fields.get("range") == "bytes=0-4":
        return w(head("206 Partial Content", ["Content-Range: bytes 0-4/13", "Content-Length: 5"])
                 + (FILE[:5] if method == "GET" else b""))
    elif body is None and path == "/hello.txt":
        body = FILE
    status = "501 Not Implemented" if body == b"" else "200 OK" if body else "404 Not Found"
    body = body or b""
    w(head(status, ["Content-Length: %d" % len(body)]) + (b"" if method == "HEAD" else body))

class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        if MODE == "one-recv":      # the classic bug: what one recv() returns taken as a request
            whole = b"\r\n\r\n" in self.request.recv(65536)
            body = FILE if whole else b""
            return self.wfile.write(head("200 OK" if whole else "400 Bad Request",
                                         ["Content-Length: %d" % len(body), "Connection: close"])
                                    + body)
        while True:
            line = self.rfile.readline(65537).decode("latin-1").rstrip("\r\n")
            if not line:
                return
            fields = {}
            while True:
                f = self.rfile.readline(65537).decode("latin-1").rstrip("\r\n")
                if not f:
                    break
                name, _, value = f.partition(":")
                fields[name.strip().lower()] = value.strip()
            self.rfile.read(int(fields.get("content-length", "0") or 0))
            method, path, version = (line.split(" ") + ["", "", ""])[:3]
            w = self.wfile.write
            if not faulty(w, method, path, fields):
                normal(w, method, path, fields, version)
            if MODE in ("wrong-length", "no-zero-chunk", "garbage") or version != "HTTP/1.1" \
                    or fields.get("connection", "").lower() == "close":
                return

class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

srv = Server(("127.0.0.1", 0), Handler)
print("port", srv.server_address[1], flush=True)
srv.serve_forever()
'''


@pytest.fixture
def broken(tmp_path):
    """broken(MODE) starts the broken server in that mode; each is killed at the end."""
    script = tmp_path / "broken_server.py"
    script.write_text(BROKEN_SERVER)
    procs = []

    def start(mode):
        p = subprocess.Popen([PYTHON, "-u", str(script), mode], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        procs.append(p)
        return int(p.stdout.readline().split()[1])

    yield start
    for p in procs:
        p.kill()
        p.wait(timeout=10)


FAULT_CHECKS = ["framing.content-length", "framing.head", "chunked.response", "ranges.single",
                "errors.unknown-method", "framing.pieces"]


def test_broken_server_baseline_passes(broken):
    """Without its fault the harness server passes the checks the faults are caught by, so a
    FAIL below is the fault's, not the harness's."""
    rc, checks, _ = run(url(broken("normal")), "--timeout", "2", "--only", ",".join(FAULT_CHECKS))
    assert rc == 0
    assert verdicts(checks, "PASS") == sorted(FAULT_CHECKS)


@pytest.mark.parametrize("mode,check,says", [
    ("wrong-length", "framing.content-length", "the body stopped after 13 of the 20 bytes"),
    ("no-zero-chunk", "chunked.response", "no 0 chunk"),
    ("bad-range", "ranges.single", "Content-Range: bytes 0-5/13; for this 13-byte file it is "
                                   "bytes 0-4/13"),
    ("hang", "framing.head", "no complete answer within 1000 ms"),
    ("one-recv", "framing.pieces", "got 400 Bad Request; whole, it gets 200"),
])
def test_broken_server_fault_is_caught(broken, mode, check, says):
    rc, checks, took = run(url(broken(mode)), "--timeout", "1", "--show-wire")
    assert rc == 1
    assert checks[check]["verdict"] == "FAIL"
    assert says in checks[check]["reason"], checks[check]
    assert "  > " in checks[check]["wire"] and "[connection 1]" in checks[check]["wire"]
    assert took < 30 * SLOW, f"labcheck took {took:.1f} s"


@pytest.mark.parametrize("mode", ["crash", "spin"])
def test_server_that_stops_answering_fails_the_rest_at_once(broken, mode):
    rc, checks, took = run(url(broken(mode)), "--timeout", "1")
    assert rc == 1
    after = IDS[IDS.index("errors.unknown-method") + 1:]
    assert checks["errors.unknown-method"]["verdict"] == "FAIL"
    assert "stopped answering" in checks["errors.unknown-method"]["note"]
    for i in after:
        assert checks[i]["verdict"] == "FAIL", i
        assert "the server stopped answering after check errors.unknown-method" in \
            checks[i]["reason"], checks[i]
        assert checks[i]["ms"] < 100 * SLOW, (i, checks[i]["ms"])
    # Before the fault, the server worked.
    assert checks["framing.content-length"]["verdict"] == "PASS"


@pytest.mark.parametrize("mode,says", [
    ("garbage", "status line"),
    ("endless-head", "limit"),
    ("endless-body", "limit"),
    ("drip", "no complete answer within 1000 ms"),
])
def test_hostile_server_never_hangs_labcheck(broken, mode, says):
    rc, checks, took = run(url(broken(mode)), "--timeout", "1", timeout=60)
    assert rc == 1
    assert checks["framing.content-length"]["verdict"] == "FAIL"
    assert says in checks["framing.content-length"]["reason"], checks["framing.content-length"]
    assert verdicts(checks, "PASS") == []
    assert took < 30 * SLOW, f"labcheck took {took:.1f} s"


@pytest.mark.parametrize("option", [["--basic", "user:pw"], ["--cookie", "token=abc"],
                                    ["--header", "X-Token: abc"]])
def test_credentials_go_with_every_request(broken, option):
    port = broken("auth")
    rc, checks, _ = run(url(port), "--timeout", "2", "--only", "framing,connections.persistent")
    assert checks["framing.content-length"]["verdict"] == "FAIL"
    assert "401" in checks["framing.content-length"]["reason"]
    rc, checks, _ = run(url(port), "--timeout", "2", *option, "--only",
                        "framing,connections.persistent")
    assert rc == 0, checks
    assert verdicts(checks, "PASS") == ["connections.persistent", "framing.content-length",
                                        "framing.head", "framing.not-found", "framing.pieces"]


# ---- options and output --------------------------------------------------------------------

def test_only_and_skip_take_ids_and_groups(server, docroot):
    srv = server("fileserver", "-b", "127.0.0.1", "-d", str(docroot), "0", port_stream="stderr")
    _, checks, _ = run(url(srv.port), "--only", "ranges,errors.version")
    assert list(checks) == RANGES + ["errors.version"]
    _, checks, _ = run(url(srv.port), "--only", "errors", "--skip", "errors.no-host")
    assert list(checks) == ["errors.version", "errors.unknown-method", "errors.known-method"]
    p = subprocess.run([LABCHECK, "--only", "range", url(srv.port)], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    assert p.returncode == 2 and "no check or group 'range'" in p.stderr


def test_text_output_and_show_wire(docroot):
    """The text form a student reads: one line per check, a summary, and under a FAIL the
    bytes of the exchange with the CRLFs written out."""
    p = subprocess.Popen([PYTHON, "-u", "-m", "http.server", "-b", "127.0.0.1", "-d",
                          str(docroot), "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        port = int(re.search(r"port (\d+)", p.stdout.readline().decode()).group(1))
        out = subprocess.run([LABCHECK, "--only", "connections.persistent,errors.no-host",
                              "--show-wire", url(port)], stdout=subprocess.PIPE, text=True,
                             timeout=30 * SLOW)
    finally:
        p.terminate()
        p.wait(timeout=10)
    lines = out.stdout.splitlines()

    def section(prefix):
        """The lines under a verdict line: its note and wire view."""
        start = next(i for i, line in enumerate(lines) if line.startswith(prefix))
        end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("      "))
        return lines[start + 1:end]

    assert out.returncode == 1
    assert lines[0] == f"labcheck: http://127.0.0.1:{port}/ (127.0.0.1 port {port}), timeout 5000 ms"
    assert lines[1] == "file: /hello.txt, 13 bytes, the first file the page / links to"
    assert lines[-1] == "2 checks: 0 passed, 2 failed, 0 skipped"
    wire = section("FAIL  errors.no-host ")
    assert wire[0] == "      wire:"
    assert "        > GET /hello.txt HTTP/1.1\\r\\n" in wire
    assert not any(line.startswith("        > Host:") for line in wire)
    assert "        < HTTP/1.0 200 OK\\r\\n" in wire
    assert "        < HTTP/1.0 200 OK\\r\\n" in section("FAIL  connections.persistent ")


def test_list_and_usage_errors():
    p = subprocess.run([LABCHECK, "--list"], stdout=subprocess.PIPE, text=True)
    assert p.returncode == 0 and len(IDS) == 28 and IDS[0] == "framing.content-length"
    assert IDS[-3:] == ["framing.pieces", "concurrency.clients", "concurrency.idle-client"]
    for args, says in [([], "give the server's URL"),
                       (["https://127.0.0.1:8443/"], "plain HTTP only"),
                       (["http://user:pw@127.0.0.1:1/"], "--basic"),
                       (["http://127.0.0.1:99999/"], "port"),
                       (["--header", "A: 1", "--header", "B: 2", "http://127.0.0.1:1/"],
                        "give --header once"),
                       (["--header", "no colon", "http://127.0.0.1:1/"], "Name: value"),
                       (["--path", "hello.txt", "http://127.0.0.1:1/"], "starts with /"),
                       (["--login", "/a\r\nX: y", "http://127.0.0.1:1/"], "visible ASCII"),
                       (["--timeout", "0", "http://127.0.0.1:1/"], "timeout")]:
        p = subprocess.run([LABCHECK, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True)
        assert p.returncode == 2, (args, p.stdout, p.stderr)
        assert says in p.stderr, (args, p.stderr)


def test_nothing_listening_fails_every_check_at_once():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]       # closed again: nothing listens there
    rc, checks, took = run(url(port))
    assert rc == 1
    assert verdicts(checks, "FAIL") == sorted(IDS)
    assert all("cannot connect" in c["reason"] for c in checks.values())
    assert took < 5 * SLOW


def test_ipv6_address_in_brackets(server, docroot):
    srv = server("fileserver", "-b", "::1", "-d", str(docroot), "0", port_stream="stderr")
    rc, checks, _ = run(f"http://[::1]:{srv.port}/", "--only", "framing")
    assert rc == 0 and verdicts(checks, "PASS") == ["framing.content-length", "framing.head",
                                                    "framing.not-found", "framing.pieces"]
