// SPDX-License-Identifier: MIT
/*
 * Tests of the response writer (common/http/http_response.c, http_error.c): the exact bytes of
 * Content-Length, chunked, file and close-delimited responses, HEAD, 204 and 304 without a body,
 * error pages as http.server's, 405 with Allow, which errors close the connection, header
 * injection and overflow refused, broken framing answered by a close, the 503 of a busy server,
 * and the chunk sizes in --trace, the number of writes a response takes (a small one is one),
 * and files past HTTP_RESPONSE_SMALL_FILE sent by sendfile. A handler per path runs under
 * http_serve_connection() on a socketpair (tests/http_harness.h); each keep-alive row is followed
 * by a second request, which proves no stray byte was left on the connection.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http_error.h"
#include "http_harness.h"
#include "http/trace.h"

#define FILE_TEXT "0123456789"
#define FILL_VALUE_LEN 100
#define BIG_SIZE (HTTP_RESPONSE_SMALL_FILE + 1)   /* past the copy limit: sendfile */

static char file_path[64];
static char big_path[64];   /* BIG_SIZE bytes of big_byte() */

static char big_byte(size_t i)
{
	return (char)('a' + i % 26);
}

static bool path_is(const struct http_exchange *x, const char *path)
{
	return x->req->path.len == strlen(path) && memcmp(x->req->path.p, path, strlen(path)) == 0;
}

static int chunked(struct http_exchange *x, bool end)
{
	http_response_start(x, HTTP_OK);
	http_response_header(x, "Content-Type", "text/plain");
	if (http_response_send_head(x, HTTP_BODY_UNKNOWN, false) < 0 ||
	    http_response_body(x, "abc", 3) < 0 || http_response_body(x, "", 0) < 0)
		return -1;
	if (!end)
		return 0;   /* forgot http_response_end(): the engine ends the body */
	if (http_response_body(x, "0123456789abcdef0", 17) < 0)
		return -1;
	return http_response_end(x);
}

/* count bytes of the file at path from offset; length -1: chunked. */
static int file_at(struct http_exchange *x, const char *path, off_t offset, uint64_t count,
                   int64_t length)
{
	int fd = open(path, O_RDONLY);
	int rc = -1;
	if (fd < 0)
		return -1;
	http_response_start(x, HTTP_OK);
	http_response_header(x, "Content-Type", "text/plain");
	if (http_response_send_head(x, length, true) == 0 &&
	    http_response_file(x, fd, offset, count) == 0)
		rc = http_response_end(x);
	close(fd);
	return rc;
}

static int file(struct http_exchange *x, off_t offset, uint64_t count, int64_t length)
{
	return file_at(x, file_path, offset, count, length);
}

/* /sized/N: the first N bytes of the big file. */
static int sized(struct http_exchange *x)
{
	uint64_t n;
	if (num_parse_u64(x->req->path.p + 7, x->req->path.len - 7, 0, BIG_SIZE, &n) < 0)
		return -1;
	return file_at(x, big_path, 0, n, (int64_t)n);
}

/* A head held back for a body, then the handler fails or ends with no body byte. */
static int held(struct http_exchange *x, int64_t length, bool fail)
{
	http_response_start(x, HTTP_OK);
	http_response_header(x, "Content-Type", "text/plain");
	if (http_response_send_head(x, length, true) < 0 || fail)
		return -1;
	return http_response_end(x);
}

static int not_modified(struct http_exchange *x, int64_t length)
{
	http_response_start(x, HTTP_NOT_MODIFIED);
	http_response_header(x, "ETag", "\"v1\"");
	if (http_response_send_head(x, length, false) < 0)
		return -1;
	return http_response_end(x);
}

/* A value with CRLF (response splitting) and a name that is no token are refused. */
static int inject(struct http_exchange *x)
{
	char body[64];
	http_response_start(x, HTTP_OK);
	int a = http_response_header(x, "X-A", "%s", "a\r\nSet-Cookie: evil=1");
	int b = http_response_header(x, "Bad Name", "v");
	int c = http_response_header(x, "X-Ok", "%d", 42);
	int n = snprintf(body, sizeof body, "%d %d %d", a, b, c);
	return http_response_simple(x, HTTP_OK, "text/plain", body, (size_t)n);
}

