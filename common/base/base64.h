/* SPDX-License-Identifier: MIT */
/*
 * base64: RFC 4648 section 4's encoding, alphabet A-Z a-z 0-9 + /. Two users: labcheck's
 * `Authorization: Basic` (RFC 7617: padded with '=') and formapp's users file (the PHC string
 * format: no padding).
 *
 * Error convention: base64_decode returns -1 for any text that is not exactly one encoding.
 */
#ifndef BASE64_H
#define BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* The size of out that base64_encode needs for len bytes: four characters for each three bytes
 * or part of three, and the NUL. Enough with padding or without. */
#define BASE64_SIZE(len) (4 * (((len) + 2) / 3) + 1)

/* in[0..len) encoded into out (BASE64_SIZE(len) bytes) and NUL-terminated; with pad, the last
 * group is filled to four characters with '=' (RFC 4648 3.2). Returns the length written. */
size_t base64_encode(char *out, const unsigned char *in, size_t len, bool pad);

/*
 * s[0..len) decoded into out (at most max bytes): unpadded text only, every character from the
 * alphabet, and the unused low bits of the last character zero, so each value has one spelling
 * (RFC 4648 3.5). Returns the byte count, or -1 (another character, '=' included; a length that
 * no encoding has; nonzero unused bits; more than max bytes).
 */
long base64_decode(const char *s, size_t len, unsigned char *out, size_t max);

#endif
