// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http/chunked.c. Every valid body is decoded whole, split in two at every
 * position, and fed one byte at a time, and must give the same data and the same leftover bytes
 * (the next request) each way. Every bad body must be refused however it is split, and stay
 * refused. The "limits" TCase puts the size line, the trailer section, the digit count and the
 * chunk size at exactly their limit and one over. A seeded round trip checks the decoder against
 * the writer's chunked_size_line().
 */
#include "http/chunked.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* What a decode produced: the data and, once the body ended, the bytes after it. */
struct result {
	ssize_t rc;          /* -1, -2, or >= 0 when the body ended */
	char *data;
	size_t data_len;
	char *rest;
	size_t rest_len;
};

static void result_free(struct result *r)
{
	free(r->data);
	free(r->rest);
}

static void append(char **p, size_t *len, const char *s, size_t n)
{
	if (n == 0 && *p != NULL)
		return;
	*p = realloc(*p, *len + n + 1);
	ck_assert_ptr_nonnull(*p);
	memcpy(*p + *len, s, n);
	*len += n;
}

/*
 * Decode in[0..len) handed over in pieces of at most step bytes (0: all at once), each piece in
 * a heap buffer of its exact size, as a connection would after each read. Once the body ends,
 * the leftover of that call and all later input are the rest.
 */
static struct result decode_in_pieces(const char *in, size_t len, size_t step)
{
	struct chunked_decoder d;
	struct result r = { -2, NULL, 0, NULL, 0 };
	size_t off = 0;

	chunked_init(&d);
	append(&r.data, &r.data_len, "", 0);
	append(&r.rest, &r.rest_len, "", 0);
	do {
		size_t n = step == 0 || len - off < step ? len - off : step;
		char *piece = malloc(n > 0 ? n : 1);
		ck_assert_ptr_nonnull(piece);
		memcpy(piece, in + off, n);
		size_t out = n;
		r.rc = chunked_decode(&d, piece, &out);
		ck_assert_msg(r.rc == -1 ? out == 0 : out <= n, "out %zu of %zu", out, n);
		if (r.rc != -1)
			append(&r.data, &r.data_len, piece, out);
		if (r.rc >= 0) {
			ck_assert(d.done && out + (size_t)r.rc <= n);
			append(&r.rest, &r.rest_len, piece + out, (size_t)r.rc);
			append(&r.rest, &r.rest_len, in + off + n, len - off - n);
		}
		free(piece);
		off += n;
	} while (r.rc == -2 && off < len);
	return r;
}

/* Split in two at k: the first call gets in[0..k), the second the rest (if still needed). */
static struct result decode_split(const char *in, size_t len, size_t k)
{
	struct chunked_decoder d;
	struct result r = { -2, NULL, 0, NULL, 0 };
	const size_t cut[3] = { 0, k, len };

	chunked_init(&d);
	append(&r.data, &r.data_len, "", 0);
	append(&r.rest, &r.rest_len, "", 0);
	for (int part = 0; part < 2 && r.rc == -2; part++) {
		size_t n = cut[part + 1] - cut[part];
		char *piece = malloc(n > 0 ? n : 1);
		ck_assert_ptr_nonnull(piece);
		memcpy(piece, in + cut[part], n);
		size_t out = n;
		r.rc = chunked_decode(&d, piece, &out);
		if (r.rc != -1)
			append(&r.data, &r.data_len, piece, out);
		if (r.rc >= 0) {
			append(&r.rest, &r.rest_len, piece + out, (size_t)r.rc);
			append(&r.rest, &r.rest_len, in + cut[part + 1], len - cut[part + 1]);
		}
		free(piece);
	}
	return r;
}

/* ---- valid bodies ---- */

struct ok_row {
	const char *in;
	size_t len;
	const char *data;
	size_t data_len;
	const char *rest;
	size_t rest_len;
	const char *why;
};

