// SPDX-License-Identifier: MIT
/*
 * http_response: the response writer (RFC 9112 sections 4 and 6, RFC 9110 section 6). A head is
 * built in the exchange's buffer (status line, Date, Server, the handler's fields), then the
 * framing: Content-Length when the length is known, chunked to an HTTP/1.1 client when it is
 * not, close-delimited to an HTTP/1.0 client. A response announced with more to follow keeps its
 * head back until its first body bytes, so a small response is one writev() and one packet: a
 * small file is read with pread() and leaves with its head; a larger one leaves with sendfile(),
 * the head sent just before it with MSG_MORE so they still share the first packet.
 *
 * Error pages are in http_error.c.
 *
 * Left out on purpose: trailers, and compression (Content-Encoding).
 */
#include "http/http_response.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/stop.h"
#include "http/chunked.h"
#include "http/http_body.h"
#include "http/http_conn.h"
#include "http/http_date.h"
#include "http/trace.h"

/* Kept free at the end of the head for the framing fields and the empty line:
 * "Content-Length: <20 digits>\r\n" + "Connection: keep-alive\r\n" + "\r\n" is 62 bytes. */
#define FRAMING_RESERVE 96

/* The write failed: the connection is closing, and the handler is told with -1. */
static int fail(struct http_exchange *x)
{
	if (!x->failed)
		x->write_errno = errno;
	x->failed = true;
	x->keep_alive = false;
	return -1;
}

/* RFC 9110 6.4.1: 1xx, 204 and 304 responses never have content. */
static bool status_has_body(int status)
{
	return status >= 200 && status != HTTP_NO_CONTENT && status != HTTP_NOT_MODIFIED;
}

static bool body_allowed(const struct http_exchange *x)
{
	return !x->head_only && status_has_body(x->status);
}

/*
 * Whether the head, fields added, still leaves FRAMING_RESERVE free with nothing cut. A piece is
 * all or nothing: appended, and rewound to its mark when this says no. The head is appended to
 * (with memcpy), not printed with snprintf(): that was most of the user-space time of a small
 * response.
 */
static bool head_fits(const struct http_exchange *x)
{
	return !buf_truncated(&x->head) && x->head.len < sizeof x->head_space - FRAMING_RESERVE;
}

void http_response_start(struct http_exchange *x, int status)
{
	struct buf *h = &x->head;
	char date[HTTP_DATE_SIZE];
	if (x->head_sent)
		return;   /* too late: http_response_send_head() will fail */
	if (status < 100 || status > 999)
		status = HTTP_INTERNAL_SERVER_ERROR;   /* the status line needs three digits */
	const char *reason = http_reason(status);
	const char *server = x->cfg->server_name;
	char code[6] = { ' ', (char)('0' + status / 100), (char)('0' + status / 10 % 10),
	                 (char)('0' + status % 10), ' ', '\0' };
	http_date(date, sizeof date, (int64_t)time(NULL));
	x->status = status;
	buf_rewind(h, 0);
	/* The version is what this server speaks, not what the client sent (RFC 9110 6.2). */
	buf_puts(h, x->cfg->http10 ? "HTTP/1.0" : "HTTP/1.1");
	buf_append(h, code, sizeof code - 1);
	buf_puts(h, reason ? reason : "");
	buf_puts(h, "\r\nDate: ");
	buf_puts(h, date);
	buf_puts(h, "\r\n");
	if (server != NULL) {
		buf_puts(h, "Server: ");
		buf_puts(h, server);
		buf_puts(h, "\r\n");
	}
	if (x->cfg->hsts && x->cfg->tls != NULL)   /* RFC 6797 7.2: never over plain HTTP */
		buf_puts(h, "Strict-Transport-Security: max-age=31536000\r\n");
	if (!head_fits(x))
		buf_rewind(h, 0);   /* http_response_header() and send_head() refuse an empty head */
}

/* RFC 9110 5.1: a field name is a token. */
static bool is_token(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (!(c > 0x20 && c < 0x7f && strchr("\"(),/:;<=>?@[\\]{}", c) == NULL))
			return false;
	}
	return true;
}

/* RFC 9110 5.5: no CR, LF or NUL in a field value. A CR or LF would start a field of the
 * client's choosing: response splitting. */
static bool value_safe(const char *p, size_t n)
{
	return memchr(p, '\r', n) == NULL && memchr(p, '\n', n) == NULL && memchr(p, '\0', n) == NULL;
}

/* A field value: "%s", by far the most common format, is copied as it is. */
__attribute__((format(printf, 2, 0)))
static void put_value(struct buf *h, const char *fmt, va_list ap)
{
	if (strcmp(fmt, "%s") == 0)
		buf_puts(h, va_arg(ap, const char *));
	else
		buf_vprintf(h, fmt, ap);
}

