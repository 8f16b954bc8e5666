// SPDX-License-Identifier: MIT
/*
 * Unit tests for labcheck/byteranges.c: Content-Range values, the boundary of a
 * multipart/byteranges Content-Type, and multipart bodies, as a server sends them back for a
 * Range request (handout Part A.1 "Partial Content"). Tables of valid and invalid inputs, each
 * row with why; every multipart body is also checked at every prefix (never a crash, never more
 * parts than it holds), and in heap copies of its exact size so ASan sees any read past the end.
 */
#include "labcheck/byteranges.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))
#define UNKNOWN UINT64_MAX   /* complete length "*" in a row */

static char err[BYTERANGES_ERROR_MAX];

/* A heap copy of s[0..len) of exactly that size; the caller frees it. */
static char *exact(const char *s, size_t len)
{
	char *p = malloc(len > 0 ? len : 1);
	ck_assert_ptr_nonnull(p);
	memcpy(p, s, len);
	return p;
}

/* ---- Content-Range ---- */

struct range_row {
	const char *text;
	size_t len;
	int ret;
	bool unsatisfied;
	uint64_t first, last, complete;
	const char *why;
};

static const struct range_row range_rows[] = {
	{ B("bytes 0-4/13"), 0, false, 0, 4, 13, "the usual form" },
	{ B("bytes 21010-47021/47022"), 0, false, 21010, 47021, 47022, "the handout's example" },
	{ B("BYTES 0-0/1"), 0, false, 0, 0, 1, "the unit is case-insensitive" },
	{ B("bytes 5-9/*"), 0, false, 5, 9, UNKNOWN, "complete length unknown" },
	{ B("bytes */13"), 0, true, 0, 0, 13, "the 416 form" },
	{ B("bytes 0-4/5"), 0, false, 0, 4, 5, "the whole file as a range" },
	{ B("bytes 4-0/13"), -1, false, 0, 0, 0, "first after last" },
	{ B("bytes 0-13/13"), -1, false, 0, 0, 0, "last at the length" },
	{ B("bytes 0-4"), -1, false, 0, 0, 0, "no length" },
	{ B("bytes 0-4/"), -1, false, 0, 0, 0, "empty length" },
	{ B("bytes=0-4/13"), -1, false, 0, 0, 0, "the request's = instead of a space" },
	{ B("0-4/13"), -1, false, 0, 0, 0, "no unit (the course tests' Range form)" },
	{ B("bytes  0-4/13"), -1, false, 0, 0, 0, "two spaces" },
	{ B("bytes 0-4/13 "), -1, false, 0, 0, 0, "trailing space" },
	{ B("bytes -4/13"), -1, false, 0, 0, 0, "a suffix is not a response range" },
	{ B("bytes 0-/13"), -1, false, 0, 0, 0, "an open range is not either" },
	{ B("bytes +0-4/13"), -1, false, 0, 0, 0, "a sign" },
	{ B("bytes */*"), -1, false, 0, 0, 0, "416 without a length" },
	{ B("bytes *-4/13"), -1, false, 0, 0, 0, "star as a position" },
	{ B("bytes 0-4/13x"), -1, false, 0, 0, 0, "junk after the length" },
	{ B("bytes 0-99999999999999999999/*"), -1, false, 0, 0, 0, "past 2^64" },
	{ B("items 0-4/13"), -1, false, 0, 0, 0, "another unit" },
	{ B(""), -1, false, 0, 0, 0, "empty" },
};

START_TEST(test_content_range)
{
	const struct range_row *r = &range_rows[_i];
	struct byteranges_range got;
	char *p = exact(r->text, r->len);
	int ret = byteranges_content_range(p, r->len, &got, err);

	free(p);
	ck_assert_msg(ret == r->ret, "row %d (%s): got %d (%s)", _i, r->why, ret, err);
	if (ret < 0)
		return;
	ck_assert_msg(got.unsatisfied == r->unsatisfied && got.complete == (r->complete == UNKNOWN ?
	              got.complete : r->complete) && got.length_unknown == (r->complete == UNKNOWN),
	              "row %d (%s): complete %llu", _i, r->why, (unsigned long long)got.complete);
	ck_assert_msg(r->unsatisfied || (got.first == r->first && got.last == r->last),
	              "row %d (%s): %llu-%llu", _i, r->why, (unsigned long long)got.first,
	              (unsigned long long)got.last);
}
END_TEST

/* ---- boundary ---- */

struct boundary_row {
	const char *text;
	const char *boundary;    /* NULL: -1 */
	const char *why;
};