/* Fields until the head is full; the body says how many went in. */
static int overflow(struct http_exchange *x)
{
	char body[32], value[FILL_VALUE_LEN + 1];
	int count = 0;
	memset(value, 'v', FILL_VALUE_LEN);
	value[FILL_VALUE_LEN] = '\0';
	http_response_start(x, HTTP_OK);
	while (count < 1000 && http_response_header(x, "X-Fill", "%03d %s", count, value) == 0)
		count++;
	int n = snprintf(body, sizeof body, "%d", count);
	return http_response_simple(x, HTTP_OK, "text/plain", body, (size_t)n);
}

/* A body longer than promised is refused; one shorter than promised closes the connection. */
static int wrong_length(struct http_exchange *x, size_t promised, const char *body)
{
	http_response_start(x, HTTP_OK);
	if (http_response_send_head(x, (int64_t)promised, false) < 0 ||
	    http_response_body(x, body, strlen(body)) < 0)
		return -1;
	return http_response_end(x);
}

/* An error after the body began cannot be sent: the handler fails, the body is cut short. */
static int late_error(struct http_exchange *x)
{
	http_response_start(x, HTTP_OK);
	if (http_response_send_head(x, HTTP_BODY_UNKNOWN, false) < 0 ||
	    http_response_body(x, "abc", 3) < 0)
		return -1;
	return http_error_send(x, HTTP_NOT_FOUND, NULL) < 0 ? -1 : 0;
}

static int status_page(struct http_exchange *x)
{
	uint64_t status;
	if (num_parse_u64(x->req->path.p + 8, x->req->path.len - 8, 100, 599, &status) < 0)
		return -1;
	return http_error_send(x, (int)status, NULL);
}

static int handle_more(struct http_exchange *x)
{
	if (path_is(x, "/inject"))
		return inject(x);
	if (path_is(x, "/overflow"))
		return overflow(x);
	if (path_is(x, "/overrun"))
		return wrong_length(x, 3, "abcdef");
	if (path_is(x, "/short"))
		return wrong_length(x, 10, "abc");
	if (path_is(x, "/late-error"))
		return late_error(x);
	if (path_is(x, "/close")) {
		x->keep_alive = false;
		return http_response_simple(x, HTTP_OK, "text/plain", "bye", 3);
	}
	if (path_is(x, "/fail"))
		return -1;
	if (path_is(x, "/held-fail"))
		return held(x, HTTP_BODY_UNKNOWN, true);
	if (path_is(x, "/held-empty"))
		return held(x, 0, false);
	if (path_is(x, "/file-shrunk"))
		return file(x, 5, 10, 10);   /* 10 promised, 5 left in the file */
	if (path_is(x, "/big"))
		return file_at(x, big_path, 0, BIG_SIZE, BIG_SIZE);
	if (path_is(x, "/big-chunked"))
		return file_at(x, big_path, 0, BIG_SIZE, HTTP_BODY_UNKNOWN);
	if (x->req->path.len > 7 && memcmp(x->req->path.p, "/sized/", 7) == 0)
		return sized(x);
	if (path_is(x, "/note")) {
		trace_exchange(x, "range %d-%d", 0, 9);
		return http_response_simple(x, HTTP_OK, "text/plain", "noted", 5);
	}
	if (x->req->path.len > 8 && memcmp(x->req->path.p, "/status/", 8) == 0)
		return status_page(x);
	return 0;   /* /nothing: sends nothing, the engine answers 500 */
}

