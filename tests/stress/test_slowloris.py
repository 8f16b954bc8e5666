# SPDX-License-Identifier: MIT
"""Slowloris against fileserver (issue 8, "Load and faults"): many connections each trickle a
request head, one header line every few seconds, never finishing it. Meanwhile a fresh client
fetches a file over and over and must be answered every time, promptly; and each slow
connection gets "408 Request Timeout" at the head deadline (counted from its start, not renewed
by each line), then a clean close (FIN, no reset).

Full form: 500 connections, the default 10 s deadline, a line every 2.5 s. Short form: 100
connections, --head-timeout 2000, a line every 0.5 s.
"""
import selectors
import socket
import statistics
import threading
import time

from stress_util import (FULL, SLOW, figure, http_get, proc_status, recv_until_close, settle,
                         size, wait_for)

SLOW_CLIENTS = size(500, 100)
DEADLINE_S = 10.0 if FULL else 2.0
LINE_EVERY_S = 2.5 if FULL else 0.5
# When the 408 may arrive: not before the deadline, and not much after it (all of them expire
# together on a 2-core machine, each answer written and its connection drained and closed).
LATE_S = 1.5 * SLOW
PROBE_EVERY_S = 0.05
PROBE_MAX_S = 2.0 * SLOW      # no probe may take longer, nor wait longer for the previous one


class Slow:
    def __init__(self, index, port):
        self.index = index
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5 * SLOW)
        self.opened = time.monotonic()
        self.sock.sendall(f"GET /hello.txt HTTP/1.1\r\nHost: x\r\nX-Slow: {index}\r\n".encode())
        self.sock.setblocking(False)
        self.next_line = self.opened + LINE_EVERY_S
        self.lines = 0
        self.answer = bytearray()
        self.answered = self.closed = None


def probe(port, body, stop, results):
    """A fresh client, again and again: each GET answered whole; records (start, latency)."""
    while not stop.is_set():
        start = time.monotonic()
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=PROBE_MAX_S) as s:
                s.sendall(http_get("127.0.0.1", "/hello.txt", "close"))
                data = recv_until_close(s)
            ok = data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(body)
            results.append((start, time.monotonic() - start, ok or data[:80]))
        except OSError as e:
            results.append((start, time.monotonic() - start, repr(e)))
        stop.wait(PROBE_EVERY_S)


def trickle(slow, timeout):
    """Send each slow client's lines on time and collect its answer, until all are closed."""
    sel = selectors.DefaultSelector()
    for c in slow:
        sel.register(c.sock, selectors.EVENT_READ, c)
    deadline = time.monotonic() + timeout
    open_left = len(slow)
    try:
        while open_left:
            now = time.monotonic()
            assert now < deadline, f"{open_left} slow clients still open after {timeout:.1f}s"
            for c in slow:
                if c.answered is None and now >= c.next_line:
                    c.sock.send(f"X-Line-{c.lines}: still typing\r\n".encode())
                    c.lines += 1
                    c.next_line += LINE_EVERY_S
            for key, _ in sel.select(0.05):
                c = key.data
                data = c.sock.recv(65536)   # a reset raises: that is a failure
                if data:
                    if c.answered is None:
                        c.answered = time.monotonic()
                    c.answer += data
                else:
                    c.closed = time.monotonic()
                    sel.unregister(c.sock)
                    open_left -= 1
    finally:
        sel.close()


def test_slowloris_is_cut_at_head_deadline_while_fresh_clients_are_served(server, tmp_path):
    body = b"hello, slow world\n"
    (tmp_path / "hello.txt").write_bytes(body)
    deadline_args = [] if FULL else ["--head-timeout", str(int(DEADLINE_S * 1000))]
    srv = server("fileserver", "-q", "-b", "127.0.0.1", "-d", str(tmp_path), *deadline_args,
                 "0", port_stream="stderr")
    pid = srv.proc.pid
    baseline = settle(srv, "fileserver")["threads"]
    stop, results = threading.Event(), []
    prober = threading.Thread(target=probe, args=(srv.port, body, stop, results))
    prober.start()
    slow = []
    try:
        slow = [Slow(i, srv.port) for i in range(SLOW_CLIENTS)]
        trickle(slow, DEADLINE_S + LATE_S + 10 * SLOW)
    finally:
        stop.set()
        prober.join()
        for c in slow:
            c.sock.close()

    # Every slow client: a 408 on a closing connection, then a clean EOF, at its deadline.
    for c in slow:
        assert c.answer.startswith(b"HTTP/1.1 408 Request Timeout\r\n"), \
            f"slow {c.index}: {bytes(c.answer[:100])!r}"
        assert b"\r\nConnection: close\r\n" in c.answer, f"slow {c.index}: {bytes(c.answer)!r}"
        waited = c.answered - c.opened
        assert DEADLINE_S - 0.05 <= waited <= DEADLINE_S + LATE_S, \
            f"slow {c.index}: 408 after {waited:.2f}s, deadline {DEADLINE_S}s"
        assert c.lines >= int(DEADLINE_S / LINE_EVERY_S) - 1, f"slow {c.index}: {c.lines} lines"
    # The fresh client was served every time, promptly, all along.
    failures = [r for r in results if r[2] is not True]
    assert not failures, f"{len(failures)} of {len(results)} fresh requests failed: {failures[:3]}"
    latencies = [r[1] for r in results]
    starts = [r[0] for r in results]
    gaps = [b - a for a, b in zip(starts, starts[1:])]
    assert len(results) >= DEADLINE_S / (PROBE_EVERY_S + PROBE_MAX_S), len(results)
    assert max(latencies) <= PROBE_MAX_S, f"slowest fresh request {max(latencies):.3f}s"
    assert max(gaps) <= PROBE_MAX_S + PROBE_EVERY_S, f"longest gap {max(gaps):.3f}s"
    # And every slow client's thread is gone.
    wait_for(lambda: proc_status(pid)["Threads"] == baseline, 5 * SLOW,
             "the slow clients' threads to end")
    waits = sorted(c.answered - c.opened for c in slow)
    lat_ms = sorted(1000 * t for t in latencies)
    figure(f"fileserver slowloris: {SLOW_CLIENTS} slow clients, head deadline {DEADLINE_S:.0f}s: "
           f"408 after {waits[0]:.2f}..{waits[-1]:.2f}s; {len(lat_ms)} fresh requests meanwhile, "
           f"latency median {statistics.median(lat_ms):.1f} ms, "
           f"p99 {lat_ms[int(0.99 * (len(lat_ms) - 1))]:.1f} ms, max {lat_ms[-1]:.1f} ms")
