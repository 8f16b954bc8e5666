// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/num.c: the one bounded number parser. Tables of what atoi/strtoul
 * would half-accept ("", "+1", "-1", " 1", "1 ", 2^64) next to the plain numbers that must pass,
 * with the bounds checked at exactly min/max and one past them.
 */
#include "base/num.h"

#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))
#define UNTOUCHED UINT64_C(0xdeadbeef)

struct num_row {
	const char *s;
	size_t len;
	uint64_t min, max;
	int err;              /* 0: accepted with value; else the errno of the refusal */
	uint64_t value;
	const char *why;
};

static const struct num_row dec_rows[] = {
	{ B("0"), 0, UINT64_MAX, 0, 0, "zero" },
	{ B("1"), 0, UINT64_MAX, 0, 1, "one digit" },
	{ B("007"), 0, UINT64_MAX, 0, 7, "leading zeros are digits" },
	{ B("8080"), 0, 65535, 0, 8080, "a port" },
	{ B("18446744073709551615"), 0, UINT64_MAX, 0, UINT64_MAX, "2^64-1 fits" },
	{ B("00000000000000000000018446744073709551615"), 0, UINT64_MAX, 0, UINT64_MAX,
	  "2^64-1 behind many zeros" },
	{ B("18446744073709551616"), 0, UINT64_MAX, ERANGE, 0, "2^64 overflows" },
	{ B("99999999999999999999"), 0, UINT64_MAX, ERANGE, 0, "20 nines overflow" },
	{ B("184467440737095516150"), 0, UINT64_MAX, ERANGE, 0, "ten times 2^64-1" },
	{ B("99999999999999999999x"), 0, UINT64_MAX, EINVAL, 0, "overflow then a letter" },
	{ B(""), 0, UINT64_MAX, EINVAL, 0, "empty" },
	{ B("+1"), 0, UINT64_MAX, EINVAL, 0, "plus sign" },
	{ B("-1"), 0, UINT64_MAX, EINVAL, 0, "minus sign" },
	{ B("-0"), 0, UINT64_MAX, EINVAL, 0, "negative zero" },
	{ B(" 1"), 0, UINT64_MAX, EINVAL, 0, "leading space" },
	{ B("1 "), 0, UINT64_MAX, EINVAL, 0, "trailing space" },
	{ B("1 2"), 0, UINT64_MAX, EINVAL, 0, "space inside" },
	{ B("\t1"), 0, UINT64_MAX, EINVAL, 0, "leading tab" },
	{ B("1\n"), 0, UINT64_MAX, EINVAL, 0, "trailing newline" },
	{ B("1\0"), 0, UINT64_MAX, EINVAL, 0, "NUL inside the length" },
	{ B("0x10"), 0, UINT64_MAX, EINVAL, 0, "hex prefix" },
	{ B("1e3"), 0, UINT64_MAX, EINVAL, 0, "exponent" },
	{ B("1.0"), 0, UINT64_MAX, EINVAL, 0, "decimal point" },
	{ B("\xd9\xa1"), 0, UINT64_MAX, EINVAL, 0, "Arabic-Indic digit one" },
	{ B("a"), 0, UINT64_MAX, EINVAL, 0, "hex digit in decimal" },
	{ B("10"), 10, 20, 0, 10, "exactly min" },
	{ B("20"), 10, 20, 0, 20, "exactly max" },
	{ B("9"), 10, 20, ERANGE, 0, "one under min" },
	{ B("21"), 10, 20, ERANGE, 0, "one over max" },
	{ B("0"), 1, 65535, ERANGE, 0, "port 0 where 1 is the minimum" },
	{ B("65536"), 1, 65535, ERANGE, 0, "port one over" },
};

static const struct num_row hex_rows[] = {
	{ B("0"), 0, UINT64_MAX, 0, 0, "zero" },
	{ B("a"), 0, UINT64_MAX, 0, 10, "lower case" },
	{ B("FF"), 0, UINT64_MAX, 0, 255, "upper case" },
	{ B("fFfF"), 0, UINT64_MAX, 0, 0xffff, "mixed case" },
	{ B("ffffffffffffffff"), 0, UINT64_MAX, 0, UINT64_MAX, "16 digits: 2^64-1" },
	{ B("0000ffffffffffffffff"), 0, UINT64_MAX, 0, UINT64_MAX, "leading zeros" },
	{ B("10000000000000000"), 0, UINT64_MAX, ERANGE, 0, "2^64 overflows" },
	{ B("40000000000000000"), 0, UINT64_MAX, ERANGE, 0, "2^66 overflows" },
	{ B("4000000000000000"), 0, UINT64_C(1) << 62, 0, UINT64_C(1) << 62, "exactly max" },
	{ B("4000000000000001"), 0, UINT64_C(1) << 62, ERANGE, 0, "one over max" },
	{ B(""), 0, UINT64_MAX, EINVAL, 0, "empty" },
	{ B("0x1"), 0, UINT64_MAX, EINVAL, 0, "0x prefix" },
	{ B("+1"), 0, UINT64_MAX, EINVAL, 0, "plus sign" },
	{ B("-1"), 0, UINT64_MAX, EINVAL, 0, "minus sign" },
	{ B(" 1"), 0, UINT64_MAX, EINVAL, 0, "leading space" },
	{ B("1 "), 0, UINT64_MAX, EINVAL, 0, "trailing space" },
	{ B("g"), 0, UINT64_MAX, EINVAL, 0, "not a hex digit" },
	{ B("1;ext"), 0, UINT64_MAX, EINVAL, 0, "chunk extension is not a digit" },
};

