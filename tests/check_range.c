// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http/range.c: the Range header read against a file size (RFC 9110
 * 14.1-14.2), in tables of every form (a-b, a-, -n), lists with whitespace, the handout's example,
 * what is merged, what is unsatisfiable (416), what is ignored (200, whole file), and the limits:
 * numbers past 64 bits, RANGE_MAX and one more, a total of exactly the file and one byte more. A
 * randomised test checks the merging against a byte map. Then the text of the answers.
 */
#include "http/range.h"

#include <check.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))
#define IGN RANGE_IGNORE
#define UNSAT RANGE_UNSATISFIABLE
#define U64MAX_S "18446744073709551615"
#define U64OVER_S "18446744073709551616"

struct range_row {
	const char *value;    /* the Range field value */
	uint64_t size;        /* of the file */
	int want;             /* RANGE_IGNORE, RANGE_UNSATISFIABLE, or the count of ranges */
	const char *ranges;   /* when want > 0: "a-b,c-d" as they must come out */
	const char *why;
};

static const struct range_row form_rows[] = {
	{ "bytes=0-99", 1000, 1, "0-99", "first-last" },
	{ "bytes=0-0", 1000, 1, "0-0", "one byte" },
	{ "bytes=999-999", 1000, 1, "999-999", "the last byte" },
	{ "bytes=500-", 1000, 1, "500-999", "open: to the end" },
	{ "bytes=0-", 1000, 1, "0-999", "open from 0: the whole file, as a browser's first video request" },
	{ "bytes=-100", 1000, 1, "900-999", "suffix: the last 100 bytes" },
	{ "bytes=-1", 1000, 1, "999-999", "suffix of one byte" },
	{ "bytes=-1000", 1000, 1, "0-999", "suffix of exactly the size" },
	{ "bytes=-5000", 1000, 1, "0-999", "suffix longer than the file: the whole file" },
	{ "bytes=900-5000", 1000, 1, "900-999", "last-pos past the end is clamped" },
	{ "bytes=0-999", 1000, 1, "0-999", "last-pos exactly the last byte" },
	{ "bytes=0-1000", 1000, 1, "0-999", "last-pos one past the end" },
	{ "bytes=1900-2900", 4702, 1, "1900-2900", "the handout's single-range example" },
	{ "bytes=21010-", 47022, 1, "21010-47021", "the handout's Content-Range example" },
	{ "BYTES=0-1", 10, 1, "0-1", "unit in upper case (RFC 9110 14.1: case-insensitive)" },
	{ "Bytes=0-1", 10, 1, "0-1", "unit in mixed case" },
	{ "bytes=007-009", 10, 1, "7-9", "leading zeros are digits" },
	{ "bytes=0-0", 1, 1, "0-0", "one-byte file" },
	{ "bytes=-1", 1, 1, "0-0", "suffix of a one-byte file" },
};

static const struct range_row list_rows[] = {
	{ "bytes=200-1000, 2000-6576, 19000-", 47022, 3, "200-1000,2000-6576,19000-47021",
	  "the handout's multi-range example" },
	{ "bytes=200-1000,2000-6576,19000-", 47022, 3, "200-1000,2000-6576,19000-47021",
	  "the same without spaces" },
	{ "bytes=200-1000 ,\t2000-6576 \t, 19000-", 47022, 3, "200-1000,2000-6576,19000-47021",
	  "OWS (spaces and tabs) on both sides of the commas" },
	{ "bytes= 0-1, 5-6", 10, 2, "0-1,5-6", "whitespace after '=' is skipped too" },
	{ "bytes=0-1 ", 10, 1, "0-1", "trailing whitespace" },
	{ "bytes=0-1,,5-6", 10, 2, "0-1,5-6", "an empty list element is ignored (RFC 9110 5.6.1)" },
	{ "bytes=,0-1", 10, 1, "0-1", "a leading empty element" },
	{ "bytes=0-1,", 10, 1, "0-1", "a trailing comma" },
	{ "bytes=0-1, , ,5-6", 10, 2, "0-1,5-6", "empty elements with whitespace" },
	{ "bytes=50-59,0-9", 100, 2, "0-9,50-59", "out of order: sorted" },
	{ "bytes=0-9,10-19", 100, 1, "0-19", "adjacent ranges merged" },
	{ "bytes=10-19,0-9", 100, 1, "0-19", "adjacent, out of order, merged" },
	{ "bytes=0-9,5-14", 100, 1, "0-14", "overlapping ranges merged" },
	{ "bytes=0-19,5-9", 100, 1, "0-19", "a range inside another" },
	{ "bytes=0-9,11-19", 100, 2, "0-9,11-19", "a gap of one byte is kept" },
	{ "bytes=0-9,20-29,10-19", 100, 1, "0-29", "three merged into one" },
	{ "bytes=0-1,3-4,-2", 10, 3, "0-1,3-4,8-9", "a suffix in a list" },
	{ "bytes=0-1,8-", 10, 2, "0-1,8-9", "an open range in a list" },
	{ "bytes=0-1,20-30", 10, 1, "0-1", "an unsatisfiable range in a list is dropped" },
	{ "bytes=20-30,0-1,-0", 10, 1, "0-1", "only the satisfiable one remains" },
	{ "bytes=0-4,5-", 10, 1, "0-9", "two halves make the whole file" },
};

