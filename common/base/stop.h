/* SPDX-License-Identifier: MIT */
/*
 * stop: how every program ends cleanly on Ctrl-C. stop_setup() makes SIGINT and SIGTERM set one
 * flag (and interrupt the blocking call of the thread they land on, with EINTR) instead of
 * killing the process, and ignores SIGPIPE, so a client that vanished is an EPIPE from send(),
 * never a dead server. Every loop that waits looks at stop_requested(), and a program ends
 * within half a second: what waits does so in slices of at most STOP_SLICE_MS.
 *
 * The handout's listings catch KeyboardInterrupt around their loop for the same reason.
 */
#ifndef STOP_H
#define STOP_H

#include <stdbool.h>

/* The longest wait between two looks at the stop flag (Ctrl-C must end a program in 0.5 s). */
#define STOP_SLICE_MS 200
/* After a stop, how long a client already being answered may take to finish before its
 * socket is shut down under it (the servers with threads). */
#define STOP_GRACE_MS 100

/*
 * Called once at the start of main(), before any thread starts: ignore SIGPIPE, and install
 * SIGINT and SIGTERM handlers that only set the stop flag. They are installed without
 * SA_RESTART, so a blocking accept(), recv() or poll() in the thread that takes the signal
 * returns EINTR at once.
 */
void stop_setup(void);

/* True once SIGINT or SIGTERM arrived, or stop_request() was called. Async-signal-safe. */
bool stop_requested(void);

/* Set the stop flag from code (tests; a server that gives up). Thread-safe. */
void stop_request(void);

#endif
