// SPDX-License-Identifier: MIT
/*
 * Unit tests for labcheck/response.c, the response parser labcheck reads every server's answer
 * with. Valid responses are checked whole, at every prefix (always "need more" without EOF,
 * never "bad"), fed one byte at a time into one pipelined stream, and field by field. Bad
 * responses are one table row per class of fault, each with a word the sentence must hold, so a
 * student is told the right thing. The "limits" TCase puts every named limit at exactly its
 * value (accepted) and one over (bad), complete and still incomplete. Inputs are copied into
 * heap buffers of their exact size, so ASan sees any read past the end.
 */
#include "labcheck/response.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* struct response is large (100 field slots): one per test, with the heap copy it points into. */
static struct response *resp;
static char *copy;

static void setup(void)
{
	resp = malloc(sizeof *resp);
	ck_assert_ptr_nonnull(resp);
	copy = NULL;
}

static void teardown(void)
{
	free(resp);
	free(copy);
	resp = NULL;
	copy = NULL;
}

/* Parse a copy of s[0..len) in a heap buffer of exactly len bytes (kept until the next one). */
static ssize_t parse_exact(const char *s, size_t len, unsigned flags)
{
	free(copy);
	copy = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, s, len);
	return response_parse(copy, len, flags, resp);
}

static bool str_is(struct response_str s, const char *want)
{
	return s.len == strlen(want) && memcmp(s.p, want, s.len) == 0;
}

/* ---- valid responses ---- */

#define EOF_ RESPONSE_EOF
#define HEAD_ RESPONSE_TO_HEAD

struct ok_row {
	const char *text;
	size_t len;
	size_t tail;                 /* bytes after the message: the next response */
	unsigned flags;
	int status, minor;
	enum response_framing framing;
	unsigned long long data;     /* body bytes after decoding */
	size_t chunks, fields;
	const char *why;
};

#define HANDOUT_CHUNKED \
	"HTTP/1.1 200 OK\r\nDate: Wed, 19 Mar 2008 01:46:57 GMT\r\nContent-Type: text/plain\r\n" \
	"Transfer-Encoding: chunked\r\n\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n10\r\n" \
	"1234567890abcdef\r\n0\r\n\r\n"

static const struct ok_row ok_rows[] = {
	{ B("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), 0, 0, 200, 1, RESPONSE_LENGTH,
	  5, 0, 1, "Content-Length body" },
	{ B(HANDOUT_CHUNKED), 0, 0, 200, 1, RESPONSE_CHUNKED, 42, 2, 3,
	  "the handout's chunked example" },
	{ B("HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5;name=\"v\" ; x\r\nhello\r\n"
	    "0;last\r\nX-Trailer: 1\r\nY: \r\n\r\n"), 0, 0, 200, 1, RESPONSE_CHUNKED, 5, 1, 1,
	  "chunk extensions, trailer fields, coding name case-insensitive" },
	{ B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n001A\r\nabcdefghijklmnopqrstuvwxyz"
	    "\r\n000\r\n\r\n"), 0, 0, 200, 1, RESPONSE_CHUNKED, 26, 1, 1,
	  "upper-case hex, leading zeros" },
	{ B("HTTP/1.1 200 OK\r\nContent-Length: 13\r\n\r\n"), 0, HEAD_, 200, 1, RESPONSE_NO_BODY,
	  0, 0, 1, "a HEAD response has no body, whatever its Content-Length" },
	{ B("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"), 0, HEAD_, 200, 1,
	  RESPONSE_NO_BODY, 0, 0, 1, "a HEAD response that would be chunked" },
	{ B("HTTP/1.1 304 Not Modified\r\nContent-Length: 13\r\nETag: \"x\"\r\n\r\n"), 0, 0, 304, 1,
	  RESPONSE_NO_BODY, 0, 0, 2, "304 has no body (RFC 9110 8.6 lets it carry the length)" },
	{ B("HTTP/1.1 204 No Content\r\n\r\n"), 0, 0, 204, 1, RESPONSE_NO_BODY, 0, 0, 0, "204" },
	{ B("HTTP/1.1 100 Continue\r\n\r\n"), 0, 0, 100, 1, RESPONSE_NO_BODY, 0, 0, 0,
	  "an interim response is a head alone" },
	{ B("HTTP/1.0 200 OK\r\nContent-Type: text/html\r\n\r\n<p>until close</p>"), 0, EOF_, 200,
	  0, RESPONSE_UNTIL_CLOSE, 18, 0, 1, "HTTP/1.0, body until the close" },
	{ B("HTTP/1.1 200 OK\r\n\r\n"), 0, EOF_, 200, 1, RESPONSE_UNTIL_CLOSE, 0, 0, 0,
	  "empty close-delimited body" },
	{ B("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n"), 0, 0, 200, 1, RESPONSE_LENGTH, 0, 0, 1,
	  "empty reason phrase after its space" },
	{ B("HTTP/1.1 404 Nicht gefunden \xe2\x9c\x97\t!\r\nContent-Length: 0\r\n\r\n"), 0, 0, 404,
	  1, RESPONSE_LENGTH, 0, 0, 1, "reason with obs-text and HTAB" },
	{ B("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 404 Not Found\r\n"), 24, 0,
	  200, 1, RESPONSE_LENGTH, 2, 0, 1, "the next response's bytes stay" },
	{ B("HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Ows: \t v a l \t\r\nContent-Length: 0\r\n\r\n"), 0, 0,
	  200, 1, RESPONSE_LENGTH, 0, 0, 3, "empty value, OWS around a value" },
	{ B("HTTP/1.9 599 Whatever\r\nContent-Length: 0\r\n\r\n"), 0, 0, 599, 9, RESPONSE_LENGTH,
	  0, 0, 1, "HTTP/1.9, status 599" },
	{ B("HTTP/1.1 200 OK\r\n!#$%&'*+-.^_`|~09azAZ: v\r\nContent-Length: 0\r\n\r\n"), 0, 0,
	  200, 1, RESPONSE_LENGTH, 0, 0, 2, "every tchar in a field name" },
	{ B("HTTP/1.1 206 Partial Content\r\nContent-Length: 003\r\n\r\nabc"), 0, 0, 206, 1,
	  RESPONSE_LENGTH, 3, 0, 1, "leading zeros in Content-Length" },
};

