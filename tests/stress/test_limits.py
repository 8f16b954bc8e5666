# SPDX-License-Identifier: MIT
"""Past the limits (issue 8, "Load and faults"). More clients than the live-client cap: each
extra one gets the busy answer at once (echo_mt's busy line, fileserver's 503 with Retry-After)
and a clean close, and the moment a served client leaves a new one is served. The cap comes
from --max-clients, or from a low descriptor limit (`prlimit --nofile=64:64`: the servers keep
32 descriptors spare, so 32 clients). And real descriptor exhaustion, the limit lowered under a
running server so accept() fails with EMFILE: the server does not spin the CPU, the clients
queued meanwhile are served as soon as others leave, and a new client after them. And a client
accepted with the last descriptor, whose file cannot be opened: 503 with Retry-After.
"""
import os
import resource
import shutil
import socket
import time

import pytest

from stress_util import (BIN_DIR, SLOW, Job, close_all, cpu_seconds, echo_complete, fd_count,
                         figure, http_complete, http_get, http_response_length, run_jobs, settle,
                         size, threads, wait_for)

MAX_CLIENTS = size(1000, 50, 20)
EXTRA = size(100, 20, 10)
NOFILE = 64
NOFILE_CAP = NOFILE - 32        # FD_MARGIN of common/base/net_serve.c
BODY = b"served\n" * 10
BUSY_S = 1.0 * SLOW             # "at once": the busy answer and the close, for all the extras
CPU_WINDOW_S = 2.0
CPU_MAX = 0.2                   # of one core, while descriptors are exhausted


def start(server, program, docroot, cap):
    """echo_mt or fileserver, capped by --max-clients ("option"), by a descriptor limit of 64
    ("nofile"), or not at all (None: the default cap, 16384)."""
    args = {"echo_mt": ["echo_mt", "-q", "-p", "0"],
            "fileserver": ["fileserver", "-q", "-b", "127.0.0.1", "-d", str(docroot),
                           "--idle-timeout", "600000", "--head-timeout", "600000", "0"]}[program]
    kw = {"port_stream": "stderr"} if program == "fileserver" else {}
    if cap is None:
        return server(*args, **kw), None
    if cap == "option":
        return server(*args, "--max-clients", str(MAX_CLIENTS), **kw), MAX_CLIENTS
    # prlimit execs the program, so the pid is the server's; both limits low, since the
    # servers raise the soft limit to the hard one.
    return server(shutil.which("prlimit"), f"--nofile={NOFILE}:{NOFILE}",
                  os.path.join(BIN_DIR, args[0]), *args[1:], **kw), NOFILE_CAP


def exchange(program, i):
    if program == "echo_mt":
        msg = f"client {i}\n".encode()
        return msg, echo_complete(msg)
    return http_get("127.0.0.1", "/f.txt"), http_complete(200, BODY)


def busy_answer(program, cap):
    """What a client past the cap must get, before a clean EOF."""
    if program == "echo_mt":
        expected = f"server busy: {cap} clients connected, try again later\r\n".encode()

        def complete(buf, eof):
            assert bytes(buf) == expected[:len(buf)], f"got {bytes(buf)!r}"
            return eof and buf == expected
        return b"", complete

    def complete(buf, eof):
        if not eof:
            return False
        assert buf.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), f"got {bytes(buf[:80])!r}"
        assert b"\r\nRetry-After: 1\r\n" in buf and b"\r\nConnection: close\r\n" in buf, buf
        assert http_response_length(buf) == len(buf), f"not one whole response: {bytes(buf)!r}"
        return True
    return http_get("127.0.0.1", "/f.txt"), complete


@pytest.mark.parametrize("how", ["option", "nofile"], ids=["max-clients", "nofile-64"])
@pytest.mark.parametrize("program", ["echo_mt", "fileserver"])
def test_past_the_cap_busy_at_once_then_recovers(server, tmp_path, program, how):
    (tmp_path / "f.txt").write_bytes(BODY)
    srv, cap = start(server, program, tmp_path, how)
    pid = srv.proc.pid
    base = settle(srv, program)["threads"]
    served, errors = run_jobs(srv.port, [Job(i, *exchange(program, i)) for i in range(cap)],
                              30 * SLOW, inflight=64)
    try:
        assert not errors, errors[:5]
        assert threads(pid) == base + cap
        if how == "nofile":
            assert fd_count(pid) <= NOFILE
        # The extras, all at once: each answered busy and closed, quickly.
        started = time.monotonic()
        extra, errors = run_jobs(srv.port, [Job(i, *busy_answer(program, cap))
                                            for i in range(EXTRA)], BUSY_S)
        turned_away = time.monotonic() - started
        close_all(extra)
        assert not errors, errors[:5]
        # One served client leaves: as soon as its thread is gone, a new client is served...
        served[0].close()
        left = time.monotonic()
        wait_for(lambda: threads(pid) == base + cap - 1, 5 * SLOW, "the leaving client's thread")
        fresh, errors = run_jobs(srv.port, [Job(0, *exchange(program, cap))], 5 * SLOW)
        recovered = time.monotonic() - left
        served[0] = fresh[0]
        assert not errors, f"client after one left: {errors}"
        # ... and the cap holds again.
        extra, errors = run_jobs(srv.port, [Job(0, *busy_answer(program, cap))], BUSY_S)
        close_all(extra)
        assert not errors, errors
    finally:
        close_all(served)
    wait_for(lambda: threads(pid) == base, 5 * SLOW, "every client thread to end")
    what = f"descriptor limit {NOFILE}" if how == "nofile" else f"--max-clients {cap}"
    figure(f"{program} ({what}): {cap} served, {EXTRA} extras turned away in "
           f"{1000 * turned_away:.0f} ms; new client served {1000 * recovered:.0f} ms after "
           f"one left")


