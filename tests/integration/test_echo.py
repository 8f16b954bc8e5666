# SPDX-License-Identifier: MIT
"""echo (handout Example 1): exact echo, the printed bytes literals, the handout's `exit` rule and
its --lines answer, one client at a time, a clean stop on SIGINT/SIGTERM, and a port in use."""
import os
import random
import re
import signal
import socket
import subprocess
import threading
import time

import pytest

from conftest import BIN_DIR, SLOW, recv_exactly, recv_until_close

ECHO = os.path.join(BIN_DIR, "echo")

# The three ways a typed "exit" reaches a server (handout question 1), as lists of separate sends.
EXIT_WAYS = {
    "linux-telnet": [b"exit\r\n"],
    "netcat": [b"exit\n"],
    # One key per packet, a typo corrected with backspace, then Enter as its own packet.
    "windows-telnet": [b"e", b"x", b"i", b"z", b"\x08", b"t", b"\r\n"],
    # Telnet's Ctrl-C (IAC IP) typed in the middle: shown and echoed, but not part of the line.
    "telnet-iac": [b"ex", b"\xff\xf4", b"it", b"\r\n"],
}


def start(server, *args):
    return server("echo", "-p", "0", *args)


def nodelay(sock):
    """One send, one packet: what a telnet client typing slowly produces."""
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def assert_open_and_echoing(sock):
    sock.sendall(b"still here\n")
    assert recv_exactly(sock, 11) == b"still here\n"


def test_first_line_names_address_and_port(server):
    srv = start(server)
    assert re.fullmatch(r"echo: listening on 127\.0\.0\.1 port \d+ \(one client at a time; "
                        r"Ctrl-C to stop\)", srv.first_line)
    assert 0 < srv.port < 65536


@pytest.mark.parametrize("mode", [[], ["--lines"]], ids=["raw", "lines"])
def test_echoes_text_and_every_byte_value(server, mode):
    srv = start(server, *mode)
    with srv.connect() as c:
        c.sendall(b"Hello, CS305!\r\n")
        assert recv_exactly(c, 15) == b"Hello, CS305!\r\n"
        data = bytes(range(256))
        c.sendall(data)
        assert recv_exactly(c, 256) == data


@pytest.mark.parametrize("mode", [["-q"], ["--lines", "-q"], []], ids=["raw", "lines", "printing"])
def test_echoes_a_1mib_stream_intact(server, mode):
    srv = start(server, *mode)
    data = random.Random(305).randbytes(1 << 20)
    with srv.connect() as c:
        # Send and receive at once: a client that only sends would fill both socket buffers.
        sender = threading.Thread(target=c.sendall, args=(data,))
        sender.start()
        got = recv_exactly(c, len(data))
        sender.join()
    assert got == data


def test_prints_each_chunk_as_a_python_bytes_literal(server):
    srv = start(server)
    chunks = [b"a", b"\r\n", b"it's", b'say "hi"', b"both ' and \"", b"\x00\x7f\x80\xff\t\\"]
    with nodelay(srv.connect()) as c:
        for chunk in chunks:
            c.sendall(chunk)
            assert recv_exactly(c, len(chunk)) == chunk
    for i, chunk in enumerate(chunks):
        srv.wait_line(".", start=1 + i)
    assert srv.output()[1:1 + len(chunks)] == [repr(chunk) for chunk in chunks]


def test_raw_mode_chunk_exit_closes_the_client(server):
    srv = start(server)
    with srv.connect() as c:
        c.sendall(b"exit")
        assert recv_until_close(c) == b""   # closed, and "exit" itself is not echoed
    with srv.connect() as c:                # the server goes on to the next client
        assert_open_and_echoing(c)


def test_raw_mode_does_not_obey_exit_with_a_line_end(server):
    """The handout's quirk (question 1): it compares the whole chunk, so "exit\\r\\n" is echoed."""
    srv = start(server)
    with srv.connect() as c:
        c.sendall(b"exit\r\n")
        assert recv_exactly(c, 6) == b"exit\r\n"
        assert_open_and_echoing(c)