static int handle(struct http_exchange *x, void *ctx)
{
	(void)ctx;
	if (path_is(x, "/simple"))
		return http_response_simple(x, HTTP_OK, "text/plain", "hello", 5);
	if (path_is(x, "/chunked") || path_is(x, "/chunked-no-end"))
		return chunked(x, path_is(x, "/chunked"));
	if (path_is(x, "/file"))
		return file(x, 0, 10, 10);
	if (path_is(x, "/file-part"))
		return file(x, 3, 4, 4);
	if (path_is(x, "/file-chunked"))
		return file(x, 0, 10, HTTP_BODY_UNKNOWN);
	if (path_is(x, "/204")) {
		http_response_start(x, HTTP_NO_CONTENT);
		return http_response_send_head(x, 0, false) < 0 ? -1 : http_response_end(x);
	}
	if (path_is(x, "/304"))
		return not_modified(x, 1234);
	if (path_is(x, "/304-unknown"))
		return not_modified(x, HTTP_BODY_UNKNOWN);
	if (path_is(x, "/error"))
		return http_error_send(x, HTTP_NOT_FOUND, "File not found");
	if (path_is(x, "/error-escape"))
		return http_error_send(x, HTTP_FORBIDDEN, "<b>&</b>");
	if (path_is(x, "/405"))
		return http_error_send_allow(x, "GET, HEAD");
	return handle_more(x);
}

static void setup(void)
{
	harness_setup(handle);
	snprintf(file_path, sizeof file_path, "/tmp/check_http_response.XXXXXX");
	int fd = mkstemp(file_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, FILE_TEXT, 10), 10);
	close(fd);
	static char big[BIG_SIZE];
	for (size_t i = 0; i < BIG_SIZE; i++)
		big[i] = big_byte(i);
	snprintf(big_path, sizeof big_path, "/tmp/check_http_response.XXXXXX");
	fd = mkstemp(big_path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(io_write_all(fd, big, BIG_SIZE), BIG_SIZE);
	close(fd);
}

static void teardown(void)
{
	harness_teardown();
	unlink(file_path);
	unlink(big_path);
}

#define HEAD_200 "HTTP/1.1 200 OK\r\nDate: X\r\nServer: test\r\nContent-Type: text/plain\r\n"
#define CHUNKED_FIELD "Transfer-Encoding: chunked\r\n"

/* ---- framing: rows answered on a connection that stays open ------------------------------- */

static const struct {
	const char *method, *path;
	const char *expected;
	const char *why;
} framing_rows[] = {
	{ "GET", "/simple", HEAD_200 "Content-Length: 5\r\n\r\nhello", "one writev: head and body" },
	{ "HEAD", "/simple", HEAD_200 "Content-Length: 5\r\n\r\n", "HEAD: the GET head, no body" },
	{ "GET", "/chunked", HEAD_200 CHUNKED_FIELD "\r\n3\r\nabc\r\n11\r\n0123456789abcdef0\r\n"
	  "0\r\n\r\n", "chunks in hex, an empty write skipped, the last chunk" },
	{ "HEAD", "/chunked", HEAD_200 CHUNKED_FIELD "\r\n",
	  "HEAD of a chunked body: no chunk, no terminator" },
	{ "GET", "/chunked-no-end", HEAD_200 CHUNKED_FIELD "\r\n3\r\nabc\r\n0\r\n\r\n",
	  "a handler that forgot to end: the engine ends the body" },
	{ "GET", "/file", HEAD_200 "Content-Length: 10\r\n\r\n" FILE_TEXT, "a file (sendfile)" },
	{ "GET", "/file-part", HEAD_200 "Content-Length: 4\r\n\r\n3456", "a file from an offset" },
	{ "GET", "/file-chunked", HEAD_200 CHUNKED_FIELD "\r\na\r\n" FILE_TEXT "\r\n0\r\n\r\n",
	  "a file as one chunk" },
	{ "HEAD", "/file", HEAD_200 "Content-Length: 10\r\n\r\n", "HEAD of a file" },
	{ "GET", "/204", "HTTP/1.1 204 No Content\r\nDate: X\r\nServer: test\r\n\r\n",
	  "204: no Content-Length even when given one (RFC 9110 8.6)" },
	{ "GET", "/304", "HTTP/1.1 304 Not Modified\r\nDate: X\r\nServer: test\r\nETag: \"v1\"\r\n"
	  "Content-Length: 1234\r\n\r\n", "304: the length a 200 would have, no body" },
	{ "GET", "/304-unknown", "HTTP/1.1 304 Not Modified\r\nDate: X\r\nServer: test\r\n"
	  "ETag: \"v1\"\r\n\r\n", "304 without a length: no framing field at all" },
	{ "GET", "/inject", "HTTP/1.1 200 OK\r\nDate: X\r\nServer: test\r\nX-Ok: 42\r\n"
	  "Content-Type: text/plain\r\nContent-Length: 7\r\n\r\n-1 -1 0",
	  "CRLF in a value and a bad name refused; the head started is kept by simple()" },
	{ "GET", "/note", HEAD_200 "Content-Length: 5\r\n\r\nnoted",
	  "trace_exchange() without --trace prints nothing and changes nothing" },
	{ "GET", "/held-empty", HEAD_200 "Content-Length: 0\r\n\r\n",
	  "a head held back for a body that never came: written by http_response_end()" },
};