int http_response_header(struct http_exchange *x, const char *name, const char *fmt, ...)
{
	struct buf *h = &x->head;
	if (x->status == 0 || x->head_sent || h->len == 0 || !is_token(name))
		return -1;
	size_t start = h->len;
	buf_puts(h, name);
	buf_puts(h, ": ");
	size_t value = h->len;
	va_list ap;
	va_start(ap, fmt);
	put_value(h, fmt, ap);
	va_end(ap);
	if (!value_safe(h->data + value, h->len - value) || !buf_puts(h, "\r\n") || !head_fits(x)) {
		buf_rewind(h, start);
		return -1;
	}
	return 0;
}

/* "Content-Length: <n>\r\n" without snprintf (on every response). FRAMING_RESERVE keeps the
 * room for it, as for every framing line. */
static void add_content_length(struct buf *h, uint64_t n)
{
	char digits[20];
	size_t i = sizeof digits;
	do
		digits[--i] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	buf_puts(h, "Content-Length: ");
	buf_append(h, digits + i, sizeof digits - i);
	buf_puts(h, "\r\n");
}

/* Chunked needs an HTTP/1.1 client (RFC 9112 6.1) and a server speaking 1.1. */
static bool can_chunk(const struct http_exchange *x)
{
	return !x->cfg->http10 && x->req->minor >= 1;
}

/*
 * The framing (RFC 9112 6.3) and Connection fields, and the empty line. For 304 a known length
 * is sent as the Content-Length a 200 would have had (RFC 9110 8.6 allows exactly that); 1xx
 * and 204 never get one. A HEAD response gets the fields a GET would have had. The head is then
 * final, and waits to be written with what follows it.
 */
static int finish_head(struct http_exchange *x, int64_t content_length)
{
	struct http_conn *c = x->conn;
	struct buf *h = &x->head;
	if (x->status == 0 || h->len == 0 || x->head_sent)
		return -1;
	bool body = status_has_body(x->status);
	c->resp_length = -1;
	if (content_length >= 0 && (body || x->status == HTTP_NOT_MODIFIED)) {
		add_content_length(h, (uint64_t)content_length);
		if (body_allowed(x))
			c->resp_length = content_length;
	} else if (body && can_chunk(x)) {
		buf_puts(h, "Transfer-Encoding: chunked\r\n");
		x->chunked = true;
	} else if (body) {
		x->keep_alive = false;   /* close-delimited: the end of the body is the close */
	}
	http_body_plan(x);
	if (stop_requested())
		x->keep_alive = false;
	/* RFC 9112 9.6: say close on the last response; a 1.0 client must be told keep-alive. */
	if (!x->keep_alive)
		buf_puts(h, "Connection: close\r\n");
	else if (x->req->minor == 0)
		buf_puts(h, "Connection: keep-alive\r\n");
	buf_puts(h, "\r\n");
	x->head_sent = true;      /* final: nothing can be added to it from here on */
	c->head_pending = true;   /* and waiting to be written, by send_parts() */
	if (x->cfg->trace)
		trace_response(x->conn_id, h->data, h->len);
	return 0;
}

/*
 * parts[0..count) on the wire, after the head if it is still held back, in one writev: one
 * system call and one packet for a small response. count is at most 3.
 */
static int send_parts(struct http_exchange *x, const struct iovec *parts, int count)
{
	struct http_conn *c = x->conn;
	struct iovec iov[4];
	int n = 0;
	if (c->head_pending)
		iov[n++] = (struct iovec){ x->head.data, x->head.len };
	for (int i = 0; i < count; i++)
		iov[n++] = parts[i];
	c->head_pending = false;
	if (n > 0 && stream_writev_all(x->stream, iov, n) < 0)
		return fail(x);
	return 0;
}

int http_response_send_head(struct http_exchange *x, int64_t content_length, bool more_follows)
{
	if (finish_head(x, content_length) < 0)
		return fail(x);
	if (more_follows && body_allowed(x))
		return 0;   /* held back, to leave in one write with the first body bytes (or the end) */
	return send_parts(x, NULL, 0);
}

/* May n more body bytes go out? Not before the head, nor past the promised length. */
static int body_check(struct http_exchange *x, uint64_t n)
{
	const struct http_conn *c = x->conn;
	if (!x->head_sent || x->failed)
		return fail(x);
	if (c->resp_length >= 0 && n > (uint64_t)c->resp_length - x->body_sent)
		return fail(x);   /* more than Content-Length would corrupt the next response */
	return 0;
}

/* Body bytes as they go on the wire: when chunked, framed as one chunk, between its size line
 * and a CRLF (RFC 9112 7.1). */
