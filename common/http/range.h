/* SPDX-License-Identifier: MIT */
/*
 * range: the Range header of a GET (RFC 9110 section 14, handout Part A.1 "Partial Content")
 * read against the size of a file, and the text of the answer: Content-Range, and the part
 * heads of a multipart/byteranges body (RFC 9110 14.6). Pure functions: no allocation, no I/O,
 * thread-safe; the caller owns every buffer.
 */
#ifndef RANGE_H
#define RANGE_H

#include <stddef.h>
#include <stdint.h>

/*
 * At most this many range-specs in one Range field; more are ignored whole (200, full file).
 * A few parts are what real clients ask for; thousands of tiny overlapping ones were the
 * Apache Killer denial of service (CVE-2011-3192, RFC 9110 17.15).
 */
#define RANGE_MAX 16

/* What range_parse() says besides a count of ranges. */
enum {
	RANGE_UNSATISFIABLE = -1,   /* valid, but no range overlaps the file: 416 */
	RANGE_IGNORE = 0            /* serve the whole file with 200, as if no Range was sent */
};

/* One byte range, both ends included, as Content-Range writes it (RFC 9110 14.4). */
struct range {
	uint64_t first;
	uint64_t last;
};

/*
 * Read a Range field value s[0..len) (not NUL-terminated) for a file of size bytes.
 * Returns n in 1..RANGE_MAX with out[0..n) holding the ranges to send, clamped to the file,
 * sorted, and with overlapping or adjacent ranges merged (RFC 9110 14.1.2, 15.3.7.2: n == 1
 * is a single-part 206, n > 1 a multipart one); RANGE_UNSATISFIABLE when the field is valid
 * but no range is satisfiable (first-pos at or past the end, "-0", any int-range of an empty
 * file); or RANGE_IGNORE when the Range must be ignored and the whole file sent:
 *   - a unit other than "bytes" (compared case-insensitively) or invalid syntax, including a
 *     last-pos below its first-pos and a number that does not fit 64 bits (never wrapped);
 *   - more than RANGE_MAX range-specs, or satisfiable ranges whose lengths add up to more than
 *     the file (overlaps: RFC 9110 14.2 lets a server ignore those);
 *   - an empty file asked for a suffix ("-5"): RFC 9110 14.1.1 calls that satisfiable, yet no
 *     Content-Range can name a byte of it, so the whole (empty) file is the answer.
 * Whitespace (SP, HTAB) around the commas and around each range-spec is skipped, and empty list
 * elements are ignored (RFC 9110 5.6.1); inside a range-spec it is invalid.
 * out must hold RANGE_MAX ranges; it is written even when the result is not positive.
 */
int range_parse(const char *s, size_t len, uint64_t size, struct range out[RANGE_MAX]);

/*
 * Content-Range value into out: "bytes 0-99/1000" for r; when r is NULL, the 416 form, "bytes *"
 * directly followed by "/1000" (RFC 9110 14.4). Returns the length, or -1 if out is too small
 * (72 bytes always suffice).
 */
int range_content_range(char *out, size_t cap, const struct range *r, uint64_t size);

/* A multipart/byteranges boundary: hex digits only, so it is a valid RFC 2046 boundary. */
#define RANGE_BOUNDARY_LEN 32
/* Room for one part head with a content type of up to 256 bytes. */
#define RANGE_PART_HEAD_MAX 512

/*
 * The head of one part of a multipart/byteranges body (RFC 9110 14.6), the CRLF that ends the
 * previous part (or the empty preamble) included:
 *   "\r\n--BOUNDARY\r\nContent-Type: TYPE\r\nContent-Range: bytes a-b/size\r\n\r\n"
 * Each part's bytes follow their head; range_multipart_tail() ends the body. Returns the
 * length, or -1 if out (cap bytes) is too small.
 */
int range_part_head(char *out, size_t cap, const char *boundary, const char *type,
                    const struct range *r, uint64_t size);

/* The close delimiter that ends the body: "\r\n--BOUNDARY--\r\n". Returns the length or -1. */
int range_multipart_tail(char *out, size_t cap, const char *boundary);

/*
 * The exact length of the whole multipart body for ranges r[0..n) (part heads, part bytes and
 * the tail), for its Content-Length. Returns it, or -1 if a head does not fit
 * RANGE_PART_HEAD_MAX or the total does not fit an int64_t.
 */
int64_t range_multipart_length(const struct range *r, int n, const char *boundary,
                               const char *type, uint64_t size);

#endif