static const struct ok_row ok_rows[] = {
	{ B("5\r\nhello\r\n0\r\n\r\n"), B("hello"), B(""), "one chunk" },
	{ B("5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), B("hello world"), B(""), "two chunks" },
	{ B("0\r\n\r\n"), B(""), B(""), "empty body" },
	{ B("5\nhello\n0\n\n"), B("hello"), B(""), "bare LF everywhere" },
	{ B("5\r\nhello\n0\n\r\n"), B("hello"), B(""), "CRLF and LF mixed" },
	{ B("A\r\n0123456789\r\na\r\nabcdefghij\r\n0\r\n\r\n"), B("0123456789abcdefghij"), B(""),
	  "hex digits in both cases" },
	{ B("0005\r\nhello\r\n000\r\n\r\n"), B("hello"), B(""), "leading zeros" },
	{ B("0000000000000005\r\nhello\r\n0\r\n\r\n"), B("hello"), B(""), "16 digits" },
	{ B("5;name=value\r\nhello\r\n0;last\r\n\r\n"), B("hello"), B(""), "extensions skipped" },
	{ B("5;a=\"x;y\\\"z\";b\r\nhello\r\n0\r\n\r\n"), B("hello"), B(""), "quoted extension" },
	{ B("5 ;a=b\r\nhello\r\n0\t ;c\r\n\r\n"), B("hello"), B(""), "whitespace before ;" },
	{ B("5;\xc3\xa9\r\nhello\r\n0\r\n\r\n"), B("hello"), B(""), "obs-text in an extension" },
	{ B("5\r\nhello\r\n0\r\nX-Sum: 1\r\nY:\t2\r\n\r\n"), B("hello"), B(""), "trailers" },
	{ B("5\r\nhello\r\n0\nX: 1\n\n"), B("hello"), B(""), "trailers with bare LF" },
	{ B("5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\n"), B("hello"), B("GET / HTTP/1.1\r\n"),
	  "the next request is left over" },
	{ B("0\r\nT: x\r\n\r\n\r\n"), B(""), B("\r\n"), "an empty line after the end is not ours" },
	{ B("6\r\n\r\n\0\n0\r\r\n0\r\n\r\n"), B("\r\n\0\n0\r"), B(""),
	  "data is opaque: CR, LF, NUL, digits" },
	{ B("1\r\nx\r\n1\r\ny\r\n1\r\nz\r\n0\r\n\r\n"), B("xyz"), B(""), "many small chunks" },
};

static void check_ok(const struct ok_row *row, int i, struct result *r, const char *how)
{
	ck_assert_msg(r->rc == (ssize_t)row->rest_len && r->data_len == row->data_len
	              && memcmp(r->data, row->data, row->data_len) == 0
	              && r->rest_len == row->rest_len
	              && memcmp(r->rest, row->rest, row->rest_len) == 0,
	              "row %d (%s) %s: rc %zd, data %zu bytes '%.*s', rest %zu bytes", i, row->why,
	              how, r->rc, r->data_len, (int)r->data_len, r->data, r->rest_len);
	result_free(r);
}

START_TEST(test_valid_whole)
{
	struct result r = decode_in_pieces(ok_rows[_i].in, ok_rows[_i].len, 0);
	check_ok(&ok_rows[_i], _i, &r, "whole");
}
END_TEST

START_TEST(test_valid_one_byte_at_a_time)
{
	const struct ok_row *row = &ok_rows[_i];
	struct result r = decode_in_pieces(row->in, row->len, 1);
	/* One byte per call: the body ends on its last byte, so the rest is all later input. */
	if (r.rc >= 0)
		r.rc = (ssize_t)r.rest_len;
	check_ok(row, _i, &r, "one byte at a time");
}
END_TEST

START_TEST(test_valid_every_split)
{
	const struct ok_row *row = &ok_rows[_i];
	for (size_t k = 0; k <= row->len; k++) {
		struct result r = decode_split(row->in, row->len, k);
		if (r.rc >= 0)
			r.rc = (ssize_t)r.rest_len;
		char how[32];
		snprintf(how, sizeof how, "split at %zu", k);
		check_ok(row, _i, &r, how);
	}
}
END_TEST

/* Every proper prefix of a valid body is "need more", never bad. */
START_TEST(test_valid_every_prefix_needs_more)
{
	const struct ok_row *row = &ok_rows[_i];
	size_t body = row->len - row->rest_len;
	for (size_t k = 0; k < body; k++) {
		struct result r = decode_in_pieces(row->in, k, 0);
		ck_assert_msg(r.rc == -2, "row %d (%s): prefix %zu gave %zd", _i, row->why, k, r.rc);
		result_free(&r);
	}
}
END_TEST

/* ---- bad framing ---- */

struct bad_row {
	const char *in;
	size_t len;
	const char *why;
};

static const struct bad_row bad_rows[] = {
	{ B("x\r\n"), "not a hex digit" },
	{ B("\r\n"), "empty size line" },
	{ B("\n"), "empty size line, bare LF" },
	{ B(";a\r\n"), "extension without a size" },
	{ B(" 5\r\nhello\r\n0\r\n\r\n"), "leading space" },
	{ B("+5\r\nhello\r\n0\r\n\r\n"), "plus sign" },
	{ B("-5\r\n"), "minus sign" },
	{ B("0x5\r\nhello\r\n0\r\n\r\n"), "0x prefix" },
	{ B("5g\r\n"), "letter after the digits" },
	{ B("5 6\r\n"), "two numbers" },
	{ B("5 \r\nhello\r\n0\r\n\r\n"), "whitespace without an extension" },
	{ B("5\t\nhello\n0\n\n"), "tab without an extension" },
	{ B("00000000000000005\r\nhello\r\n0\r\n\r\n"), "17 digits" },
	{ B("4000000000000001\r\n"), "size past 2^62" },
	{ B("ffffffffffffffff\r\n"), "size 2^64-1" },
	{ B("10000000000000000\r\n"), "size 2^64" },
	{ B("5\rX"), "bare CR in the size line" },
	{ B("5;a\rb\r\nhello\r\n0\r\n\r\n"), "bare CR in an extension" },
	{ B("5;a\x01\r\nhello\r\n0\r\n\r\n"), "control byte in an extension" },
	{ B("5;a\0\r\nhello\r\n0\r\n\r\n"), "NUL in an extension" },
	{ B("5;a\x7f\r\nhello\r\n0\r\n\r\n"), "DEL in an extension" },
	{ B("5\r\nhelloX\r\n0\r\n\r\n"), "data longer than its size" },
	{ B("5\r\nhel\r\n0\r\n\r\n"), "data shorter than its size" },
	{ B("5\r\nhello\rX0\r\n\r\n"), "bare CR after the data" },
	{ B("5\r\nhello\r\r\n0\r\n\r\n"), "CR CR LF after the data" },
	{ B("5\r\nhello0\r\n\r\n"), "no line end after the data" },
	{ B("5\r\nhello\n\n0\r\n\r\n"), "an extra empty line after the data" },
	{ B("0\r\nX: a\rb\r\n\r\n"), "bare CR in a trailer" },
	{ B("0\r\nX: \x01\r\n\r\n"), "control byte in a trailer" },
	{ B("0\r\nX: \0\r\n\r\n"), "NUL in a trailer" },
	{ B("0\r\nX: a\r\rb\r\n\r\n"), "CR CR in a trailer" },
	{ B("0\r\n\rX"), "bare CR in the final empty line" },
	{ B("0\r\r\n\r\n"), "CR CR LF after the last chunk" },
};

static void check_bad(const struct bad_row *row, int i, struct result *r, const char *how)
{
	ck_assert_msg(r->rc == -1, "row %d (%s) %s: rc %zd", i, row->why, how, r->rc);
	result_free(r);
}

START_TEST(test_bad_whole)
{
	struct result r = decode_in_pieces(bad_rows[_i].in, bad_rows[_i].len, 0);
	check_bad(&bad_rows[_i], _i, &r, "whole");
}
END_TEST

START_TEST(test_bad_one_byte_at_a_time)
{
	struct result r = decode_in_pieces(bad_rows[_i].in, bad_rows[_i].len, 1);
	check_bad(&bad_rows[_i], _i, &r, "one byte at a time");
}
END_TEST

START_TEST(test_bad_every_split)
{
	const struct bad_row *row = &bad_rows[_i];
	for (size_t k = 0; k <= row->len; k++) {
		struct result r = decode_split(row->in, row->len, k);
		char how[32];
		snprintf(how, sizeof how, "split at %zu", k);
		check_bad(row, _i, &r, how);
	}
}
END_TEST

/* A decoder that saw bad framing stays bad, even when fed a valid body afterwards. */
START_TEST(test_bad_is_sticky)
{
	struct chunked_decoder d;
	char bad[] = "z\r\n", good[] = "0\r\n\r\n";
	size_t n = sizeof bad - 1;
	chunked_init(&d);
	ck_assert_int_eq(chunked_decode(&d, bad, &n), -1);
	n = sizeof good - 1;
	ck_assert_int_eq(chunked_decode(&d, good, &n), -1);
	ck_assert_uint_eq(n, 0);
	n = 0;
	ck_assert_int_eq(chunked_decode(&d, good, &n), -1);
	ck_assert(!d.done);
}
END_TEST

/* After the end every byte is the caller's: a further call hands all of them back. */
START_TEST(test_after_done_everything_is_left_over)
{
	struct chunked_decoder d;
	char body[] = "0\r\n\r\n", more[] = "GET";
	size_t n = sizeof body - 1;
	chunked_init(&d);
	ck_assert_int_eq(chunked_decode(&d, body, &n), 0);
	ck_assert(d.done);
	n = sizeof more - 1;
	ck_assert_int_eq(chunked_decode(&d, more, &n), 3);
	ck_assert_uint_eq(n, 0);
	ck_assert_mem_eq(more, "GET", 3);
}
END_TEST

/* ---- the writer's size line ---- */

struct size_row {
	uint64_t n;
	const char *line;
};

static const struct size_row size_rows[] = {
	{ 0, "0\r\n" },
	{ 1, "1\r\n" },
	{ 15, "f\r\n" },
	{ 16, "10\r\n" },
	{ 255, "ff\r\n" },
	{ 4096, "1000\r\n" },
	{ 0xdeadbeef, "deadbeef\r\n" },
	{ UINT64_C(1) << 62, "4000000000000000\r\n" },
	{ UINT64_MAX, "ffffffffffffffff\r\n" },
};

START_TEST(test_size_line)
{
	char out[20];
	memset(out, 'X', sizeof out);
	size_t len = chunked_size_line(out, size_rows[_i].n);
	ck_assert_uint_eq(len, strlen(size_rows[_i].line));
	ck_assert_mem_eq(out, size_rows[_i].line, len);
	ck_assert_int_eq(out[len], '\0');
}
END_TEST

/* Seeded round trip: random chunk sizes written by chunked_size_line, decoded in random pieces. */
START_TEST(test_round_trip)
{
	uint32_t seed = 12345u + (uint32_t)_i;
	char body[8192], wire[16384];
	size_t body_len = 0, wire_len = 0;
	for (int chunk = 0; chunk < 20; chunk++) {
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 16) % 300 + 1;
		wire_len += chunked_size_line(wire + wire_len, n);
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			body[body_len++] = wire[wire_len++] = (char)(seed >> 24);
		}
		wire[wire_len++] = '\r';
		wire[wire_len++] = '\n';
	}
	wire_len += chunked_size_line(wire + wire_len, 0);
	wire[wire_len++] = '\r';
	wire[wire_len++] = '\n';
	struct result r = decode_in_pieces(wire, wire_len, (size_t)_i * 7 + 1);
	ck_assert_int_ge(r.rc, 0);
	ck_assert_uint_eq(r.data_len, body_len);
	ck_assert_mem_eq(r.data, body, body_len);
	ck_assert_uint_eq(r.rest_len, 0);
	result_free(&r);
}
END_TEST