/* RFC 9110 15.5.17: a valid Range of which nothing overlaps the file gets 416. */
static const struct range_row unsatisfiable_rows[] = {
	{ "bytes=1000-", 1000, UNSAT, NULL, "first-pos equal to the size" },
	{ "bytes=1000-2000", 1000, UNSAT, NULL, "wholly past the end" },
	{ "bytes=5000-5000", 1000, UNSAT, NULL, "far past the end" },
	{ "bytes=-0", 1000, UNSAT, NULL, "-0: a suffix of no bytes" },
	{ "bytes=1000-,2000-", 1000, UNSAT, NULL, "every range past the end" },
	{ "bytes=-0,1000-", 1000, UNSAT, NULL, "-0 and past the end" },
	{ "bytes=0-", 0, UNSAT, NULL, "an int-range of an empty file" },
	{ "bytes=0-0", 0, UNSAT, NULL, "byte 0 of an empty file" },
	{ "bytes=-0", 0, UNSAT, NULL, "-0 of an empty file" },
	{ "bytes=0-5, 3-", 0, UNSAT, NULL, "a list on an empty file" },
	{ "bytes=" U64MAX_S "-", 1000, UNSAT, NULL, "2^64-1 as first-pos: valid, past the end" },
};

/* RFC 9110 14.2: an unknown unit or an invalid ranges-specifier is ignored: 200, whole file. */
static const struct range_row ignored_rows[] = {
	{ "items=0-1", 10, IGN, NULL, "an unknown unit" },
	{ "bytes 0-1", 10, IGN, NULL, "no '='" },
	{ "bytes =0-1", 10, IGN, NULL, "space before '=' (the unit is a token)" },
	{ "byte=0-1", 10, IGN, NULL, "a prefix of the unit" },
	{ "bytesx=0-1", 10, IGN, NULL, "the unit with more after it" },
	{ "=0-1", 10, IGN, NULL, "no unit" },
	{ "", 10, IGN, NULL, "empty value" },
	{ "bytes=", 10, IGN, NULL, "no range-spec (1#range-spec needs one)" },
	{ "bytes=,", 10, IGN, NULL, "only an empty element" },
	{ "bytes= , ", 10, IGN, NULL, "only whitespace and commas" },
	{ "bytes=5-1", 10, IGN, NULL, "backwards: last-pos below first-pos" },
	{ "bytes=0-1,5-1", 10, IGN, NULL, "one backwards range spoils the list" },
	{ "bytes=20-10", 10, IGN, NULL, "backwards beyond the end: invalid, not 416" },
	{ "bytes=-", 10, IGN, NULL, "a dash alone" },
	{ "bytes=1", 10, IGN, NULL, "no dash" },
	{ "bytes=--1", 10, IGN, NULL, "a negative suffix" },
	{ "bytes=-1-2", 10, IGN, NULL, "a suffix with a range after it" },
	{ "bytes=1-2-3", 10, IGN, NULL, "two dashes" },
	{ "bytes=+1-2", 10, IGN, NULL, "a plus sign" },
	{ "bytes=1 - 2", 10, IGN, NULL, "whitespace inside a range-spec" },
	{ "bytes=0x1-2", 10, IGN, NULL, "hexadecimal" },
	{ "bytes=1.0-2", 10, IGN, NULL, "a decimal point" },
	{ "bytes=a-b", 10, IGN, NULL, "letters" },
	{ "bytes=0-1;q=1", 10, IGN, NULL, "a parameter" },
	{ "bytes=0-1 2-3", 10, IGN, NULL, "two ranges without a comma" },
	{ "bytes=0-1\x01", 10, IGN, NULL, "a control byte" },
	{ "bytes==0-1", 10, IGN, NULL, "two '='" },
	{ "bytes=-5", 0, IGN, NULL, "a suffix of an empty file: satisfiable, yet no byte to name" },
	{ "bytes=0-,-5", 0, IGN, NULL, "an empty file with a suffix in the list" },
};

