// SPDX-License-Identifier: MIT
/*
 * Unit tests of http_date() and http_date_parse() (RFC 9110 5.6.7): the IMF-fixdate every
 * response's Date field carries, and the three forms a conditional request may send.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "http/http_date.h"
#include "http/http_response.h"

/* ---- formatting -------------------------------------------------------------------------- */

static const struct {
	int64_t seconds;
	const char *expected;
	const char *why;
} format_rows[] = {
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT", "the epoch" },
	{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT", "RFC 9110's example" },
	{ 951782400, "Tue, 29 Feb 2000 00:00:00 GMT", "2000 is a leap year (divisible by 400)" },
	{ 4107542400, "Mon, 01 Mar 2100 00:00:00 GMT", "2100 is not a leap year: no Feb 29" },
	{ 1709251199, "Thu, 29 Feb 2024 23:59:59 GMT", "last second of a leap day" },
	{ -1, "Wed, 31 Dec 1969 23:59:59 GMT", "before the epoch rounds down, not towards zero" },
	{ 2147483648, "Tue, 19 Jan 2038 03:14:08 GMT", "past 32-bit time_t" },
	{ 253402300799, "Fri, 31 Dec 9999 23:59:59 GMT", "the last four-digit year" },
	{ -30610224001, "Tue, 31 Dec 0999 23:59:59 GMT", "a three-digit year gets its leading zero" },
	{ -30438863450, "Fri, 07 Jun 1005 08:09:10 GMT", "zeros inside the year, single digits" },
};

START_TEST(format_table)
{
	char out[32];
	size_t n = http_date(out, sizeof out, format_rows[_i].seconds);
	ck_assert_msg(n == 29 && strcmp(out, format_rows[_i].expected) == 0,
	              "row %d (%s): %lld gave \"%s\" (%zu), expected \"%s\"", _i, format_rows[_i].why,
	              (long long)format_rows[_i].seconds, out, n, format_rows[_i].expected);
}
END_TEST

/* Every ~11.6 days over 1970-2100 (and a few hours off midnight): the same text as strftime()
 * of gmtime_r(), the C library's answer. */
START_TEST(format_matches_libc)
{
	for (int64_t t = 0; t < INT64_C(4102444800); t += 1000003) {
		char mine[32], libc[64];
		struct tm tm;
		time_t tt = (time_t)t;
		ck_assert_ptr_nonnull(gmtime_r(&tt, &tm));
		strftime(libc, sizeof libc, "%a, %d %b %Y %H:%M:%S GMT", &tm);
		ck_assert_uint_eq(http_date(mine, sizeof mine, t), 29);
		ck_assert_msg(strcmp(mine, libc) == 0, "%lld: \"%s\" versus libc \"%s\"", (long long)t,
		              mine, libc);
	}
}
END_TEST

/* ---- parsing ----------------------------------------------------------------------------- */

static const struct {
	const char *text;
	int64_t expected;   /* -1 with ok 0: must be refused */
	int ok;
	const char *why;
} parse_rows[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 784111777, 1, "IMF-fixdate" },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", 784111777, 1, "RFC 850, two-digit year in the past" },
	{ "Sun Nov  6 08:49:37 1994", 784111777, 1, "asctime, space-padded day" },
	{ "Sun Nov 06 08:49:37 1994", 784111777, 1, "asctime, two-digit day" },
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0, 1, "the epoch" },
	{ "Wed, 31 Dec 1969 23:59:59 GMT", -1, 1, "before the epoch" },
	{ "Sat, 31 Dec 2016 23:59:60 GMT", 1483228800, 1, "leap second 60 is in the grammar" },
	{ "Tue, 29 Feb 2000 00:00:00 GMT", 951782400, 1, "leap day of a leap century" },
	{ "Mon, 06 Nov 1994 08:49:37 GMT", 784111777, 1, "wrong weekday: not checked" },
	{ "sun, 06 Nov 1994 08:49:37 GMT", 0, 0, "HTTP-date is case-sensitive" },
	{ "Sun, 06 nov 1994 08:49:37 GMT", 0, 0, "month is case-sensitive" },
	{ "Sun, 06 Nov 1994 08:49:37 UTC", 0, 0, "only GMT" },
	{ "Sun, 06 Nov 1994 08:49:37 gmt", 0, 0, "GMT is case-sensitive" },
	{ "Sun, 06 Nov 1994 08:49:37", 0, 0, "no zone" },
	{ "Sun, 6 Nov 1994 08:49:37 GMT", 0, 0, "IMF-fixdate day has two digits" },
	{ "Sun,  06 Nov 1994 08:49:37 GMT", 0, 0, "two spaces" },
	{ " Sun, 06 Nov 1994 08:49:37 GMT", 0, 0, "leading space" },
	{ "Sun, 06 Nov 1994 08:49:37 GMT ", 0, 0, "trailing space" },
	{ "Sun, 06 Nov 94 08:49:37 GMT", 0, 0, "two-digit year in IMF-fixdate" },
	{ "Sun, 06 Nov 1994 8:49:37 GMT", 0, 0, "one-digit hour" },
	{ "Sun, 06 Nov +994 08:49:37 GMT", 0, 0, "a sign is not a digit" },
	{ "Sun, 06 Foo 1994 08:49:37 GMT", 0, 0, "unknown month" },
	{ "Xyz, 06 Nov 1994 08:49:37 GMT", 0, 0, "unknown day name" },
	{ "Sun, 00 Nov 1994 08:49:37 GMT", 0, 0, "day 0" },
	{ "Sun, 31 Nov 1994 08:49:37 GMT", 0, 0, "November has 30 days" },
	{ "Sun, 29 Feb 1900 00:00:00 GMT", 0, 0, "1900 is not a leap year" },
	{ "Sun, 30 Feb 2000 00:00:00 GMT", 0, 0, "no Feb 30" },
	{ "Sun, 06 Nov 1994 24:00:00 GMT", 0, 0, "hour 24" },
	{ "Sun, 06 Nov 1994 23:60:00 GMT", 0, 0, "minute 60" },
	{ "Sun, 06 Nov 1994 23:59:61 GMT", 0, 0, "second 61" },
	{ "Sun, 06 Nov 1994 08-49-37 GMT", 0, 0, "wrong separators" },
	{ "Sunday, 06-Nov-1994 08:49:37 GMT", 0, 0, "RFC 850 has a two-digit year" },
	{ "Sun, 06-Nov-94 08:49:37 GMT", 0, 0, "RFC 850 has the long day name" },
	{ "Sun Nov  6 08:49:37 1994 GMT", 0, 0, "asctime has no zone" },
	{ "Sun Nov 6 08:49:37 1994", 0, 0, "asctime day is two characters" },
	{ "", 0, 0, "empty" },
	{ "Sun, 06 Nov 1994 08:49:3", 0, 0, "cut short" },
};

