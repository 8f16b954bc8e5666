// SPDX-License-Identifier: MIT
/*
 * wire: one connection to the server under test, with a deadline on every wait and the wire
 * view of every byte (see wire.h). The connect is non-blocking with poll(), so an address that
 * drops SYNs costs the timeout, not the kernel's two minutes; reads wait in io_read_deadline(),
 * whose deadline is total, so a server that sends one byte a second cannot stretch it; sends
 * use SO_SNDTIMEO and MSG_NOSIGNAL (io_write_all), so a server that stops reading cannot block
 * labcheck and one that closes cannot kill it with SIGPIPE.
 *
 * Left out on purpose: TLS (labcheck checks http:// URLs only), and any retry: a failure is
 * what the student needs to see.
 */
#include "wire.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/compat.h"
#include "base/io.h"
#include "base/log.h"

#define WIRE_BUF_START 65536   /* the receive buffer's first size; it doubles up to WIRE_BUF_MAX */
#define LOG_LINE_MAX 160       /* a longer wire line is wrapped in the view */
#define ESCAPED_MAX 5          /* one byte shown as "\xhh", and a NUL */
#define REASON_MAX 128

/* The failure's sentence into c->why; returns result. */
__attribute__((format(printf, 3, 4)))
static int failed(struct wire_conn *c, int result, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->why, sizeof c->why, fmt, ap);
	va_end(ap);
	wire_note(c->log, "  (%s)", c->why);
	return result;
}

/* Append n bytes of text; what does not fit is dropped and the log marked as cut. */
static void log_put(struct wire_log *log, const char *s, size_t n)
{
	if (n > sizeof log->text - log->len) {
		n = sizeof log->text - log->len;
		log->cut = true;
	}
	memcpy(log->text + log->len, s, n);
	log->len += n;
}

void wire_append(struct wire_log *dst, const struct wire_log *src)
{
	log_put(dst, src->text, src->len);
	dst->cut = dst->cut || src->cut;
}

void wire_note(struct wire_log *log, const char *fmt, ...)
{
	char line[WIRE_WHY_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof line - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n = n < (int)sizeof line - 1 ? n : (int)sizeof line - 2;   /* a cut note is still a note */
	line[n++] = '\n';
	log_put(log, line, (size_t)n);
}

/*
 * Bytes as lines of the view, "  < HTTP/1.1 200 OK\r\n": CR and LF written out (a bare LF shows
 * as \n without \r), other control bytes and non-ASCII as \xhh, as common/trace.c shows heads.
 */
static void log_bytes(struct wire_log *log, const char *prefix, const char *p, size_t n)
{
	char out[LOG_LINE_MAX + ESCAPED_MAX + 2];   /* a full line, an escape, LF, NUL */
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)p[i];
		if (k == 0)
			k = (size_t)snprintf(out, sizeof out, "%s", prefix);
		if (ch == '\r' || ch == '\n') {
			out[k++] = '\\';
			out[k++] = ch == '\r' ? 'r' : 'n';
		} else if (ch < 0x20 || ch >= 0x7f) {
			k += (size_t)snprintf(out + k, ESCAPED_MAX, "\\x%02x", ch);
		} else {
			out[k++] = (char)ch;
		}
		if (ch == '\n' || k >= LOG_LINE_MAX) {
			out[k++] = '\n';
			log_put(log, out, k);
			k = 0;
		}
	}
	if (k > 0) {
		out[k++] = '\n';
		log_put(log, out, k);
	}
}

/* A received message (or what came of it): its head, and the start of its body. */
static void log_received(struct wire_log *log, const char *p, size_t n, size_t head_len)
{
	size_t head = head_len > 0 && head_len < WIRE_SHOWN_HEAD_MAX ? head_len : WIRE_SHOWN_HEAD_MAX;
	size_t shown = n < head + WIRE_SHOWN_BODY_MAX ? n : head + WIRE_SHOWN_BODY_MAX;

	log_bytes(log, "  < ", p, shown);
	if (shown < n)
		wire_note(log, "  (%zu more bytes not shown)", n - shown);
}

/* The text of an errno value (thread-safe). */
static const char *reason(int err, char buf[REASON_MAX])
{
	return log_strerror(err, buf, REASON_MAX);
}

/* connect() that gives up at the peer's timeout. Returns 0, or -1 with errno set. */
static int connect_deadline(int fd, const struct wire_peer *peer)
{
	int flags = fcntl(fd, F_GETFL), err = 0;
	socklen_t len = sizeof err;
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -1;
	if (connect(fd, (const struct sockaddr *)&peer->addr, peer->addr_len) < 0) {
		if (errno != EINPROGRESS)
			return -1;
		int ready;
		while ((ready = poll(&p, 1, peer->timeout_ms)) < 0 && errno == EINTR)
			;
		if (ready == 0)
			errno = ETIMEDOUT;
		if (ready <= 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
			return -1;
		if (err != 0) {
			errno = err;
			return -1;
		}
	}
	return fcntl(fd, F_SETFL, flags);
}

int wire_open(struct wire_conn *c, const struct wire_peer *peer, struct wire_log *log)
{
	char why[REASON_MAX];

	*c = (struct wire_conn){ .fd = -1, .peer = peer, .log = log, .number = ++log->connections };
	wire_note(log, "[connection %d] to %s", c->number, peer->name);
	c->buf = malloc(WIRE_BUF_START);
	if (c->buf == NULL)
		return failed(c, WIRE_FAILED, "labcheck is out of memory");
	c->cap = WIRE_BUF_START;
	c->fd = compat_socket(peer->addr.ss_family, SOCK_STREAM, 0);   /* close-on-exec */
	if (c->fd < 0 || connect_deadline(c->fd, peer) < 0 ||
	    io_set_timeouts(c->fd, 0, (unsigned)peer->timeout_ms) < 0) {
		int err = errno;
		if (c->fd >= 0)
			close(c->fd);
		c->fd = -1;
		if (err == ETIMEDOUT)
			return failed(c, WIRE_TIMEOUT, "no connection to %s within %d ms", peer->name,
			              peer->timeout_ms);
		return failed(c, WIRE_FAILED, "cannot connect to %s: %s", peer->name, reason(err, why));
	}
	return WIRE_OK;
}

void wire_close(struct wire_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->buf);
	c->buf = NULL;
}

