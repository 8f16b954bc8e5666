# SPDX-License-Identifier: MIT
"""SIGTERM under load (issue 8, "Load and faults"), for each of the five programs. A first load
runs to its end: every answer byte-exact, and afterwards the server is back to the descriptor
and thread counts it had at rest before the load (nothing leaked). Then a second load, and
SIGTERM in the middle of it: exit status 0 within 5 s (scaled under sanitizers),
and every client either got its answers whole or saw its connection closed (EOF, reset, or
refused once the listener is gone); none hangs, none gets a wrong byte.
"""
import os
import socket
import threading
import time
import traceback

import pytest

from stress_util import (CONTENT_LENGTH, FULL, HEAD_END, PROGRAMS, SLOW, figure, http_get,
                         settle, size, split_response, start_program, wait_counts)

CLIENTS = size(16, 8, 4)
ROUNDS = size(10, 5, 3)          # exchanges of each client in the first load
BIG = size(16 << 20, 16 << 20, 4 << 20)
STREAM = b"/stream?n=20&delay_ms=25"
ECHO_CHUNK = 16384


class Closed(Exception):
    """The server closed the connection (EOF, reset or refused): an acceptable end. partial:
    what had come of the answer in progress."""

    def __init__(self, how, partial=b""):
        super().__init__(how)
        self.partial = partial


def recv_some(s):
    try:
        data = s.recv(262144)
    except ConnectionResetError:
        raise Closed("reset")
    if not data:
        raise Closed("eof")
    return data


def read_response(s, buf):
    """One whole HTTP response from s (after what is in buf): (head, body, rest). A close in
    the middle raises Closed, after checking what came so far is a well-formed beginning."""
    while True:
        end = buf.find(HEAD_END)
        if end >= 0:
            m = CONTENT_LENGTH.search(buf, 0, end + 2)
            if m:
                total = end + 4 + int(m.group(1))
            else:
                last = buf.find(b"\r\n0\r\n\r\n", end)
                total = last + 7 if last >= 0 else -1
            if 0 <= total <= len(buf):
                head, body = split_response(bytes(buf[:total]))
                return head, body, buf[total:]
        try:
            buf += recv_some(s)
        except Closed as e:
            assert bytes(buf[:7]) == b"HTTP/1."[:len(buf[:7])], \
                f"a cut response that is not one: {bytes(buf[:80])!r}"
            raise Closed(str(e), bytes(buf))


def send(s, data):
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        raise Closed("reset")


def connect(port):
    try:
        return socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
    except ConnectionRefusedError:
        raise Closed("refused")
    except ConnectionResetError:   # the listener closed with the handshake done, not accepted
        raise Closed("reset")


class Load:
    """CLIENTS threads doing rounds of a program's exchange: `rounds` each, or until closed."""

    def __init__(self, program, port, docroot, rounds=None):
        self.program, self.port, self.rounds = program, port, rounds
        self.big = (docroot / "big.bin").read_bytes() if program == "fileserver" else None
        self.done = [0] * CLIENTS
        self.ends = [None] * CLIENTS
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(CLIENTS)]
        for t in self.threads:
            t.start()

    def run(self, i):
        try:
            getattr(self, self.program if self.program != "echo_mt" else "echo")(i)
            self.ends[i] = "finished"
        except Closed as e:
            self.ends[i] = str(e)
        except Exception:   # noqa: BLE001 -- reported by the test, not lost in a thread
            self.errors.append(f"client {i}: {traceback.format_exc(limit=-2)}")

    def more(self, i):
        return self.rounds is None or self.done[i] < self.rounds

    def echo(self, i):
        with connect(self.port) as s:
            while self.more(i):
                msg = os.urandom(ECHO_CHUNK)
                send(s, msg)
                got = bytearray()
                try:
                    while len(got) < len(msg):
                        got += recv_some(s)
                finally:
                    assert got == msg[:len(got)], "echoed bytes differ"
                self.done[i] += 1

    def web_hello(self, i):
        while self.more(i):
            with connect(self.port) as s:
                send(s, b"GET / HTTP/1.0\r\n\r\n")
                head, body, rest = read_response(s, bytearray())
                assert head.startswith(b"HTTP/1.0 200 OK\r\n") and b"Hello World!" in body
                assert not rest
            self.done[i] += 1

    def http_rounds(self, i, request, check):
        with connect(self.port) as s:
            buf = bytearray()
            while self.more(i):
                send(s, request(self.done[i]))
                try:
                    head, body, buf = read_response(s, buf)
                except Closed as e:
                    end = e.partial.find(HEAD_END)
                    if end >= 0:
                        check(self.done[i], e.partial[end + 4:], cut=True)
                    raise
                assert head.startswith(b"HTTP/1.1 200 OK\r\n"), head
                check(self.done[i], body)
                self.done[i] += 1
                if b"\r\nConnection: close\r\n" in head:
                    raise Closed("eof")   # the server said this was the last answer

    def fileserver(self, i):
        def check(n, body, cut=False):
            whole = self.big[:len(body)] if cut else self.big
            assert body == whole, f"download of {len(body)} bytes differs from the file"
        self.http_rounds(i, lambda n: http_get("127.0.0.1", "/big.bin"), check)

    def formapp(self, i):
        def check(n, body, cut=False):
            if cut:
                return   # a stream cut short: its chunks are not decoded
            if n % 2:
                assert body.count(b"\n") == 20, body
            else:
                assert b"<form" in body, body[:200]
        self.http_rounds(i, lambda n: http_get("127.0.0.1", STREAM.decode() if n % 2 else "/"),
                         check)

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for t in self.threads:
            t.join(max(0.0, deadline - time.monotonic()))
        hung = sum(t.is_alive() for t in self.threads)
        assert not hung, f"{hung} clients still running {timeout:.0f}s on"
        assert not self.errors, self.errors


@pytest.mark.parametrize("program", PROGRAMS)
def test_sigterm_under_load(server, tmp_path, program):
    (tmp_path / "big.bin").write_bytes(os.urandom(BIG))
    # web_hello prints each request line it reads: every one must have had its whole answer.
    srv = start_program(server, program, tmp_path, quiet=program != "web_hello")
    pid = srv.proc.pid
    base = settle(srv, program)
    # A first load to its end, then back to the counts at rest.
    first = Load(program, srv.port, tmp_path, rounds=ROUNDS)
    first.join((120 if FULL else 60) * SLOW)
    assert first.ends == ["finished"] * CLIENTS, first.ends
    wait_counts(pid, base, 10 * SLOW, f"{program} after the first load")
    # A second load, and SIGTERM in the middle of it.
    second = Load(program, srv.port, tmp_path)
    deadline = time.monotonic() + 30 * SLOW
    while sum(1 for n in second.done if n > 0) < (1 if program == "echo" else CLIENTS):
        assert time.monotonic() < deadline and not second.errors, (second.done, second.errors)
        time.sleep(0.01)
    in_flight = sum(second.done)
    took = srv.stop(within=5)
    second.join(10 * SLOW)
    if program == "web_hello":
        read = sum(1 for line in srv.output() if line == "['GET', '/', 'HTTP/1.0']")
        # (settle's one, the first load's, the second's answered whole)
        assert read == 1 + ROUNDS * CLIENTS + sum(second.done), "a request read, not answered"
    ends = {e: second.ends.count(e) for e in sorted(set(second.ends))}
    figure(f"{program}: SIGTERM with {CLIENTS} clients busy ({in_flight} exchanges done): exit 0 "
           f"in {1000 * took:.0f} ms; clients: {ends}, {sum(second.done)} exchanges whole")