static void check_fields(const struct ok_row *r, int i)
{
	ck_assert_msg(resp->status == r->status && resp->minor == r->minor,
	              "row %d (%s): status %d minor %d", i, r->why, resp->status, resp->minor);
	ck_assert_msg(resp->framing == r->framing, "row %d (%s): framing %d", i, r->why,
	              resp->framing);
	ck_assert_msg(resp->data_len == r->data && resp->chunks == r->chunks, "row %d (%s): data "
	              "%llu chunks %zu", i, r->why, (unsigned long long)resp->data_len, resp->chunks);
	ck_assert_msg(resp->field_count == r->fields, "row %d (%s): %zu fields", i, r->why,
	              resp->field_count);
	ck_assert_msg(resp->head_len + resp->body.len == r->len - r->tail, "row %d (%s): head %zu "
	              "body %zu", i, r->why, resp->head_len, resp->body.len);
}

START_TEST(test_valid_whole)
{
	const struct ok_row *r = &ok_rows[_i];
	ssize_t n = parse_exact(r->text, r->len, r->flags);
	ck_assert_msg(n == (ssize_t)(r->len - r->tail), "row %d (%s): got %zd (%s)", _i, r->why, n,
	              resp->error);
	check_fields(r, _i);
}
END_TEST

/* Without EOF, every proper prefix of a message is "need more", never bad. */
START_TEST(test_valid_every_prefix)
{
	const struct ok_row *r = &ok_rows[_i];
	size_t end = r->len - r->tail;
	for (size_t k = 0; k < end; k++) {
		ssize_t n = parse_exact(r->text, k, r->flags & ~(unsigned)RESPONSE_EOF);
		ck_assert_msg(n == -2, "row %d (%s): prefix %zu gave %zd (%s)", _i, r->why, k, n,
		              resp->error);
		ck_assert_msg(resp->error[0] != '\0', "row %d: prefix %zu says nothing missing", _i, k);
	}
}
END_TEST

