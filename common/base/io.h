/* SPDX-License-Identifier: MIT */
/*
 * io: reading and writing sockets correctly. A send() or recv() may move fewer bytes than asked
 * (a short count) or be interrupted by a signal (EINTR); the handout's conn.send(data) ignores
 * both. These helpers finish the count or fail, in the manner of CS:APP's Rio functions, but never
 * exit the process.
 *
 * Error convention: -1 with errno set. A timeout is errno ETIMEDOUT. EOF is a return of 0.
 *
 * Ctrl-C: net's SIGINT/SIGTERM handler sets the stop flag and interrupts the system call that the
 * thread it runs on is blocked in. The plain calls look at the flag only then: EINTR is retried,
 * except once stop_requested() is true, when the call fails with EINTR. A signal that lands
 * between two system calls interrupts nothing, though, and the next call blocks until the client
 * acts. So a thread that takes the signals and waits on a client (echo's main thread, which
 * serves its client inline) uses the _stoppable calls: they look at the flag before each system
 * call and wait in poll() slices of IO_STOP_SLICE_MS, so a stop is seen within one slice.
 * The client threads of net_serve_threads() have the signals blocked and are woken by shutdown()
 * instead (net.h). They use the plain calls, which keep one system call per read (a poll() before
 * each read cost echo_mt about 10% more CPU per message in bench/echo), honour SO_RCVTIMEO and
 * SO_SNDTIMEO, and let a response in flight finish during net's stop grace period.
 */
#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/net_serve.h"

/* Milliseconds on the monotonic clock: for deadlines, never for dates. */
int64_t io_now_ms(void);

/*
 * Write all len bytes to fd (socket or not), retrying short writes and EINTR. On a socket it uses
 * MSG_NOSIGNAL. Returns len, or -1 (errno EPIPE, ECONNRESET, ETIMEDOUT when SO_SNDTIMEO expired).
 */
ssize_t io_write_all(int fd, const void *buf, size_t len);

/* One read of at most len bytes, retrying EINTR. Returns bytes read, 0 at EOF, -1 on error. */
ssize_t io_read_some(int fd, void *buf, size_t len);

/* How often a _stoppable call looks at the stop flag while it waits (Ctrl-C within 0.5 s). */
#define IO_STOP_SLICE_MS 200

/*
 * io_read_some and io_write_all for a thread that Ctrl-C must reach while it waits (see above):
 * they fail with errno EINTR within IO_STOP_SLICE_MS of a stop request, even one that came by
 * stop_request() or between two system calls. fd must be a socket for the write, which sends
 * with MSG_DONTWAIT and waits for room with poll(): SO_SNDTIMEO does not apply to it.
 */
ssize_t io_read_stoppable(int fd, void *buf, size_t len);
ssize_t io_write_all_stoppable(int fd, const void *buf, size_t len);

/*
 * Like io_read_some, but waits no later than deadline_ms (io_now_ms() scale; a negative deadline
 * waits forever). Returns -1 with errno ETIMEDOUT when the deadline passes with nothing to read.
 * The deadline is total, not reset by each byte: a client sending one byte a second does not
 * keep a thread forever.
 */
ssize_t io_read_deadline(int fd, void *buf, size_t len, int64_t deadline_ms);

/* Set SO_RCVTIMEO and SO_SNDTIMEO (0 ms: no timeout). Returns 0 or -1. */
int io_set_timeouts(int fd, unsigned recv_ms, unsigned send_ms);

/*
 * For a non-blocking sender whose send() said EAGAIN: wait until the client has taken enough
 * bytes for more to fit, at most the socket's SO_SNDTIMEO (io_set_timeouts; none set: no
 * limit). Each byte the client takes restarts the clock, as nginx's send_timeout does. Returns 0,
 * or -1 (ETIMEDOUT; EINTR once a stop is requested).
 */
int io_wait_for_room(int fd);

/* The socket's SO_SNDTIMEO in ms, or -1 when none is set (or it cannot be read). */
int io_send_timeout_ms(int fd);

/*
 * Turn Nagle's algorithm off (TCP_NODELAY) on a TCP socket, for the echo servers: a chunk longer
 * than their 2048-byte read is echoed in two writes, and with Nagle the second waits for the ACK
 * of the first, which the client delays (up to 40 ms on Linux) while it waits for the rest of its
 * message (RFC 1122 4.2.3.4, 4.2.3.2). Returns 0 or -1.
 */
int io_set_nodelay(int fd);

/* A lingering close drains for this long, and this much, at most. */
#define IO_LINGER_MS 1000
#define IO_LINGER_MAX (64 * 1024)

/*
 * Lingering close (RFC 9112 9.6), after a response: half-close fd (SHUT_WR), so the client sees
 * the end of the response, then read and drop what it still sends until it closes, for at most
 * ms milliseconds and max bytes. Closing with unread input makes the kernel send RST, which can
 * destroy the response before the client has read it. The caller still closes fd.
 * Returns 0 when the client closed its side in time, else -1: ETIMEDOUT, EMSGSIZE (it sent max
 * bytes or more), or the error of read(). A socket already shut down or reset is fine.
 */
int io_linger(int fd, unsigned ms, size_t max);

#endif
