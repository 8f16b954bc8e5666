# SPDX-License-Identifier: MIT
"""Thousands of idle persistent connections (issue 8, "Load and faults"): echo_mt and fileserver
each hold N clients at once (10,000 in the full form, 1,000 short, 300 under a sanitizer), one
thread per client, each served once, left idle, then served again, with zero errors. The RSS per
idle connection is reported in the summary.
"""
import time

from stress_util import (FULL, SLOW, Job, close_all, echo_complete, figure, http_complete,
                         http_get, proc_status, run_jobs, settle, size, wait_for)

CLIENTS = size(10000, 1000, 300)
# Generous: 10,000 threads started on a busy 2-core machine.
OPEN_TIMEOUT = (120 if FULL else 40) * SLOW


def hold_and_reserve(srv, first, second, label):
    """Open CLIENTS connections, each doing the `first` exchange; hold them all; then every one
    does the `second` exchange. first/second: index -> (request bytes, complete function)."""
    pid = srv.proc.pid
    settle(srv, label)
    before = proc_status(pid)
    started = time.monotonic()
    socks, errors = run_jobs(srv.port, [Job(i, *first(i)) for i in range(CLIENTS)],
                             OPEN_TIMEOUT, inflight=256)
    opened = time.monotonic() - started
    try:
        assert not errors, f"{len(errors)} errors opening; first: {errors[:5]}"
        # One thread per connected client, all alive while their clients idle.
        held = proc_status(pid)
        assert held["Threads"] == before["Threads"] + CLIENTS, (before, held)
        per_conn = (held["VmRSS"] - before["VmRSS"]) / CLIENTS
        started = time.monotonic()
        _, errors = run_jobs(srv.port, [Job(i, *second(i), sock=socks[i])
                                        for i in range(CLIENTS)], OPEN_TIMEOUT, inflight=2048)
        reserved = time.monotonic() - started
        assert not errors, f"{len(errors)} errors serving again; first: {errors[:5]}"
    finally:
        close_all(socks)
    wait_for(lambda: proc_status(pid)["Threads"] == before["Threads"], 10 * SLOW,
             f"{label}: client threads to end after the clients left")
    figure(f"{label}: {CLIENTS} idle connections: RSS {before['VmRSS']} -> {held['VmRSS']} KiB, "
           f"{per_conn:.1f} KiB per idle connection; opened and served in {opened:.2f}s, "
           f"all served again in {reserved:.2f}s")


def test_echo_mt_holds_idle_clients(server):
    srv = server("echo_mt", "-q", "-p", "0")

    def exchange(word):
        def make(i):
            msg = f"{word} {i}\n".encode()
            return msg, echo_complete(msg)
        return make
    hold_and_reserve(srv, exchange("hello"), exchange("again"), "echo_mt")


def test_fileserver_holds_idle_keepalive_clients(server, tmp_path):
    (tmp_path / "a.txt").write_bytes(b"first answer\n" * 20)
    (tmp_path / "b.txt").write_bytes(b"second answer\n" * 30)
    # The idle timeout (5 s by default) is raised so no connection is closed while the last
    # ones are still being opened; the head deadline stays at its default.
    srv = server("fileserver", "-q", "-b", "127.0.0.1", "-d", str(tmp_path),
                 "--idle-timeout", str(600000), "0", port_stream="stderr")

    def exchange(name):
        body = (tmp_path / name).read_bytes()

        def make(i):
            return http_get("127.0.0.1", f"/{name}"), http_complete(200, body)
        return make
    hold_and_reserve(srv, exchange("a.txt"), exchange("b.txt"), "fileserver")