/* The abuse bounds (CVE-2011-3192) and 64-bit numbers. */
static const struct range_row limit_rows[] = {
	{ "bytes=0-" U64MAX_S, 1000, 1, "0-999", "last-pos 2^64-1 is clamped" },
	{ "bytes=0-" U64OVER_S, 1000, IGN, NULL, "last-pos 2^64: too big, ignored, not wrapped to 0" },
	{ "bytes=" U64OVER_S "-", 1000, IGN, NULL, "first-pos 2^64" },
	{ "bytes=-" U64MAX_S, 1000, 1, "0-999", "suffix 2^64-1: the whole file" },
	{ "bytes=-" U64OVER_S, 1000, IGN, NULL, "suffix 2^64" },
	{ "bytes=99999999999999999999-", 1000, IGN, NULL, "20 nines" },
	{ "bytes=0-99999999999999999999", 1000, IGN, NULL, "20 nines as last-pos" },
	{ "bytes=18446744073709551617-18446744073709551618", 1000, IGN, NULL,
	  "both past 2^64 (would wrap to 1-2)" },
	{ "bytes=00000000000000000000000000000001-2", 10, 1, "1-2", "many leading zeros fit" },
	{ "bytes=0-", UINT64_MAX, 1, "0-18446744073709551614", "a file of 2^64-1 bytes" },
	{ "bytes=-1", UINT64_MAX, 1, "18446744073709551614-18446744073709551614",
	  "the last byte of the largest file" },
	{ "bytes=0-49,50-99", 100, 1, "0-99", "a total of exactly the size is served" },
	{ "bytes=0-50,50-99", 100, IGN, NULL, "one byte more than the size: ignored" },
	{ "bytes=0-,0-", 100, IGN, NULL, "the whole file twice" },
	{ "bytes=-100,0-0", 100, IGN, NULL, "a suffix of all and one byte more" },
	{ "bytes=0-,5000-", 100, 1, "0-99", "unsatisfiable ranges do not count toward the total" },
	{ "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,"
	  "30-30", 100, 16,
	  "0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,30-30",
	  "exactly RANGE_MAX ranges" },
	{ "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14,16-16,18-18,20-20,22-22,24-24,26-26,28-28,"
	  "30-30,32-32", 100, IGN, NULL, "RANGE_MAX + 1 ranges: ignored" },
	{ "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15",
	  100, 1, "0-15", "16 adjacent one-byte ranges become one" },
	{ "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9,10-10,11-11,12-12,13-13,14-14,15-15,"
	  "16-16", 100, IGN, NULL, "17 ranges are refused even if they would merge" },
	{ "bytes=0-0,200-,200-,200-,200-,200-,200-,200-,200-,200-,200-,200-,200-,200-,200-,200-,"
	  "200-", 100, IGN, NULL, "17 range-specs where 16 are unsatisfiable: still too many" },
	{ "bytes=0-0,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,,2-2", 100, 2,
	  "0-0,2-2", "empty elements do not count as ranges" },
};

static void format_ranges(char *out, size_t cap, const struct range *r, int n)
{
	size_t len = 0;
	out[0] = '\0';
	for (int i = 0; i < n && len < cap; i++) {
		int k = snprintf(out + len, cap - len, "%s%" PRIu64 "-%" PRIu64, i > 0 ? "," : "",
		                 r[i].first, r[i].last);
		if (k < 0)
			break;
		len += (size_t)k;
	}
}

static void check_row(const struct range_row *row, int i)
{
	struct range out[RANGE_MAX];
	char got[1024];
	int n = range_parse(row->value, strlen(row->value), row->size, out);

	format_ranges(got, sizeof got, out, n);
	ck_assert_msg(n == row->want, "row %d (%s): \"%s\" on %" PRIu64 " bytes gave %d (%s), want %d",
	              i, row->why, row->value, row->size, n, n > 0 ? got : "", row->want);
	if (row->want > 0)
		ck_assert_msg(strcmp(got, row->ranges) == 0, "row %d (%s): \"%s\" gave %s, want %s",
		              i, row->why, row->value, got, row->ranges);
}

START_TEST(test_forms)
{
	check_row(&form_rows[_i], _i);
}
END_TEST

START_TEST(test_lists)
{
	check_row(&list_rows[_i], _i);
}
END_TEST