/* ---- limits ---- */

/* "5;xxx...\r\nhello\r\n0\r\n\r\n" with a size line of exactly line bytes before its end. */
static char *body_with_size_line(size_t line, const char *eol, size_t *len)
{
	size_t e = strlen(eol);
	char *s = malloc(line + e + 32);
	ck_assert_ptr_nonnull(s);
	memcpy(s, "5;", 2);
	memset(s + 2, 'x', line - 2);
	*len = line;
	memcpy(s + *len, eol, e);
	*len += e;
	memcpy(s + *len, "hello\r\n0\r\n\r\n", 12);
	*len += 12;
	return s;
}

START_TEST(test_limit_size_line)
{
	static const char *const eols[] = { "\r\n", "\n" };
	for (int e = 0; e < 2; e++) {
		for (size_t extra = 0; extra <= 1; extra++) {
			size_t len;
			char *s = body_with_size_line(CHUNKED_SIZE_LINE_MAX + extra, eols[e], &len);
			for (size_t step = 0; step <= 1; step++) {
				struct result r = decode_in_pieces(s, len, step);
				ssize_t want = extra == 0 ? 0 : -1;
				ck_assert_msg(r.rc == want && (extra == 1 || r.data_len == 5),
				              "size line %zu (+%zu) eol %d step %zu: rc %zd",
				              (size_t)CHUNKED_SIZE_LINE_MAX, extra, e, step, r.rc);
				result_free(&r);
			}
			free(s);
		}
	}
}
END_TEST

