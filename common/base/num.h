/* SPDX-License-Identifier: MIT */
/*
 * num: the one bounded number parser for everything that comes from the wire or the command
 * line (ports, Content-Length, chunk sizes, range bounds, query parameters). atoi and
 * strtol() accept signs, spaces and overflow silently; these accept only plain digits.
 */
#ifndef NUM_H
#define NUM_H

#include <stddef.h>
#include <stdint.h>

/*
 * Parse s[0..len) as plain decimal digits (no sign, no space, at least one digit) into *out, and
 * check min <= value <= max. Returns 0, or -1 with errno EINVAL (not digits, empty) or ERANGE
 * (overflow or out of [min, max]). *out is untouched on error.
 */
int num_parse_u64(const char *s, size_t len, uint64_t min, uint64_t max, uint64_t *out);

/* The same for hexadecimal digits (0-9a-fA-F), as in a chunk size line (RFC 9112 7.1). */
int num_parse_hex_u64(const char *s, size_t len, uint64_t max, uint64_t *out);

/* The value of one hex digit (0-9, a-f, A-F), or -1: for chunk sizes and %XX escapes. */
int num_hex_digit(unsigned char c);

/* Command-line helper: a NUL-terminated decimal string in [min, max]. Same returns. */
int num_parse_arg(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