START_TEST(test_unsatisfiable)
{
	check_row(&unsatisfiable_rows[_i], _i);
}
END_TEST

START_TEST(test_ignored)
{
	check_row(&ignored_rows[_i], _i);
}
END_TEST

START_TEST(test_limits)
{
	check_row(&limit_rows[_i], _i);
}
END_TEST

/* The length is the whole input: a NUL or text after it is not read, and s need not end. */
START_TEST(test_length_bounds_the_parse)
{
	struct range out[RANGE_MAX];
	static const char text[] = "bytes=0-4,7-9";
	ck_assert_int_eq(range_parse(text, 9, 10, out), 1);
	ck_assert_uint_eq(out[0].first, 0);
	ck_assert_uint_eq(out[0].last, 4);
	ck_assert_int_eq(range_parse("bytes=0-1\0-9", 12, 10, out), IGN);
	ck_assert_int_eq(range_parse(NULL, 0, 10, out), IGN);
}
END_TEST

/*
 * Random lists of at most RANGE_MAX range-specs on files of up to 64 bytes, against a byte map:
 * the output must be exactly the runs of marked bytes (so sorted, merged when overlapping or
 * adjacent, nothing lost), or IGNORE when the lengths add up past the size.
 */
START_TEST(test_merging_matches_a_byte_map)
{
	unsigned seed = 20230306;
	for (int round = 0; round < 20000; round++) {
		uint64_t size = (uint64_t)(rand_r(&seed) % 65), total = 0;
		int specs = 1 + rand_r(&seed) % RANGE_MAX, len = 6;
		char value[512] = "bytes=", want[1024] = "", got[1024];
		bool map[65] = { false };
		struct range out[RANGE_MAX];

		for (int i = 0; i < specs; i++) {
			uint64_t a = (uint64_t)(rand_r(&seed) % 70), b = a + (uint64_t)(rand_r(&seed) % 20);
			len += snprintf(value + len, sizeof value - (size_t)len, "%s%" PRIu64 "-%" PRIu64,
			                i > 0 ? ", " : "", a, b);
			for (uint64_t k = a; k <= b && k < size; k++)
				map[k] = true;
			total += a < size ? (b < size ? b : size - 1) - a + 1 : 0;
		}
		int n = range_parse(value, (size_t)len, size, out), runs = 0;
		for (uint64_t k = 0; k < size; k++) {
			if (!map[k] || (k > 0 && map[k - 1]))
				continue;
			uint64_t end = k;
			while (end + 1 < size && map[end + 1])
				end++;
			size_t w = strlen(want);
			snprintf(want + w, sizeof want - w, "%s%" PRIu64 "-%" PRIu64, runs++ ? "," : "", k, end);
		}
		int expect = total > size ? IGN : runs > 0 ? runs : UNSAT;
		format_ranges(got, sizeof got, out, n);
		ck_assert_msg(n == expect && (n <= 0 || strcmp(got, want) == 0),
		              "\"%s\" on %" PRIu64 " bytes: got %d %s, want %d %s", value, size, n,
		              n > 0 ? got : "", expect, want);
	}
}
END_TEST

/* A Range field at the parser's line limit, mostly empty elements and whitespace. */
START_TEST(test_limits_long_value)
{
	char value[8192];
	struct range out[RANGE_MAX];
	size_t len = 0;

	len += (size_t)snprintf(value, sizeof value, "bytes=");
	while (len < sizeof value - 20) {
		value[len++] = ',';
		value[len++] = ' ';
		value[len++] = '\t';
	}
	len += (size_t)snprintf(value + len, sizeof value - len, "-10");
	ck_assert_int_eq(range_parse(value, len, 100, out), 1);
	ck_assert_uint_eq(out[0].first, 90);
	ck_assert_uint_eq(out[0].last, 99);
}
END_TEST

START_TEST(test_content_range)
{
	char out[72];
	struct range r = { 21010, 47021 }, big = { 0, UINT64_MAX - 1 };

	ck_assert_int_eq(range_content_range(out, sizeof out, &r, 47022), 23);
	ck_assert_str_eq(out, "bytes 21010-47021/47022");
	ck_assert_int_eq(range_content_range(out, sizeof out, NULL, 47022), 13);
	ck_assert_str_eq(out, "bytes */47022");
	ck_assert_int_gt(range_content_range(out, sizeof out, &big, UINT64_MAX), 0);
	ck_assert_str_eq(out, "bytes 0-18446744073709551614/" U64MAX_S);
	ck_assert_int_eq(range_content_range(out, 23, &r, 47022), -1);   /* no room for the NUL */
	ck_assert_int_eq(range_content_range(out, 24, &r, 47022), 23);
}
END_TEST