static const struct boundary_row boundary_rows[] = {
	{ "multipart/byteranges; boundary=THIS_STRING_SEPARATES", "THIS_STRING_SEPARATES",
	  "RFC 9110 14.6's example" },
	{ "Multipart/ByteRanges;boundary=abc", "abc", "case, no space" },
	{ "multipart/byteranges; charset=x; BOUNDARY=\"a b\\\"c\"", "a b\"c",
	  "quoted, with a quoted-pair, after another parameter" },
	{ "multipart/byteranges ; boundary=abc ; x=y", "abc", "whitespace around ';'" },
	{ "multipart/byteranges; x=\"a;boundary=no\"; boundary=yes", "yes",
	  "a ';' inside a quoted value" },
	{ "multipart/mixed; boundary=abc", NULL, "another multipart type" },
	{ "text/plain", NULL, "not multipart" },
	{ "multipart/byteranges", NULL, "no boundary" },
	{ "multipart/byteranges; boundary=", NULL, "empty boundary" },
	{ "multipart/byteranges; boundary=\"\"", NULL, "empty quoted boundary" },
	{ "multipart/byteranges; boundary=\"abc", NULL, "unclosed quote" },
	{ "multipart/byteranges; boundary", NULL, "a parameter without =" },
	{ "multipart/byteranges; boundary=a b", NULL, "a space in a token" },
	{ "multipart/byteranges; boundary="
	  "0123456789012345678901234567890123456789012345678901234567890123456789", "0123456789"
	  "012345678901234567890123456789012345678901234567890123456789", "exactly 70 characters" },
	{ "multipart/byteranges; boundary="
	  "01234567890123456789012345678901234567890123456789012345678901234567890", NULL,
	  "71 characters" },
};

START_TEST(test_boundary)
{
	const struct boundary_row *r = &boundary_rows[_i];
	char out[BYTERANGES_BOUNDARY_MAX + 1];
	size_t len = strlen(r->text);
	char *p = exact(r->text, len);
	int n = byteranges_boundary(p, len, out, err);

	free(p);
	if (r->boundary == NULL) {
		ck_assert_msg(n == -1, "row %d (%s): got %d", _i, r->why, n);
		return;
	}
	ck_assert_msg(n == (int)strlen(r->boundary) && strcmp(out, r->boundary) == 0,
	              "row %d (%s): got %d '%s' (%s)", _i, r->why, n, n > 0 ? out : "", err);
}
END_TEST

/* ---- multipart bodies ---- */

#define PART(range, data) "Content-Type: text/plain\r\nContent-Range: bytes " range "\r\n\r\n" data
#define TWO_PARTS "\r\n--XYZ\r\n" PART("0-1/13", "he") "\r\n--XYZ\r\n" PART("11-12/13", "d\n") \
	"\r\n--XYZ--\r\n"

struct body_row {
	const char *text;
	size_t len;
	int parts;               /* -1: bad */
	const char *says;        /* for bad rows, a word of the sentence */
	const char *why;
};

static const struct body_row body_rows[] = {
	{ B(TWO_PARTS), 2, NULL, "fileserver's shape: a CRLF, then two parts" },
	{ B("--XYZ\r\nContent-Range: bytes 0-1/13\r\n\r\nhe\r\n--XYZ--"), 1, NULL,
	  "no preamble, one part, no CRLF at the end" },
	{ B("preamble\r\n--XYZ \t\r\nContent-range:bytes 2-3/13\r\n\r\nll\r\n--XYZ--\r\nepilogue"),
	  1, NULL, "preamble, padding after the boundary, epilogue" },
	{ B("--XYZ\r\nContent-Range: bytes 0-6/7\r\n\r\n\r\n--XYZ\r\n--XYZ--"), 1, NULL,
	  "data that looks like a delimiter: its length comes from Content-Range" },
	{ B("--XYZ--"), -1, "no part", "a close delimiter alone" },
	{ B("\r\n--ABC\r\n" PART("0-1/13", "he") "\r\n--ABC--"), -1, "never", "another boundary" },
	{ B("--XYZ\r\n" PART("0-1/13", "he") "\r\n--XYZ"), -1, "CRLF", "no close delimiter" },
	{ B("--XYZ\r\n" PART("0-2/13", "he") "\r\n--XYZ--"), -1, "followed", "data shorter than "
	  "its range" },
	{ B("--XYZ\r\n" PART("0-0/13", "he") "\r\n--XYZ--"), -1, "followed", "data longer than "
	  "its range" },
	{ B("--XYZ\r\nContent-Type: text/plain\r\n\r\nhe\r\n--XYZ--"), -1, "no Content-Range",
	  "a part without Content-Range" },
	{ B("--XYZ\r\nContent-Range: bytes */13\r\n\r\n\r\n--XYZ--"), -1, "no Content-Range",
	  "an unsatisfied range in a part" },
	{ B("--XYZ\r\nContent-Range: bytes 0-1/13\r\nContent-Range: bytes 0-1/13\r\n\r\nhe\r\n"
	    "--XYZ--"), -1, "two", "two Content-Range fields" },
	{ B("--XYZ\nContent-Range: bytes 0-1/13\n\nhe\n--XYZ--"), -1, "CRLF", "bare LF" },
	{ B("--XYZ\r\nContent-Range: bytes 0-1/13\r\n\r\n"), -1, "followed", "the body stops" },
	{ B("--XYZ\r\nContent-Range: bytes 0-1/13"), -1, "CRLF", "the head stops" },
	{ B("--XYZ\r\nContent-Range: bytes 0-18446744073709551614/*\r\n\r\nhe\r\n--XYZ--"), -1,
	  "followed", "a huge range, no overflow" },
};