START_TEST(framing_table)
{
	char request[128];
	bool head = strcmp(framing_rows[_i].method, "HEAD") == 0;
	snprintf(request, sizeof request, "%s %s HTTP/1.1\r\nHost: t\r\n\r\n",
	         framing_rows[_i].method, framing_rows[_i].path);
	harness_start();
	harness_send_text(request);
	const char *got = harness_response(head);
	const char *expected = framing_rows[_i].expected;
	ck_assert_msg(strcmp(got, expected) == 0,
	              "row %d (%s): got\n%s\nexpected\n%s", _i, framing_rows[_i].why, got, expected);
	harness_send_text("GET /simple HTTP/1.1\r\nHost: t\r\n\r\n");
	got = harness_response(false);
	ck_assert_msg(strcmp(got, HEAD_200 "Content-Length: 5\r\n\r\nhello") == 0,
	              "row %d (%s): next response on the connection\n%s", _i, framing_rows[_i].why,
	              got);
}
END_TEST

/* ---- rows after which the server closes ---------------------------------------------------- */

#define CLOSE_FIELD "Connection: close\r\n"

static const struct {
	bool http10;
	const char *request;
	const char *expected;   /* everything up to the close */
	const char *why;
} closing_rows[] = {
	{ false, "GET /chunked HTTP/1.0\r\n\r\n", HEAD_200 CLOSE_FIELD "\r\nabc0123456789abcdef0",
	  "never chunked to a 1.0 client: close-delimited" },
	{ true, "GET /chunked HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.0 200 OK\r\nDate: X\r\nServer: test\r\nContent-Type: text/plain\r\n" CLOSE_FIELD
	  "\r\nabc0123456789abcdef0", "never chunked by a -p HTTP/1.0 server" },
	{ false, "HEAD /chunked HTTP/1.0\r\n\r\n", HEAD_200 CLOSE_FIELD "\r\n",
	  "HEAD to a 1.0 client: the same head" },
	{ false, "GET /close HTTP/1.1\r\nHost: t\r\n\r\n",
	  HEAD_200 "Content-Length: 3\r\n" CLOSE_FIELD "\r\nbye",
	  "a handler may turn keep-alive off" },
	{ false, "GET /short HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nDate: X\r\nServer: test\r\nContent-Length: 10\r\n\r\nabc",
	  "a body shorter than its Content-Length: closed, the client sees it cut" },
	{ false, "GET /overrun HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nDate: X\r\nServer: test\r\nContent-Length: 3\r\n\r\n",
	  "a body longer than its Content-Length is refused, not sent" },
	{ false, "GET /late-error HTTP/1.1\r\nHost: t\r\n\r\n",
	  "HTTP/1.1 200 OK\r\nDate: X\r\nServer: test\r\n" CHUNKED_FIELD "\r\n3\r\nabc\r\n",
	  "a failed handler's chunked body gets no last chunk" },
	{ false, "GET /held-fail HTTP/1.1\r\nHost: t\r\n\r\n", HEAD_200 CHUNKED_FIELD "\r\n",
	  "a handler failing after a held-back head: the head still goes out, then the close" },
	{ false, "GET /file-shrunk HTTP/1.1\r\nHost: t\r\n\r\n", "",
	  "a file shorter than promised: nothing sent (the head was held), the connection closed" },
};