START_TEST(test_multipart_text)
{
	char head[RANGE_PART_HEAD_MAX], tail[64];
	struct range r = { 200, 1000 };
	const char *b = "0123456789abcdef0123456789abcdef";

	ck_assert_int_eq(range_part_head(head, sizeof head, b, "video/webm", &r, 47022),
	                 (int)strlen(head));
	ck_assert_str_eq(head, "\r\n--0123456789abcdef0123456789abcdef\r\nContent-Type: video/webm\r\n"
	                       "Content-Range: bytes 200-1000/47022\r\n\r\n");
	ck_assert_int_eq(range_multipart_tail(tail, sizeof tail, b), 40);
	ck_assert_str_eq(tail, "\r\n--0123456789abcdef0123456789abcdef--\r\n");
	ck_assert_int_eq(range_part_head(head, 20, b, "video/webm", &r, 47022), -1);
	ck_assert_int_eq(range_multipart_tail(tail, 40, b), -1);
}
END_TEST

/* The Content-Length is the sum of what is then written: heads, bytes, tail. */
START_TEST(test_multipart_length_is_exact)
{
	static const char v[] = "bytes=200-1000, 2000-6576, 19000-";
	const char *b = "fedcba9876543210fedcba9876543210", *type = "text/plain; charset=utf-8";
	struct range r[RANGE_MAX];
	char head[RANGE_PART_HEAD_MAX];
	int n = range_parse(v, sizeof v - 1, 47022, r);
	int64_t sum = range_multipart_tail(head, sizeof head, b);

	ck_assert_int_eq(n, 3);
	for (int i = 0; i < n; i++)
		sum += range_part_head(head, sizeof head, b, type, &r[i], 47022) +
		       (int64_t)(r[i].last - r[i].first + 1);
	ck_assert_int_eq(range_multipart_length(r, n, b, type, 47022), sum);
}
END_TEST

START_TEST(test_limits_multipart_length)
{
	char type[RANGE_PART_HEAD_MAX];
	const char *b = "0123456789abcdef0123456789abcdef";
	struct range huge[2] = { { 0, 0 }, { 2, UINT64_MAX - 2 } }, r = { 0, 9 };

	memset(type, 'x', sizeof type - 1);
	type[sizeof type - 1] = '\0';
	ck_assert_int_eq(range_multipart_length(&r, 1, b, type, 10), -1);     /* head too long */
	type[300] = '\0';
	ck_assert_int_gt(range_multipart_length(&r, 1, b, type, 10), 300);
	ck_assert_int_eq(range_multipart_length(huge, 2, b, "a/b", UINT64_MAX), -1);
	huge[1].last = INT64_MAX - 1000;
	ck_assert_int_gt(range_multipart_length(huge, 2, b, "a/b", UINT64_MAX), INT64_MAX - 1000);
}
END_TEST

Suite *suite_range(void);
Suite *suite_range(void)
{
	Suite *s = suite_create("range");
	TCase *forms = tcase_create("one range in each form");
	tcase_add_loop_test(forms, test_forms, 0, N_ROWS(form_rows));
	tcase_add_test(forms, test_length_bounds_the_parse);
	suite_add_tcase(s, forms);

	TCase *lists = tcase_create("lists are sorted and merged");
	tcase_add_loop_test(lists, test_lists, 0, N_ROWS(list_rows));
	tcase_add_test(lists, test_merging_matches_a_byte_map);
	suite_add_tcase(s, lists);

	TCase *unsat = tcase_create("nothing satisfiable is 416");
	tcase_add_loop_test(unsat, test_unsatisfiable, 0, N_ROWS(unsatisfiable_rows));
	suite_add_tcase(s, unsat);

	TCase *ignored = tcase_create("unknown units and bad syntax are ignored");
	tcase_add_loop_test(ignored, test_ignored, 0, N_ROWS(ignored_rows));
	suite_add_tcase(s, ignored);

	TCase *text = tcase_create("the text of the answer");
	tcase_add_test(text, test_content_range);
	tcase_add_test(text, test_multipart_text);
	tcase_add_test(text, test_multipart_length_is_exact);
	suite_add_tcase(s, text);

	TCase *limits = tcase_create("limits");
	tcase_add_loop_test(limits, test_limits, 0, N_ROWS(limit_rows));
	tcase_add_test(limits, test_limits_long_value);
	tcase_add_test(limits, test_limits_multipart_length);
	suite_add_tcase(s, limits);
	return s;
}