def answers(socks, program, request, wait):
    """Each socket sends `request` and gets its answer (the echo, or 200) within wait seconds."""
    complete = exchange(program, 0)[1]
    _, errors = run_jobs(0, [Job(i, request, complete, sock=s) for i, s in enumerate(socks)],
                         wait)
    assert not errors, f"{len(errors)} of {len(socks)} not served: {errors[:3]}"


@pytest.mark.parametrize("program", ["echo_mt", "fileserver"])
def test_descriptor_exhaustion_does_not_spin_and_recovers(server, tmp_path, program):
    (tmp_path / "f.txt").write_bytes(BODY)
    srv, _ = start(server, program, tmp_path, None)
    pid = srv.proc.pid
    request = exchange(program, 0)[0]
    # One client served first: the accept loop is running and has sized its cap for the
    # generous limit, so the limit lowered below makes accept() itself fail with EMFILE.
    base = settle(srv, program)
    base_threads, base_fds = base["threads"], base["fds"]
    limit = base_fds + 40
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (limit, limit))
    socks = []
    try:
        # Silent clients: the first 40 take every descriptor left, the rest wait in the listen
        # queue (the kernel completes their handshake; accept() fails with EMFILE).
        for _ in range(60):
            socks.append(socket.create_connection(("127.0.0.1", srv.port), timeout=5 * SLOW))
        wait_for(lambda: fd_count(pid) == limit, 5 * SLOW, f"the server to use all {limit} fds")
        held = limit - base_fds
        waiting = socks[held:]   # the listen queue is first in, first out
        assert threads(pid) == base_threads + held
        # Exhausted, with clients waiting: the server must sleep, not spin on accept().
        before = cpu_seconds(pid)
        time.sleep(CPU_WINDOW_S)
        cpu = (cpu_seconds(pid) - before) / CPU_WINDOW_S
        assert cpu < CPU_MAX, f"{program} used {100 * cpu:.0f}% of a core while out of fds"
        assert fd_count(pid) == limit and threads(pid) == base_threads + held
        # The holders leave: every waiting client is accepted and served.
        close_all(socks[:held])
        started = time.monotonic()
        answers(waiting, program, request, 5 * SLOW)
        took = time.monotonic() - started
    finally:
        close_all(socks)
    wait_for(lambda: threads(pid) == base_threads, 10 * SLOW, "every client thread to end")
    fresh = [socket.create_connection(("127.0.0.1", srv.port), timeout=5 * SLOW)]
    answers(fresh, program, request, 5 * SLOW)
    close_all(fresh)
    figure(f"{program} out of descriptors (limit {limit}, {len(waiting)} clients queued): CPU "
           f"{100 * cpu:.1f}% of a core over {CPU_WINDOW_S:.0f}s; the queued clients all served "
           f"{1000 * took:.0f} ms after the others left")


def read_one_response(sock):
    """One whole response (head + Content-Length body) from a keep-alive connection."""
    buf = bytearray()
    while (total := http_response_length(buf)) is None:
        chunk = sock.recv(65536)
        assert chunk, f"EOF before a whole response: {bytes(buf)!r}"
        buf += chunk
    assert total == len(buf), f"{len(buf) - total} bytes after the response"
    return bytes(buf)


def test_out_of_descriptors_at_open_is_503_then_served_on_the_same_connection(server, tmp_path):
    """The client is accepted, but the file cannot be opened (EMFILE): the server's trouble and a
    passing one, so 503 with Retry-After, not 500 and not 404. The connection stays open, and
    once a descriptor is free the same connection gets the file."""
    (tmp_path / "f.txt").write_bytes(BODY)
    srv, _ = start(server, "fileserver", tmp_path, None)
    pid = srv.proc.pid
    settle(srv, "fileserver")
    soft, hard = resource.prlimit(pid, resource.RLIMIT_NOFILE)
    # A new descriptor gets the lowest free number, and must be below the soft limit. With the
    # limit at the second free number, accept() takes the first and open() finds none left.
    used = {int(name) for name in os.listdir(f"/proc/{pid}/fd")}
    free = [n for n in range(len(used) + 2) if n not in used][:2]
    resource.prlimit(pid, resource.RLIMIT_NOFILE, (free[1], hard))
    try:
        with socket.create_connection(("127.0.0.1", srv.port), timeout=5 * SLOW) as s:
            s.sendall(http_get("127.0.0.1", "/f.txt"))
            answer = read_one_response(s)
            head = answer.split(b"\r\n\r\n", 1)[0]
            assert head.startswith(b"HTTP/1.1 503 Service Unavailable\r\n"), answer[:200]
            assert b"\r\nRetry-After: 1\r\n" in head and b"Connection: close" not in head, head
            assert b"Out of resources" in answer
            resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
            s.sendall(http_get("127.0.0.1", "/f.txt"))
            answer = read_one_response(s)
            assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and answer.endswith(BODY), answer[:200]
    finally:
        resource.prlimit(pid, resource.RLIMIT_NOFILE, (soft, hard))
    figure(f"fileserver out of descriptors at open() (soft limit {free[1]}): 503 with "
           "Retry-After: 1, then 200 on the same connection")
