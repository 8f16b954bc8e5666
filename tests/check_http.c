// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http.c, the request-head parser and its tables. Valid requests are
 * checked whole, at every prefix (always "need more", never "bad"), fed one byte at a time into
 * one pipelined stream, and field by field. Bad requests are one table row per class of bad
 * input, each with the status the RFCs give it. The "limits" TCase puts every named limit at
 * exactly its value (accepted) and one over (its status), complete and still incomplete.
 * Prefixes are copied into heap buffers of their exact size, so ASan sees any read past len.
 */
#include "http/http.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/*
 * http_request is large (100 header slots): one per test, from the fixture, with the heap copy
 * of the last parsed input that its slices point into.
 */
static struct http_request *req;
static char *copy;

static void setup(void)
{
	req = malloc(sizeof *req);
	ck_assert_ptr_nonnull(req);
	copy = NULL;
}

static void teardown(void)
{
	free(req);
	free(copy);
	req = NULL;
	copy = NULL;
}

/* Parse a copy of s[0..len) in a heap buffer of exactly len bytes (kept until the next one). */
static ssize_t parse_exact(const char *s, size_t len)
{
	free(copy);
	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	return http_parse_request(copy, len, req);
}

static bool str_is(struct http_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* ---- valid requests ---- */

enum { F_CHUNKED = 1, F_CLOSE = 2, F_KEEP_ALIVE = 4, F_EXPECT = 8 };
#define NO_CL (-1)

struct ok_row {
	const char *text;
	size_t len;
	size_t tail;              /* bytes after the head: a body or the next request */
	enum http_method method;
	const char *target, *path, *authority;
	int minor;
	long long content_length; /* NO_CL: none */
	unsigned flags;
	size_t headers;
	const char *why;
};

#define BROWSER_GET \
	"GET /docs/index.html?lang=en&q=a%20b HTTP/1.1\r\n" \
	"Host: www.example.com:8000\r\n" \
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0\r\n" \
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n" \
	"Accept-Language: en-US,en;q=0.5\r\n" \
	"Accept-Encoding: gzip, deflate, br\r\n" \
	"Connection: keep-alive\r\n" \
	"Upgrade-Insecure-Requests: 1\r\n" \
	"Cookie: session=0123456789abcdef0123456789abcdef; theme=dark\r\n" \
	"\r\n"

static const struct ok_row ok_rows[] = {
	{ B("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"), 0, HTTP_GET, "/", "/", "example.com",
	  1, NO_CL, 0, 1, "smallest HTTP/1.1 request" },
	{ B(BROWSER_GET), 0, HTTP_GET, "/docs/index.html?lang=en&q=a%20b",
	  "/docs/index.html?lang=en&q=a%20b", "www.example.com:8000", 1, NO_CL, F_KEEP_ALIVE, 8,
	  "a browser's request" },
	{ B("GET /a HTTP/1.0\n\n"), 0, HTTP_GET, "/a", "/a", "", 0, NO_CL, 0, 0,
	  "bare LF line ends, HTTP/1.0 without Host (netcat)" },
	{ B("GET / HTTP/1.1\nHost: h\r\nX: y\n\r\n"), 0, HTTP_GET, "/", "/", "h", 1, NO_CL, 0, 2,
	  "CRLF and LF mixed" },
	{ B("\r\n\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"), 0, HTTP_GET, "/", "/", "h", 1, NO_CL,
	  0, 1, "leading empty lines are skipped and counted" },
	{ B("POST /form HTTP/1.1\r\nHost: h:8080\r\nContent-Length: 5\r\n\r\nhello"), 5,
	  HTTP_POST, "/form", "/form", "h:8080", 1, 5, 0, 2, "body bytes are not consumed" },
	{ B("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"),
	  15, HTTP_POST, "/", "/", "h", 1, NO_CL, F_CHUNKED, 2, "chunked request" },
	{ B("PUT / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n"), 5,
	  HTTP_PUT, "/", "/", "h", 1, NO_CL, F_CHUNKED, 2, "coding names are case-insensitive" },
	{ B("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: ,chunked,\r\n\r\n0\r\n\r\n"), 5,
	  HTTP_POST, "/", "/", "h", 1, NO_CL, F_CHUNKED, 2, "empty list elements ignored" },
	{ B("GET http://Example.COM:8080 HTTP/1.1\r\nHost: other\r\n\r\n"), 0, HTTP_GET,
	  "http://Example.COM:8080", "/", "Example.COM:8080", 1, NO_CL, 0, 1,
	  "absolute-form: its authority wins, empty path is /" },
	{ B("GET HTTPS://h/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n"), 0, HTTP_GET, "HTTPS://h/p?q=1",
	  "/p?q=1", "h", 1, NO_CL, 0, 1, "absolute-form, scheme case-insensitive" },
	{ B("OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n"), 0, HTTP_OPTIONS, "*", "*", "h", 1, NO_CL,
	  0, 1, "asterisk-form" },
	{ B("CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n"), 0, HTTP_CONNECT,
	  "example.com:443", "", "example.com:443", 1, NO_CL, 0, 1, "authority-form" },
	{ B("GET / HTTP/1.2\r\nHost: h\r\n\r\n"), 0, HTTP_GET, "/", "/", "h", 1, NO_CL, 0, 1,
	  "HTTP/1.2 is served as 1.1" },
	{ B("GET / HTTP/1.9\r\nHost: h\r\n\r\n"), 0, HTTP_GET, "/", "/", "h", 1, NO_CL, 0, 1,
	  "HTTP/1.9 is served as 1.1" },
	{ B("HEAD / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), 0, HTTP_HEAD, "/", "/", "",
	  0, NO_CL, F_KEEP_ALIVE, 1, "HTTP/1.0 keep-alive" },
	{ B("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, Close\r\n\r\n"), 0, HTTP_GET,
	  "/", "/", "h", 1, NO_CL, F_CLOSE | F_KEEP_ALIVE, 2, "connection option list" },
	{ B("GET / HTTP/1.1\r\nConnection: foo\r\nHost: h\r\nconnection:CLOSE\r\n\r\n"), 0,
	  HTTP_GET, "/", "/", "h", 1, NO_CL, F_CLOSE, 3, "two Connection fields" },
	{ B("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 0\r\n\r\n"), 0,
	  HTTP_POST, "/", "/", "h", 1, 0, F_EXPECT, 3, "Expect: 100-continue" },
	{ B("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx"), 1,
	  HTTP_POST, "/", "/", "", 0, 1, 0, 2, "Expect ignored on HTTP/1.0" },
	{ B("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 7, 7\r\nContent-Length: 7\r\n\r\n"), 0,
	  HTTP_POST, "/", "/", "h", 1, 7, 0, 3, "one Content-Length repeated" },
	{ B("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0004611686018427387904\r\n\r\n"), 0,
	  HTTP_POST, "/", "/", "h", 1, 4611686018427387904LL, 0, 2, "Content-Length 2^62" },
	{ B("GET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n"), 0, HTTP_GET, "/", "/", "[::1]:8000",
	  1, NO_CL, 0, 1, "IPv6 literal Host" },
	{ B("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"), 0, HTTP_GET, "/", "/", "127.0.0.1", 1,
	  NO_CL, 0, 1, "IPv4 Host" },
	{ B("GET / HTTP/1.1\r\nHost: h:\r\n\r\n"), 0, HTTP_GET, "/", "/", "h:", 1, NO_CL, 0, 1,
	  "empty port (RFC 3986 3.2.3)" },
	{ B("GET / HTTP/1.1\r\nHost: %41b-c_d~e\r\n\r\n"), 0, HTTP_GET, "/", "/", "%41b-c_d~e", 1,
	  NO_CL, 0, 1, "reg-name with pct-encoding" },
	{ B("GET / HTTP/1.0\r\nHost:\r\n\r\n"), 0, HTTP_GET, "/", "/", "", 0, NO_CL, 0, 1,
	  "empty Host on HTTP/1.0" },
	{ B("GET / HTTP/1.1\r\nHost: \t h \t\r\nX-Empty:\r\nX-Text: caf\xc3\xa9 \t ok\r\n\r\n"), 0,
	  HTTP_GET, "/", "/", "h", 1, NO_CL, 0, 3, "OWS trimmed, obs-text and HTAB kept" },
	{ B("PATCH /~user/a!$&'()*+,;=:@-._ HTTP/1.1\r\nHost: h\r\n\r\n"), 0, HTTP_PATCH,
	  "/~user/a!$&'()*+,;=:@-._", "/~user/a!$&'()*+,;=:@-._", "h", 1, NO_CL, 0, 1,
	  "every visible byte class in the path" },
	{ B("DELETE /x HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\n"), 16, HTTP_DELETE, "/x",
	  "/x", "h", 1, NO_CL, 0, 1, "pipelined bytes after the head stay" },
	{ B("TRACE / HTTP/1.1\r\nHost: h\r\n!#$%&'*+-.^_`|~09azAZ: v\r\n\r\n"), 0, HTTP_TRACE,
	  "/", "/", "h", 1, NO_CL, 0, 2, "every tchar in a field name" },
};

static void check_fields(const struct ok_row *r, int i)
{
	ck_assert_msg(req->method == r->method, "row %d (%s): method %d", i, r->why, req->method);
	ck_assert_msg(str_is(req->target, r->target), "row %d (%s): target '%.*s'", i, r->why,
	              (int)req->target.len, req->target.p);
	ck_assert_msg(str_is(req->path, r->path), "row %d (%s): path '%.*s'", i, r->why,
	              (int)req->path.len, req->path.p);
	ck_assert_msg(str_is(req->authority, r->authority), "row %d (%s): authority '%.*s'", i,
	              r->why, (int)req->authority.len, req->authority.p);
	ck_assert_msg(req->minor == r->minor, "row %d (%s): minor %d", i, r->why, req->minor);
	ck_assert_msg(req->has_content_length == (r->content_length != NO_CL)
	              && (r->content_length == NO_CL
	                  || req->content_length == (uint64_t)r->content_length),
	              "row %d (%s): content length %d %llu", i, r->why, req->has_content_length,
	              (unsigned long long)req->content_length);
	ck_assert_msg(req->chunked == !!(r->flags & F_CHUNKED)
	              && req->conn_close == !!(r->flags & F_CLOSE)
	              && req->conn_keep_alive == !!(r->flags & F_KEEP_ALIVE)
	              && req->expect_continue == !!(r->flags & F_EXPECT),
	              "row %d (%s): chunked %d close %d keep-alive %d expect %d", i, r->why,
	              req->chunked, req->conn_close, req->conn_keep_alive, req->expect_continue);
	ck_assert_msg(req->header_count == r->headers, "row %d (%s): %zu headers", i, r->why,
	              req->header_count);
	ck_assert_msg(str_is(req->method_text, http_method_name(r->method)), "row %d (%s)", i,
	              r->why);
}

START_TEST(test_valid_whole)
{
	const struct ok_row *r = &ok_rows[_i];
	size_t head_len = r->len - r->tail;
	ssize_t n = parse_exact(r->text, r->len);
	ck_assert_msg(n == (ssize_t)head_len, "row %d (%s): got %zd (error %d), want %zu", _i,
	              r->why, n, req->error, head_len);
	check_fields(r, _i);
}
END_TEST

/* Every proper prefix of the head is "need more"; from the head's end on, the head's length. */
START_TEST(test_valid_every_prefix)
{
	const struct ok_row *r = &ok_rows[_i];
	size_t head_len = r->len - r->tail;
	for (size_t k = 0; k <= r->len; k++) {
		ssize_t n = parse_exact(r->text, k);
		ssize_t want = k < head_len ? -2 : (ssize_t)head_len;
		ck_assert_msg(n == want, "row %d (%s): prefix %zu gave %zd (error %d), want %zd", _i,
		              r->why, k, n, req->error, want);
	}
}
END_TEST

/*
 * All valid requests as one stream fed to a connection-like buffer one byte at a time, the way
 * a slow client sends them: each head is found exactly when its last byte arrives, and is then
 * consumed; the bytes after it (a body) go to the handler, not to the parser.
 */
START_TEST(test_valid_one_byte_at_a_time)
{
	char buf[1024];
	size_t have = 0;
	for (int i = 0; i < N_ROWS(ok_rows); i++) {
		const struct ok_row *r = &ok_rows[i];
		size_t head_len = r->len - r->tail;
		ck_assert(head_len <= sizeof buf);
		for (size_t k = 0; k < head_len; k++) {
			buf[have++] = r->text[k];
			ssize_t n = http_parse_request(buf, have, req);
			ssize_t want = k + 1 < head_len ? -2 : (ssize_t)head_len;
			ck_assert_msg(n == want, "row %d (%s): byte %zu gave %zd", i, r->why, k, n);
		}
		check_fields(r, i);
		have = 0;
	}
}
END_TEST

/* Two requests back to back: the first parse stops at its own head. */
START_TEST(test_pipelined_heads)
{
	static const char two[] = "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: b\r\n\r\n";
	ssize_t n1 = http_parse_request(two, sizeof two - 1, req);
	ck_assert_int_eq(n1, 28);
	ck_assert(str_is(req->path, "/1") && str_is(req->authority, "a"));
	ssize_t n2 = http_parse_request(two + n1, sizeof two - 1 - (size_t)n1, req);
	ck_assert_int_eq(n2, 28);
	ck_assert(str_is(req->path, "/2") && str_is(req->authority, "b"));
	ck_assert_int_eq(n1 + n2, sizeof two - 1);
}
END_TEST

START_TEST(test_headers_kept_in_order)
{
	ck_assert_int_eq(http_parse_request(B(BROWSER_GET), req), sizeof(BROWSER_GET) - 1);
	ck_assert_uint_eq(req->header_count, 8);
	ck_assert(str_is(req->headers[0].name, "Host"));
	ck_assert(str_is(req->headers[0].value, "www.example.com:8000"));
	ck_assert(str_is(req->headers[4].name, "Accept-Encoding"));
	ck_assert(str_is(req->headers[4].value, "gzip, deflate, br"));
	ck_assert(str_is(req->headers[7].name, "Cookie"));
	ck_assert(str_is(req->line, "GET /docs/index.html?lang=en&q=a%20b HTTP/1.1"));
}
END_TEST

/* ---- bad requests ---- */

struct bad_row {
	const char *text;
	size_t len;
	int status;
	const char *why;
};

#define H11 " HTTP/1.1\r\nHost: h\r\n"
#define GET11 "GET / HTTP/1.1\r\n"

static const struct bad_row bad_rows[] = {
	/* request line (RFC 9112 3, 9110 9.1) */
	{ B("get /" H11 "\r\n"), 501, "methods are case-sensitive: get is unknown" },
	{ B("FOO /" H11 "\r\n"), 501, "unknown method token" },
	{ B("BREW /pot" H11 "\r\n"), 501, "another unknown method" },
	{ B("G(T /" H11 "\r\n"), 400, "method is not a token" },
	{ B("G\xc3\x89T /" H11 "\r\n"), 400, "non-ASCII method" },
	{ B("GET  /" H11 "\r\n"), 400, "two spaces after the method" },
	{ B("GET /  HTTP/1.1\r\nHost: h\r\n\r\n"), 400, "two spaces before the version" },
	{ B(" GET /" H11 "\r\n"), 400, "leading space" },
	{ B("GET / HTTP/1.1 \r\nHost: h\r\n\r\n"), 400, "trailing space" },
	{ B("GET\t/" H11 "\r\n"), 400, "tab as separator" },
	{ B("GET /a\tb" H11 "\r\n"), 400, "tab in the target" },
	{ B("GET /a\x01" "b" H11 "\r\n"), 400, "control byte in the target" },
	{ B("GET /a\0b" H11 "\r\n"), 400, "NUL in the target" },
	{ B("GET /\x7f" H11 "\r\n"), 400, "DEL in the target" },
	{ B("GET /caf\xc3\xa9" H11 "\r\n"), 400, "non-ASCII in the target" },
	{ B("GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n"), 400, "words after the version" },
	{ B("GET /\r\nHost: h\r\n\r\n"), 400, "HTTP/0.9 style line without version" },
	{ B("GET\r\n\r\n"), 400, "method only" },
	{ B("GET / HTTP/1\r\nHost: h\r\n\r\n"), 400, "version without minor" },
	{ B("GET / HTTP/1.10\r\nHost: h\r\n\r\n"), 400, "two-digit minor" },
	{ B("GET / HTTP/11\r\nHost: h\r\n\r\n"), 400, "no dot" },
	{ B("GET / http/1.1\r\nHost: h\r\n\r\n"), 400, "lower-case HTTP" },
	{ B("GET / HTTP/1.x\r\nHost: h\r\n\r\n"), 400, "letter as minor" },
	{ B("GET / HTTPS/1.1\r\nHost: h\r\n\r\n"), 400, "wrong protocol name" },
	{ B("GET / HTTP/2.0\r\nHost: h\r\n\r\n"), 505, "HTTP/2.0" },
	{ B("GET / HTTP/3.0\r\nHost: h\r\n\r\n"), 505, "HTTP/3.0" },
	{ B("GET / HTTP/0.9\r\n\r\n"), 505, "HTTP/0.9" },
	{ B("FOO / HTTP/2.0\r\n\r\n"), 505, "version is judged before method" },
	{ B("get / HTTP/1.x\r\n\r\n"), 400, "syntax is judged before method" },
	/* request-target forms (RFC 9112 3.2) */
	{ B("GET a" H11 "\r\n"), 400, "relative target" },
	{ B("GET example.com:80" H11 "\r\n"), 400, "authority-form without CONNECT" },
	{ B("GET ftp://h/" H11 "\r\n"), 400, "absolute-form with another scheme" },
	{ B("GET http:/h/" H11 "\r\n"), 400, "absolute-form missing a slash" },
	{ B("GET http://user@h/" H11 "\r\n"), 400, "userinfo in absolute-form (9110 4.2.4)" },
	{ B("GET http:///x" H11 "\r\n"), 400, "absolute-form with empty host" },
	{ B("GET http://h?q" H11 "\r\n"), 400, "absolute-form query without path" },
	{ B("GET http://h:99999/" H11 "\r\n"), 400, "absolute-form port out of range" },
	{ B("CONNECT /" H11 "\r\n"), 400, "CONNECT with origin-form" },
	{ B("CONNECT example.com" H11 "\r\n"), 400, "CONNECT without port" },
	/* line ends (RFC 9112 2.2) */
	{ B("GET / HTTP/1.1\rHost: h\r\n\r\n"), 400, "bare CR ends the request line" },
	{ B("GET / HTTP/1.1\r\r\nHost: h\r\n\r\n"), 400, "CR CR LF" },
	{ B("\rGET /" H11 "\r\n"), 400, "bare CR before the request line" },
	{ B(GET11 "Host: h\r\n\rX: y\r\n\r\n"), 400, "bare CR at a line start" },
	{ B(GET11 "Host: h\r\nX: a\rb\r\n\r\n"), 400, "bare CR in a value" },
	{ B(GET11 "Host: h\r\nX: a\r\r\n\r\n"), 400, "CR before CRLF in a value" },
	{ B(GET11 "Host: h\r\n\r\r\n"), 400, "CR CR LF as the empty line" },
	/* field lines (RFC 9112 5, RFC 9110 5.5) */
	{ B(GET11 "Host: h\r\nX: a\r\n  folded\r\n\r\n"), 400, "obs-fold with spaces" },
	{ B(GET11 "Host: h\r\nX: a\r\n\tfolded\r\n\r\n"), 400, "obs-fold with a tab" },
	{ B(GET11 " Host: h\r\n\r\n"), 400, "whitespace before the first field" },
	{ B(GET11 "Host : h\r\n\r\n"), 400, "space before the colon" },
	{ B(GET11 "Host\t: h\r\n\r\n"), 400, "tab before the colon" },
	{ B(GET11 "Host h\r\n\r\n"), 400, "no colon" },
	{ B(GET11 "Host: h\r\n: v\r\n\r\n"), 400, "empty field name" },
	{ B(GET11 "Host: h\r\nX(Y): v\r\n\r\n"), 400, "field name not a token" },
	{ B(GET11 "Host: h\r\nX@Y: v\r\n\r\n"), 400, "@ in a field name" },
	{ B(GET11 "Host: h\r\nH\xc3\xb6st: v\r\n\r\n"), 400, "non-ASCII field name" },
	{ B(GET11 "Host: h\r\nX: a\0b\r\n\r\n"), 400, "NUL in a value" },
	{ B(GET11 "Host: h\r\nX: a\x01" "b\r\n\r\n"), 400, "control byte in a value" },
	{ B(GET11 "Host: h\r\nX: a\x1f\r\n\r\n"), 400, "0x1f in a value" },
	{ B(GET11 "Host: h\r\nX: a\x7f\r\n\r\n"), 400, "DEL in a value" },
	{ B(GET11 "Host: h\r\nX: \x0b\r\n\r\n"), 400, "vertical tab in a value" },
	/* Host (RFC 9112 3.2, RFC 3986 3.2.2) */
	{ B(GET11 "\r\n"), 400, "HTTP/1.1 without Host" },
	{ B(GET11 "Host: a\r\nHost: a\r\n\r\n"), 400, "two Host fields, same value" },
	{ B(GET11 "Host: a\r\nHost: b\r\n\r\n"), 400, "two Host fields" },
	{ B("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), 400, "two Host fields on 1.0" },
	{ B(GET11 "Host:\r\n\r\n"), 400, "empty Host on HTTP/1.1" },
	{ B(GET11 "Host:   \r\n\r\n"), 400, "blank Host on HTTP/1.1" },
	{ B(GET11 "Host: a b\r\n\r\n"), 400, "space in Host" },
	{ B("GET / HTTP/1.0\r\nHost: a b\r\n\r\n"), 400, "invalid Host on 1.0" },
	{ B(GET11 "Host: a/b\r\n\r\n"), 400, "slash in Host" },
	{ B(GET11 "Host: user@h\r\n\r\n"), 400, "userinfo in Host" },
	{ B(GET11 "Host: h:8o\r\n\r\n"), 400, "letter in port" },
	{ B(GET11 "Host: h:-1\r\n\r\n"), 400, "signed port" },
	{ B(GET11 "Host: h:65536\r\n\r\n"), 400, "port past 65535" },
	{ B(GET11 "Host: h:80:80\r\n\r\n"), 400, "two ports" },
	{ B(GET11 "Host: :80\r\n\r\n"), 400, "port without host" },
	{ B(GET11 "Host: [::1\r\n\r\n"), 400, "unclosed IPv6 literal" },
	{ B(GET11 "Host: []\r\n\r\n"), 400, "empty IPv6 literal" },
	{ B(GET11 "Host: [::g]\r\n\r\n"), 400, "bad IPv6 literal" },
	{ B(GET11 "Host: [::1]x\r\n\r\n"), 400, "junk after IPv6 literal" },
	{ B(GET11 "Host: %zz\r\n\r\n"), 400, "bad pct-encoding" },
	{ B(GET11 "Host: a%4\r\n\r\n"), 400, "truncated pct-encoding" },
	{ B(GET11 "Host: h\xc3\xa9\r\n\r\n"), 400, "non-ASCII Host" },
	{ B("GET http://ok/ HTTP/1.1\r\nHost: bad host\r\n\r\n"), 400,
	  "absolute-form still checks Host" },
	{ B("GET http://ok/ HTTP/1.1\r\n\r\n"), 400, "absolute-form still needs Host on 1.1" },
	/* Content-Length (RFC 9110 8.6, RFC 9112 6.3) */
	{ B(GET11 "Host: h\r\nContent-Length: +5\r\n\r\n"), 400, "plus sign" },
	{ B(GET11 "Host: h\r\nContent-Length: -1\r\n\r\n"), 400, "minus sign" },
	{ B(GET11 "Host: h\r\nContent-Length: 1 2\r\n\r\n"), 400, "space inside" },
	{ B(GET11 "Host: h\r\nContent-Length:\r\n\r\n"), 400, "empty" },
	{ B(GET11 "Host: h\r\nContent-Length: 0x10\r\n\r\n"), 400, "hex" },
	{ B(GET11 "Host: h\r\nContent-Length: 5,\r\n\r\n"), 400, "trailing comma" },
	{ B(GET11 "Host: h\r\nContent-Length: 5, 6\r\n\r\n"), 400, "list of different values" },
	{ B(GET11 "Host: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n"), 400,
	  "two fields, different values" },
	{ B(GET11 "Host: h\r\nContent-Length: 18446744073709551616\r\n\r\n"), 400, "past 2^64" },
	{ B(GET11 "Host: h\r\nContent-Length: 4611686018427387905\r\n\r\n"), 400, "past 2^62" },
	/* Transfer-Encoding (RFC 9112 6.1, 6.3, 7) */
	{ B(GET11 "Host: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"), 400,
	  "Content-Length with Transfer-Encoding" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 0\r\n\r\n"), 400,
	  "Transfer-Encoding with Content-Length" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501,
	  "unsupported coding before chunked" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n"), 501,
	  "unsupported coding in an earlier field" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: gzip\r\n\r\n"), 400, "chunked missing" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: identity\r\n\r\n"), 400, "identity" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n"), 400, "chunked not final" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n"), 400,
	  "chunked not final across fields" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n"), 400, "chunked twice" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding:\r\n\r\n"), 400, "empty Transfer-Encoding" },
	{ B(GET11 "Host: h\r\nTransfer-Encoding: chunked;x=1\r\n\r\n"), 400, "chunked with params" },
	{ B("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"), 400,
	  "Transfer-Encoding on HTTP/1.0" },
};

START_TEST(test_bad)
{
	const struct bad_row *r = &bad_rows[_i];
	req->error = 0;
	ssize_t n = parse_exact(r->text, r->len);
	ck_assert_msg(n == -1 && (int)req->error == r->status, "row %d (%s): got %zd, error %d, "
	              "want status %d", _i, r->why, n, req->error, r->status);
}
END_TEST

/* A bare CR needs no more bytes to be bad: not "need more" even while the line is open. */
START_TEST(test_bare_cr_on_incomplete_line)
{
	ck_assert_int_eq(parse_exact(B("GET /\rx")), -1);
	ck_assert_int_eq(req->error, HTTP_BAD_REQUEST);
	ck_assert_int_eq(parse_exact(B("GET / HTTP/1.1\r\nHost: a\rb")), -1);
	ck_assert_int_eq(req->error, HTTP_BAD_REQUEST);
	ck_assert_int_eq(parse_exact(B("GET / HTTP/1.1\r\nHost: a\r")), -2);
}
END_TEST

/* ---- lookups and tables ---- */

START_TEST(test_header_get)
{
	static const char text[] = GET11 "Host: h\r\nX-A: 1\r\nx-a: 2\r\nX-Empty:\r\n\r\n";
	ck_assert_int_eq(http_parse_request(B(text), req), sizeof text - 1);
	const struct http_str *v = http_header_get(req, "X-A");
	ck_assert(v != NULL && str_is(*v, "1"));
	v = http_header_get(req, "x-A");
	ck_assert(v != NULL && str_is(*v, "1"));
	v = http_header_get(req, "x-empty");
	ck_assert(v != NULL && v->len == 0);
	ck_assert_ptr_null(http_header_get(req, "X"));
	ck_assert_ptr_null(http_header_get(req, "X-A "));
	ck_assert_ptr_null(http_header_get(req, "X-AB"));
}
END_TEST

struct token_row {
	const char *name, *token;
	bool expected;
	const char *why;
};

static const struct token_row token_rows[] = {
	{ "Connection", "close", true, "second element of the first field" },
	{ "connection", "KEEP-ALIVE", true, "name and token case-insensitive" },
	{ "Connection", "upgrade", true, "element of the second field" },
	{ "Connection", "keep", false, "prefix of an element" },
	{ "Connection", "alive", false, "suffix of an element" },
	{ "Connection", "", false, "empty token is not an element here" },
	{ "Accept", "text/html", true, "single element with OWS" },
	{ "Accept", "text/plain", false, "inside a quoted-string parameter" },
	{ "Te", "trailers", true, "last element, trailing OWS" },
	{ "Missing", "close", false, "no such field" },
};

START_TEST(test_header_has_token)
{
	static const char text[] = GET11 "Host: h\r\nConnection: Keep-Alive ,\tClose\r\n"
		"Connection: Upgrade\r\nAccept:  text/html, x;q=\"text/plain\"\r\nTE: gzip,trailers \r\n\r\n";
	const struct token_row *r = &token_rows[_i];
	ck_assert_int_eq(http_parse_request(B(text), req), sizeof text - 1);
	ck_assert_msg(http_header_has_token(req, r->name, r->token) == r->expected,
	              "row %d (%s): %s / %s", _i, r->why, r->name, r->token);
}
END_TEST

START_TEST(test_reason_covers_every_status)
{
	static const int codes[] = {
		HTTP_CONTINUE, HTTP_OK, HTTP_NO_CONTENT, HTTP_PARTIAL_CONTENT, HTTP_MOVED_PERMANENTLY,
		HTTP_FOUND, HTTP_SEE_OTHER, HTTP_NOT_MODIFIED, HTTP_BAD_REQUEST, HTTP_UNAUTHORIZED,
		HTTP_FORBIDDEN, HTTP_NOT_FOUND, HTTP_METHOD_NOT_ALLOWED, HTTP_REQUEST_TIMEOUT,
		HTTP_LENGTH_REQUIRED, HTTP_CONTENT_TOO_LARGE, HTTP_URI_TOO_LONG,
		HTTP_RANGE_NOT_SATISFIABLE, HTTP_EXPECTATION_FAILED, HTTP_HEADER_FIELDS_TOO_LARGE,
		HTTP_INTERNAL_SERVER_ERROR, HTTP_NOT_IMPLEMENTED, HTTP_SERVICE_UNAVAILABLE,
		HTTP_VERSION_NOT_SUPPORTED, 201, 307, 308, 409, 410, 412, 415, 429, 502, 504,
	};
	for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
		ck_assert_msg(http_reason(codes[i]) != NULL && http_reason(codes[i])[0] != '\0',
		              "no reason for %d", codes[i]);
	ck_assert_str_eq(http_reason(404), "Not Found");
	ck_assert_str_eq(http_reason(200), "OK");
	ck_assert_str_eq(http_reason(431), "Request Header Fields Too Large");
	ck_assert_str_eq(http_reason(505), "HTTP Version Not Supported");
	ck_assert_ptr_null(http_reason(0));
	ck_assert_ptr_null(http_reason(-1));
	ck_assert_ptr_null(http_reason(299));
	ck_assert_ptr_null(http_reason(HTTP_STATUS_MAX));
	ck_assert_ptr_null(http_reason(999));
}
END_TEST

START_TEST(test_method_names_round_trip)
{
	static const char *const names[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT",
		                             "OPTIONS", "TRACE", "PATCH" };
	char line[64];
	for (int m = HTTP_GET; m < HTTP_METHOD_COUNT; m++) {
		ck_assert_str_eq(http_method_name((enum http_method)m), names[m - HTTP_GET]);
		int n = snprintf(line, sizeof line, "%s %s HTTP/1.1\r\nHost: h:1\r\n\r\n",
		                 names[m - HTTP_GET], m == HTTP_CONNECT ? "h:1" : "/");
		ck_assert(n > 0 && (size_t)n < sizeof line);
		ck_assert_int_eq(http_parse_request(line, (size_t)n, req), n);
		ck_assert_int_eq(req->method, m);
	}
	ck_assert_ptr_null(http_method_name(HTTP_METHOD_UNKNOWN));
	ck_assert_ptr_null(http_method_name(HTTP_METHOD_COUNT));
}
END_TEST

struct ieq_row {
	const char *s;
	size_t len;
	const char *lit;
	bool expected;
};

static const struct ieq_row ieq_rows[] = {
	{ B("Host"), "host", true },
	{ B("HOST"), "hoSt", true },
	{ B("Host"), "Hos", false },
	{ B("Hos"), "Host", false },
	{ B(""), "", true },
	{ B(""), "a", false },
	{ B("a"), "", false },
	{ B("a\0b"), "a", false },
	{ B("["), "{", false },
	{ B("@"), "`", false },
	{ B("\xc3\x89"), "\xc3\xa9", false },
};

START_TEST(test_str_ieq)
{
	const struct ieq_row *r = &ieq_rows[_i];
	struct http_str s = { r->s, r->len };
	ck_assert_msg(http_str_ieq(s, r->lit) == r->expected, "row %d: '%s' vs '%s'", _i, r->s,
	              r->lit);
}
END_TEST

/* ---- limits ---- */

/* A growable test buffer: the requests of the limit tests are built byte-exact. */
struct text {
	char *p;
	size_t len, cap;
};

static void put(struct text *t, const char *s, size_t n)
{
	if (t->len + n > t->cap) {
		t->cap = (t->len + n) * 2;
		t->p = realloc(t->p, t->cap);
		ck_assert_ptr_nonnull(t->p);
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
}

static void put_str(struct text *t, const char *s)
{
	put(t, s, strlen(s));
}

static void put_fill(struct text *t, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(t, &c, 1);
}

/* "GET /aaa... HTTP/1.1" of exactly len bytes, without its line end. */
static void put_request_line(struct text *t, size_t len)
{
	put_str(t, "GET /");
	put_fill(t, 'a', len - 14);
	put_str(t, " HTTP/1.1");
}

/* A field line "X-Fill: vvv..." of exactly len bytes, CRLF included. */
static void put_field_line(struct text *t, size_t len)
{
	put_str(t, "X-Fill: ");
	put_fill(t, 'v', len - 10);
	put_str(t, "\r\n");
}

/* A whole head of exactly len bytes: request line, Host, fillers, empty line. */
static void put_head(struct text *t, size_t len)
{
	put_str(t, GET11 "Host: h\r\n");
	size_t rest = len - t->len - 2;
	while (rest > 0) {
		size_t line = rest < HTTP_HEADER_LINE_MAX ? rest : HTTP_HEADER_LINE_MAX;
		if (rest - line > 0 && rest - line < 16)
			line -= 16;   /* leave room for one more well-formed line */
		put_field_line(t, line);
		rest -= line;
	}
	put_str(t, "\r\n");
	ck_assert_uint_eq(t->len, len);
}

static void expect(struct text *t, size_t len, ssize_t want, int status, const char *why)
{
	req->error = 0;
	ssize_t n = parse_exact(t->p, len);
	ck_assert_msg(n == want && (want != -1 || (int)req->error == status),
	              "%s: got %zd error %d, want %zd status %d", why, n, req->error, want, status);
}

START_TEST(test_limit_request_line)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		put_request_line(&t, HTTP_REQUEST_LINE_MAX + extra);
		size_t line = t.len;
		put_str(&t, "\r\nHost: h\r\n\r\n");
		if (extra == 0) {
			expect(&t, t.len, (ssize_t)t.len, 0, "request line at the limit");
			expect(&t, line, -2, 0, "at the limit, no line end yet");
			expect(&t, line + 1, -2, 0, "at the limit, CR but no LF yet");
		} else {
			expect(&t, t.len, -1, HTTP_URI_TOO_LONG, "request line one over");
			expect(&t, line, -1, HTTP_URI_TOO_LONG, "one over, no line end yet");
			expect(&t, line + 1, -1, HTTP_URI_TOO_LONG, "one over, CR but no LF yet");
		}
		free(t.p);
	}
}
END_TEST

