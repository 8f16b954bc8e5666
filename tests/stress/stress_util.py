# SPDX-License-Identifier: MIT
"""Helpers of the load and fault tests: sizes per form (STRESS=short|full) and variant, what
/proc says about a server (RSS, threads, descriptors, CPU time), and a selectors-driven client
that holds thousands of connections in this one thread, each with a deadline.
"""
import errno
import hashlib
import importlib.util
import os
import re
import selectors
import socket
import struct
import time

_HARNESS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration",
                        "conftest.py")
_spec = importlib.util.spec_from_file_location("integration_harness", _HARNESS)
harness = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(harness)

BIN_DIR = harness.BIN_DIR
ROOT = harness.ROOT
SLOW = harness.SLOW
VARIANT = harness.VARIANT
recv_exactly = harness.recv_exactly
recv_until_close = harness.recv_until_close

STRESS = os.environ.get("STRESS", "short")
FULL = STRESS == "full"
SANITIZED = VARIANT in ("asan", "tsan")

# Lines for the terminal summary (conftest.py prints them).
FIGURES = []


def size(full, short, sanitized=None):
    """The figure for this form: full, or short (scaled down again under a sanitizer)."""
    if FULL:
        return full
    return sanitized if SANITIZED and sanitized is not None else short


def figure(text):
    FIGURES.append(text)


# ---- what /proc says about a server ------------------------------------------------------------

def proc_status(pid):
    """VmRSS in KiB and the thread count, from /proc/PID/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "Threads"):
                out[key] = int(value.split()[0])
    return out


def rss_kib(pid):
    return proc_status(pid)["VmRSS"]


def threads(pid):
    return proc_status(pid)["Threads"]


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


def cpu_seconds(pid):
    """utime + stime of the whole process (all threads), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_for(predicate, timeout, what):
    """Poll predicate() every 20 ms until it is true; fail naming `what` after timeout seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.1f}s waiting for {what}")
        time.sleep(0.02)


def counts(pid):
    return {"fds": fd_count(pid), "threads": threads(pid)}


def wait_counts(pid, baseline, timeout, what):
    """Wait until the descriptor and thread counts are back to baseline: nothing leaked."""
    last = {}

    def back():
        last.update(counts(pid))
        return last == baseline
    try:
        wait_for(back, timeout, what)
    except AssertionError:
        raise AssertionError(f"{what}: counts {last} did not return to baseline {baseline}")


# ---- clients -------------------------------------------------------------------------------------

def reset_close(sock):
    """Close with SO_LINGER 0: the kernel sends a reset instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


HEAD_END = b"\r\n\r\n"
CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*(\d+)", re.IGNORECASE)


def http_response_length(buf):
    """Length of the first whole response (head + Content-Length body) in buf, or None."""
    end = buf.find(HEAD_END)
    if end < 0:
        return None
    m = CONTENT_LENGTH.search(buf, 0, end + 2)
    if m is None:
        raise AssertionError(f"response without Content-Length: {bytes(buf[:end])!r}")
    total = end + 4 + int(m.group(1))
    return total if len(buf) >= total else None


