# SPDX-License-Identifier: MIT
"""Shared harness for the integration tests: start the real binaries on port 0, read the bound
port from their first line, talk to them over real sockets, and on teardown stop them with
SIGTERM and fail if they did not exit 0 promptly or wrote a sanitizer report or a stray warning.

BIN_DIR (set by the Makefile) names the binaries to test: bin/ or build/<variant>/bin.
VARIANT=asan|tsan|valgrind stretches time limits, since sanitizers slow everything down.
HANDOUT_DIR, when set, names the folder where the handout's Python listings were saved (README.md,
"The handout's programs"); the tests that run them beside the C servers skip without it, and say so.
"""
import os
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BIN_DIR = os.environ.get("BIN_DIR", os.path.join(ROOT, "bin"))
VARIANT = os.environ.get("VARIANT", "release")
# Time limits are multiplied by this under the sanitizers (never used to assert speed).
SLOW = {"release": 1, "asan": 3, "tsan": 5, "valgrind": 10}.get(VARIANT, 3)
HANDOUT_DIR = os.environ.get("HANDOUT_DIR") or None
RUN_LISTING = os.path.join(ROOT, "tools", "run-listing.py")
PYTHON = "/usr/bin/python3"   # Debian's, with python3-flask (tests/install-deps.sh)
# Blocks of lab-notes.md that test_lab_notes.py could not run here, and why; listed at the end.
NOTES_SKIPPED = []

# What a server must never print unless a test expects it.
# Valgrind's reports start with ==PID==.
BAD_OUTPUT = re.compile(r"AddressSanitizer|ThreadSanitizer|LeakSanitizer|runtime error:|^==\d+==|"
                        r"\bwarning\b|\berror\b|Segmentation|Aborted", re.IGNORECASE)
# "port 8000" wins over ":8000" (so "Serving HTTP on ::1 port 8000" is not read as port 1).
PORT_WORD = re.compile(r"\bport (\d+)")
PORT_COLON = re.compile(r":(\d+)\b(?!:)")


def pytest_terminal_summary(terminalreporter):
    """The lab-notes blocks not run, one line each, so a passing chapter never hides one."""
    if NOTES_SKIPPED:
        terminalreporter.section(f"lab-notes.md: {len(NOTES_SKIPPED)} block(s) not run")
        for line in NOTES_SKIPPED:
            terminalreporter.write_line(line)


class Server:
    """A running server process whose stdout and stderr are collected line by line."""

    def __init__(self, name, args, port_stream="stdout", allow=None, env=None):
        self.name = name
        self.allow = re.compile(allow) if allow else None
        self.lines = {"stdout": [], "stderr": []}
        self.cond = threading.Condition()
        self.proc = subprocess.Popen([os.path.join(BIN_DIR, name)] + list(args),
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, env=env)
        self.readers = [threading.Thread(target=self._pump, args=(s,), daemon=True)
                        for s in ("stdout", "stderr")]
        for r in self.readers:
            r.start()
        first = self.wait_line(".", stream=port_stream, timeout=10 * SLOW)
        m = PORT_WORD.search(first) or PORT_COLON.search(first)
        if not m:
            self.proc.kill()
            raise AssertionError(f"{name}: no port in first line {first!r}")
        self.port = int(m.group(1))
        self.first_line = first

    def _pump(self, stream):
        for raw in getattr(self.proc, stream):
            with self.cond:
                self.lines[stream].append(raw.decode("utf-8", "backslashreplace").rstrip("\n"))
                self.cond.notify_all()

    def wait_line(self, pattern, stream="stdout", timeout=5, start=0):
        """The first line (from index start) matching pattern; fails after timeout seconds."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout * SLOW
        with self.cond:
            while True:
                for line in self.lines[stream][start:]:
                    if rx.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not any(r.is_alive() for r in self.readers)):
                    raise AssertionError(f"{self.name}: no line matching {pattern!r} on {stream}; "
                                         f"got {self.lines[stream][-20:]!r}")
                self.cond.wait(min(left, 0.1))

    def output(self, stream="stdout"):
        with self.cond:
            return list(self.lines[stream])

    def connect(self, host="127.0.0.1", timeout=10):
        s = socket.create_connection((host, self.port), timeout=timeout * SLOW)
        return s

    def stop(self, sig=signal.SIGTERM, within=1.0):
        """Send sig; assert the process exits with status 0 within `within` seconds (scaled)."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        start = time.monotonic()
        try:
            code = self.proc.wait(timeout=within * SLOW + 5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"{self.name} did not stop on {sig!r}")
        took = time.monotonic() - start
        for r in self.readers:
            r.join(timeout=5)
        assert code == 0, f"{self.name} exited {code}; stderr: {self.output('stderr')[-20:]!r}"
        assert took <= within * SLOW, f"{self.name} took {took:.2f}s to stop"
        return took

    def check_clean_output(self):
        for stream in ("stdout", "stderr"):
            for line in self.output(stream):
                if BAD_OUTPUT.search(line) and not (self.allow and self.allow.search(line)):
                    raise AssertionError(f"{self.name} printed on {stream}: {line!r}")


