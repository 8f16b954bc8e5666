# SPDX-License-Identifier: MIT
"""A client that holds a thread by being slow in the middle of a transfer, not in its head
(issue 15): a request body trickled a byte at a time, and a response read a little at a time.
Each read or write used to restart its own timeout, so both could last for months. Now a body or
a response must keep the server's minimum rate (--min-rate, struct io_pace) once its timeout has
passed: the trickled body gets 408 at about the body timeout, the slow reader is closed soon
after the send timeout and the access log says why, and a slow but real client still gets its
whole file.

The slow reader must free enough room for the server's poll() to wake before the send timeout
(a third of its send buffer, which Linux grows to megabytes): a reader slower than that is
closed by the send timeout alone, as before. A reader just fast enough to keep waking it, but
slower than the minimum rate, is what the pace closes; so the reader case names a minimum rate
it stays under. Full form: the default timeouts (10 s body, 30 s send), a body byte every 6 s
(the default 1 KiB/s), a reader of 128 KiB/s against --min-rate 256 KiB/s. Short form:
--body-timeout 1000, --send-timeout 1000, --min-rate 8 MiB/s, a byte every 0.5 s, a reader of
about 3 MiB/s: each case lasts a few seconds.
"""
import os
import socket
import threading
import time

import pytest

from stress_util import FULL, SLOW, figure, recv_until_close, start_program, wait_for

BODY_TIMEOUT_S = 10.0 if FULL else 1.0
SEND_TIMEOUT_S = 30.0 if FULL else 1.0
BODY_RATE = 1024 if FULL else 1 << 20          # the minimum rate of the body case
READ_RATE = 256 << 10 if FULL else 8 << 20     # the minimum rate of the reader cases
BYTE_EVERY_S = 6.0 if FULL else 0.5
READ_EVERY_S = 1.0 if FULL else 0.01
READ_SIZE = (128 << 10) if FULL else 32 << 10  # half of READ_RATE, or less
FILE_SIZE = 256 << 20
FAIR_RATE = 8 * READ_RATE                      # a slow but real client, far below loopback
FAIR_SIZE = 4 << 20


def options(rate):
    timeouts = [] if FULL else ["--body-timeout", str(int(BODY_TIMEOUT_S * 1000)),
                                "--send-timeout", str(int(SEND_TIMEOUT_S * 1000))]
    return timeouts + ["--min-rate", str(rate)]


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    root = tmp_path_factory.mktemp("slow")
    with open(root / "big.bin", "wb") as f:
        f.truncate(FILE_SIZE)          # sparse: the bytes are never read back
    (root / "fair.bin").write_bytes(os.urandom(FAIR_SIZE))
    return root


def test_trickled_body_gets_408_at_the_body_timeout(server):
    """POST / with Content-Length: 100, one byte every BYTE_EVERY_S: 408 at about the body
    timeout, where each byte used to restart it (100 bytes: 50 s short, 10 min full)."""
    srv = start_program(server, "formapp", None, *options(BODY_RATE), quiet=False)
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=5 * SLOW)
    s.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
              b"Content-Length: 100\r\n\r\n")
    start = time.monotonic()
    s.setblocking(False)
    answer = bytearray()
    while time.monotonic() - start < 3 * BODY_TIMEOUT_S * SLOW + 5:
        try:
            s.send(b"u")
        except OSError:
            break                                  # the server has closed: look at what came
        deadline = time.monotonic() + BYTE_EVERY_S
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(4096)
            except BlockingIOError:
                time.sleep(0.05)
                continue
            except OSError:
                chunk = b""
            answer += chunk
            if not chunk or b"\r\n\r\n" in answer:
                break
        if b"\r\n\r\n" in answer:
            break
    took = time.monotonic() - start
    s.close()
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert BODY_TIMEOUT_S * 0.9 <= took <= BODY_TIMEOUT_S + 3 * SLOW, took
    srv.wait_line(r"code 408, message", "stderr")
    figure(f"trickled body (a byte every {BYTE_EVERY_S} s): 408 after {took:.1f} s "
           f"(body timeout {BODY_TIMEOUT_S} s)")


def slow_reader(port, path, every_s, size, stop):
    """GET path and read up to size bytes every every_s seconds until the server closes or stop
    is set; returns the bytes read."""
    s = socket.create_connection(("127.0.0.1", port), timeout=10 * SLOW)
    s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    got = 0
    try:
        while not stop.is_set():
            chunk = s.recv(size)
            if not chunk:
                break
            got += len(chunk)
            time.sleep(every_s)
    except OSError:
        pass
    finally:
        s.close()
    return got


def test_slow_reader_is_closed_by_the_pace_and_the_log_says_why(server, docroot):
    """A reader that keeps the server's poll() waking (so no single wait reaches the send
    timeout) but stays under the minimum rate: closed, where each wait used to restart the clock
    and the transfer could last as long as the file."""
    srv = start_program(server, "fileserver", docroot, *options(READ_RATE), quiet=False)
    stop = threading.Event()
    result = {}
    t = threading.Thread(target=lambda: result.update(
        got=slow_reader(srv.port, "/big.bin", READ_EVERY_S, READ_SIZE, stop)))
    t.start()
    # The kernel's buffers take a few MiB at once; they count as sent, so the close comes that
    # many bytes' worth of the minimum rate after the send timeout, and then some, since the
    # reader does take half the rate.
    limit = 2 * (SEND_TIMEOUT_S + (8 << 20) / READ_RATE)
    try:
        line = srv.wait_line(r"closed: the client took \d+ bytes in [\d.]+ s", "stderr",
                             timeout=limit + 10)
    finally:
        stop.set()
        t.join(timeout=30)
    took = float(line.split(" bytes in ")[1].split(" s")[0])
    sent = int(line.split("took ")[1].split(" bytes")[0])
    assert SEND_TIMEOUT_S <= took <= limit * SLOW, line
    assert sent < FILE_SIZE
    figure(f"slow reader ({READ_SIZE // 1024} KiB every {READ_EVERY_S} s, under --min-rate "
           f"{READ_RATE >> 10} KiB/s): closed after {took:.1f} s, {sent >> 10} KiB sent")


def test_a_slow_but_real_client_gets_the_whole_file(server, docroot):
    """Reading at FAIR_RATE bytes a second, eight times the minimum rate, far below loopback:
    the pace never cuts it."""
    srv = start_program(server, "fileserver", docroot, *options(READ_RATE))
    s = socket.create_connection(("127.0.0.1", srv.port), timeout=10 * SLOW)
    s.sendall(b"GET /fair.bin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    start, data = time.monotonic(), bytearray()
    while True:
        chunk = s.recv(16384)
        if not chunk:
            break
        data += chunk
        ahead = len(data) / FAIR_RATE - (time.monotonic() - start)
        if ahead > 0:
            time.sleep(ahead)
    s.close()
    head, _, body = bytes(data).partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and len(body) == FAIR_SIZE
    assert body == (docroot / "fair.bin").read_bytes()
    figure(f"slow but real client: {FAIR_SIZE >> 10} KiB at {FAIR_RATE >> 10} KiB/s in "
           f"{time.monotonic() - start:.1f} s, whole")