def http_get(host, path, conn="keep-alive"):
    return (f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: {conn}\r\n\r\n").encode()


class Job:
    """One exchange on one connection: send `out`, then read until complete(buf, eof) is true
    (called after each read, and with eof=True at EOF, where false means an error)."""
    __slots__ = ("index", "sock", "out", "sent", "buf", "complete", "connecting", "reading")

    def __init__(self, index, out, complete, sock=None):
        self.index = index
        self.sock = sock
        self.out = out
        self.sent = 0
        self.buf = bytearray()
        self.complete = complete
        self.connecting = False
        self.reading = False


def run_jobs(port, jobs, timeout, inflight=256, host="127.0.0.1"):
    """
    Run each job (connecting it first if it has no socket), at most `inflight` at a time, from
    this thread with one selector. Returns the sockets by job (all still open) and a list of
    errors ("job 17: reset", ...); complete(buf) may raise AssertionError for a wrong answer.
    Everything must be done within timeout seconds.
    """
    sel = selectors.DefaultSelector()
    deadline = time.monotonic() + timeout
    pending = list(reversed(jobs))
    errors = []
    active = 0

    def start(job):
        if job.sock is None:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            job.sock = s
            job.connecting = True
            rc = s.connect_ex((host, port))
            if rc not in (0, errno.EINPROGRESS):
                raise OSError(rc, os.strerror(rc))
            sel.register(s, selectors.EVENT_WRITE, job)
        else:
            job.sock.setblocking(False)
            sel.register(job.sock, selectors.EVENT_WRITE, job)

    def finish(job, error=None):
        nonlocal active
        sel.unregister(job.sock)
        active -= 1
        if error:
            errors.append(f"job {job.index}: {error}")

    try:
        while pending or active:
            while pending and active < inflight:
                job = pending.pop()
                try:
                    start(job)
                    active += 1
                except OSError as e:
                    errors.append(f"job {job.index}: connect: {e}")
            left = deadline - time.monotonic()
            if left <= 0:
                errors.append(f"{active + len(pending)} jobs unfinished after {timeout:.1f}s")
                break
            for key, _ in sel.select(min(left, 0.5)):
                job = key.data
                try:
                    if step(sel, job):
                        finish(job)
                except (OSError, AssertionError) as e:
                    finish(job, f"{type(e).__name__}: {e}")
    finally:
        sel.close()
    return [job.sock for job in jobs], errors


def step(sel, job):
    """Advance one job on a readiness event; True when its answer is complete."""
    s = job.sock
    if job.connecting:
        err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if err:
            raise OSError(err, "connect: " + os.strerror(err))
        job.connecting = False
    if job.sent < len(job.out):
        job.sent += s.send(job.out[job.sent:])
    if job.sent < len(job.out):
        return False
    if not job.reading:
        job.reading = True
        sel.modify(s, selectors.EVENT_READ, job)
        return False
    try:
        chunk = s.recv(262144)
    except BlockingIOError:
        return False
    if chunk:
        job.buf += chunk
    elif job.complete(job.buf, True):
        return True
    else:
        raise AssertionError(f"EOF after {len(job.buf)} bytes: {bytes(job.buf[:200])!r}")
    return job.complete(job.buf, False)


def echo_complete(expected):
    def complete(buf, eof):
        if len(buf) < len(expected):
            return False
        assert buf == expected, f"echoed {bytes(buf)!r}, sent {expected!r}"
        return True
    return complete


def http_complete(status, body):
    """Complete once a whole response is in; it must have this status and body."""
    head = f"HTTP/1.1 {status} ".encode()

    def complete(buf, eof):
        total = http_response_length(buf)
        if total is None:
            return False
        assert buf.startswith(head), f"got {bytes(buf[:100])!r}"
        assert total == len(buf), f"{len(buf) - total} bytes after the response"
        assert buf.endswith(body), "wrong body"
        return True
    return complete


def close_all(socks):
    for s in socks:
        if s is not None:
            s.close()


# ---- streams of bytes ----------------------------------------------------------------------------

class Pattern:
    """Pseudo-random bytes, a different stream per client, sliced without copying."""

    def __init__(self, seed_size=1 << 20):
        blob = hashlib.shake_256(b"lab4 stress").digest(seed_size)
        self.size = seed_size
        self.view = memoryview(blob + blob)

    def chunk(self, client, pos, n):
        start = (client * 7919 + pos) % self.size
        return self.view[start:start + min(n, self.size)]


# ---- the five programs ---------------------------------------------------------------------------

PROGRAMS = ["echo", "echo_mt", "web_hello", "fileserver", "formapp"]


def start_program(server, name, docroot=None, *extra, quiet=True):
    """Start one of the five programs (quietly) on a free port of 127.0.0.1."""
    q = ["-q"] if quiet else []
    if name in ("echo", "echo_mt", "web_hello"):
        return server(name, *q, "-p", "0", *extra)
    if name == "fileserver":
        return server("fileserver", *q, "-b", "127.0.0.1", "-d", str(docroot), *extra, "0",
                      port_stream="stderr")
    return server("formapp", *q, "-p", "0", "--users", os.path.join(ROOT, "formapp", "users"),
                  "--templates", os.path.join(ROOT, "formapp", "templates"), *extra,
                  port_stream="stderr")


def split_response(data):
    """(head, body) of one HTTP response read until close; the body checked against its
    Content-Length, or decoded from chunked framing (which must end with its last chunk)."""
    end = data.find(HEAD_END)
    assert end >= 0, f"no response head: {data[:200]!r}"
    head, body = data[:end + 4], data[end + 4:]
    m = CONTENT_LENGTH.search(head)
    if m:
        assert len(body) == int(m.group(1)), f"body {len(body)} bytes, head says {m.group(1)}"
        return head, body
    assert re.search(rb"\r\ntransfer-encoding:[ \t]*chunked\r\n", head, re.IGNORECASE), head
    out = bytearray()
    while True:
        line_end = body.index(b"\r\n")
        n = int(body[:line_end].split(b";")[0], 16)
        if n == 0:
            assert body[line_end:].startswith(b"\r\n") and body.endswith(b"\r\n\r\n"), body[-40:]
            return head, bytes(out)
        out += body[line_end + 2:line_end + 2 + n]
        assert body[line_end + 2 + n:line_end + 4 + n] == b"\r\n", "bad chunk framing"
        body = body[line_end + 4 + n:]


def settle(srv, program):
    """The server's descriptor and thread counts at rest, after one whole exchange: the baseline
    every later count is compared with. (TSan starts a thread of its own with the first client
    thread, so counts taken before any client would not be the rest state.)"""
    with socket.create_connection(("127.0.0.1", srv.port), timeout=10 * SLOW) as s:
        if program in ("echo", "echo_mt"):
            s.sendall(b"warm up\n")
            assert recv_exactly(s, 8) == b"warm up\n"
        else:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            assert recv_until_close(s).startswith(b"HTTP/1.")
    last, since = None, time.monotonic()
    deadline = since + 10 * SLOW
    while True:
        now = counts(srv.proc.pid)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= 0.3 * SLOW:
            return now
        assert time.monotonic() < deadline, f"counts never settled: {now}"
        time.sleep(0.02)