@pytest.fixture
def server():
    """Factory: server("echo_mt", "-p", "0") starts a binary; all are stopped and checked at the end."""
    started = []

    def start(name, *args, **kw):
        s = Server(name, args, **kw)
        started.append(s)
        return s

    yield start
    errors = []
    for s in started:
        try:
            if s.proc.poll() is None:
                s.stop(within=5)
            elif s.proc.returncode != 0 and not getattr(s, "expect_exit", False):
                errors.append(f"{s.name} exited {s.proc.returncode}")
            s.check_clean_output()
        except AssertionError as e:
            errors.append(str(e))
    if errors:
        pytest.fail("; ".join(errors))


def is_listening(port):
    """Whether some socket listens on port, read from /proc/net rather than by connecting: a probe
    connection would crash the handout's web_hello.py, which indexes an empty request."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = open(table).read().split("\n")[1:]
        except OSError:
            continue
        for row in rows:
            f = row.split()
            if len(f) > 3 and f[3] == "0A" and int(f[1].rsplit(":", 1)[1], 16) == port:
                return True
    return False


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def handout_listing(name):
    """The path of the handout's listing NAME (echo.py, web_hello.py, flask_app.py, ...) in
    HANDOUT_DIR. Skips the calling test when HANDOUT_DIR is not set; fails when it is set but the
    file is not there."""
    if not HANDOUT_DIR:
        pytest.skip(f"HANDOUT_DIR is not set: it names the folder where the handout's {name} was "
                    "saved (README.md, 'The handout's programs')")
    path = os.path.join(HANDOUT_DIR, name)
    assert os.path.isfile(path), f"HANDOUT_DIR={HANDOUT_DIR} holds no {name}"
    return path


class Listing:
    """A handout listing running unchanged on a free port (tools/run-listing.py moves its fixed
    port), in its own process group: Flask's debug reloader runs the app in a child process."""

    def __init__(self, name):
        path = handout_listing(name)
        self.name = name
        self.port = free_port()
        self.proc = subprocess.Popen([PYTHON, RUN_LISTING, path, str(self.port)],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.lines = []
        threading.Thread(target=lambda: [self.lines.append(b.decode("utf-8", "replace").rstrip("\n"))
                                         for b in self.proc.stdout], daemon=True).start()
        deadline = time.monotonic() + 20 * SLOW
        while not is_listening(self.port):
            assert self.proc.poll() is None, f"{name} exited: {self.lines[-10:]!r}"
            assert time.monotonic() < deadline, f"{name} never listened on port {self.port}"
            time.sleep(0.05)

    def connect(self, host="127.0.0.1", timeout=10):
        return socket.create_connection((host, self.port), timeout=timeout * SLOW)

    def stop(self):
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)   # Ctrl-C, as the listings expect
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # a reloader child left behind
        except ProcessLookupError:
            pass


@pytest.fixture
def listing():
    """Factory: listing("web_hello.py") runs the handout's listing on a free port (skips without
    HANDOUT_DIR); all are stopped at the end."""
    started = []

    def start(name):
        started.append(Listing(name))
        return started[-1]

    yield start
    for s in started:
        s.stop()


def recv_exactly(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise AssertionError(f"EOF after {len(buf)} of {n} bytes")
        buf += chunk
    return bytes(buf)


def recv_until_close(sock, limit=1 << 30):
    buf = bytearray()
    while len(buf) < limit:
        chunk = sock.recv(65536)
        if not chunk:
            break
        buf += chunk
    return bytes(buf)
