// SPDX-License-Identifier: MIT
/*
 * http_response: the response writer (RFC 9112 sections 4 and 6, RFC 9110 section 6). A head is
 * built in the exchange's buffer (status line, Date, Server, the handler's fields), then the
 * framing: Content-Length when the length is known, chunked to an HTTP/1.1 client when it is
 * not, close-delimited to an HTTP/1.0 client. A small response leaves in one writev(); a file
 * body leaves with sendfile(), corked behind its head so a small file fits in one packet.
 *
 * Error pages are in http_error.c.
 *
 * Left out on purpose: trailers, and compression (Content-Encoding).
 */
#include "http_response.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#include "chunked.h"
#include "http_body.h"
#include "http_conn.h"
#include "trace.h"

/* Kept free at the end of the head for the framing fields and the empty line:
 * "Content-Length: <20 digits>\r\n" + "Connection: keep-alive\r\n" + "\r\n" is 62 bytes. */
#define FRAMING_RESERVE 96

/* The write failed: the connection is closing, and the handler is told with -1. */
static int fail(struct http_exchange *x)
{
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

void http_response_start(struct http_exchange *x, int status)
{
	char date[32];
	if (x->head_sent)
		return;   /* too late: http_response_send_head() will fail */
	if (status < 100 || status > 999)
		status = HTTP_INTERNAL_SERVER_ERROR;   /* the status line needs three digits */
	const char *reason = http_reason(status);
	const char *server = x->cfg->server_name;
	http_date(date, sizeof date, (int64_t)time(NULL));
	/* The version is what this server speaks, not what the client sent (RFC 9110 6.2). */
	int n = snprintf(x->head, sizeof x->head, "%s %d %s\r\nDate: %s\r\n%s%s%s",
	                 x->cfg->http10 ? "HTTP/1.0" : "HTTP/1.1", status, reason ? reason : "",
	                 date, server ? "Server: " : "", server ? server : "", server ? "\r\n" : "");
	x->status = status;
	x->head_len = n > 0 && (size_t)n < sizeof x->head - FRAMING_RESERVE ? (size_t)n : 0;
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

int http_response_header(struct http_exchange *x, const char *name, const char *fmt, ...)
{
	if (x->status == 0 || x->head_sent || x->head_len == 0 || !is_token(name))
		return -1;
	char *p = x->head + x->head_len;
	size_t room = sizeof x->head - FRAMING_RESERVE - x->head_len;
	int n = snprintf(p, room, "%s: ", name);
	if (n < 0 || (size_t)n >= room)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(p + n, room - (size_t)n, fmt, ap);
	va_end(ap);
	if (m < 0 || (size_t)n + (size_t)m + 2 >= room)
		return -1;
	/* A CR or LF in a value would start a field of the client's choosing: response splitting
	 * (RFC 9110 5.5 forbids CR, LF and NUL in field values). */
	for (int i = 0; i < m; i++)
		if (p[n + i] == '\r' || p[n + i] == '\n' || p[n + i] == '\0')
			return -1;
	memcpy(p + n + m, "\r\n", 2);
	x->head_len += (size_t)n + (size_t)m + 2;
	return 0;
}

/* Append a framing line; FRAMING_RESERVE guarantees the room. */
static void add_line(struct http_exchange *x, const char *line)
{
	size_t n = strlen(line);
	memcpy(x->head + x->head_len, line, n);
	x->head_len += n;
}

/* Chunked needs an HTTP/1.1 client (RFC 9112 6.1) and a server speaking 1.1. */
static bool can_chunk(const struct http_exchange *x)
{
	return !x->cfg->http10 && x->req->minor >= 1;
}

/*
 * The framing (RFC 9112 6.3) and Connection fields, and the empty line. For 304 a known length
 * is sent as the Content-Length a 200 would have had (RFC 9110 8.6 allows exactly that); 1xx
 * and 204 never get one. A HEAD response gets the fields a GET would have had.
 */
static int finish_head(struct http_exchange *x, int64_t content_length)
{
	struct http_conn *c = x->conn;
	char line[48];
	if (x->status == 0 || x->head_len == 0 || x->head_sent)
		return -1;
	bool body = status_has_body(x->status);
	c->resp_length = -1;
	if (content_length >= 0 && (body || x->status == HTTP_NOT_MODIFIED)) {
		snprintf(line, sizeof line, "Content-Length: %" PRId64 "\r\n", content_length);
		add_line(x, line);
		if (body_allowed(x))
			c->resp_length = content_length;
	} else if (body && can_chunk(x)) {
		add_line(x, "Transfer-Encoding: chunked\r\n");
		x->chunked = true;
	} else if (body) {
		x->keep_alive = false;   /* close-delimited: the end of the body is the close */
	}
	http_body_plan(x);
	if (net_stop_requested())
		x->keep_alive = false;
	/* RFC 9112 9.6: say close on the last response; a 1.0 client must be told keep-alive. */
	if (!x->keep_alive)
		add_line(x, "Connection: close\r\n");
	else if (x->req->minor == 0)
		add_line(x, "Connection: keep-alive\r\n");
	add_line(x, "\r\n");
	return 0;
}

/* The finished head, and body bytes after it if any, in one writev. */
static int write_head(struct http_exchange *x, const void *body, size_t len)
{
	struct iovec iov[2] = { { x->head, x->head_len }, { (void *)body, len } };
	struct http_conn *c = x->conn;
	x->head_sent = true;
	if (x->cfg->trace)
		trace_response(c->client->id, x->head, x->head_len);
	if (stream_writev_all(x->stream, iov, body != NULL && len > 0 ? 2 : 1) < 0)
		return fail(x);
	return 0;
}

int http_response_send_head(struct http_exchange *x, int64_t content_length, bool more_follows)
{
	struct http_conn *c = x->conn;
	if (finish_head(x, content_length) < 0)
		return fail(x);
	if (more_follows && body_allowed(x)) {
		stream_cork(x->stream, 1);
		c->corked = true;
	}
	return write_head(x, NULL, 0);
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

/* A chunk's size line, and the CRLF that ends its data (RFC 9112 7.1). */
static int chunk_frame(struct http_exchange *x, const void *data, size_t len)
{
	struct http_conn *c = x->conn;
	char size_line[24];
	struct iovec iov[3] = { { size_line, chunked_size_line(size_line, len) },
	                        { (void *)data, len }, { "\r\n", 2 } };
	if (x->cfg->trace)
		trace_chunk(c->client->id, len);
	return stream_writev_all(x->stream, iov, 3) < 0 ? -1 : 0;
}

int http_response_body(struct http_exchange *x, const void *data, size_t len)
{
	if (body_check(x, len) < 0)
		return -1;
	if (!body_allowed(x) || len == 0)
		return 0;   /* a zero-size chunk would end the body */
	if (x->chunked ? chunk_frame(x, data, len) < 0 : stream_write_all(x->stream, data, len) < 0)
		return fail(x);
	x->body_sent += len;
	return 0;
}

int http_response_file(struct http_exchange *x, int fd, off_t offset, uint64_t count)
{
	struct http_conn *c = x->conn;
	char size_line[24];
	if (body_check(x, count) < 0)
		return -1;
	if (!body_allowed(x) || count == 0)
		return 0;
	if (x->chunked) {
		if (x->cfg->trace)
			trace_chunk(c->client->id, count);
		if (stream_write_all(x->stream, size_line, chunked_size_line(size_line, count)) < 0)
			return fail(x);
	}
	if (stream_send_file(x->stream, fd, offset, count) < 0)
		return fail(x);
	if (x->chunked && stream_write_all(x->stream, "\r\n", 2) < 0)
		return fail(x);
	x->body_sent += count;
	return 0;
}

int http_response_end(struct http_exchange *x)
{
	struct http_conn *c = x->conn;
	if (!x->head_sent || x->failed)
		return fail(x);
	if (x->chunked && body_allowed(x) && !c->body_ended) {
		if (x->cfg->trace)
			trace_chunk(c->client->id, 0);
		if (stream_write_all(x->stream, "0\r\n\r\n", 5) < 0)
			return fail(x);
	}
	c->body_ended = true;
	if (c->corked) {
		stream_cork(x->stream, 0);
		c->corked = false;
	}
	return 0;
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
	if (write_head(x, body_allowed(x) ? body : NULL, len) < 0)
		return -1;
	x->body_sent = body_allowed(x) ? len : 0;
	c->body_ended = true;
	return 0;
}
