// SPDX-License-Identifier: MIT
/*
 * base64: three bytes make 24 bits, written as four 6-bit digits of the alphabet (RFC 4648 4).
 * A last group of one or two bytes makes two or three digits, then '=' up to four if padded.
 */
#include "base64.h"

#include <stdint.h>
#include <string.h>

static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t base64_encode(char *out, const unsigned char *in, size_t len, bool pad)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (i + 1 < len ? (uint32_t)in[i + 1] << 8 : 0) |
		             (i + 2 < len ? in[i + 2] : 0);
		size_t used = len - i >= 3 ? 4 : len - i + 1;   /* digits that carry bits */
		for (size_t k = 0; k < 4; k++) {
			if (k < used)
				out[o++] = digits[(v >> (18 - 6 * k)) & 63];
			else if (pad)
				out[o++] = '=';
		}
	}
	out[o] = '\0';
	return o;
}

long base64_decode(const char *s, size_t len, unsigned char *out, size_t max)
{
	uint32_t acc = 0;
	size_t bits = 0, n = 0;

	if (len % 4 == 1)        /* one digit holds 6 bits: not a byte */
		return -1;
	for (size_t i = 0; i < len; i++) {
		const char *at = s[i] != '\0' ? strchr(digits, s[i]) : NULL;
		if (at == NULL)
			return -1;
		acc = (acc << 6 | (uint32_t)(at - digits)) & 0xffffff;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (n == max)
				return -1;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	return (acc & ((1u << bits) - 1)) == 0 ? (long)n : -1;
}
