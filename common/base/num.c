// SPDX-License-Identifier: MIT
/*
 * num: the one bounded number parser (STYLE.md, "Bounds and parsing"). Every number that comes
 * from a client or the command line (ports, Content-Length, chunk sizes, range bounds) goes
 * through here, so "+1", " 1", "1 ", "" and values past 2^64 are refused in one place instead of
 * being half-accepted by atoi or strtoul (which skip spaces, take signs and wrap silently).
 * Left out on purpose: signs, negative numbers, leading/trailing whitespace, "0x" prefixes.
 */
#include "base/num.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Value of a hex digit, or -1: RFC 5234's HEXDIG, either case. */
int num_hex_digit(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Shared loop for both bases. Overflow is detected before it happens: v * base + d fits in
 * uint64_t only while v <= (UINT64_MAX - d) / base.
 */
static int parse_base(const char *s, size_t len, unsigned base, uint64_t min, uint64_t max,
                      uint64_t *out)
{
	uint64_t v = 0;
	bool overflow = false;

	if (s == NULL || len == 0) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		int d = num_hex_digit((unsigned char)s[i]);
		if (d < 0 || (unsigned)d >= base) {
			errno = EINVAL;   /* a non-digit beats overflow: "99999999999999999999x" */
			return -1;
		}
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			overflow = true;
		else if (!overflow)
			v = v * base + (uint64_t)d;
	}
	if (overflow || v < min || v > max) {
		errno = ERANGE;
		return -1;
	}
	*out = v;
	return 0;
}

int num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out)
{
	return parse_base(s, len, 10, min, max, out);
}

int num_parse_hex_u64(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	return parse_base(s, len, 16, 0, max, out);
}

int num_parse_arg(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	if (s == NULL) {
		errno = EINVAL;
		return -1;
	}
	return parse_base(s, strlen(s), 10, min, max, out);
}