/* With EOF, a proper prefix is a message that stopped: bad, unless the body ends at the close. */
START_TEST(test_valid_prefix_at_eof)
{
	const struct ok_row *r = &ok_rows[_i];
	size_t end = r->len - r->tail;
	for (size_t k = 0; k < end; k++) {
		ssize_t n = parse_exact(r->text, k, r->flags | RESPONSE_EOF);
		bool head_done = r->framing == RESPONSE_UNTIL_CLOSE && n >= 0;
		ck_assert_msg(n == -1 || (head_done && n == (ssize_t)k), "row %d (%s): prefix %zu at "
		              "EOF gave %zd", _i, r->why, k, n);
	}
}
END_TEST

/* The rows that need no EOF as one stream, one byte at a time, as a slow server sends them. */
START_TEST(test_valid_one_byte_at_a_time)
{
	char buf[1024];
	size_t have = 0;
	for (int i = 0; i < N_ROWS(ok_rows); i++) {
		const struct ok_row *r = &ok_rows[i];
		size_t end = r->len - r->tail;
		if (r->flags & RESPONSE_EOF)
			continue;
		ck_assert(end <= sizeof buf);
		for (size_t k = 0; k < end; k++) {
			buf[have++] = r->text[k];
			ssize_t n = response_parse(buf, have, r->flags, resp);
			ssize_t want = k + 1 < end ? -2 : (ssize_t)end;
			ck_assert_msg(n == want, "row %d (%s): byte %zu gave %zd (%s)", i, r->why, k, n,
			              resp->error);
		}
		check_fields(r, i);
		have = 0;
	}
}
END_TEST

START_TEST(test_fields_and_tokens)
{
	static const char text[] = "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nx-a: 1\r\nX-A: 2\r\n"
		"Connection: foo ,\tCLOSE\r\nContent-Length: 0\r\n\r\n";
	ck_assert_int_eq(parse_exact(B(text), 0), sizeof text - 1);
	ck_assert(resp->conn_close && resp->conn_keep_alive);
	ck_assert(str_is(*response_field(resp, "X-a"), "1"));
	ck_assert_ptr_null(response_field(resp, "X"));
	ck_assert(response_has_token(resp, "connection", "foo"));
	ck_assert(!response_has_token(resp, "Connection", "fo"));
	ck_assert(!response_has_token(resp, "Connection", ""));
	ck_assert(str_is(resp->reason, "OK"));
	ck_assert(response_str_ieq((struct response_str){ "Content-LENGTH", 14 }, "content-length"));
	ck_assert(!response_str_ieq((struct response_str){ "Content", 7 }, "content-length"));
}
END_TEST

START_TEST(test_decode_chunked)
{
	char out[64];
	ck_assert_int_gt(parse_exact(B(HANDOUT_CHUNKED), 0), 0);
	size_t n = response_decode_chunked(resp, out, sizeof out);
	ck_assert_uint_eq(n, 42);
	ck_assert(memcmp(out, "abcdefghijklmnopqrstuvwxyz1234567890abcdef", 42) == 0);
	ck_assert_uint_eq(response_decode_chunked(resp, out, 41), 0);   /* too small: nothing */
}
END_TEST

/* ---- bad responses ---- */

struct bad_row {
	const char *text;
	size_t len;
	unsigned flags;
	const char *says;    /* a word the sentence must hold */
	const char *why;
};

#define OK11 "HTTP/1.1 200 OK\r\n"
#define TE "Transfer-Encoding: chunked\r\n\r\n"