/* A NUL-terminated string for num_parse_arg; len is unused there. */
static const struct num_row arg_rows[] = {
	{ B("8000"), 0, 65535, 0, 8000, "a port" },
	{ B("0"), 0, 65535, 0, 0, "port 0: any free port" },
	{ B("65535"), 0, 65535, 0, 65535, "exactly max" },
	{ B("65536"), 0, 65535, ERANGE, 0, "one over max" },
	{ B("18446744073709551615"), 0, UINT64_MAX, 0, UINT64_MAX, "2^64-1" },
	{ B("18446744073709551616"), 0, UINT64_MAX, ERANGE, 0, "2^64" },
	{ B(""), 0, 65535, EINVAL, 0, "empty" },
	{ B("+1"), 0, 65535, EINVAL, 0, "plus sign" },
	{ B("-1"), 0, 65535, EINVAL, 0, "minus sign" },
	{ B(" 1"), 0, 65535, EINVAL, 0, "leading space" },
	{ B("1 "), 0, 65535, EINVAL, 0, "trailing space" },
	{ B("80abc"), 0, 65535, EINVAL, 0, "digits then letters (atoi says 80)" },
};

static void check_row(const struct num_row *r, int i, int rc, uint64_t out)
{
	if (r->err == 0)
		ck_assert_msg(rc == 0 && out == r->value, "row %d (%s): rc %d errno %d value %llu, "
		              "want %llu", i, r->why, rc, errno, (unsigned long long)out,
		              (unsigned long long)r->value);
	else
		ck_assert_msg(rc == -1 && errno == r->err && out == UNTOUCHED, "row %d (%s): rc %d "
		              "errno %d value %llu, want errno %d and *out untouched", i, r->why, rc,
		              errno, (unsigned long long)out, r->err);
}

START_TEST(test_decimal)
{
	const struct num_row *r = &dec_rows[_i];
	uint64_t out = UNTOUCHED;
	errno = 0;
	int rc = num_parse_u64(r->s, r->len, r->min, r->max, &out);
	check_row(r, _i, rc, out);
}
END_TEST

START_TEST(test_hex)
{
	const struct num_row *r = &hex_rows[_i];
	uint64_t out = UNTOUCHED;
	errno = 0;
	int rc = num_parse_hex_u64(r->s, r->len, r->max, &out);
	check_row(r, _i, rc, out);
}
END_TEST

START_TEST(test_arg)
{
	const struct num_row *r = &arg_rows[_i];
	uint64_t out = UNTOUCHED;
	errno = 0;
	int rc = num_parse_arg(r->s, r->min, r->max, &out);
	check_row(r, _i, rc, out);
}
END_TEST

/* The length bounds the parse: the bytes after it are not looked at. */
START_TEST(test_length_bounds_the_parse)
{
	uint64_t out = UNTOUCHED;
	ck_assert_int_eq(num_parse_u64("12x", 2, 0, 100, &out), 0);
	ck_assert_uint_eq(out, 12);
	ck_assert_int_eq(num_parse_hex_u64("ff\r\n", 2, UINT64_MAX, &out), 0);
	ck_assert_uint_eq(out, 255);
	errno = 0;
	ck_assert_int_eq(num_parse_arg(NULL, 0, 1, &out), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(num_parse_u64(NULL, 0, 0, 1, &out), -1);
	ck_assert_uint_eq(out, 255);
}
END_TEST

/* Every decimal number 0..99999 parses to itself and its successor is refused at max. */
START_TEST(test_limits_every_small_number)
{
	char s[16];
	for (uint64_t v = 0; v < 100000; v += 7) {
		size_t len = 0;
		char rev[16];
		uint64_t x = v, out = 0;
		do {
			rev[len++] = (char)('0' + x % 10);
			x /= 10;
		} while (x != 0);
		for (size_t k = 0; k < len; k++)
			s[k] = rev[len - 1 - k];
		ck_assert_msg(num_parse_u64(s, len, 0, v, &out) == 0 && out == v, "%llu at max",
		              (unsigned long long)v);
		ck_assert_msg(v == 0 || num_parse_u64(s, len, 0, v - 1, &out) == -1,
		              "%llu one over max", (unsigned long long)v);
	}
}
END_TEST

Suite *suite_num(void);
Suite *suite_num(void)
{
	Suite *s = suite_create("num");
	TCase *tc = tcase_create("refuses what atoi accepts");
	tcase_add_loop_test(tc, test_decimal, 0, N_ROWS(dec_rows));
	tcase_add_loop_test(tc, test_hex, 0, N_ROWS(hex_rows));
	tcase_add_loop_test(tc, test_arg, 0, N_ROWS(arg_rows));
	tcase_add_test(tc, test_length_bounds_the_parse);
	suite_add_tcase(s, tc);

	TCase *limits = tcase_create("limits");
	tcase_add_test(limits, test_limits_every_small_number);
	suite_add_tcase(s, limits);
	return s;
}