/* "0\r\n" then trailer lines making exactly total bytes, the final empty line included. */
static char *body_with_trailers(size_t total, size_t *len)
{
	char *s = malloc(total + 8);
	ck_assert_ptr_nonnull(s);
	memcpy(s, "0\r\n", 3);
	*len = 3;
	size_t left = total - 2;
	while (left > 0) {
		size_t line = left < 1000 ? left : 1000;
		if (left - line > 0 && left - line < 8)
			line -= 8;
		memcpy(s + *len, "T: ", 3);
		memset(s + *len + 3, 'v', line - 5);
		memcpy(s + *len + line - 2, "\r\n", 2);
		*len += line;
		left -= line;
	}
	memcpy(s + *len, "\r\n", 2);
	*len += 2;
	ck_assert_uint_eq(*len, total + 3);
	return s;
}

START_TEST(test_limit_trailers)
{
	for (size_t extra = 0; extra <= 1; extra++) {
		size_t len;
		char *s = body_with_trailers(CHUNKED_TRAILER_MAX + extra, &len);
		for (size_t step = 0; step <= 1; step++) {
			struct result r = decode_in_pieces(s, len, step);
			ck_assert_msg(r.rc == (extra == 0 ? 0 : -1), "trailers %zu + %zu, step %zu: %zd",
			              (size_t)CHUNKED_TRAILER_MAX, extra, step, r.rc);
			result_free(&r);
		}
		free(s);
	}
}
END_TEST