int wire_send(struct wire_conn *c, const void *data, size_t len)
{
	char why[REASON_MAX];

	log_bytes(c->log, "  > ", data, len);
	if (io_write_all(c->fd, data, len) >= 0)
		return WIRE_OK;
	int err = errno;
	if (err == EPIPE || err == ECONNRESET)
		return failed(c, WIRE_FAILED, "the server closed the connection before labcheck had "
		              "sent everything (%s)", reason(err, why));
	return failed(c, WIRE_FAILED, "labcheck could not send: %s", reason(err, why));
}

int wire_send_pieces(struct wire_conn *c, const char *data, size_t len, const size_t *cuts,
                     size_t ncuts, int pause_ms)
{
	struct timespec pause = { pause_ms / 1000, (long)(pause_ms % 1000) * 1000000L };
	size_t from = 0;

	if (io_set_nodelay(c->fd) < 0)
		return failed(c, WIRE_FAILED, "labcheck could not set TCP_NODELAY");
	for (size_t i = 0; i <= ncuts; i++) {
		size_t to = i < ncuts ? cuts[i] : len;
		int ret = wire_send(c, data + from, to - from);
		if (ret < 0)
			return ret;
		from = to;
		if (i < ncuts) {
			wire_note(c->log, "  (pause %d ms)", pause_ms);
			while (nanosleep(&pause, &pause) < 0 && errno == EINTR)
				;
		}
	}
	return WIRE_OK;
}

/*
 * Read more bytes, until deadline_ms: returns > 0, 0 at EOF (c->eof set), or -1 (errno:
 * ETIMEDOUT, ECONNRESET, ..., ENOBUFS when WIRE_BUF_MAX bytes are unread).
 */
static ssize_t fill(struct wire_conn *c, int64_t deadline_ms)
{
	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == c->cap) {
		size_t cap = c->cap * 2 < WIRE_BUF_MAX ? c->cap * 2 : WIRE_BUF_MAX;
		char *grown = cap > c->cap ? realloc(c->buf, cap) : NULL;
		if (grown == NULL) {
			errno = ENOBUFS;
			return -1;
		}
		c->buf = grown;
		c->cap = cap;
	}
	ssize_t n = io_read_deadline(c->fd, c->buf + c->end, c->cap - c->end, deadline_ms);
	if (n > 0)
		c->end += (size_t)n;
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		c->eof = true;
	return n;
}

/* The response of n bytes is complete: log it; it stays readable until the next call. */
static int complete(struct wire_conn *c, size_t n, const struct response *r)
{
	log_received(c->log, c->buf + c->start, n, r->head_len);
	c->last = n;
	return WIRE_OK;
}

int wire_response(struct wire_conn *c, unsigned flags, struct response *r)
{
	int64_t deadline = io_now_ms() + c->peer->timeout_ms;
	char why[REASON_MAX];

	c->start += c->last;
	c->last = 0;
	for (;;) {
		const char *p = c->buf + c->start;
		size_t have = c->end - c->start;
		ssize_t n = response_parse(p, have, flags, r);
		if (n == -2 && c->eof && (n = response_parse(p, have, flags | RESPONSE_EOF, r)) < 0) {
			log_received(c->log, p, have, 0);
			return failed(c, WIRE_CLOSED, have == 0 ? "the server closed the connection "
			              "without answering" : "the server closed the connection: %s",
			              r->error);
		}
		if (n > 0 && r->status < 200 && r->status != 101) {   /* interim: the answer follows */
			log_received(c->log, p, (size_t)n, r->head_len);
			c->start += (size_t)n;
			continue;
		}
		if (n > 0)
			return complete(c, (size_t)n, r);
		if (n == -1) {
			log_received(c->log, p, have, 0);
			return failed(c, WIRE_BAD, "%s", r->error);
		}
		if (fill(c, deadline) < 0 && !c->eof) {
			int err = errno;
			log_received(c->log, c->buf + c->start, c->end - c->start, 0);
			if (err == ETIMEDOUT)
				return failed(c, WIRE_TIMEOUT, "no complete answer within %d ms: %s",
				              c->peer->timeout_ms, r->error);
			return failed(c, WIRE_FAILED, "the connection failed: %s", reason(err, why));
		}
	}
}

size_t wire_after(struct wire_conn *c, int ms)
{
	int64_t deadline = io_now_ms() + ms;
	size_t extra;

	c->start += c->last;
	c->last = 0;
	while (!c->eof && fill(c, deadline) >= 0)
		;
	extra = c->end - c->start;
	if (extra > 0) {
		log_received(c->log, c->buf + c->start, extra, 0);
		wire_note(c->log, "  (%zu bytes after the end of the response)", extra);
	}
	c->start = c->end;
	wire_note(c->log, c->eof ? "  (the server closed the connection)" :
	          "  (the connection is still open after %d ms)", ms);
	return extra;
}