static const struct bad_row bad_rows[] = {
	/* status line (RFC 9112 4) */
	{ B("<!DOCTYPE HTML>\n<html>"), 0, "status line", "HTTP/0.9 style: a body alone" },
	{ B("\r\nHTTP/1.1 200 OK\r\n\r\n"), 0, "status line", "a stray CRLF before it" },
	{ B("HTTP/1.1 200 OK\nContent-Length: 0\n\n"), 0, "bare LF", "LF line ends" },
	{ B("HTTP/1.1 200 OK\rX"), 0, "CR", "bare CR" },
	{ B("HTTP/2 200\r\n\r\n"), 0, "version", "no minor version" },
	{ B("HTTP/2.0 200 OK\r\n\r\n"), 0, "HTTP/2.0", "major version 2" },
	{ B("HTTP/1.x 200 OK\r\n\r\n"), 0, "version", "letter as minor" },
	{ B("HTTP/1.1 20 OK\r\n\r\n"), 0, "status code", "two digits" },
	{ B("HTTP/1.1 2000 OK\r\n\r\n"), 0, "space", "four digits" },
	{ B("HTTP/1.1 099 Low\r\n\r\n"), 0, "status code", "below 100" },
	{ B("HTTP/1.1 600 High\r\n\r\n"), 0, "status code", "600" },
	{ B("HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n"), 0, "space", "no space after the code" },
	{ B("HTTP/1.1  200 OK\r\n\r\n"), 0, "status code", "two spaces" },
	{ B("HTTP/1.1 200 O\x01K\r\n\r\n"), 0, "control", "control byte in the reason" },
	/* fields (RFC 9112 5, RFC 9110 5) */
	{ B(OK11 "Content-Length 0\r\n\r\n"), 0, "Name: value", "no colon" },
	{ B(OK11 "Content-Length : 0\r\n\r\n"), 0, "whitespace", "space before the colon" },
	{ B(OK11 "X: a\r\n folded\r\n\r\n"), 0, "obs-fold", "obs-fold" },
	{ B(OK11 ": v\r\n\r\n"), 0, "token", "empty field name" },
	{ B(OK11 "X(Y): v\r\n\r\n"), 0, "token", "name not a token" },
	{ B(OK11 "X: a\0b\r\n\r\n"), 0, "control", "NUL in a value" },
	{ B(OK11 "X: a\x7f\r\n\r\n"), 0, "control", "DEL in a value" },
	/* framing (RFC 9110 8.6, RFC 9112 6) */
	{ B(OK11 "Content-Length: abc\r\n\r\n"), 0, "decimal", "letters" },
	{ B(OK11 "Content-Length: +5\r\n\r\nhello"), 0, "decimal", "a sign" },
	{ B(OK11 "Content-Length: 5, 5\r\n\r\nhello"), 0, "decimal", "a list" },
	{ B(OK11 "Content-Length: 99999999999999999999\r\n\r\n"), 0, "decimal", "past 2^64" },
	{ B(OK11 "Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello"), 0, "2 fields",
	  "two Content-Length fields" },
	{ B(OK11 "Content-Length: 5\r\n" TE), 0, "both", "Content-Length with chunked" },
	{ B(OK11 "Transfer-Encoding: gzip\r\n\r\n"), 0, "chunked", "another coding" },
	{ B(OK11 "Transfer-Encoding: gzip, chunked\r\n\r\n"), 0, "chunked", "a list of codings" },
	{ B(OK11 "Transfer-Encoding: chunked\r\n" TE), 0, "2 fields", "two Transfer-Encoding" },
	{ B("HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n"), 0, "204", "204 with a length" },
	{ B("HTTP/1.1 100 Continue\r\n" TE), 0, "1xx", "100 with a coding" },
	{ B("HTTP/1.0 200 OK\r\n" TE "0\r\n\r\n"), 0, "HTTP/1.0", "chunked HTTP/1.0" },
	{ B(OK11 "Content-Length: 4194305\r\n\r\n"), 0, "limit", "Content-Length over the limit" },
	/* chunks (RFC 9112 7.1) */
	{ B(OK11 TE "zz\r\n"), 0, "hex", "not hex" },
	{ B(OK11 TE "\r\n"), 0, "hex", "empty size" },
	{ B(OK11 TE "5 \r\nhello\r\n0\r\n\r\n"), 0, "hex", "space after the size, no extension" },
	{ B(OK11 TE "0x5\r\nhello\r\n0\r\n\r\n"), 0, "hex", "0x prefix" },
	{ B(OK11 TE "5;a\x01\r\n"), 0, "control", "control byte in an extension" },
	{ B(OK11 TE "5\r\nhelloX\r\n"), 0, "CRLF", "no CRLF after the data" },
	{ B(OK11 TE "5\r\nhello\n0\r\n\r\n"), 0, "CRLF", "LF alone after the data" },
	{ B(OK11 TE "3\r\nhello\r\n0\r\n\r\n"), 0, "CRLF", "size smaller than the data" },
	{ B(OK11 TE "5\nhello\r\n"), 0, "bare LF", "bare LF after the size" },
	{ B(OK11 TE "ffffffffffffffffff\r\n"), 0, "limit", "size past 2^64" },
	{ B(OK11 TE "400001\r\n"), 0, "limit", "one chunk over the body limit" },
	{ B(OK11 TE "0\r\nX Y: 1\r\n\r\n"), 0, "colon", "bad trailer field" },
	{ B(OK11 TE "0\r\n\n"), 0, "bare LF", "bare LF ends the trailer section" },
	/* the connection closed early (RFC 9112 6.3, 8) */
	{ B(""), EOF_, "no answer", "nothing before the close" },
	{ B("HTTP/1.1 200 O"), EOF_, "status line", "inside the status line" },
	{ B(OK11 "Content-Length: 5\r\n"), EOF_, "head", "inside the head" },
	{ B(OK11 "Content-Length: 5\r\n\r\nhel"), EOF_, "3 of the 5", "inside the body" },
	{ B(OK11 TE "5\r\nhello\r\n"), EOF_, "no 0 chunk", "before the 0 chunk" },
	{ B(OK11 TE "5\r\nhel"), EOF_, "inside chunk 1", "inside a chunk" },
	{ B(OK11 TE "5\r\nhello\r\n0\r\n"), EOF_, "empty line", "after the 0 chunk" },
};

