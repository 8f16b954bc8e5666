// SPDX-License-Identifier: MIT
/*
 * http_conn: the connection loop of fileserver and formapp (RFC 9112 section 9). One thread
 * serves one client: read a head against a deadline, answer it (the program's handler), log it,
 * and go round again while the connection is persistent. This is what http.server's
 * handle_one_request() loop does, with the limits it leaves out: a total head deadline (408),
 * an idle timeout, a send timeout, and a body that cannot be mistaken for the next request.
 *
 * Left out on purpose: HTTP/2, and pipelined responses written before earlier ones finish
 * (requests are answered strictly in order, one at a time, which is what RFC 9112 9.3.2 asks).
 */
#include "http/http_conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/net_serve.h"
#include "base/stop.h"
#include "http/http_body.h"
#include "http/http_error.h"
#include "http/https.h"
#include "base/io.h"
#include "base/log.h"
#include "http/trace.h"
#include "tls/tls_conn.h"

enum head_result { HEAD_OK, HEAD_EOF, HEAD_EOF_PARTIAL, HEAD_IDLE, HEAD_TIMEOUT, HEAD_BAD,
	           HEAD_LOST };

/* Why a connection ended, for --trace. */
enum close_reason { KEEP_OPEN, CLOSED_BY_CLIENT, CLOSED_MID_REQUEST, CLOSED_IDLE,
	            CLOSED_HEAD_TIMEOUT, CLOSED_REJECTED, CLOSED_CONNECTION_CLOSE, CLOSED_STOP,
	            CLOSED_LOST, CLOSED_INCOMPLETE, CLOSED_BODY, CLOSED_NO_TLS };

static const char *const close_text[] = {
	[CLOSED_BY_CLIENT] = "client closed",
	[CLOSED_MID_REQUEST] = "client closed in the middle of a request head",
	[CLOSED_IDLE] = "idle timeout",
	[CLOSED_HEAD_TIMEOUT] = "request head too slow (408)",
	[CLOSED_REJECTED] = "bad request head",
	[CLOSED_CONNECTION_CLOSE] = "Connection: close",
	[CLOSED_STOP] = "server stopping",
	[CLOSED_LOST] = "connection lost (reset, broken pipe or send timeout)",
	[CLOSED_INCOMPLETE] = "response cut short",
	[CLOSED_BODY] = "unread request body too large or too slow to skip",
	[CLOSED_NO_TLS] = "no TLS handshake",
};

static unsigned or_default(unsigned ms, unsigned fallback)
{
	return ms != 0 ? ms : fallback;
}

/*
 * RFC 9112 2.2: empty lines before a request line are ignored. Dropping them here keeps a
 * client from growing the head with them, and from costing a parse each.
 */
static bool skip_empty_lines(struct http_conn *c)
{
	size_t i = 0;
	for (;;) {
		if (i < c->len && c->buf[i] == '\n')
			i += 1;
		else if (i + 1 < c->len && c->buf[i] == '\r' && c->buf[i + 1] == '\n')
			i += 2;
		else
			break;
	}
	if (i > 0) {
		memmove(c->buf, c->buf + i, c->len - i);
		c->len -= i;
	}
	return i > 0;
}

/*
 * Whether a parse can tell more than the last one: a head ends, and a line can turn out bad,
 * only once its LF has arrived; before that only a length limit can have been crossed.
 * Parsing after every read instead would let a client that trickles a 64 KiB head one byte
 * at a time cost 64 K parses of up to 64 KiB each. *scanned and *line_start carry over.
 */
