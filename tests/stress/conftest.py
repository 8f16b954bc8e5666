# SPDX-License-Identifier: MIT
"""The load and fault tests reuse the integration harness (tests/integration/conftest.py): its
Server class and `server` fixture start the real binaries on port 0 and, at teardown, fail if a
server did not stop cleanly on SIGTERM or printed a sanitizer report or a stray warning.

Both directories have a module named conftest, so the harness is loaded here under another name
(stress_util imports it the same way). The figures the tests measure (RSS per idle connection,
echo rate, latencies, stop times) are printed in the terminal summary, also under -q.
"""
import resource

import stress_util

server = stress_util.harness.server   # re-exported: pytest finds fixtures by name in a conftest


def pytest_configure(config):
    # 10,000 client sockets live in this process: take the hard limit, as the servers do.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def pytest_terminal_summary(terminalreporter):
    if not stress_util.FIGURES:
        return
    terminalreporter.write_sep("-", f"stress figures ({stress_util.VARIANT}, "
                                    f"STRESS={stress_util.STRESS})")
    for line in stress_util.FIGURES:
        terminalreporter.write_line(line)