START_TEST(test_bad)
{
	const struct bad_row *r = &bad_rows[_i];
	ssize_t n = parse_exact(r->text, r->len, r->flags);
	ck_assert_msg(n == -1, "row %d (%s): got %zd, want -1", _i, r->why, n);
	ck_assert_msg(strstr(resp->error, r->says) != NULL, "row %d (%s): '%s' does not say '%s'",
	              _i, r->why, resp->error, r->says);
	/* Only a body too long for labcheck is "over the limit"; a broken message is not. */
	ck_assert_msg(resp->over_limit == (strstr(r->why, "Content-Length over") != NULL),
	              "row %d (%s): over_limit %d", _i, r->why, resp->over_limit);
}
END_TEST

/* Garbage is bad from its first byte on: no line end needs to come (a server sending HTML
 * without a status line, or binary, fails at once, not at the timeout). */
START_TEST(test_bad_at_first_byte)
{
	ck_assert_int_eq(parse_exact(B("<"), 0), -1);
	ck_assert_int_eq(parse_exact(B("HTTPS"), 0), -1);
	ck_assert_int_eq(parse_exact(B("\x16\x03\x01"), 0), -1);   /* a TLS record */
	ck_assert_int_eq(parse_exact(B("HTTP"), 0), -2);
	ck_assert_int_eq(parse_exact(B(OK11 "X: a\rb"), 0), -1);   /* bare CR, line still open */
	ck_assert_int_eq(parse_exact(B(OK11 "X: a\r"), 0), -2);
}
END_TEST

/* ---- limits ---- */

/* A growable test buffer: the responses of the limit tests are built byte-exact. */
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
	char block[4096];
	memset(block, c, sizeof block);
	for (; n > sizeof block; n -= sizeof block)
		put(t, block, sizeof block);
	put(t, block, n);
}

static void expect(struct text *t, size_t len, unsigned flags, ssize_t want, const char *why)
{
	ssize_t n = parse_exact(t->p, len, flags);
	ck_assert_msg(n == want, "%s: got %zd (%s), want %zd", why, n, resp->error, want);
}

START_TEST(test_limit_status_line)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		put_str(&t, "HTTP/1.1 200 ");
		put_fill(&t, 'r', RESPONSE_STATUS_LINE_MAX + extra - t.len);
		size_t line = t.len;
		put_str(&t, "\r\nContent-Length: 0\r\n\r\n");
		ssize_t whole = extra == 0 ? (ssize_t)t.len : -1, open = extra == 0 ? -2 : -1;
		expect(&t, t.len, 0, whole, "status line, complete");
		expect(&t, line, 0, open, "status line, no line end yet");
		expect(&t, line + 1, 0, open, "status line, CR but no LF yet");
		free(t.p);
	}
}
END_TEST

START_TEST(test_limit_field_line)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		put_str(&t, OK11 "Content-Length: 0\r\n");
		size_t start = t.len;
		put_str(&t, "X-Fill: ");
		put_fill(&t, 'v', RESPONSE_FIELD_LINE_MAX + extra - (t.len - start));
		size_t line = t.len;
		put_str(&t, "\r\n\r\n");
		ssize_t whole = extra == 0 ? (ssize_t)t.len : -1, open = extra == 0 ? -2 : -1;
		expect(&t, t.len, 0, whole, "field line, complete");
		expect(&t, line, 0, open, "field line, no line end yet");
		expect(&t, line + 1, 0, open, "field line, CR but no LF yet");
		free(t.p);
	}
}
END_TEST

