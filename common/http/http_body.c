// SPDX-License-Identifier: MIT
/*
 * http_body: request bodies (RFC 9112 section 6). A handler that wants the body calls
 * http_request_body(), which refuses an oversized Content-Length before a byte is read, sends
 * "100 Continue" if the client waits for it, and decodes chunked framing. A body the handler
 * did not want is read and dropped after the response (or the connection is closed), because
 * its bytes would otherwise be parsed as the next request: the request smuggling class of bugs.
 *
 * Left out on purpose: streaming a body to the handler piece by piece (the lab's forms are
 * small), and trailer fields (read by the decoder and discarded).
 */
#include "http/http_body.h"

#include <errno.h>
#include <string.h>

#include "base/io.h"
#include "http/trace.h"

static const char continue_line[] = "HTTP/1.1 100 Continue\r\n\r\n";

/* The body timeout in force (the configured one, or the default for 0). */
static unsigned body_timeout(const struct http_config *cfg)
{
	return cfg->body_timeout_ms ? cfg->body_timeout_ms : HTTP_BODY_TIMEOUT_MS;
}

void http_body_begin(struct http_conn *c)
{
	c->body = HTTP_BODY_NONE;
	c->body_left = 0;
	c->continue_sent = false;
	c->body_broken = false;
	io_pace_start(&c->body_pace, body_timeout(c->cfg),
	              c->cfg->min_rate != 0 ? c->cfg->min_rate : HTTP_MIN_RATE);
	if (c->req.chunked) {
		c->body = HTTP_BODY_CHUNKED;
		chunked_init(&c->chunked);
	} else if (c->req.has_content_length && c->req.content_length > 0) {
		c->body = HTTP_BODY_LENGTH;
		c->body_left = c->req.content_length;
	}
}

void http_body_plan(struct http_exchange *x)
{
	const struct http_conn *c = x->conn;
	if (c->body_broken)
		x->keep_alive = false;
	if (c->body == HTTP_BODY_NONE)
		return;
	/* Without our 100 Continue the client may still be waiting to send the body, so there may
	 * be nothing to skip: only a close puts the stream back in step (RFC 9110 10.1.1). */
	if (c->req.expect_continue && !c->continue_sent)
		x->keep_alive = false;
	if (c->body == HTTP_BODY_LENGTH && c->body_left > HTTP_DISCARD_MAX)
		x->keep_alive = false;
}

/* deadline 0: the body timeout from now, renewed by every read that brings bytes (a stall
 * limit, as nginx's client_body_timeout), and never past the body's pace (HTTP_MIN_RATE after
 * the body timeout, counted from the head): a byte every few seconds does not renew it for
 * ever. Otherwise a fixed deadline. */
static void set_deadline(struct http_conn *c, int64_t deadline)
{
	int64_t stall = io_now_ms() + body_timeout(c->cfg), paced = io_pace_deadline(&c->body_pace);

	c->stream.deadline_ms = deadline > 0 ? deadline : stall < paced ? stall : paced;
}

/*
 * Up to want body bytes into dst: buffered ones first, else one read. dst NULL drops them
 * (only after the handler, when the head is no longer needed: reads then reuse the buffer).
 * Never reads past want, so the bytes of a pipelined request stay on the socket.
 * Returns the count, 0 at EOF, -1 with errno.
 */
static ssize_t next_bytes(struct http_conn *c, char *dst, size_t want, int64_t deadline)
{
	size_t have = c->len - c->pos;
	if (have > 0) {
		size_t n = have < want ? have : want;
		if (dst != NULL)
			memcpy(dst, c->buf + c->pos, n);
		c->pos += n;
		return (ssize_t)n;
	}
	if (dst == NULL) {
		c->len = c->pos = 0;
		dst = c->buf;
		want = want < sizeof c->buf ? want : sizeof c->buf;
	}
	set_deadline(c, deadline);
	ssize_t n = stream_read(&c->stream, dst, want);
	if (n > 0)
		c->body_pace.done += (uint64_t)n;
	return n;
}

/* A read that brought no byte: 408 for a stall, 0 for a connection that failed or closed. */
static int read_failed(struct http_conn *c, ssize_t n, int *status)
{
	*status = n < 0 && errno == ETIMEDOUT ? HTTP_REQUEST_TIMEOUT : 0;
	c->body_broken = true;
	return -1;
}

/* The rest of a Content-Length body into out, which has room for it (NULL: dropped). */
static int read_length(struct http_conn *c, char *out, int64_t deadline, int *status)
{
	size_t got = 0;
	while (c->body_left > 0) {
		size_t want = c->body_left < SIZE_MAX ? (size_t)c->body_left : SIZE_MAX;
		ssize_t n = next_bytes(c, out != NULL ? out + got : NULL, want, deadline);
		if (n <= 0)
			return read_failed(c, n, status);
		c->body_left -= (uint64_t)n;
		got += (size_t)n;
	}
	c->body = HTTP_BODY_NONE;
	return 0;
}