START_TEST(test_limit_request_line_bare_lf)
{
	struct text t = { 0 };
	put_request_line(&t, HTTP_REQUEST_LINE_MAX);
	put_str(&t, "\nHost: h\n\n");
	expect(&t, t.len, (ssize_t)t.len, 0, "request line at the limit, LF");
	t.len = 0;
	put_request_line(&t, HTTP_REQUEST_LINE_MAX + 1);
	put_str(&t, "\nHost: h\n\n");
	expect(&t, t.len, -1, HTTP_URI_TOO_LONG, "request line one over, LF");
	free(t.p);
}
END_TEST

START_TEST(test_limit_header_line)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		put_str(&t, GET11 "Host: h\r\n");
		size_t start = t.len;
		put_field_line(&t, HTTP_HEADER_LINE_MAX + 2 + extra);   /* + its CRLF */
		size_t open = t.len - 2;
		put_str(&t, "\r\n");
		ck_assert_uint_eq(open - start, HTTP_HEADER_LINE_MAX + extra);
		if (extra == 0) {
			expect(&t, t.len, (ssize_t)t.len, 0, "header line at the limit");
			expect(&t, open, -2, 0, "header line at the limit, no line end yet");
			expect(&t, open + 1, -2, 0, "header line at the limit, CR but no LF yet");
		} else {
			expect(&t, t.len, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "header line one over");
			expect(&t, open, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "one over, no line end yet");
			expect(&t, open + 1, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "one over, CR no LF");
		}
		free(t.p);
	}
}
END_TEST