START_TEST(closing_table)
{
	h.cfg.http10 = closing_rows[_i].http10;
	harness_start();
	harness_send_text(closing_rows[_i].request);
	const char *got = harness_until_eof();
	ck_assert_msg(strcmp(got, closing_rows[_i].expected) == 0, "row %d (%s): got\n%s\nexpected\n%s",
	              _i, closing_rows[_i].why, got, closing_rows[_i].expected);
}
END_TEST

/* ---- writes per response ----------------------------------------------------------------------- */

/* Over a SOCK_SEQPACKET socketpair every write is a record of its own, so the records the client
 * reads count the server's writes. Returns how many it took to read one whole response. */
static int writes_for(const char *method, const char *path)
{
	char request[128];
	int sv[2], writes = 0;
	int64_t deadline = io_now_ms() + HARNESS_WAIT_MS;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
	harness_start_on(sv[0], sv[1]);
	snprintf(request, sizeof request, "%s %s HTTP/1.1\r\nHost: t\r\n\r\n", method, path);
	harness_send_text(request);
	while (harness_response_length(h.in, h.len, strcmp(method, "HEAD") == 0) == 0) {
		ck_assert_msg(harness_fill(deadline), "%s %s: no whole response", method, path);
		writes++;
	}
	return writes;
}

static const struct {
	const char *method, *path;
	int writes;
	const char *why;
} write_rows[] = {
	{ "GET", "/simple", 1, "simple(): head and body in one writev" },
	{ "GET", "/file", 1, "a small file: read, and written with its head in one writev" },
	{ "GET", "/file-part", 1, "a small piece of a file, from an offset" },
	{ "HEAD", "/file", 1, "HEAD of a file: the head alone" },
	{ "GET", "/304", 1, "304: the head alone" },
	{ "GET", "/held-empty", 1, "a held-back head with no body: one write at the end" },
	{ "GET", "/file-chunked", 2, "a chunked file: the head with its chunk, then the last chunk" },
	{ "GET", "/chunked", 4, "a head sent without more_follows goes alone; one write a chunk" },
	{ "GET", "/error", 1, "an error page" },
};

START_TEST(writes_table)
{
	int writes = writes_for(write_rows[_i].method, write_rows[_i].path);
	ck_assert_msg(writes == write_rows[_i].writes, "row %d (%s %s: %s): %d writes, expected %d",
	              _i, write_rows[_i].method, write_rows[_i].path, write_rows[_i].why, writes,
	              write_rows[_i].writes);
}
END_TEST

/* Files past the copy limit go by sendfile() after their head: the exact bytes, then the next
 * response on the same connection. */
static const struct {
	const char *path;
	bool chunked;
} big_rows[] = { { "/big", false }, { "/big-chunked", true } };