static int send_body(struct http_exchange *x, const void *data, size_t len)
{
	char size_line[24];
	struct iovec chunk[3] = { { size_line, 0 }, { (void *)data, len },
	                          { "\r\n", sizeof "\r\n" - 1 } };
	bool framed = x->chunked;
	if (framed) {
		chunk[0].iov_len = chunked_size_line(size_line, len);
		if (x->cfg->trace)
			trace_chunk(x->conn_id, len);
	}
	if (send_parts(x, framed ? chunk : chunk + 1, framed ? 3 : 1) < 0)
		return -1;
	x->body_sent += len;
	return 0;
}

int http_response_body(struct http_exchange *x, const void *data, size_t len)
{
	if (body_check(x, len) < 0)
		return -1;
	if (!body_allowed(x) || len == 0)
		return 0;   /* a zero-size chunk would end the body */
	return send_body(x, data, len);
}

/*
 * A small file whose head is still held back: read into a buffer and sent with the head in one
 * writev. For a few KiB that costs less than sendfile(), whose saving of a copy pays only on
 * larger files.
 */
static int send_small_file(struct http_exchange *x, int fd, off_t offset, size_t count)
{
	char data[HTTP_RESPONSE_SMALL_FILE];
	size_t got = 0;
	while (got < count) {
		ssize_t n = pread(fd, data + got, count - got, offset + (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = EIO;   /* the file shrank after its length was promised */
		if (n <= 0)
			return fail(x);
		got += (size_t)n;
	}
	return send_body(x, data, count);
}

/* A larger file: sendfile, its head and chunk size line sent just before with MSG_MORE so
 * they share the first packet with the file's bytes. */
static int send_large_file(struct http_exchange *x, int fd, off_t offset, uint64_t count)
{
	struct http_conn *c = x->conn;
	char size_line[24];
	struct iovec iov[2] = { { x->head.data, c->head_pending ? x->head.len : 0 },
	                        { size_line, 0 } };
	if (x->chunked) {
		iov[1].iov_len = chunked_size_line(size_line, count);
		if (x->cfg->trace)
			trace_chunk(x->conn_id, count);
	}
	c->head_pending = false;
	if (stream_writev_more(x->stream, iov, 2) < 0 ||
	    stream_send_file(x->stream, fd, offset, count) < 0)
		return fail(x);
	if (x->chunked && stream_write_all(x->stream, "\r\n", sizeof "\r\n" - 1) < 0)
		return fail(x);
	x->body_sent += count;
	return 0;
}

int http_response_file(struct http_exchange *x, int fd, off_t offset, uint64_t count)
{
	struct http_conn *c = x->conn;
	if (body_check(x, count) < 0)
		return -1;
	if (!body_allowed(x) || count == 0)
		return 0;
	if (c->head_pending && count <= HTTP_RESPONSE_SMALL_FILE)
		return send_small_file(x, fd, offset, (size_t)count);
	return send_large_file(x, fd, offset, count);
}

int http_response_end(struct http_exchange *x)
{
	struct http_conn *c = x->conn;
	struct iovec last = { "0\r\n\r\n", sizeof "0\r\n\r\n" - 1 };
	bool last_chunk = x->chunked && body_allowed(x) && !c->body_ended;
	if (!x->head_sent || x->failed)
		return fail(x);
	if (last_chunk && x->cfg->trace)
		trace_chunk(x->conn_id, 0);
	if (send_parts(x, &last, last_chunk ? 1 : 0) < 0)   /* with the head, if still held */
		return -1;
	c->body_ended = true;
	return 0;
}

void http_response_flush_head(struct http_exchange *x)
{
	struct http_conn *c = x->conn;
	if (c->head_pending && !x->failed)
		send_parts(x, NULL, 0);
	c->head_pending = false;
}

int http_response_simple(struct http_exchange *x, int status, const char *content_type,
                         const void *body, size_t len)
{
	struct http_conn *c = x->conn;
	if (x->head_sent)
		return fail(x);
	if (x->status != status)
		http_response_start(x, status);
	if (content_type != NULL && http_response_header(x, "Content-Type", "%s", content_type) < 0)
		return fail(x);
	/* A 304's Content-Length would have to be the 200's length: only send_head() can say it. */
	if (finish_head(x, status_has_body(x->status) ? (int64_t)len : HTTP_BODY_UNKNOWN) < 0)
		return fail(x);
	struct iovec content = { (void *)body, len };
	if (send_parts(x, &content, body_allowed(x) ? 1 : 0) < 0)   /* head and body: one write */
		return -1;
	x->body_sent = body_allowed(x) ? len : 0;
	c->body_ended = true;
	return 0;
}