START_TEST(test_limit_head)
{
	struct text t = { 0 };
	put_head(&t, HTTP_HEAD_MAX);
	expect(&t, t.len, HTTP_HEAD_MAX, 0, "head at the limit");
	expect(&t, t.len - 1, -2, 0, "head at the limit less its last byte");
	t.len = 0;
	put_head(&t, HTTP_HEAD_MAX + 1);
	expect(&t, t.len, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "head one over");
	expect(&t, HTTP_HEAD_MAX, -1, HTTP_HEADER_FIELDS_TOO_LARGE,
	       "incomplete head that fills the limit");
	expect(&t, HTTP_HEAD_MAX - 1, -2, 0, "incomplete head one under the limit");
	free(t.p);
}
END_TEST

START_TEST(test_limit_leading_empty_lines)
{
	struct text t = { 0 };
	for (int i = 0; i < 100; i++)
		put_str(&t, "\r\n\n");
	put_str(&t, GET11 "Host: h\r\n\r\n");
	expect(&t, t.len, (ssize_t)t.len, 0, "a few empty lines, counted in the head");
	ck_assert(str_is(req->line, "GET / HTTP/1.1"));
	t.len = 0;
	for (int i = 0; i < HTTP_HEAD_MAX / 2; i++)
		put_str(&t, "\r\n");
	expect(&t, t.len, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "only empty lines up to the limit");
	put_str(&t, GET11 "Host: h\r\n\r\n");
	expect(&t, t.len, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "empty lines push the head over");
	free(t.p);
}
END_TEST