@pytest.mark.parametrize("way", EXIT_WAYS.values(), ids=EXIT_WAYS.keys())
def test_lines_mode_exit_closes_the_client_however_it_is_sent(server, way):
    srv = start(server, "--lines")
    with nodelay(srv.connect()) as c:
        for piece in way:
            c.sendall(piece)
            time.sleep(0.02)
        # Every byte is echoed as it arrives, then the server closes.
        assert recv_until_close(c) == b"".join(way)
    with srv.connect() as c:
        assert_open_and_echoing(c)


@pytest.mark.parametrize("text", [b"exits\r\n", b"  exit\r\n", b"EXIT\r\n", b"exit"],
                         ids=["longer", "leading-space", "upper-case", "no-line-end-yet"])
def test_lines_mode_other_lines_do_not_close(server, text):
    srv = start(server, "--lines")
    with srv.connect() as c:
        c.sendall(text)
        assert recv_exactly(c, len(text)) == text
        assert_open_and_echoing(c)


def test_second_client_waits_until_the_first_leaves(server):
    srv = start(server)
    with srv.connect() as first:
        assert_open_and_echoing(first)
        second = srv.connect()                 # completes in the listen backlog
        second.sendall(b"second\n")
        second.settimeout(0.3 * SLOW)
        with pytest.raises(socket.timeout):
            second.recv(100)                   # not served while the first is connected
        assert_open_and_echoing(first)
    second.settimeout(5 * SLOW)
    with second:
        assert recv_exactly(second, 7) == b"second\n"


def keep_streaming(sock, stop):
    """A client in the middle of a transfer: send and read until the server goes away."""
    try:
        while not stop.is_set():
            sock.sendall(b"x" * 4096)
            sock.recv(65536)
    except OSError:
        pass


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("state", ["accepting", "idle-client", "streaming-client"])
def test_signal_stops_it_cleanly(server, sig, state):
    srv = start(server, "-q")
    clients, stop = [], threading.Event()
    if state != "accepting":
        clients.append(srv.connect())
        assert_open_and_echoing(clients[0])
    if state == "streaming-client":
        clients.append(srv.connect())          # a second one, waiting in the backlog
        streamer = threading.Thread(target=keep_streaming, args=(clients[0], stop))
        streamer.start()
        time.sleep(0.1)
    try:
        srv.stop(sig, within=1.0)
        assert srv.output("stderr")[-1] == "echo: stopped"
    finally:
        stop.set()
        for c in clients:
            c.close()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_signal_stops_it_while_a_client_never_reads(server, sig):
    """The client only sends: echo fills both socket buffers and waits to send the rest back. A
    stop must end that wait as well as a wait to receive (question 2)."""
    srv = start(server, "-q")
    with srv.connect() as c:
        c.setblocking(False)
        deadline = time.monotonic() + 10 * SLOW
        while True:
            assert time.monotonic() < deadline, "the buffers never filled"
            try:
                c.send(b"x" * 65536)
            except BlockingIOError:
                break                          # full both ways: echo is stuck sending back
        time.sleep(0.2)
        srv.stop(sig, within=1.0)
        assert srv.output("stderr")[-1] == "echo: stopped"


def test_port_in_use_is_one_clear_line(server):
    srv = start(server)
    r = subprocess.run([ECHO, "-p", str(srv.port)], capture_output=True, text=True,
                       timeout=5 * SLOW)
    assert r.returncode == 1
    assert r.stdout == ""
    lines = r.stderr.splitlines()
    assert len(lines) == 1, lines
    assert f"port {srv.port}" in lines[0] and "in use" in lines[0]


@pytest.mark.parametrize("args", [["--bogus"], ["-p", "65536"], ["-p", "12x"], ["-p", "-1"],
                                  ["extra"]])
def test_bad_usage_exits_2_with_a_hint(args):
    r = subprocess.run([ECHO] + args, capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 2
    assert r.stdout == ""
    assert "--help" in r.stderr.splitlines()[-1]


def test_help_and_version():
    r = subprocess.run([ECHO, "--help"], capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 0
    for word in ("--bind", "--port", "--lines", "--quiet", "5555", "telnet", "nc "):
        assert word in r.stdout
    r = subprocess.run([ECHO, "--version"], capture_output=True, text=True, timeout=5 * SLOW)
    assert r.returncode == 0 and r.stdout.startswith("echo ")
