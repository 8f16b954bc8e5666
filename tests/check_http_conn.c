// SPDX-License-Identifier: MIT
/*
 * Tests of the connection loop (common/http/http_conn.c, http_body.c): persistence as RFC 9112 9.3
 * says, pipelining, request bodies read or skipped, 100-continue, the statuses of bad heads,
 * the head, idle and body deadlines (set to a few hundred ms), a client that resets, and the
 * --trace and access-log output. http_serve_connection() runs on a thread; the test is the
 * client and compares the exact bytes it reads (tests/http_harness.h).
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/compat.h"
#include "base/io.h"
#include "http/http_body.h"
#include "http/http_error.h"
#include "http_harness.h"

#define BODY_CAP 64   /* the most the test handler reads */

static bool path_is(const struct http_exchange *x, const char *path)
{
	return x->req->path.len == strlen(path) && memcmp(x->req->path.p, path, strlen(path)) == 0;
}

/* POST /body: the body read back; an error status answered as such. */
static int echo_body(struct http_exchange *x)
{
	char body[BODY_CAP];
	int status;
	ssize_t n = http_request_body(x, body, sizeof body, &status);
	if (n < 0)
		return status != 0 ? http_error_send(x, status, NULL) : -1;
	return http_response_simple(x, HTTP_OK, "text/plain", body, (size_t)n);
}

/* GET /big: 16 MiB in 64 KiB chunks, far more than socket buffers hold. */
static int send_big(struct http_exchange *x)
{
	static const char block[65536];
	http_response_start(x, HTTP_OK);
	if (http_response_send_head(x, HTTP_BODY_UNKNOWN, false) < 0)
		return -1;
	for (int i = 0; i < 256; i++)
		if (http_response_body(x, block, sizeof block) < 0)
			return -1;
	return http_response_end(x);
}

/* Any other path: 200 with the path as the body, so the order of answers shows. */
static int handle(struct http_exchange *x, void *ctx)
{
	(void)ctx;
	if (path_is(x, "/body"))
		return echo_body(x);
	if (path_is(x, "/big"))
		return send_big(x);
	return http_response_simple(x, HTTP_OK, "text/plain", x->req->path.p, x->req->path.len);
}

static void setup(void)
{
	harness_setup(handle);
}

static const char *ok(const char *body, const char *connection)
{
	return harness_ok("HTTP/1.1", body, connection);
}

/* ---- persistence (RFC 9112 9.3) ---------------------------------------------------------- */

START_TEST(two_requests_one_connection)
{
	harness_start();
	harness_send_text("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
	harness_send_text("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/b", ""));
	ck_assert(!atomic_load(&h.done));
}
END_TEST

static const struct {
	bool http10, force_close;
	const char *request;       /* sent twice when the connection must stay open */
	const char *version;       /* of the status line */
	const char *connection;    /* the Connection field expected */
	bool stays_open;
	const char *why;
} persistence_rows[] = {
	{ false, false, "GET /a HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1", "", true,
	  "HTTP/1.1 is persistent by default" },
	{ false, false, "GET /a HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", "HTTP/1.1",
	  "Connection: close\r\n", false, "the client's close is honoured" },
	{ false, false, "GET /a HTTP/1.1\r\nHost: t\r\nConnection: keep-alive, Close\r\n\r\n",
	  "HTTP/1.1", "Connection: close\r\n", false, "close among other tokens, any case" },
	{ false, false, "GET /a HTTP/1.0\r\n\r\n", "HTTP/1.1", "Connection: close\r\n", false,
	  "HTTP/1.0 closes by default" },
	{ false, false, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "HTTP/1.1",
	  "Connection: keep-alive\r\n", true, "HTTP/1.0 keep-alive is honoured and echoed" },
	{ true, false, "GET /a HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.0", "Connection: close\r\n",
	  false, "-p HTTP/1.0 answers as 1.0 and closes, as http.server's default" },
	{ true, false, "GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", "HTTP/1.0",
	  "Connection: close\r\n", false, "-p HTTP/1.0 closes even with keep-alive" },
	{ false, true, "GET /a HTTP/1.1\r\nHost: t\r\n\r\n", "HTTP/1.1", "Connection: close\r\n",
	  false, "force_close (Flask's dev server) closes every connection" },
};

