# SPDX-License-Identifier: MIT
"""echo_mt (handout Example 3): the handout's output lines, exit closing one client only, 200
clients at once with every byte intact, --max-clients, a clean stop with clients connected, and a
port in use."""
import os
import random
import re
import selectors
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BIN_DIR, SLOW, recv_exactly, recv_until_close

ECHO_MT = os.path.join(BIN_DIR, "echo_mt")
BUSY = re.compile(rb"server busy: (\d+) clients connected, try again later\r\n")


def start(server, *args):
    return server("echo_mt", "-p", "0", *args)


def tuple_of(sock):
    host, port = sock.getsockname()[:2]
    return f"('{host}', {port})"


def assert_echoes(sock, data=b"ping\r\n"):
    sock.sendall(data)
    assert recv_exactly(sock, len(data)) == data


def test_first_line_names_address_and_port(server):
    srv = start(server)
    assert re.fullmatch(r"echo_mt: listening on 127\.0\.0\.1 port \d+ \(one thread per client; "
                        r"Ctrl-C to stop\)", srv.first_line)


def test_prints_the_handouts_lines(server):
    srv = start(server)
    with srv.connect() as c:
        who = tuple_of(c)
        srv.wait_line("^" + re.escape(f"{who} connected") + "$")
        assert_echoes(c, b"client 1\r\n")
        srv.wait_line("^" + re.escape(f"{who} sent: b'client 1\\r\\n'") + "$")
        assert_echoes(c, b"it's \xff")
        srv.wait_line("^" + re.escape(f"{who} sent: " + repr(b"it's \xff")) + "$")
    srv.wait_line("^" + re.escape(f"{who} left") + "$")


def test_exit_closes_that_client_only(server):
    srv = start(server)
    with srv.connect() as a, srv.connect() as b:
        assert_echoes(a)
        assert_echoes(b)
        a.sendall(b"exit")
        assert recv_until_close(a) == b""
        assert_echoes(b)
        b.sendall(b"exit\r\n")                 # raw mode: the handout's rule, echoed
        assert recv_exactly(b, 6) == b"exit\r\n"


def test_lines_mode_exit_sent_the_windows_telnet_way(server):
    srv = start(server, "--lines")
    way = [b"e", b"x", b"i", b"z", b"\x08", b"t", b"\r\n"]
    with srv.connect() as a, srv.connect() as b:
        a.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for piece in way:
            a.sendall(piece)
            time.sleep(0.02)
        assert recv_until_close(a) == b"".join(way)
        assert_echoes(b)
        b.sendall(b"exit\n")
        assert recv_until_close(b) == b"exit\n"


def pump_all(socks, payloads, timeout):
    """Send every payload and read its echo back, all sockets at once; returns what came back."""
    sel = selectors.DefaultSelector()
    sent = {s: 0 for s in socks}
    got = {s: bytearray() for s in socks}
    for s in socks:
        s.setblocking(False)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE)
    deadline = time.monotonic() + timeout
    open_count = len(socks)
    while open_count and time.monotonic() < deadline:
        for key, events in sel.select(timeout=0.5):
            s, want = key.fileobj, payloads[key.fileobj]
            if events & selectors.EVENT_WRITE:
                sent[s] += s.send(want[sent[s]:sent[s] + 65536])
                if sent[s] == len(want):
                    sel.modify(s, selectors.EVENT_READ)
            if events & selectors.EVENT_READ:
                chunk = s.recv(65536)
                got[s] += chunk
                if not chunk or len(got[s]) >= len(want):
                    sel.unregister(s)
                    open_count -= 1
    sel.close()
    return got


def test_200_concurrent_clients_each_echo_64kib_intact(server):
    srv = start(server, "-q")
    rng = random.Random(8761)
    socks = [srv.connect() for _ in range(200)]
    try:
        payloads = {s: rng.randbytes(64 * 1024) for s in socks}
        got = pump_all(socks, payloads, timeout=30 * SLOW)
        broken = [i for i, s in enumerate(socks) if bytes(got[s]) != payloads[s]]
        assert not broken, f"{len(broken)} clients got wrong data, e.g. client {broken[0]}"
    finally:
        for s in socks:
            s.close()


def try_connect(srv):
    """A served socket, or None if the server turned the client away with its busy line."""
    s = srv.connect()
    s.settimeout(0.3 * SLOW)
    try:
        reply = recv_until_close(s)          # a turned-away client gets one line, then EOF
    except socket.timeout:
        s.settimeout(10 * SLOW)              # silence: it is being served
        return s
    s.close()
    assert BUSY.fullmatch(reply), reply
    return None


def test_max_clients_turns_away_the_next_one_until_one_leaves(server):
    srv = start(server, "--max-clients", "2")
    a, b = srv.connect(), srv.connect()
    try:
        assert_echoes(a)
        assert_echoes(b)
        with srv.connect() as c:
            assert BUSY.fullmatch(recv_until_close(c)).group(1) == b"2"
        srv.wait_line(r"turned away: 2 clients connected$")
        a.close()
        # The slot is free once a's thread has ended, a moment after a leaves: retry until then.
        deadline = time.monotonic() + 5 * SLOW
        d = try_connect(srv)
        while d is None and time.monotonic() < deadline:
            time.sleep(0.05)
            d = try_connect(srv)
        assert d is not None, "no client was served after one of two left"
        with d:
            assert_echoes(d)
            assert_echoes(b)
    finally:
        a.close()
        b.close()


def keep_streaming(sock, stop):
    try:
        while not stop.is_set():
            sock.sendall(b"x" * 4096)
            sock.recv(65536)
    except OSError:
        pass


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_closes_every_client_and_stops(server, sig):
    srv = start(server, "-q")
    idle, busy = srv.connect(), srv.connect()
    stop = threading.Event()
    streamer = threading.Thread(target=keep_streaming, args=(busy, stop))
    try:
        assert_echoes(idle)
        assert_echoes(busy)
        streamer.start()
        time.sleep(0.1)
        srv.stop(sig, within=1.0)
        assert srv.output("stderr")[-1] == "echo_mt: stopped"
        idle.settimeout(2 * SLOW)
        assert recv_until_close(idle) == b""   # woken and closed by the server
    finally:
        stop.set()
        streamer.join(timeout=5)
        idle.close()
        busy.close()


def test_port_in_use_is_one_clear_line(server):
    srv = start(server)
    r = subprocess.run([ECHO_MT, "-p", str(srv.port)], capture_output=True, text=True,
                       timeout=5 * SLOW)
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, lines
    assert f"port {srv.port}" in lines[0] and "in use" in lines[0]


@pytest.mark.parametrize("args", [["--bogus"], ["-p", "x"], ["--max-clients", "0"],
                                  ["--max-clients", "1e3"], ["extra"]])
def test_bad_usage_exits_2_with_a_hint(args):
    r = subprocess.run([ECHO_MT] + args, capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "--help" in r.stderr.splitlines()[-1]


def test_help_and_version():
    r = subprocess.run([ECHO_MT, "--help"], capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 0
    for word in ("--bind", "--port", "--lines", "--max-clients", "--quiet", "5555", "telnet"):
        assert word in r.stdout
    r = subprocess.run([ECHO_MT, "--version"], capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 0 and r.stdout.startswith("echo_mt ")
