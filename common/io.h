/* SPDX-License-Identifier: MIT */
/*
 * io: reading and writing sockets correctly. A send() or recv() may move fewer bytes than asked
 * (a short count) or be interrupted by a signal (EINTR); the handout's conn.send(data) ignores
 * both. These helpers finish the count or fail, in the manner of CS:APP's Rio functions, but never
 * exit the process.
 *
 * Error convention: -1 with errno set. A timeout is errno ETIMEDOUT. EOF is a return of 0.
 * EINTR is retried, except once net_stop_requested() is true: then the call fails with EINTR, so
 * a Ctrl-C reaches a main thread that is blocked reading (echo's single client).
 */
#ifndef IO_H
#define IO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Milliseconds on the monotonic clock: for deadlines, never for dates. */
int64_t io_now_ms(void);

/*
 * Write all len bytes to fd (socket or not), retrying short writes and EINTR. On a socket it uses
 * MSG_NOSIGNAL. Returns len, or -1 (errno EPIPE, ECONNRESET, ETIMEDOUT when SO_SNDTIMEO expired).
 */
ssize_t io_write_all(int fd, const void *buf, size_t len);

/* One read of at most len bytes, retrying EINTR. Returns bytes read, 0 at EOF, -1 on error. */
ssize_t io_read_some(int fd, void *buf, size_t len);

/*
 * Like io_read_some, but waits no later than deadline_ms (io_now_ms() scale; a negative deadline
 * waits forever). Returns -1 with errno ETIMEDOUT when the deadline passes with nothing to read.
 * The deadline is total, not reset by each byte: a client sending one byte a second does not
 * keep a thread forever.
 */
ssize_t io_read_deadline(int fd, void *buf, size_t len, int64_t deadline_ms);

/* Set SO_RCVTIMEO and SO_SNDTIMEO (0 ms: no timeout). Returns 0 or -1. */
int io_set_timeouts(int fd, unsigned recv_ms, unsigned send_ms);

/* Shrink the kernel send buffer (SO_SNDBUF); tests use it to force short writes. */
int io_set_send_buffer(int fd, int bytes);

/*
 * A buffered line reader over one fd, owned by one thread. A line ends at LF; the LF (and a CR
 * before it) are kept in the returned line, so a caller can show exactly what arrived.
 */
#define IO_LINE_MAX 8192
struct io_reader {
	int fd;
	int64_t deadline_ms;   /* for each read; negative: none */
	size_t start, end;     /* unread bytes are buf[start..end) */
	char buf[IO_LINE_MAX];
};

void io_reader_init(struct io_reader *r, int fd);

/*
 * Read one line into *line (pointing into r->buf, valid until the next call) and its length
 * into *len, LF included. Returns 1 for a line, 0 at EOF (a last unterminated line is returned
 * first as a line), -1 on error; errno EMSGSIZE when a line exceeds IO_LINE_MAX.
 */
int io_read_line(struct io_reader *r, const char **line, size_t *len);

#endif