START_TEST(persistence_table)
{
	h.cfg.http10 = persistence_rows[_i].http10;
	h.cfg.force_close = persistence_rows[_i].force_close;
	harness_start();
	harness_send_text(persistence_rows[_i].request);
	const char *expected = harness_ok(persistence_rows[_i].version, "/a",
	                                  persistence_rows[_i].connection);
	const char *got = harness_response(false);
	ck_assert_msg(strcmp(got, expected) == 0, "row %d (%s): got\n%s\nexpected\n%s", _i,
	              persistence_rows[_i].why, got, expected);
	if (persistence_rows[_i].stays_open) {
		harness_send_text(persistence_rows[_i].request);
		got = harness_response(false);
		ck_assert_msg(strcmp(got, expected) == 0, "row %d (%s): second response\n%s", _i,
		              persistence_rows[_i].why, got);
	} else {
		harness_expect_eof(HARNESS_WAIT_MS);
	}
}
END_TEST

/* ---- pipelining (RFC 9112 9.3.2) and bodies nobody read ------------------------------------ */

START_TEST(pipelined_answered_in_order)
{
	harness_start();
	harness_send_text("GET /1 HTTP/1.1\r\nHost: t\r\n\r\nGET /2 HTTP/1.1\r\nHost: t\r\n\r\n"
	                  "GET /3 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/1", ""));
	ck_assert_str_eq(harness_response(false), ok("/2", ""));
	ck_assert_str_eq(harness_response(false), ok("/3", "Connection: close\r\n"));
	harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

static const struct {
	const char *first;    /* a request whose body the handler ignores, maybe cut short */
	const char *rest;     /* sent after the first answer: the rest of the body, a request */
	const char *why;
} unread_rows[] = {
	{ "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhelloGET /b HTTP/1.1\r\n"
	  "Host: t\r\n\r\n", "", "Content-Length body in the same write" },
	{ "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhe",
	  "lloGET /b HTTP/1.1\r\nHost: t\r\n\r\n", "Content-Length body arriving late" },
	{ "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"
	  "0\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n", "", "chunked body in the same write" },
	{ "POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
	  "lo\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\nGET /b HTTP/1.1\r\nHost: t\r\n\r\n",
	  "chunked body arriving late, with an extension and a trailer" },
	{ "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\nGET /x H",
	  "GET /b HTTP/1.1\r\nHost: t\r\n\r\n", "a body that looks like a request is not one" },
};

START_TEST(unread_body_skipped)
{
	harness_start();
	harness_send_text(unread_rows[_i].first);
	const char *got = harness_response(false);
	ck_assert_msg(strcmp(got, ok("/a", "")) == 0, "row %d (%s): first answer\n%s", _i,
	              unread_rows[_i].why, got);
	harness_send_text(unread_rows[_i].rest);
	got = harness_response(false);
	ck_assert_msg(strcmp(got, ok("/b", "")) == 0, "row %d (%s): second answer\n%s", _i,
	              unread_rows[_i].why, got);
}
END_TEST

/* ---- bodies the handler reads -------------------------------------------------------------- */