START_TEST(test_limit_header_count)
{
	for (int extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		char line[32];
		put_str(&t, GET11 "Host: h\r\n");
		for (int i = 1; i < HTTP_HEADERS_MAX + extra; i++) {
			int n = snprintf(line, sizeof line, "X-%d: %d\r\n", i, i);
			ck_assert(n > 0 && (size_t)n < sizeof line);
			put(&t, line, (size_t)n);
		}
		put_str(&t, "\r\n");
		if (extra == 0) {
			expect(&t, t.len, (ssize_t)t.len, 0, "exactly HTTP_HEADERS_MAX fields");
			ck_assert_uint_eq(req->header_count, HTTP_HEADERS_MAX);
			ck_assert(str_is(req->headers[HTTP_HEADERS_MAX - 1].value, "99"));
		} else {
			expect(&t, t.len, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "one field over");
			expect(&t, t.len - 2, -1, HTTP_HEADER_FIELDS_TOO_LARGE, "one over, head open");
		}
		free(t.p);
	}
}
END_TEST

Suite *suite_http(void);
Suite *suite_http(void)
{
	Suite *s = suite_create("http");

	TCase *valid = tcase_create("valid requests parse");
	tcase_add_checked_fixture(valid, setup, teardown);
	tcase_add_loop_test(valid, test_valid_whole, 0, N_ROWS(ok_rows));
	tcase_add_loop_test(valid, test_valid_every_prefix, 0, N_ROWS(ok_rows));
	tcase_add_test(valid, test_valid_one_byte_at_a_time);
	tcase_add_test(valid, test_pipelined_heads);
	tcase_add_test(valid, test_headers_kept_in_order);
	suite_add_tcase(s, valid);

	TCase *bad = tcase_create("bad requests get their status");
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_loop_test(bad, test_bad, 0, N_ROWS(bad_rows));
	tcase_add_test(bad, test_bare_cr_on_incomplete_line);
	suite_add_tcase(s, bad);

	TCase *lookup = tcase_create("lookups and tables");
	tcase_add_checked_fixture(lookup, setup, teardown);
	tcase_add_test(lookup, test_header_get);
	tcase_add_loop_test(lookup, test_header_has_token, 0, N_ROWS(token_rows));
	tcase_add_test(lookup, test_reason_covers_every_status);
	tcase_add_test(lookup, test_method_names_round_trip);
	tcase_add_loop_test(lookup, test_str_ieq, 0, N_ROWS(ieq_rows));
	suite_add_tcase(s, lookup);

	TCase *limits = tcase_create("limits");
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(limits, test_limit_request_line);
	tcase_add_test(limits, test_limit_request_line_bare_lf);
	tcase_add_test(limits, test_limit_header_line);
	tcase_add_test(limits, test_limit_head);
	tcase_add_test(limits, test_limit_leading_empty_lines);
	tcase_add_test(limits, test_limit_header_count);
	suite_add_tcase(s, limits);
	return s;
}