START_TEST(parse_table)
{
	const char *s = parse_rows[_i].text;
	int64_t t = 12345;
	int rc = http_date_parse(s, strlen(s), &t);
	if (parse_rows[_i].ok)
		ck_assert_msg(rc == 0 && t == parse_rows[_i].expected,
		              "row %d (%s): \"%s\" gave rc %d, %lld; expected %lld", _i,
		              parse_rows[_i].why, s, rc, (long long)t, (long long)parse_rows[_i].expected);
	else
		ck_assert_msg(rc == -1 && t == 12345, "row %d (%s): \"%s\" accepted as %lld", _i,
		              parse_rows[_i].why, s, (long long)t);
}
END_TEST

/* RFC 9110 5.6.7: a two-digit year more than 50 years ahead means the previous century. */
START_TEST(parse_two_digit_year_window)
{
	char text[64];
	int64_t t;
	struct tm tm;
	time_t now = time(NULL);
	ck_assert_ptr_nonnull(gmtime_r(&now, &tm));
	int year = tm.tm_year + 1900;
	int ahead = year + 50, behind = year + 51;   /* at most 50 ahead: this century */
	snprintf(text, sizeof text, "Monday, 01-Jan-%02d 00:00:00 GMT", ahead % 100);
	ck_assert_int_eq(http_date_parse(text, strlen(text), &t), 0);
	ck_assert_ptr_nonnull(gmtime_r(&(time_t){ (time_t)t }, &tm));
	ck_assert_int_eq(tm.tm_year + 1900, ahead);
	snprintf(text, sizeof text, "Monday, 01-Jan-%02d 00:00:00 GMT", behind % 100);
	ck_assert_int_eq(http_date_parse(text, strlen(text), &t), 0);
	ck_assert_ptr_nonnull(gmtime_r(&(time_t){ (time_t)t }, &tm));
	ck_assert_int_eq(tm.tm_year + 1900, behind - 100);
}
END_TEST