static bool worth_parsing(const struct http_conn *c, size_t *scanned, size_t *line_start)
{
	const char *p = c->buf + *scanned;
	const char *end = c->buf + c->len;
	const char *lf;
	bool line_ended = false;
	while ((lf = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		line_ended = true;
		p = lf + 1;
	}
	if (line_ended)
		*line_start = (size_t)(p - c->buf);
	*scanned = c->len;
	return line_ended || c->len - *line_start >= HTTP_HEADER_LINE_MAX - 1 ||
	       c->len >= HTTP_HEAD_MAX;
}

/*
 * Read until a whole head is parsed. deadline >= 0: the first request, whose head must be in
 * by then. deadline < 0: a later request, which may idle for idle_timeout_ms before its first
 * byte, and then has head_timeout_ms for the whole head (a total, not reset by each byte).
 */
static enum head_result read_head(struct http_conn *c, int64_t deadline)
{
	size_t scanned = 0, line_start = 0;
	bool idle = deadline < 0;
	if (idle)
		deadline = io_now_ms() + or_default(c->cfg->idle_timeout_ms, HTTP_IDLE_TIMEOUT_MS);
	for (;;) {
		if (skip_empty_lines(c))
			scanned = line_start = 0;   /* the bytes moved: scan them again */
		if (c->len > 0 && idle) {
			idle = false;
			deadline = io_now_ms() + or_default(c->cfg->head_timeout_ms, HTTP_HEAD_TIMEOUT_MS);
		}
		if (c->len > 0 && worth_parsing(c, &scanned, &line_start)) {
			ssize_t r = http_parse_request(c->buf, c->len, &c->req);
			if (r > 0) {
				c->pos = (size_t)r;
				return HEAD_OK;
			}
			if (r == -1)
				return HEAD_BAD;
		}
		if (c->len == sizeof c->buf) {
			c->req.error = HTTP_HEADER_FIELDS_TOO_LARGE;   /* cannot happen: the parser limits */
			return HEAD_BAD;
		}
		c->stream.deadline_ms = deadline;
		ssize_t n = stream_read(&c->stream, c->buf + c->len, sizeof c->buf - c->len);
		if (n == 0)
			return c->len > 0 ? HEAD_EOF_PARTIAL : HEAD_EOF;
		if (n < 0 && errno == ETIMEDOUT)
			return c->len > 0 ? HEAD_TIMEOUT : HEAD_IDLE;
		if (n < 0)
			return HEAD_LOST;
		c->len += (size_t)n;
	}
}

/*
 * RFC 9112 9.6: closing a socket with unread input makes the kernel send a reset, which can
 * destroy the response before the client has read it: a lingering close (io.h). Under TLS the
 * close_notify goes first; what follows is drained as raw bytes.
 */
static void linger(struct http_conn *c)
{
	tls_close(c->stream.tls);
	c->stream.tls = NULL;
	(void)io_linger(c->stream.fd, IO_LINGER_MS, IO_LINGER_MAX);
}

/* RFC 9112 9.3: 1.1 is persistent unless "close"; 1.0 only with "keep-alive". */
static bool plan_keep_alive(const struct http_conn *c)
{
	const struct http_request *r = &c->req;
	if (c->cfg->http10 || c->cfg->force_close || stop_requested() || r->conn_close)
		return false;
	return r->minor >= 1 || r->conn_keep_alive;
}

static void begin_exchange(struct http_conn *c, unsigned long number, bool keep_alive)
{
	struct http_exchange *x = &c->x;
	x->req = &c->req;
	x->stream = &c->stream;
	x->cfg = c->cfg;
	x->peer = &c->client->peer;
	x->conn_id = c->client->id;
	x->request_number = number;
	x->conn = c;
	x->status = 0;
	x->keep_alive = keep_alive;
	x->head_only = c->req.method == HTTP_HEAD;
	x->chunked = x->head_sent = x->failed = x->log_hide_query = false;
	x->body_sent = 0;
	x->write_errno = 0;
	buf_init(&x->head, x->head_space, sizeof x->head_space);
	/* The response must reach the client at HTTP_MIN_RATE, once its send timeout has passed. */
	io_pace_start(&c->stream.send_pace, or_default(c->cfg->send_timeout_ms, HTTP_SEND_TIMEOUT_MS),
	              or_default(c->cfg->min_rate, HTTP_MIN_RATE));
	c->resp_length = -1;
	c->body_ended = c->head_pending = false;
}

/* The request line for the access log: the first line of what arrived (http.server logs ""
 * for a 414, whose line it did not keep). */
static size_t first_line_length(const struct http_conn *c, int status)
{
	size_t max = c->len < HTTP_REQUEST_LINE_MAX ? c->len : HTTP_REQUEST_LINE_MAX;
	const char *lf = memchr(c->buf, '\n', max);
	size_t n = lf != NULL ? (size_t)(lf - c->buf) : max;
	if (status == HTTP_URI_TOO_LONG)
		return 0;
	return n > 0 && c->buf[n - 1] == '\r' ? n - 1 : n;
}

/*
 * The access-log line of a request line, its query shown as "?..." when hide_query: a query may
 * carry a secret (formapp's session id in a URL), and a log line must never hold one.
 */
static void log_line(const struct http_conn *c, const char *line, size_t len, int status,
                     bool hide_query)
{
	const char *q = hide_query ? memchr(line, '?', len) : NULL;
	char shown[HTTP_REQUEST_LINE_MAX + 8];

	if (q == NULL) {
		log_access(c->client->peer.host, line, len, status, -1);
		return;
	}
	size_t head = (size_t)(q - line) + 1, tail = head;
	while (tail < len && line[tail] != ' ')
		tail++;                 /* the target ends at the space before the version */
	int n = snprintf(shown, sizeof shown, "%.*s...%.*s", (int)head, line, (int)(len - tail),
	                 line + tail);
	if (n > 0 && (size_t)n < sizeof shown)
		log_access(c->client->peer.host, shown, (size_t)n, status, -1);
}

/* The line of an answered request: its query hidden if the handler marked it secret. */
static void log_exchange(const struct http_conn *c)
{
	log_line(c, c->req.line.p, c->req.line.len, c->x.status, c->x.log_hide_query);
}

/* A head that could not be served: answer its status on a closing connection. */
static void answer_head_error(struct http_conn *c, int status, unsigned long number)
{
	size_t line_len = first_line_length(c, status);
	memset(&c->req, 0, sizeof c->req);
	c->req.minor = 1;
	http_body_begin(c);
	begin_exchange(c, number, false);
	http_error_send(&c->x, status, NULL);
	/* No handler saw this request, so none could mark its query secret: it is hidden always. */
	if (!c->cfg->quiet)
		log_line(c, c->buf, line_len, status, true);
	if (!c->x.failed)
		linger(c);
}

static enum close_reason head_failure(struct http_conn *c, enum head_result r, unsigned long n)
{
	switch (r) {
	case HEAD_EOF: return CLOSED_BY_CLIENT;
	case HEAD_EOF_PARTIAL: return CLOSED_MID_REQUEST;
	case HEAD_IDLE: return CLOSED_IDLE;
	case HEAD_LOST: return CLOSED_LOST;
	case HEAD_TIMEOUT:
		answer_head_error(c, HTTP_REQUEST_TIMEOUT, n);
		return CLOSED_HEAD_TIMEOUT;
	default:
		/* The parser's status; anything else would be its bug, answered as 400. */
		answer_head_error(c, c->req.error >= 400 && c->req.error <= 599 ? (int)c->req.error :
		                  HTTP_BAD_REQUEST, n);
		return CLOSED_REJECTED;
	}
}

/*
 * After the handler: the framing it promised must be complete, or the stream is out of step.
 * A handler that returned 0 gets its chunked body ended; one that failed does not (the close
 * then tells the client the body is cut short). Returns true if the response is whole.
 */
static bool finish_response(struct http_conn *c, int rc)
{
	struct http_exchange *x = &c->x;
	if (x->head_sent && !x->failed && (rc == 0 || !x->chunked))
		http_response_end(x);
	http_response_flush_head(x);
	if (x->failed || (x->chunked && !c->body_ended && !x->head_only))
		return false;
	return c->resp_length < 0 || x->body_sent == (uint64_t)c->resp_length;
}

/* Move the bytes not consumed yet, buf[pos..len), to the front: the next head starts there. */
static void drop_consumed(struct http_conn *c)
{
	memmove(c->buf, c->buf + c->pos, c->len - c->pos);
	c->len -= c->pos;
	c->pos = 0;
}

/* A response cut because the client stopped reading, or read slower than the pace: say so. */
static void log_slow_reader(const struct http_conn *c)
{
	const struct io_pace *p = &c->stream.send_pace;
	char note[160];

	snprintf(note, sizeof note, "closed: the client took %llu bytes in %.1f s: nothing for the "
	         "send timeout, or less than %u bytes a second after it",
	         (unsigned long long)p->done, (double)(io_now_ms() - p->start_ms) / 1000, p->min_rate);
	log_access_note(c->client->peer.host, note);
}

/* One request: handler, framing check, log, then what the connection does next. */
static enum close_reason exchange(struct http_conn *c, unsigned long number)
{
	struct http_exchange *x = &c->x;
	http_body_begin(c);
	begin_exchange(c, number, plan_keep_alive(c));
	int rc = c->cfg->handle(x, c->cfg->ctx);
	if (rc < 0)
		x->keep_alive = false;
	if (!x->head_sent && !x->failed)
		http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, NULL);
	bool whole = finish_response(c, rc);
	if (!c->cfg->quiet)
		log_exchange(c);
	if (x->failed && x->write_errno == ETIMEDOUT)
		log_slow_reader(c);
	if (x->failed)
		return CLOSED_LOST;
	if (!whole)
		return CLOSED_INCOMPLETE;
	if (!x->keep_alive || stop_requested()) {
		linger(c);
		return x->keep_alive ? CLOSED_STOP : CLOSED_CONNECTION_CLOSE;
	}
	/* The head is done with: keep only what follows it (rest of the body, next requests). */
	drop_consumed(c);
	if (http_body_skip(c) < 0) {
		linger(c);
		return CLOSED_BODY;
	}
	drop_consumed(c);
	return KEEP_OPEN;
}

