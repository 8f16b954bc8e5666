# SPDX-License-Identifier: MIT
"""Volume through echo_mt (issue 8, "Load and faults"): 100 clients in parallel echo 1 GiB in all
(64 MiB in the short form, 16 MiB under a sanitizer), each a different pseudo-random stream,
and every client gets back exactly what it sent: same length, same SHA-256.
"""
import hashlib
import selectors
import time

from stress_util import FULL, SLOW, Pattern, figure, size

CLIENTS = 100
TOTAL = size(1 << 30, 64 << 20, 16 << 20)
CHUNK = 65536
TIMEOUT = (300 if FULL else 60) * SLOW


class Stream:
    def __init__(self, index, sock, length):
        self.index = index
        self.sock = sock
        self.length = length
        self.sent = self.received = 0
        self.sent_hash = hashlib.sha256()
        self.received_hash = hashlib.sha256()


def pump(sel, st, pattern, events):
    """Move bytes both ways for one client; True once everything came back."""
    if events & selectors.EVENT_WRITE and st.sent < st.length:
        chunk = pattern.chunk(st.index, st.sent, min(CHUNK, st.length - st.sent))
        n = st.sock.send(chunk)
        st.sent_hash.update(chunk[:n])
        st.sent += n
        if st.sent == st.length:
            sel.modify(st.sock, selectors.EVENT_READ, st)
    if events & selectors.EVENT_READ:
        try:
            data = st.sock.recv(262144)
        except BlockingIOError:
            return False
        if not data:
            raise AssertionError(f"client {st.index}: EOF after {st.received} of {st.length}")
        st.received += len(data)
        st.received_hash.update(data)
        assert st.received <= st.sent, f"client {st.index}: got more than it sent"
    return st.received == st.length


def test_echo_mt_echoes_volume_byte_exact(server):
    srv = server("echo_mt", "-q", "-p", "0")
    pattern = Pattern()
    per_client = TOTAL // CLIENTS
    streams = []
    sel = selectors.DefaultSelector()
    try:
        for i in range(CLIENTS):
            s = srv.connect()
            s.setblocking(False)
            st = Stream(i, s, per_client)
            streams.append(st)
            sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, st)
        started = time.monotonic()
        deadline = started + TIMEOUT
        left = CLIENTS
        while left:
            assert time.monotonic() < deadline, f"{left} clients unfinished after {TIMEOUT}s"
            for key, events in sel.select(0.5):
                if pump(sel, key.data, pattern, events):
                    sel.unregister(key.fileobj)
                    left -= 1
        took = time.monotonic() - started
    finally:
        sel.close()
        for st in streams:
            st.sock.close()
    for st in streams:
        assert st.received == st.sent == st.length
        assert st.received_hash.digest() == st.sent_hash.digest(), f"client {st.index} differs"
    mib = CLIENTS * per_client / (1 << 20)
    figure(f"echo_mt: {mib:.0f} MiB echoed byte-exact by {CLIENTS} clients in {took:.2f}s, "
           f"{mib / took:.0f} MiB/s each way")