/* The text is taken by length: bytes past len (here a NUL and more) are not read. */
START_TEST(parse_uses_length)
{
	const char text[] = "Sun, 06 Nov 1994 08:49:37 GMT\0garbage";
	int64_t t;
	ck_assert_int_eq(http_date_parse(text, 29, &t), 0);
	ck_assert_int_eq(t, 784111777);
	ck_assert_int_eq(http_date_parse(text, 28, &t), -1);
	ck_assert_int_eq(http_date_parse(text, 30, &t), -1);
}
END_TEST

/* ---- round trip -------------------------------------------------------------------------- */

START_TEST(round_trip)
{
	/* From year 0 to 9999, steps that are not a whole number of days. */
	for (int64_t t = INT64_C(-62167219200); t <= INT64_C(253402300799); t += 86400 * 365 + 4567) {
		char text[32];
		int64_t back;
		ck_assert_uint_eq(http_date(text, sizeof text, t), 29);
		ck_assert_msg(http_date_parse(text, 29, &back) == 0 && back == t,
		              "%lld -> \"%s\" -> %lld", (long long)t, text, (long long)back);
	}
}
END_TEST

/* ---- limits ------------------------------------------------------------------------------ */

START_TEST(format_limits)
{
	char out[32];
	memset(out, 'x', sizeof out);
	ck_assert_uint_eq(http_date(out, 30, 0), 29);   /* exactly room for 29 and the NUL */
	ck_assert_uint_eq(http_date(out, 29, 0), 0);    /* one short */
	ck_assert_uint_eq(http_date(out, sizeof out, INT64_C(253402300799)), 29);
	ck_assert_uint_eq(http_date(out, sizeof out, INT64_C(253402300800)), 0);   /* year 10000 */
	ck_assert_uint_eq(http_date(out, sizeof out, INT64_C(-62167219200)), 29);  /* year 0 */
	ck_assert_str_eq(out, "Sat, 01 Jan 0000 00:00:00 GMT");
	ck_assert_uint_eq(http_date(out, sizeof out, INT64_C(-62167219201)), 0);   /* year -1 */
	ck_assert_uint_eq(http_date(out, sizeof out, INT64_MAX), 0);
	ck_assert_uint_eq(http_date(out, sizeof out, INT64_MIN), 0);
}
END_TEST

START_TEST(parse_limits)
{
	int64_t t;
	const char *last = "Fri, 31 Dec 9999 23:59:59 GMT";
	const char *first = "Sat, 01 Jan 0000 00:00:00 GMT";
	ck_assert_int_eq(http_date_parse(last, strlen(last), &t), 0);
	ck_assert_int_eq(t, INT64_C(253402300799));
	ck_assert_int_eq(http_date_parse(first, strlen(first), &t), 0);
	ck_assert_int_eq(t, INT64_C(-62167219200));
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 19944 08:49:37 GMT", 30, &t), -1);
	ck_assert_int_eq(http_date_parse("Sun, 99 Nov 1994 99:99:99 GMT", 29, &t), -1);
}
END_TEST

Suite *suite_http_date(void);
Suite *suite_http_date(void)
{
	Suite *s = suite_create("http_date");
	TCase *tc = tcase_create("format");
	tcase_add_loop_test(tc, format_table, 0, (int)(sizeof format_rows / sizeof format_rows[0]));
	tcase_add_test(tc, format_matches_libc);
	suite_add_tcase(s, tc);
	tc = tcase_create("parse");
	tcase_add_loop_test(tc, parse_table, 0, (int)(sizeof parse_rows / sizeof parse_rows[0]));
	tcase_add_test(tc, parse_two_digit_year_window);
	tcase_add_test(tc, parse_uses_length);
	suite_add_tcase(s, tc);
	tc = tcase_create("round trip");
	tcase_add_test(tc, round_trip);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, format_limits);
	tcase_add_test(tc, parse_limits);
	suite_add_tcase(s, tc);
	return s;
}