/* A head of exactly len bytes: status line, Content-Length: 0, fillers, empty line. */
static void put_head(struct text *t, size_t len)
{
	put_str(t, OK11 "Content-Length: 0\r\n");
	size_t rest = len - t->len - 2;
	while (rest > 0) {
		size_t line = rest < RESPONSE_FIELD_LINE_MAX ? rest : RESPONSE_FIELD_LINE_MAX;
		if (rest - line > 0 && rest - line < 16)
			line -= 16;   /* leave room for one more well-formed line */
		put_str(t, "X-Fill: ");
		put_fill(t, 'v', line - 10);
		put_str(t, "\r\n");
		rest -= line;
	}
	put_str(t, "\r\n");
	ck_assert_uint_eq(t->len, len);
}

START_TEST(test_limit_head)
{
	struct text t = { 0 };
	put_head(&t, RESPONSE_HEAD_MAX);
	expect(&t, t.len, 0, RESPONSE_HEAD_MAX, "head at the limit");
	expect(&t, t.len - 1, 0, -2, "head at the limit less its last byte");
	t.len = 0;
	put_head(&t, RESPONSE_HEAD_MAX + 1);
	expect(&t, t.len, 0, -1, "head one over");
	expect(&t, RESPONSE_HEAD_MAX, 0, -1, "incomplete head that fills the limit");
	expect(&t, RESPONSE_HEAD_MAX - 1, 0, -2, "incomplete head one under the limit");
	free(t.p);
}
END_TEST

START_TEST(test_limit_field_count)
{
	for (int extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		char line[32];
		put_str(&t, OK11 "Content-Length: 0\r\n");
		for (int i = 1; i < RESPONSE_FIELDS_MAX + extra; i++) {
			int n = snprintf(line, sizeof line, "X-%d: %d\r\n", i, i);
			put(&t, line, (size_t)n);
		}
		put_str(&t, "\r\n");
		expect(&t, t.len, 0, extra == 0 ? (ssize_t)t.len : -1, "field count, complete");
		expect(&t, t.len - 3, 0, extra == 0 ? -2 : -1, "field count, last line open");
		free(t.p);
	}
}
END_TEST

/* Content-Length at the body limit is read; one over is bad from the head alone. */
START_TEST(test_limit_content_length)
{
	struct text t = { 0 };
	char head[64];
	int n = snprintf(head, sizeof head, OK11 "Content-Length: %d\r\n\r\n", RESPONSE_BODY_MAX);
	put(&t, head, (size_t)n);
	put_fill(&t, 'b', RESPONSE_BODY_MAX);
	expect(&t, t.len, 0, (ssize_t)t.len, "body at the limit");
	expect(&t, t.len - 1, 0, -2, "body at the limit less a byte");
	t.len = 0;
	n = snprintf(head, sizeof head, OK11 "Content-Length: %d\r\n\r\n", RESPONSE_BODY_MAX + 1);
	put(&t, head, (size_t)n);
	expect(&t, t.len, 0, -1, "Content-Length one over, head only");
	ck_assert_msg(resp->over_limit, "a big body is over the limit, not broken");
	expect(&t, t.len - 2, 0, -2, "the same head, still open");
	ck_assert(!resp->over_limit);
	free(t.p);
}
END_TEST

/* A chunked body of exactly size framed bytes: one chunk, then "0\r\n\r\n". */
static void put_chunked(struct text *t, size_t size)
{
	char line[32];
	size_t data = size - 5 - 2 - 8;        /* "0\r\n\r\n", the data's CRLF, "%06zx\r\n" */
	int n = snprintf(line, sizeof line, "%06zx\r\n", data);
	ck_assert_int_eq(n, 8);
	put(t, line, 8);
	put_fill(t, 'c', data);
	put_str(t, "\r\n0\r\n\r\n");
}