START_TEST(test_body)
{
	const struct body_row *r = &body_rows[_i];
	struct byteranges_part parts[BYTERANGES_PARTS_MAX];
	char *p = exact(r->text, r->len);
	int n = byteranges_parse(p, r->len, "XYZ", parts, BYTERANGES_PARTS_MAX, err);

	ck_assert_msg(n == r->parts, "row %d (%s): got %d (%s)", _i, r->why, n, err);
	ck_assert_msg(n > 0 || strstr(err, r->says) != NULL, "row %d (%s): '%s' does not say '%s'",
	              _i, r->why, err, r->says);
	for (int i = 0; i < n; i++)
		ck_assert_msg(parts[i].len == parts[i].range.last - parts[i].range.first + 1 &&
		              parts[i].data >= p && parts[i].data + parts[i].len <= p + r->len,
		              "row %d (%s): part %d out of place", _i, r->why, i);
	free(p);
}
END_TEST

START_TEST(test_body_parts_found)
{
	struct byteranges_part parts[BYTERANGES_PARTS_MAX];
	int n = byteranges_parse(B(TWO_PARTS), "XYZ", parts, BYTERANGES_PARTS_MAX, err);

	ck_assert_int_eq(n, 2);
	ck_assert(parts[0].range.first == 0 && parts[0].range.last == 1 && parts[0].len == 2);
	ck_assert(memcmp(parts[0].data, "he", 2) == 0);
	ck_assert(parts[1].range.first == 11 && parts[1].range.complete == 13);
	ck_assert(memcmp(parts[1].data, "d\n", 2) == 0);
}
END_TEST

/* Every prefix of every body: bad or as many parts as are whole, never a read past the end. */
START_TEST(test_body_every_prefix)
{
	const struct body_row *r = &body_rows[_i];
	struct byteranges_part parts[BYTERANGES_PARTS_MAX];

	for (size_t k = 0; k < r->len; k++) {
		char *p = exact(r->text, k);
		int n = byteranges_parse(p, k, "XYZ", parts, BYTERANGES_PARTS_MAX, err);
		free(p);
		ck_assert_msg(n == -1 || (r->parts > 0 && n <= r->parts), "row %d (%s): prefix %zu "
		              "gave %d", _i, r->why, k, n);
	}
}
END_TEST

START_TEST(test_body_parts_limit)
{
	static const char one[] = "--XYZ\r\nContent-Range: bytes 0-0/1\r\n\r\nx\r\n";
	struct byteranges_part parts[BYTERANGES_PARTS_MAX];
	char body[(sizeof one - 1) * (BYTERANGES_PARTS_MAX + 1) + 8];

	for (int extra = 0; extra <= 1; extra++) {
		size_t len = 0;
		for (int i = 0; i < BYTERANGES_PARTS_MAX + extra; i++, len += sizeof one - 1)
			memcpy(body + len, one, sizeof one - 1);
		memcpy(body + len, "--XYZ--", 7);
		len += 7;
		int n = byteranges_parse(body, len, "XYZ", parts, BYTERANGES_PARTS_MAX, err);
		ck_assert_msg(n == (extra == 0 ? BYTERANGES_PARTS_MAX : -1), "%d parts over: got %d",
		              extra, n);
	}
}
END_TEST

Suite *suite_labcheck_byteranges(void);
Suite *suite_labcheck_byteranges(void)
{
	Suite *s = suite_create("labcheck_byteranges");

	TCase *ranges = tcase_create("Content-Range values");
	tcase_add_loop_test(ranges, test_content_range, 0, N_ROWS(range_rows));
	suite_add_tcase(s, ranges);

	TCase *boundary = tcase_create("multipart boundaries");
	tcase_add_loop_test(boundary, test_boundary, 0, N_ROWS(boundary_rows));
	suite_add_tcase(s, boundary);

	TCase *bodies = tcase_create("multipart/byteranges bodies");
	tcase_add_loop_test(bodies, test_body, 0, N_ROWS(body_rows));
	tcase_add_test(bodies, test_body_parts_found);
	tcase_add_loop_test(bodies, test_body_every_prefix, 0, N_ROWS(body_rows));
	suite_add_tcase(s, bodies);

	TCase *limits = tcase_create("limits");
	tcase_add_test(limits, test_body_parts_limit);
	suite_add_tcase(s, limits);
	return s;
}
