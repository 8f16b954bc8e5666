#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run one of the handout's Python listings, unchanged, on another port.

    tools/run-listing.py LISTING PORT [ARG...]

The handout's listings bind fixed ports (echo.py and echo_mt.py 5555, web_hello.py 8080,
flask_app.py 8000). The tests, the lab-notes checker and the benchmarks run them beside the C
servers on free ports, so this wrapper replaces the port of every bind() the listing makes with
PORT and then runs the file as `python3 LISTING` would: as __main__, with its own __file__ (Flask
finds templates/ beside it), its address untouched (flask_app.py keeps 0.0.0.0). A copy that
already takes a port argument gets PORT as its argument too, which changes nothing.

The listings are the course's code, not the project's: their folder is HANDOUT_DIR, which the
student fills by saving the handout's listings (see README.md).
"""
import os
import socket
import sys


def main():
    if len(sys.argv) < 3 or not sys.argv[2].isdigit() or not 0 < int(sys.argv[2]) < 65536:
        sys.exit("usage: tools/run-listing.py LISTING PORT [ARG...]")
    listing, port = os.path.abspath(sys.argv[1]), int(sys.argv[2])
    if not os.path.isfile(listing):
        sys.exit(f"run-listing: {listing} is not a file (is HANDOUT_DIR right?)")
    real_bind = socket.socket.bind

    def bind(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            address = (address[0], port) + tuple(address[2:])
        return real_bind(sock, address)

    socket.socket.bind = bind
    # As `python3 LISTING PORT ARG...`: the listing sees itself as argv[0]; Werkzeug's reloader
    # (flask_app.py runs with debug=True) restarts `python3 LISTING`, whose child takes the socket
    # the first process bound rather than binding again.
    sys.argv = [listing] + sys.argv[2:]
    sys.path[0] = os.path.dirname(listing)
    with open(listing, "rb") as f:
        code = compile(f.read(), listing, "exec")
    # The listing runs in this module's namespace, which is __main__, under its own file name.
    globals()["__file__"] = listing
    exec(code, globals())


if __name__ == "__main__":
    main()