/* The largest chunk size is accepted (its data then streams); one more is refused. */
START_TEST(test_limit_chunk_size)
{
	struct result r = decode_in_pieces(B("4000000000000000\r\nabc"), 0);
	ck_assert_int_eq(r.rc, -2);
	ck_assert_uint_eq(r.data_len, 3);
	result_free(&r);
	r = decode_in_pieces(B("4000000000000001\r\nabc"), 0);
	ck_assert_int_eq(r.rc, -1);
	result_free(&r);
	r = decode_in_pieces(B("000000000000000f\r\n0123456789abcde\r\n0\r\n\r\n"), 1);
	ck_assert_int_eq(r.rc, 0);
	ck_assert_uint_eq(r.data_len, 15);
	result_free(&r);
	r = decode_in_pieces(B("0000000000000000f\r\n"), 1);
	ck_assert_int_eq(r.rc, -1);
	result_free(&r);
}
END_TEST

Suite *suite_chunked(void);
Suite *suite_chunked(void)
{
	Suite *s = suite_create("chunked");

	TCase *valid = tcase_create("valid bodies decode the same however split");
	tcase_add_loop_test(valid, test_valid_whole, 0, N_ROWS(ok_rows));
	tcase_add_loop_test(valid, test_valid_one_byte_at_a_time, 0, N_ROWS(ok_rows));
	tcase_add_loop_test(valid, test_valid_every_split, 0, N_ROWS(ok_rows));
	tcase_add_loop_test(valid, test_valid_every_prefix_needs_more, 0, N_ROWS(ok_rows));
	tcase_add_test(valid, test_after_done_everything_is_left_over);
	suite_add_tcase(s, valid);

	TCase *bad = tcase_create("bad framing is refused and stays refused");
	tcase_add_loop_test(bad, test_bad_whole, 0, N_ROWS(bad_rows));
	tcase_add_loop_test(bad, test_bad_one_byte_at_a_time, 0, N_ROWS(bad_rows));
	tcase_add_loop_test(bad, test_bad_every_split, 0, N_ROWS(bad_rows));
	tcase_add_test(bad, test_bad_is_sticky);
	suite_add_tcase(s, bad);

	TCase *writer = tcase_create("size line of the writer");
	tcase_add_loop_test(writer, test_size_line, 0, N_ROWS(size_rows));
	tcase_add_loop_test(writer, test_round_trip, 0, 8);
	suite_add_tcase(s, writer);

	TCase *limits = tcase_create("limits");
	tcase_add_test(limits, test_limit_size_line);
	tcase_add_test(limits, test_limit_trailers);
	tcase_add_test(limits, test_limit_chunk_size);
	suite_add_tcase(s, limits);
	return s;
}