/* More raw bytes at the end of the buffer, for the chunked decoder. */
static ssize_t read_more(struct http_conn *c, int64_t deadline)
{
	set_deadline(c, deadline);
	ssize_t n = stream_read(&c->stream, c->buf + c->len, sizeof c->buf - c->len);
	if (n > 0) {
		c->len += (size_t)n;
		c->body_pace.done += (uint64_t)n;
	}
	return n;
}

/*
 * A chunked body, decoded in place in the buffer (after the head), copied to out (NULL:
 * dropped), at most limit data bytes (else 413). Bytes after the last chunk are the next
 * request: they stay at buf[pos..len). Returns the data length, or -1 with *status.
 */
static ssize_t read_chunked(struct http_conn *c, char *out, size_t limit, int64_t deadline,
                            int *status)
{
	size_t got = 0;
	for (;;) {
		if (c->pos == c->len) {
			ssize_t n = read_more(c, deadline);
			if (n <= 0)
				return read_failed(c, n, status);
		}
		size_t n = c->len - c->pos;
		ssize_t rest = chunked_decode(&c->chunked, c->buf + c->pos, &n);
		if (rest == -1 || n > limit - got) {
			*status = rest == -1 ? HTTP_BAD_REQUEST : HTTP_CONTENT_TOO_LARGE;
			c->body_broken = true;
			return -1;
		}
		if (out != NULL)
			memcpy(out + got, c->buf + c->pos, n);
		got += n;
		if (rest >= 0) {
			memmove(c->buf + c->pos, c->buf + c->pos + n, (size_t)rest);
			c->len = c->pos + (size_t)rest;
			c->body = HTTP_BODY_NONE;
			return (ssize_t)got;
		}
		c->len = c->pos;   /* all of it decoded and taken */
	}
}

/* RFC 9110 10.1.1: only an HTTP/1.1 client is told, and only before the final response. */
static int send_continue(struct http_exchange *x)
{
	struct http_conn *c = x->conn;
	if (!c->req.expect_continue || c->req.minor < 1 || x->cfg->http10 || c->continue_sent ||
	    x->head_sent)
		return 0;
	c->continue_sent = true;
	if (x->cfg->trace)
		trace_response(x->conn_id, continue_line, sizeof continue_line - 1);
	if (stream_write_all(&c->stream, continue_line, sizeof continue_line - 1) < 0) {
		x->failed = true;
		x->keep_alive = false;
		return -1;
	}
	return 0;
}

ssize_t http_request_body(struct http_exchange *x, char *buf, size_t cap, int *status)
{
	struct http_conn *c = x->conn;
	uint64_t limit = cap < c->cfg->body_max ? cap : c->cfg->body_max;
	uint64_t length = c->body_left;
	*status = 0;
	if (c->body_broken)
		return -1;
	if (c->body == HTTP_BODY_NONE)
		return 0;
	/* RFC 9110 15.5.14: refused from Content-Length, before the client sends the body. */
	if (c->body == HTTP_BODY_LENGTH && length > limit) {
		*status = HTTP_CONTENT_TOO_LARGE;
		return -1;
	}
	if (send_continue(x) < 0)
		return -1;
	ssize_t n;
	if (c->body == HTTP_BODY_LENGTH)
		n = read_length(c, buf, 0, status) < 0 ? -1 : (ssize_t)length;
	else
		n = read_chunked(c, buf, (size_t)limit, 0, status);
	if (n < 0)
		x->keep_alive = false;
	else if (x->cfg->trace)
		trace_note(x->conn_id, "request body: %zd bytes read", n);
	return n;
}

int http_body_skip(struct http_conn *c)
{
	int status;
	uint64_t length = c->body_left;
	ssize_t n;
	if (c->body_broken)
		return -1;
	if (c->body == HTTP_BODY_NONE)
		return 0;
	if (c->body == HTTP_BODY_LENGTH && length > HTTP_DISCARD_MAX)
		return -1;
	/* A total deadline here: nobody wants these bytes, so a slow drip of them is not waited
	 * for longer than one body timeout. */
	int64_t deadline = io_now_ms() + body_timeout(c->cfg);
	if (c->body == HTTP_BODY_LENGTH)
		n = read_length(c, NULL, deadline, &status) < 0 ? -1 : (ssize_t)length;
	else
		n = read_chunked(c, NULL, HTTP_DISCARD_MAX, deadline, &status);
	if (n >= 0 && c->cfg->trace)
		trace_note(c->client->id, "request body: %zd bytes skipped", n);
	return n < 0 ? -1 : 0;
}
