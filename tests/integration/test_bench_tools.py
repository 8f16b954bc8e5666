# SPDX-License-Identifier: MIT
"""The measuring instruments of bench/echo: bin/loadgen and bin/echo_bare. A benchmark is only as
good as its tools, so: loadgen drives real servers with every byte checked, and counts a wrong
echo and a dropped connection as errors; echo_bare (both designs: threads, and one thread with a poller) echoes correctly.
Nothing here looks at speed."""
import os
import re
import signal
import socket
import subprocess
import threading

import pytest

from conftest import BIN_DIR, SLOW, Server


def loadgen(port, *args):
    """Run bin/loadgen against a port; its RESULT line as a dict of strings."""
    done = subprocess.run([os.path.join(BIN_DIR, "loadgen"), "-p", str(port)] + list(args),
                          capture_output=True, text=True, timeout=60 * SLOW)
    results = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    assert results, f"loadgen printed no RESULT: {done.stdout!r} {done.stderr!r}"
    return dict(kv.split("=", 1) for kv in results[-1].split()[1:])


@pytest.fixture
def echo_bare():
    """Factory: echo_bare("threads") starts bin/echo_bare on a free port; SIGTERM ends it."""
    started = []

    def start(mode):
        s = Server("echo_bare", [mode, "0"])
        started.append(s)
        return s

    yield start
    for s in started:
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=10) == -signal.SIGTERM, "echo_bare did not end on SIGTERM"
        s.check_clean_output()


@pytest.mark.parametrize("mode", ["threads", "events"])
def test_echo_bare_echoes_every_byte(echo_bare, mode):
    s = echo_bare(mode)
    # events: the poller says what it is (compat.h: epoll on Linux, poll() with PORTABLE=1)
    assert re.fullmatch(rf"echo_bare: {mode}( \((epoll|poll)\))?, listening on 127.0.0.1 port "
                        rf"{s.port}", s.first_line) and ("(" in s.first_line) == (mode == "events")
    with s.connect() as a, s.connect() as b:
        for size in (1, 64, 2048):
            for sock, fill in ((a, b"\x00\xff\r\n"), (b, b"xy")):
                data = (fill * size)[:size]
                sock.sendall(data)
                got = b""
                while len(got) < size:
                    chunk = sock.recv(size - len(got))
                    assert chunk, "echo_bare closed the connection"
                    got += chunk
                assert got == data


@pytest.mark.parametrize("mode", ["threads", "events"])
def test_loadgen_pingpong_against_echo_bare(echo_bare, mode):
    r = loadgen(echo_bare(mode).port, "-c", "100", "-d", "1")
    assert (r["connected"], r["errors"]) == ("100", "0"), r
    assert int(r["messages"]) >= 100, r


def test_loadgen_pingpong_and_hold_against_echo_mt(server):
    s = server("echo_mt", "-q", "-p", "0")
    r = loadgen(s.port, "-c", "50", "-d", "1")
    assert (r["connected"], r["errors"]) == ("50", "0"), r
    assert int(r["messages"]) >= 50, r
    r = loadgen(s.port, "-c", "300", "--hold", "--hold-time", "200")
    assert (r["served"], r["errors"]) == ("300", "0"), r


def serve_wrongly(how):
    """A listening socket whose clients get their bytes back with the last one changed, or get
    the connection closed at once; returns (port, stop)."""
    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(64)
    stopping = threading.Event()

    def client(conn):
        with conn:
            while how == "corrupt" and (data := conn.recv(4096)):
                conn.sendall(data[:-1] + bytes([data[-1] ^ 1]))

    def accept_loop():
        while not stopping.is_set():
            try:
                conn, _ = lsock.accept()
            except OSError:
                return
            threading.Thread(target=client, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()

    def stop():
        stopping.set()
        lsock.close()
    return lsock.getsockname()[1], stop


@pytest.mark.parametrize("how,kind", [("corrupt", "mismatch"), ("close", "reset")])
def test_loadgen_counts_a_bad_echo_as_an_error(how, kind):
    port, stop = serve_wrongly(how)
    try:
        r = loadgen(port, "-c", "5", "-d", "1")
    finally:
        stop()
    assert r[kind] == "5" and r["errors"] == "5", r
    assert r["messages"] == "0", r
