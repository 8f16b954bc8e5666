/* SPDX-License-Identifier: MIT */
/*
 * byteranges: what a server answers to a Range request, read back strictly (RFC 9110 14.4 and
 * 14.6, handout Part A.1 "Partial Content"): the Content-Range field ("bytes 0-4/13", or
 * "bytes * /13" without the space for a 416), and a multipart/byteranges body, part by part.
 * The inverse of common/range.c, which writes them. Pure functions: no allocation, no I/O,
 * thread-safe; results point into the caller's buffer.
 */
#ifndef BYTERANGES_H
#define BYTERANGES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BYTERANGES_PARTS_MAX 16      /* parts read from one multipart body */
#define BYTERANGES_BOUNDARY_MAX 70   /* RFC 2046 5.1.1: a boundary is 1 to 70 characters */
#define BYTERANGES_ERROR_MAX 200

/* One Content-Range value: bytes first-last/complete, or (unsatisfied) bytes * /complete. */
struct byteranges_range {
	bool unsatisfied;        /* the 416 form */
	bool length_unknown;     /* "/ *": the server does not know the complete length */
	uint64_t first, last;    /* both included; not set when unsatisfied */
	uint64_t complete;       /* not set when length_unknown */
};

/*
 * Read the Content-Range value s[0..len) (not NUL-terminated): "bytes" SP (first "-" last "/"
 * (complete / "*") / "*" "/" complete), with first <= last < complete (RFC 9110 14.4).
 * Returns 0, or -1 with a sentence in err (BYTERANGES_ERROR_MAX bytes).
 */
int byteranges_content_range(const char *s, size_t len, struct byteranges_range *out, char *err);

/*
 * The boundary parameter of a Content-Type value s[0..len) that must be multipart/byteranges
 * (RFC 9110 14.6), token or quoted-string, into out (BYTERANGES_BOUNDARY_MAX + 1 bytes,
 * NUL-terminated). Returns its length, or -1 with a sentence in err.
 */
int byteranges_boundary(const char *s, size_t len, char *out, char *err);

/* One part of a multipart/byteranges body: its Content-Range and its bytes. */
struct byteranges_part {
	struct byteranges_range range;
	const char *data;
	size_t len;              /* always range.last - range.first + 1 */
};

/*
 * Split the body b[0..len) with this boundary into parts (RFC 2046 5.1.1): an optional preamble,
 * "--boundary" CRLF, each part's header lines and an empty line, exactly the bytes its
 * Content-Range names, CRLF "--boundary", and "--" after the last one. Each part must have one
 * satisfied Content-Range. Returns the number of parts (1..max), or -1 with a sentence in err.
 */
int byteranges_parse(const char *b, size_t len, const char *boundary,
                     struct byteranges_part *parts, int max, char *err);

#endif