START_TEST(big_file_by_sendfile)
{
	static char expected[BIG_SIZE + 256];
	char request[64];
	int n = snprintf(expected, sizeof expected, HEAD_200 "%s%d\r\n\r\n",
	                 big_rows[_i].chunked ? CHUNKED_FIELD "\r\n" : "Content-Length: ",
	                 big_rows[_i].chunked ? 0 : BIG_SIZE);
	if (big_rows[_i].chunked)   /* the size line replaces the Content-Length value */
		n = snprintf(expected, sizeof expected, HEAD_200 CHUNKED_FIELD "\r\n%x\r\n",
		             BIG_SIZE);
	for (size_t i = 0; i < BIG_SIZE; i++)
		expected[(size_t)n + i] = big_byte(i);
	snprintf(expected + n + BIG_SIZE, sizeof expected - (size_t)n - BIG_SIZE, "%s",
	         big_rows[_i].chunked ? "\r\n0\r\n\r\n" : "");
	snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", big_rows[_i].path);
	harness_start();
	harness_send_text(request);
	const char *got = harness_response(false);
	ck_assert_msg(strcmp(got, expected) == 0, "%s: got %zu bytes, expected %zu; first 300:\n%.300s",
	              big_rows[_i].path, strlen(got), strlen(expected), got);
	harness_send_text("GET /simple HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), HEAD_200 "Content-Length: 5\r\n\r\nhello");
}
END_TEST

/* ---- error pages --------------------------------------------------------------------------- */

/* http.server's DEFAULT_ERROR_MESSAGE, filled in as its send_error() does. */
static const char *python_page(int code, const char *message, const char *explain)
{
	static char page[2048];
	snprintf(page, sizeof page,
	         "<!DOCTYPE HTML>\n<html lang=\"en\">\n    <head>\n        <meta charset=\"utf-8\">\n"
	         "        <title>Error response</title>\n    </head>\n    <body>\n"
	         "        <h1>Error response</h1>\n        <p>Error code: %d</p>\n"
	         "        <p>Message: %s.</p>\n"
	         "        <p>Error code explanation: %d - %s.</p>\n    </body>\n</html>\n",
	         code, message, code, explain);
	return page;
}

static const char *error_response(const char *status_line, const char *page, bool close,
                                  bool head)
{
	static char text[4096];
	snprintf(text, sizeof text,
	         "%s\r\nDate: X\r\nServer: test\r\nContent-Type: text/html;charset=utf-8\r\n"
	         "Content-Length: %zu\r\n%s\r\n%s", status_line, strlen(page),
	         close ? CLOSE_FIELD : "", head ? "" : page);
	return text;
}

START_TEST(error_page_as_http_server)
{
	const char *page = python_page(404, "File not found", "Nothing matches the given URI");
	harness_start();
	harness_send_text("GET /error HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false),
	                 error_response("HTTP/1.1 404 Not Found", page, false, false));
	harness_send_text("HEAD /error HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(true),
	                 error_response("HTTP/1.1 404 Not Found", page, false, true));
	harness_send_text("GET /error-escape HTTP/1.1\r\nHost: t\r\n\r\n");
	page = python_page(403, "&lt;b&gt;&amp;&lt;/b&gt;",
	                   "Request forbidden -- authorization will not help");
	ck_assert_str_eq(harness_response(false),
	                 error_response("HTTP/1.1 403 Forbidden", page, false, false));
}
END_TEST

/* 405 carries Allow (RFC 9110 15.5.6), before the page's own fields. */
START_TEST(method_not_allowed_has_allow)
{
	char expected[4096];
	const char *page = python_page(405, "Method Not Allowed",
	                               "Specified method is invalid for this resource");
	snprintf(expected, sizeof expected,
	         "HTTP/1.1 405 Method Not Allowed\r\nDate: X\r\nServer: test\r\n"
	         "Allow: GET, HEAD\r\nContent-Type: text/html;charset=utf-8\r\n"
	         "Content-Length: %zu\r\n\r\n%s", strlen(page), page);
	harness_start();
	harness_send_text("GET /405 HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), expected);
}
END_TEST

START_TEST(error_page_logged_as_http_server)
{
	harness_capture_stderr();
	h.cfg.quiet = false;
	harness_start();
	harness_send_text("GET /error HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_ne(harness_response(false), HARNESS_NO_RESPONSE);
	harness_stop();
	const char *t = harness_stderr();
	const char *code = strstr(t, "127.0.0.1 - - [");
	ck_assert_msg(code != NULL && strstr(code, "] code 404, message File not found\n") != NULL &&
	              strstr(code, "] \"GET /error HTTP/1.1\" 404 -\n") != NULL, "log:\n%s", t);
	ck_assert_msg(strstr(t, "code 404") < strstr(t, "\" 404 -"), "order, as http.server:\n%s", t);
}
END_TEST

/* A handler that sends nothing, or fails before sending: 500, and the connection closes. */
START_TEST(handler_without_answer_gets_500)
{
	const char *page = python_page(500, "Internal Server Error", "Server got itself in trouble");
	const char *paths[] = { "/nothing", "/fail" };
	for (size_t i = 0; i < 2; i++) {
		char request[64];
		h.eof = false;
		h.len = h.pos = 0;
		harness_start();
		snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", paths[i]);
		harness_send_text(request);
		ck_assert_str_eq(harness_response(false),
		                 error_response("HTTP/1.1 500 Internal Server Error", page, true, false));
		harness_expect_eof(HARNESS_WAIT_MS);
		harness_stop();
	}
}
END_TEST

static const struct {
	int status;
	bool closes;
} closes_rows[] = {
	{ 400, true }, { 401, false }, { 403, false }, { 404, false }, { 405, false },
	{ 408, true }, { 411, false }, { 413, true }, { 414, true }, { 416, false },
	{ 417, false }, { 431, true }, { 500, true }, { 501, true }, { 503, false },
	{ 505, true },
};

START_TEST(which_errors_close)
{
	char request[64], line[64];
	snprintf(request, sizeof request, "GET /status/%d HTTP/1.1\r\nHost: t\r\n\r\n",
	         closes_rows[_i].status);
	snprintf(line, sizeof line, "HTTP/1.1 %d %s\r\n", closes_rows[_i].status,
	         http_reason(closes_rows[_i].status));
	harness_start();
	harness_send_text(request);
	const char *got = harness_response(false);
	bool closed = strstr(got, "\r\n" CLOSE_FIELD) != NULL;
	ck_assert_msg(strncmp(got, line, strlen(line)) == 0 && closed == closes_rows[_i].closes,
	              "status %d: close expected %d, got\n%s", closes_rows[_i].status,
	              closes_rows[_i].closes, got);
	if (closes_rows[_i].status == 503)   /* "not now": when to ask again (RFC 9110 15.6.4) */
		ck_assert_msg(strstr(got, "\r\nRetry-After: 1\r\n") != NULL, "no Retry-After:\n%s", got);
	if (closed)
		harness_expect_eof(HARNESS_WAIT_MS);
}
END_TEST

/* ---- the 503 of a full server ---------------------------------------------------------------- */

START_TEST(reject_busy)
{
	static const char body[] = "Too many clients right now: try again in a second.\n";
	const struct net_addr peer = { .host = "127.0.0.1", .port = 5555 };
	char expected[512];
	int sv[2];
	for (int http10 = 0; http10 <= 1; http10++) {
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
		h.fd = sv[1];
		h.eof = false;
		h.cfg.http10 = http10;
		http_error_busy(sv[0], &peer, &h.cfg);
		close(sv[0]);
		snprintf(expected, sizeof expected,
		         "%s 503 Service Unavailable\r\nDate: X\r\nServer: test\r\nRetry-After: 1\r\n"
		         "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
		         CLOSE_FIELD "\r\n%s", http10 ? "HTTP/1.0" : "HTTP/1.1", strlen(body), body);
		ck_assert_str_eq(harness_until_eof(), expected);
		close(sv[1]);
		h.fd = -1;
	}
}
END_TEST

/* ---- --trace ------------------------------------------------------------------------------- */

START_TEST(trace_shows_chunk_sizes)
{
	harness_capture_stderr();
	h.cfg.trace = true;
	harness_start();
	harness_send_text("GET /chunked HTTP/1.1\r\nHost: t\r\n\r\nGET /note HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_ne(harness_response(false), HARNESS_NO_RESPONSE);
	ck_assert_str_ne(harness_response(false), HARNESS_NO_RESPONSE);
	harness_stop();
	const char *t = harness_stderr();
	static const char *const expected[] = {
		"  Transfer-Encoding: chunked\\r\\n\n  \\r\\n\n",
		"[conn 7] chunk 3 (3 bytes)\n[conn 7] chunk 11 (17 bytes)\n[conn 7] chunk 0 (last chunk)\n",
		"[conn 7] range 0-9\n",
	};
	for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
		ck_assert_msg(strstr(t, expected[i]) != NULL, "no \"%s\" in the trace:\n%s",
		              expected[i], t);
	ck_assert_msg(strstr(t, "0123456789abcdef0") == NULL, "a body was shown:\n%s", t);
}
END_TEST

/* ---- limits -------------------------------------------------------------------------------- */

/* Fields go in until the head is full, then are refused; the response stays well-formed. */
START_TEST(head_overflow_refused)
{
	harness_start();
	harness_send_text("GET /overflow HTTP/1.1\r\nHost: t\r\n\r\n");
	const char *got = harness_response(false);
	size_t head = harness_find(got, strlen(got), "\r\n\r\n") + 4;
	const char *body = got + head;
	int fields = 0;
	for (const char *p = got; (p = strstr(p, "\r\nX-Fill: ")) != NULL && p < body; p++)
		fields++;
	ck_assert_msg(head <= HTTP_RESPONSE_HEAD_MAX, "head of %zu bytes", head);
	ck_assert_msg(head > HTTP_RESPONSE_HEAD_MAX - 2 * (FILL_VALUE_LEN + 16) - 96,
	              "head of %zu bytes: room was wasted", head);
	ck_assert_int_gt(fields, 0);
	uint64_t added;
	ck_assert_int_eq(num_parse_arg(body, 0, 1000, &added), 0);
	ck_assert_msg(added == (uint64_t)fields, "handler added %s, head has %d", body, fields);
	harness_send_text("GET /simple HTTP/1.1\r\nHost: t\r\n\r\n");
	ck_assert_str_eq(harness_response(false), HEAD_200 "Content-Length: 5\r\n\r\nhello");
}
END_TEST

/* A file body is copied and written with its head up to HTTP_RESPONSE_SMALL_FILE bytes; one
 * byte more, and the head goes first, the body after it by sendfile. */
static const struct {
	size_t size;
	bool one_write;
} small_file_rows[] = { { HTTP_RESPONSE_SMALL_FILE, true }, { HTTP_RESPONSE_SMALL_FILE + 1, false } };

START_TEST(small_file_limit)
{
	char path[32];
	snprintf(path, sizeof path, "/sized/%zu", small_file_rows[_i].size);
	int writes = writes_for("GET", path);
	ck_assert_msg((writes == 1) == small_file_rows[_i].one_write, "%zu bytes: %d writes",
	              small_file_rows[_i].size, writes);
	ck_assert_uint_eq(h.len - harness_find(h.in, h.len, "\r\n\r\n") - 4, small_file_rows[_i].size);
}
END_TEST

Suite *suite_http_response(void);
Suite *suite_http_response(void)
{
	Suite *s = suite_create("http_response");
	const char *names[] = { "framing", "closing", "error pages", "busy", "trace", "limits",
	                        "writes" };
	TCase *tc[7];
	for (size_t i = 0; i < 7; i++) {
		tc[i] = tcase_create(names[i]);
		tcase_add_checked_fixture(tc[i], setup, teardown);
		tcase_set_timeout(tc[i], 20);
		suite_add_tcase(s, tc[i]);
	}
	tcase_add_loop_test(tc[0], framing_table, 0,
	                    (int)(sizeof framing_rows / sizeof framing_rows[0]));
	tcase_add_loop_test(tc[1], closing_table, 0,
	                    (int)(sizeof closing_rows / sizeof closing_rows[0]));
	tcase_add_test(tc[2], error_page_as_http_server);
	tcase_add_test(tc[2], method_not_allowed_has_allow);
	tcase_add_test(tc[2], error_page_logged_as_http_server);
	tcase_add_test(tc[2], handler_without_answer_gets_500);
	tcase_add_loop_test(tc[2], which_errors_close, 0,
	                    (int)(sizeof closes_rows / sizeof closes_rows[0]));
	tcase_add_test(tc[3], reject_busy);
	tcase_add_test(tc[4], trace_shows_chunk_sizes);
	tcase_add_test(tc[5], head_overflow_refused);
	tcase_add_loop_test(tc[5], small_file_limit, 0,
	                    (int)(sizeof small_file_rows / sizeof small_file_rows[0]));
	tcase_add_loop_test(tc[6], writes_table, 0, (int)(sizeof write_rows / sizeof write_rows[0]));
	tcase_add_loop_test(tc[0], big_file_by_sendfile, 0,
	                    (int)(sizeof big_rows / sizeof big_rows[0]));
	return s;
}
