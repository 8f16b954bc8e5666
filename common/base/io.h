/* SPDX-License-Identifier: MIT */
/*
 * io: reading and writing sockets correctly. A send() or recv() may move fewer bytes than asked
 * (a short count) or be interrupted by a signal (EINTR); the handout's conn.send(data) ignores
 * both. These helpers finish the count or fail, in the manner of CS:APP's Rio functions, but never
 * exit the process. A socket may be blocking (echo_mt, web_hello) or not (the HTTP engine's
 * streams, tls/stream.h): the writers never block in send(), and wait for room with poll().
 *
 * Which writer: every one runs the same loop (io.c's send_all). io_write_all for a thread whose
 * stop comes by shutdown(); io_write_all_stoppable for a thread that Ctrl-C must reach while it
 * waits; io_writev_all and io_send_file under stream.h's stream_* calls, which the HTTP code uses
 * so that it is written once for plain TCP and TLS (tls_conn.h has the TLS loop).
 *
 * Error convention: -1 with errno set. A timeout is errno ETIMEDOUT. EOF is a return of 0.
 *
 * Ctrl-C: stop's SIGINT/SIGTERM handler (stop.h) sets the stop flag and interrupts the system
 * call that the thread it runs on is blocked in. The plain calls look at the flag only then:
 * EINTR is retried, except once stop_requested() is true, when the call fails with EINTR. A
 * signal that lands between two system calls interrupts nothing, though, and the next call
 * blocks until the client acts. So a thread that takes the signals and waits on a client (echo's
 * main thread, which serves its client inline) uses the _stoppable calls: they look at the flag
 * before each system call and wait in poll() slices of STOP_SLICE_MS, so a stop is seen within
 * one slice. The client threads of net_serve_threads() have the signals blocked and are woken by
 * shutdown() instead (net_serve.h). They use the plain calls, which keep one system call per read
 * (a poll() before each read cost echo_mt about 10% more CPU per message in bench/echo), honour
 * SO_RCVTIMEO and SO_SNDTIMEO, and let a response in flight finish during the stop grace period.
 */
#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

/* Milliseconds on the monotonic clock: for deadlines, never for dates. */
int64_t io_now_ms(void);

/*
 * The slowest a peer may be over a whole transfer (a response being sent, a request body being
 * read): after a first grace_ms in which anything goes, it must have moved min_rate bytes a
 * second on average since start_ms. The per-wait timeouts alone restart with every byte, so a
 * client that reads one byte every 29 s (or sends one every 9 s) would hold a thread for ever;
 * with a pace it is dropped, while a slow but real link (a 10 MiB file at 10 KB/s) is fine.
 */
struct io_pace {
	int64_t start_ms;   /* io_now_ms() when the transfer began */
	uint64_t done;      /* bytes moved since, kept by the writers below */
	unsigned grace_ms;
	unsigned min_rate;  /* bytes a second; 0: no pace */
};

/* A transfer that starts now. */
void io_pace_start(struct io_pace *p, unsigned grace_ms, unsigned min_rate);

/* The time (io_now_ms() scale) by which the next byte must move: start + grace + done / rate;
 * INT64_MAX for a pace of min_rate 0 (none). */
int64_t io_pace_deadline(const struct io_pace *p);

/*
 * Write all len bytes to fd (socket or not), retrying short writes and EINTR. On a socket it never
 * raises SIGPIPE (compat_send: MSG_NOSIGNAL or its fallback), and a full socket buffer is waited
 * out for at most the socket's SO_SNDTIMEO (io_set_timeouts; none: no limit), restarted by each
 * byte the peer takes. Returns len, or -1 (errno EPIPE, ECONNRESET, ETIMEDOUT).
 */
ssize_t io_write_all(int fd, const void *buf, size_t len);

/*
 * The same for the entries of iov in order, with flags for the send (0, or COMPAT_SEND_MORE_FLAG:
 * more follows at once, so the bytes may wait to share a packet with it; compat.h), and a wait
 * for room also bounded by pace (NULL: none), whose done it counts up. The array is consumed:
 * its entries are changed as bytes go out. Returns the total, or -1 (EINVAL when it exceeds
 * SSIZE_MAX; ETIMEDOUT).
 */
ssize_t io_writev_all(int fd, struct iovec *iov, int iovcnt, int flags, struct io_pace *pace);

/* The sum of the entries' lengths, or -1 with errno EINVAL past SSIZE_MAX, which a writer could
 * not return as its count. */
ssize_t io_iov_length(const struct iovec *iov, int iovcnt);

/*
 * Send count bytes of file_fd from offset to the socket fd with compat_sendfile() (Linux's
 * sendfile: the bytes never pass through user space; elsewhere pread() and send()), waiting for
 * room as io_write_all does; fd should be non-blocking, else the kernel applies SO_SNDTIMEO
 * afresh to each internal batch of a sendfile(). pace as io_writev_all. Returns count, or -1
 * (errno from the socket or the file; EIO if the file ended before count bytes: it shrank).
 */
ssize_t io_send_file(int fd, int file_fd, off_t offset, uint64_t count, struct io_pace *pace);

/* One read of at most len bytes, retrying EINTR. Returns bytes read, 0 at EOF, -1 on error. */
ssize_t io_read_some(int fd, void *buf, size_t len);

/*
 * io_read_some and io_write_all for a thread that Ctrl-C must reach while it waits (see above):
 * they fail with errno EINTR within STOP_SLICE_MS (stop.h) of a stop request, even one that came
 * by stop_request() or between two system calls. They wait in poll() slices with no other limit:
 * SO_RCVTIMEO and SO_SNDTIMEO do not apply to them. The write waits so on a socket only.
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