static enum close_reason serve(struct http_conn *c)
{
	int64_t start = io_now_ms();
	for (unsigned long n = 1;; n++) {
		int64_t deadline = n > 1 ? -1 :
			start + or_default(c->cfg->head_timeout_ms, HTTP_HEAD_TIMEOUT_MS);
		enum head_result r = read_head(c, deadline);
		if (r != HEAD_OK)
			return head_failure(c, r, n);
		if (c->cfg->trace)
			trace_request(c->client->id, n, c->buf, c->pos);
		enum close_reason why = exchange(c, n);
		if (why != KEEP_OPEN)
			return why;
	}
}

void http_serve_connection(struct net_client *client, void *config)
{
	const struct http_config *cfg = config;
	struct http_conn *c = malloc(sizeof *c);
	if (c == NULL) {
		log_error("%s: out of memory, connection closed", client->peer.host);
		return;
	}
	c->cfg = cfg;
	c->client = client;
	c->len = c->pos = 0;
	c->x.status = 0;
	/* A client that stops reading fails our send after this, instead of holding the thread. */
	if (stream_init_plain(&c->stream, client->fd) < 0 ||
	    io_set_timeouts(client->fd, 0, or_default(cfg->send_timeout_ms, HTTP_SEND_TIMEOUT_MS)) < 0) {
		log_error("%s: cannot set up the socket, connection closed", client->peer.host);
		free(c);
		return;
	}
	/* Each write is a whole message part (a head with its body, a chunk), and the response
	 * writer coalesces the rest itself (one writev, or MSG_MORE before sendfile), so Nagle's
	 * algorithm would only add a delayed-ACK wait (up to 40 ms). Harmless on a non-TCP socket. */
	setsockopt(client->fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (cfg->trace)
		trace_opened(client->id, &client->peer);
	enum close_reason why = cfg->tls != NULL && https_start(cfg, &c->stream, client->id) < 0 ?
	                        CLOSED_NO_TLS : serve(c);
	if (cfg->tls != NULL)
		https_end(&c->stream);
	if (cfg->trace)
		trace_closed(client->id, close_text[why], c->x.status);
	free(c);
}