START_TEST(test_limit_chunked_body)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		put_str(&t, OK11 TE);
		size_t head = t.len;
		put_chunked(&t, RESPONSE_BODY_MAX + extra);
		ck_assert_uint_eq(t.len - head, RESPONSE_BODY_MAX + extra);
		expect(&t, t.len, 0, extra == 0 ? (ssize_t)t.len : -1, "chunked body, complete");
		expect(&t, head + RESPONSE_BODY_MAX, 0, extra == 0 ? (ssize_t)t.len : -1,
		       "chunked body, the limit's worth of it");
		free(t.p);
	}
}
END_TEST

START_TEST(test_limit_close_delimited)
{
	struct text t = { 0 };
	put_str(&t, "HTTP/1.0 200 OK\r\n\r\n");
	size_t head = t.len;
	put_fill(&t, 'x', RESPONSE_BODY_MAX + 1);
	expect(&t, head + RESPONSE_BODY_MAX, EOF_, (ssize_t)(head + RESPONSE_BODY_MAX),
	       "close-delimited at the limit, closed");
	expect(&t, head + RESPONSE_BODY_MAX - 1, 0, -2, "one under the limit, still open");
	expect(&t, head + RESPONSE_BODY_MAX, 0, -1, "at the limit and still open: more would "
	       "be over");
	expect(&t, t.len, EOF_, -1, "one over, closed");
	ck_assert(resp->over_limit);
	free(t.p);
}
END_TEST

START_TEST(test_limit_chunk_line)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		put_str(&t, OK11 TE);
		size_t start = t.len;
		put_str(&t, "5;x=");
		put_fill(&t, 'e', RESPONSE_CHUNK_LINE_MAX + extra - (t.len - start));
		size_t line = t.len;
		put_str(&t, "\r\nhello\r\n0\r\n\r\n");
		expect(&t, t.len, 0, extra == 0 ? (ssize_t)t.len : -1, "chunk line, complete");
		expect(&t, line, 0, extra == 0 ? -2 : -1, "chunk line, no line end yet");
		free(t.p);
	}
}
END_TEST

START_TEST(test_limit_trailer)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		struct text t = { 0 };
		put_str(&t, OK11 TE "0\r\n");
		size_t start = t.len;
		put_str(&t, "X-T: ");    /* one field line, then the empty line: the whole section */
		put_fill(&t, 't', RESPONSE_TRAILER_MAX + extra - 5 - 2 - 2);
		put_str(&t, "\r\n\r\n");
		ck_assert_uint_eq(t.len - start, RESPONSE_TRAILER_MAX + extra);
		expect(&t, t.len, 0, extra == 0 ? (ssize_t)t.len : -1, "trailer, complete");
		expect(&t, t.len - 1, 0, extra == 0 ? -2 : -1, "trailer, last LF missing");
		free(t.p);
	}
}
END_TEST

Suite *suite_labcheck_response(void);
Suite *suite_labcheck_response(void)
{
	Suite *s = suite_create("labcheck_response");

	TCase *valid = tcase_create("valid responses parse");
	tcase_add_checked_fixture(valid, setup, teardown);
	tcase_add_loop_test(valid, test_valid_whole, 0, N_ROWS(ok_rows));
	tcase_add_loop_test(valid, test_valid_every_prefix, 0, N_ROWS(ok_rows));
	tcase_add_loop_test(valid, test_valid_prefix_at_eof, 0, N_ROWS(ok_rows));
	tcase_add_test(valid, test_valid_one_byte_at_a_time);
	tcase_add_test(valid, test_fields_and_tokens);
	tcase_add_test(valid, test_decode_chunked);
	suite_add_tcase(s, valid);

	TCase *bad = tcase_create("bad responses say why");
	tcase_add_checked_fixture(bad, setup, teardown);
	tcase_add_loop_test(bad, test_bad, 0, N_ROWS(bad_rows));
	tcase_add_test(bad, test_bad_at_first_byte);
	suite_add_tcase(s, bad);

	TCase *limits = tcase_create("limits");
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_test(limits, test_limit_status_line);
	tcase_add_test(limits, test_limit_field_line);
	tcase_add_test(limits, test_limit_head);
	tcase_add_test(limits, test_limit_field_count);
	tcase_add_test(limits, test_limit_content_length);
	tcase_add_test(limits, test_limit_chunked_body);
	tcase_add_test(limits, test_limit_close_delimited);
	tcase_add_test(limits, test_limit_chunk_line);
	tcase_add_test(limits, test_limit_trailer);
	suite_add_tcase(s, limits);
	return s;
}