START_TEST(body_read_then_next_request)
{
	harness_start();
	harness_send_text("POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
	                  "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
	                  "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nGET /c HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("hello", ""));
	ck_assert_str_eq(harness_response(false), ok("abcde", ""));
	ck_assert_str_eq(harness_response(false), ok("/c", ""));
}
END_TEST

START_TEST(expect_continue)
{
	harness_start();
	harness_send_text("POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
	                  "Expect: 100-continue\r\n\r\n");
	ck_assert_str_eq(harness_response(true), "HTTP/1.1 100 Continue\r\n\r\n");
	harness_send_text("hello");
	ck_assert_str_eq(harness_response(false), ok("hello", ""));
}
END_TEST

/* A handler that answers without the body: no 100, and the client, which may never send the
 * body, is told the connection closes (RFC 9110 10.1.1). */
START_TEST(expect_continue_not_read)
{
	harness_start();
	harness_send_text("POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n"
	                  "Expect: 100-continue\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", "Connection: close\r\n"));
	harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

/* HTTP/1.0 clients never get a 100 (RFC 9110 10.1.1): they send the body unasked. */
START_TEST(expect_continue_ignored_for_http10)
{
	harness_start();
	harness_send_text("POST /body HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi");
	ck_assert_str_eq(harness_response(false), ok("hi", "Connection: close\r\n"));
	harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

static void expect_error(int status)
{
	char line[32];
	const char *got = harness_response(false);
	snprintf(line, sizeof line, "HTTP/1.1 %d ", status);
	ck_assert_msg(strncmp(got, line, strlen(line)) == 0, "expected %d, got\n%s", status, got);
	ck_assert_msg(strstr(got, "\r\nConnection: close\r\n") != NULL, "no close in\n%s", got);
	ck_assert_msg(strstr(got, "<p>Error code: ") != NULL, "no error page in\n%s", got);
	harness_expect_eof(HARNESS_WAIT_MS);
}

/* RFC 9110 15.5.14: refused from Content-Length, before the client sends the body (it never
 * does here), and without a 100 Continue. */
START_TEST(too_large_refused_before_body)
{
	harness_start();
	harness_send_text("POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n"
	                  "Expect: 100-continue\r\n\r\n");
	expect_error(HTTP_CONTENT_TOO_LARGE);
}
END_TEST

static const struct {
	const char *request;
	int status;
	const char *why;
} body_error_rows[] = {
	{ "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n", 413,
	  "one over what the handler takes" },
	{ "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n41\r\n"
	  "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0\r\n", 413,
	  "a chunk one over what the handler takes" },
	{ "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n"
	  "0123456789abcdef0123456789abcdef\r\n21\r\n0123456789abcdef0123456789abcdef0\r\n", 413,
	  "chunks that add up to one over" },
	{ "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
	  "bad chunk size" },
	{ "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX", 400,
	  "chunk data not followed by CRLF" },
	{ "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc", 408,
	  "a body that stalls" },
	{ "POST /body HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", 408,
	  "a chunked body that stalls" },
};

START_TEST(body_errors)
{
	harness_start();
	harness_send_text(body_error_rows[_i].request);
	char line[32];
	const char *got = harness_response(false);
	snprintf(line, sizeof line, "HTTP/1.1 %d ", body_error_rows[_i].status);
	ck_assert_msg(strncmp(got, line, strlen(line)) == 0 &&
	              strstr(got, "\r\nConnection: close\r\n") != NULL,
	              "row %d (%s): expected %d with close, got\n%s", _i, body_error_rows[_i].why,
	              body_error_rows[_i].status, got);
	harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

START_TEST(body_exactly_at_cap)
{
	char request[256], body[BODY_CAP + 1];
	memset(body, 'b', BODY_CAP);
	body[BODY_CAP] = '\0';
	snprintf(request, sizeof request,
	         "POST /body HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%s", BODY_CAP, body);
	harness_start();
	harness_send_text(request);
	ck_assert_str_eq(harness_response(false), ok(body, ""));
}
END_TEST

/* ---- bad heads: answered with their status and a close ------------------------------------ */

static const struct {
	const char *prefix;
	size_t pad;            /* this many 'a' after the prefix */
	const char *suffix;
	int status;
	const char *why;
} head_error_rows[] = {
	{ "GET /a HTTP/1.1\r\n\r\n", 0, "", 400, "HTTP/1.1 without Host" },
	{ "GET /a HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
	  0, "abc", 400, "Content-Length with Transfer-Encoding: smuggling, refused" },
	{ "GET /a HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n", 0, "", 400, "bare CR" },
	{ "GET /a HTTP/1.1\r\nHost: t\r\nX: a\r\n folded\r\n\r\n", 0, "", 400, "obs-fold" },
	{ "GET /a HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 0, "", 400,
	  "a signed Content-Length" },
	{ "FOO /a HTTP/1.1\r\nHost: t\r\n\r\n", 0, "", 501, "unknown method" },
	{ "GET /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, "", 501,
	  "a transfer coding other than chunked" },
	{ "GET /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\n", 0, "", 400,
	  "chunked not final: the length cannot be known (RFC 9112 6.3)" },
	{ "GET /a HTTP/2.0\r\nHost: t\r\n\r\n", 0, "", 505, "HTTP/2.0 in a 1.1 request line" },
	{ "GET /", HTTP_REQUEST_LINE_MAX, " HTTP/1.1\r\nHost: t\r\n\r\n", 414,
	  "request line over its limit" },
	{ "GET / HTTP/1.1\r\nHost: t\r\nX: ", HTTP_HEADER_LINE_MAX, "\r\n\r\n", 431,
	  "header line over its limit" },
};

START_TEST(head_errors)
{
	size_t plen = strlen(head_error_rows[_i].prefix), pad = head_error_rows[_i].pad;
	size_t slen = strlen(head_error_rows[_i].suffix);
	char *request = malloc(plen + pad + slen);
	ck_assert_ptr_nonnull(request);
	memcpy(request, head_error_rows[_i].prefix, plen);
	memset(request + plen, 'a', pad);
	memcpy(request + plen + pad, head_error_rows[_i].suffix, slen);
	harness_start();
	harness_send(request, plen + pad + slen);
	free(request);
	char line[32];
	const char *got = harness_response(false);
	snprintf(line, sizeof line, "HTTP/1.1 %d ", head_error_rows[_i].status);
	ck_assert_msg(strncmp(got, line, strlen(line)) == 0 &&
	              strstr(got, "\r\nConnection: close\r\n") != NULL &&
	              strstr(got, "Content-Type: text/html;charset=utf-8\r\n") != NULL,
	              "row %d (%s): expected %d with close, got\n%.300s", _i,
	              head_error_rows[_i].why, head_error_rows[_i].status, got);
	harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

/* ---- deadlines ----------------------------------------------------------------------------- */

START_TEST(trickled_head_is_served)
{
	const char *request = "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n";
	h.cfg.head_timeout_ms = 2000;
	harness_start();
	for (size_t i = 0; request[i] != '\0'; i++) {
		harness_send(request + i, 1);
		harness_sleep(5);
	}
	ck_assert_str_eq(harness_response(false), ok("/slow", ""));
}
END_TEST

/* The deadline is total: bytes that keep coming do not extend it. */
START_TEST(slow_head_gets_408)
{
	/* 60 bytes, one per 50 ms: 3 s of trickle against a 300 ms deadline. */
	const char *request = "GET /a HTTP/1.1\r\nHost: t\r\nX-Slow: "
	                      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
	int64_t start = io_now_ms();
	harness_start();
	for (size_t i = 0; request[i] != '\0'; i++) {
		struct pollfd p = { .fd = h.fd, .events = POLLIN };
		if (compat_send(h.fd, request + i, 1, 0) < 0 || poll(&p, 1, 50) > 0)
			break;
	}
	expect_error(HTTP_REQUEST_TIMEOUT);
	int64_t took = io_now_ms() - start;
	ck_assert_msg(took >= 250 && took < 2500, "408 after %lld ms, deadline 300", (long long)took);
}
END_TEST

START_TEST(idle_connection_closed_silently)
{
	harness_start();
	harness_send_text("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
	int64_t took = harness_expect_eof(HARNESS_WAIT_MS);
	ck_assert_msg(took >= 150 && took < 2500, "closed after %lld ms, idle 200", (long long)took);
}
END_TEST

/* A connection that never sends a byte (a browser's spare one) is closed without a 408. */
START_TEST(silent_connection_closed_silently)
{
	harness_start();
	harness_send_text("\r\n\r\n");   /* empty lines before a request line are ignored */
	int64_t took = harness_expect_eof(HARNESS_WAIT_MS);
	ck_assert_msg(took >= 250 && took < 2500, "closed after %lld ms, head 300", (long long)took);
}
END_TEST

START_TEST(leading_empty_lines_ignored)
{
	harness_start();
	harness_send_text("\r\n\n\r\nGET /a HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
}
END_TEST

/* A later request may idle first (idle timeout), then has the head timeout for its head. */
START_TEST(second_head_has_its_own_deadline)
{
	const char *request = "GET /second HTTP/1.1\r\nHost: t\r\n\r\n";
	h.cfg.idle_timeout_ms = 400;
	h.cfg.head_timeout_ms = 600;
	harness_start();
	harness_send_text("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
	harness_sleep(200);
	for (size_t i = 0; request[i] != '\0'; i++) {   /* 400 ms in all: past the idle timeout */
		harness_send(request + i, 1);
		harness_sleep(400 / (int)strlen(request));
	}
	ck_assert_str_eq(harness_response(false), ok("/second", ""));
}
END_TEST

/* ---- robustness ---------------------------------------------------------------------------- */

/* Over real TCP, so the close is a reset: the server thread ends, quietly, without a crash. */
START_TEST(reset_client_mid_response)
{
	char err[160];
	struct net_addr addr;
	int lfd = net_listen("127.0.0.1", 0, err, sizeof err);
	ck_assert_msg(lfd >= 0, "%s", err);
	ck_assert_int_eq(net_local_addr(lfd, &addr), 0);
	int cfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)addr.port) };
	ck_assert_int_eq(inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr), 1);
	ck_assert_int_eq(connect(cfd, (struct sockaddr *)&sa, sizeof sa), 0);
	int sfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(sfd, 0);
	close(lfd);
	harness_capture_stderr();
	harness_start_on(sfd, cfd);
	harness_send_text("GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert(harness_fill(io_now_ms() + HARNESS_WAIT_MS));   /* the answer has begun */
	struct linger reset = { .l_onoff = 1, .l_linger = 0 };
	ck_assert_int_eq(setsockopt(cfd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset), 0);
	close(cfd);
	h.fd = -1;
	ck_assert_msg(harness_wait_done(HARNESS_WAIT_MS), "server thread still writing");
	harness_stop();
	ck_assert_str_eq(harness_stderr(), "");   /* an expected event: no warning line */
}
END_TEST

START_TEST(client_closes_mid_head)
{
	harness_start();
	harness_send_text("GET /a HTT");
	shutdown(h.fd, SHUT_WR);
	harness_expect_eof(HARNESS_WAIT_MS);
	ck_assert(harness_wait_done(HARNESS_WAIT_MS));
}
END_TEST

/* ---- limits -------------------------------------------------------------------------------- */

/* An unread body of exactly HTTP_DISCARD_MAX is skipped; the connection stays usable. */
START_TEST(unread_body_at_discard_limit)
{
	char head[128];
	char *body = calloc(1, HTTP_DISCARD_MAX);
	ck_assert_ptr_nonnull(body);
	snprintf(head, sizeof head, "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n",
	         HTTP_DISCARD_MAX);
	h.cfg.body_timeout_ms = 2000;
	harness_start();
	harness_send_text(head);
	harness_send(body, HTTP_DISCARD_MAX);
	free(body);
	harness_send_text("GET /b HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
	ck_assert_str_eq(harness_response(false), ok("/b", ""));
}
END_TEST

/* One byte more: the response says close, and the body is never waited for. */
START_TEST(unread_body_over_discard_limit)
{
	char head[128];
	snprintf(head, sizeof head, "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n",
	         HTTP_DISCARD_MAX + 1);
	harness_start();
	harness_send_text(head);
	ck_assert_str_eq(harness_response(false), ok("/a", "Connection: close\r\n"));
	harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

/* A chunked body's size is unknown at the response: past the limit the connection closes. */
START_TEST(unread_chunked_body_over_discard_limit)
{
	char size_line[32];
	char *data = calloc(1, HTTP_DISCARD_MAX + 1);
	ck_assert_ptr_nonnull(data);
	snprintf(size_line, sizeof size_line, "%x\r\n", HTTP_DISCARD_MAX + 1);
	h.cfg.body_timeout_ms = 2000;
	harness_start();
	harness_send_text("POST /a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
	harness_send_text(size_line);
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
	/* The server stops reading partway: later writes may fail, which is the point. */
	(void)io_write_all(h.fd, data, HTTP_DISCARD_MAX + 1);
	free(data);
	harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

/* ---- what is printed ----------------------------------------------------------------------- */

START_TEST(trace_shows_reuse)
{
	harness_capture_stderr();
	h.cfg.trace = true;
	harness_start();
	harness_send_text("GET /a HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
	harness_send_text("POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc");
	ck_assert_str_eq(harness_response(false), ok("/b", ""));
	harness_stop();
	const char *t = harness_stderr();
	static const char *const expected[] = {
		"[conn 7] opened from 127.0.0.1:5555\n",
		("[conn 7] request 1 on this connection\n  GET /a HTTP/1.1\\r\\n\n  Host: t\\r\\n\n"
		 "  \\r\\n\n"),
		"[conn 7] response\n  HTTP/1.1 200 OK\\r\\n\n  Date: ",
		"  Content-Length: 2\\r\\n\n  \\r\\n\n",
		"[conn 7] request 2 on this connection\n  POST /b HTTP/1.1\\r\\n\n",
		"[conn 7] request body: 3 bytes skipped\n",
		"[conn 7] closed: client closed (last status 200)\n",
	};
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		ck_assert_msg(strstr(t, expected[i]) != NULL, "no \"%s\" in the trace:\n%s",
		              expected[i], t);
	ck_assert_msg(strstr(t, "abc") == NULL, "a body was shown:\n%s", t);
}
END_TEST

START_TEST(access_log_lines)
{
	harness_capture_stderr();
	h.cfg.quiet = false;
	harness_start();
	harness_send_text("GET /a HTTP/1.1\r\nHost: t\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
	ck_assert_str_eq(harness_response(false), ok("/a", ""));
	expect_error(HTTP_BAD_REQUEST);
	harness_stop();
	const char *t = harness_stderr();
	const char *first = strstr(t, "127.0.0.1 - - [");
	ck_assert_msg(first != NULL && strstr(first, "] \"GET /a HTTP/1.1\" 200 -\n") != NULL &&
	              strstr(first, "] code 400, message Bad Request\n") != NULL &&
	              strstr(first, "] \"GET /b HTTP/1.1\" 400 -\n") != NULL, "log:\n%s", t);
}
END_TEST

Suite *suite_http_conn(void);
Suite *suite_http_conn(void)
{
	Suite *s = suite_create("http_conn");
	struct {
		const char *name;
		TCase *tc;
	} cases[] = { { "persistence", NULL }, { "pipelining", NULL }, { "bodies", NULL },
	              { "bad heads", NULL }, { "deadlines", NULL }, { "robustness", NULL },
	              { "limits", NULL }, { "output", NULL } };
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cases[i].tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(cases[i].tc, setup, harness_teardown);
		tcase_set_timeout(cases[i].tc, 20);
		suite_add_tcase(s, cases[i].tc);
	}
	tcase_add_test(cases[0].tc, two_requests_one_connection);
	tcase_add_loop_test(cases[0].tc, persistence_table, 0,
	                    (int)(sizeof persistence_rows / sizeof persistence_rows[0]));
	tcase_add_test(cases[1].tc, pipelined_answered_in_order);
	tcase_add_loop_test(cases[1].tc, unread_body_skipped, 0,
	                    (int)(sizeof unread_rows / sizeof unread_rows[0]));
	tcase_add_test(cases[2].tc, body_read_then_next_request);
	tcase_add_test(cases[2].tc, expect_continue);
	tcase_add_test(cases[2].tc, expect_continue_not_read);
	tcase_add_test(cases[2].tc, expect_continue_ignored_for_http10);
	tcase_add_test(cases[2].tc, too_large_refused_before_body);
	tcase_add_loop_test(cases[2].tc, body_errors, 0,
	                    (int)(sizeof body_error_rows / sizeof body_error_rows[0]));
	tcase_add_loop_test(cases[3].tc, head_errors, 0,
	                    (int)(sizeof head_error_rows / sizeof head_error_rows[0]));
	tcase_add_test(cases[4].tc, trickled_head_is_served);
	tcase_add_test(cases[4].tc, slow_head_gets_408);
	tcase_add_test(cases[4].tc, idle_connection_closed_silently);
	tcase_add_test(cases[4].tc, silent_connection_closed_silently);
	tcase_add_test(cases[4].tc, leading_empty_lines_ignored);
	tcase_add_test(cases[4].tc, second_head_has_its_own_deadline);
	tcase_add_test(cases[5].tc, reset_client_mid_response);
	tcase_add_test(cases[5].tc, client_closes_mid_head);
	tcase_add_test(cases[6].tc, body_exactly_at_cap);
	tcase_add_test(cases[6].tc, unread_body_at_discard_limit);
	tcase_add_test(cases[6].tc, unread_body_over_discard_limit);
	tcase_add_test(cases[6].tc, unread_chunked_body_over_discard_limit);
	tcase_add_test(cases[7].tc, trace_shows_reuse);
	tcase_add_test(cases[7].tc, access_log_lines);
	return s;
}
