// SPDX-License-Identifier: MIT
/*
 * range: byte ranges (RFC 9110 section 14), the handout's "Partial Content" of Part A.1. A
 * browser seeking in a video, or `curl -C -` resuming a download, sends "Range: bytes=a-b"; the
 * server answers 206 with just those bytes and a Content-Range saying where they sit in the file.
 *
 * The parser allocates nothing and reads each number through num_parse_u64(), so a number too
 * big for 64 bits is refused, never wrapped. The abuse bounds (RANGE_MAX range-specs, a total no
 * larger than the file) keep one request from asking for the same bytes many times over
 * (CVE-2011-3192); such a request is served the whole file once, which RFC 9110 14.2 allows.
 *
 * Left out on purpose: units other than bytes (none is registered for files), and If-Range,
 * which needs the file's validators and is the caller's (fileserver/ranges.c).
 */
#include "http/range.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base/num.h"

/* What one range-spec turned out to be. */
enum spec { SPEC_INVALID, SPEC_UNSATISFIABLE, SPEC_EMPTY_FILE, SPEC_OK };

/* The ranges read so far. */
struct range_list {
	struct range *out;
	int n;                  /* satisfiable ranges in out */
	int specs;              /* range-specs seen, satisfiable or not */
	uint64_t total;         /* bytes of the satisfiable ones, before merging */
	bool empty_file;        /* a suffix-range of an empty file was asked for */
};

/* OWS (RFC 9110 5.6.3). */
static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * One range-spec of RFC 9110 14.1.1, for a file of size bytes: "first-last", "first-" (to the
 * end) or "-suffix" (the last suffix bytes). A last-pos past the end, or a suffix longer than
 * the file, means "to the end" / "the whole file". A last-pos below its first-pos is invalid:
 * num_parse_u64() refuses it with first as its minimum.
 */
static enum spec parse_spec(const char *s, size_t len, uint64_t size, struct range *r)
{
	const char *dash = memchr(s, '-', len);
	uint64_t first, last = UINT64_MAX;

	if (dash == NULL)
		return SPEC_INVALID;
	size_t first_len = (size_t)(dash - s), last_len = len - first_len - 1;
	if (first_len == 0) {
		if (num_parse_u64(dash + 1, last_len, 0, UINT64_MAX, &last) < 0)
			return SPEC_INVALID;
		if (last == 0)
			return SPEC_UNSATISFIABLE;      /* "-0": no bytes at all */
		if (size == 0)
			return SPEC_EMPTY_FILE;
		r->first = last < size ? size - last : 0;
		r->last = size - 1;
		return SPEC_OK;
	}
	if (num_parse_u64(s, first_len, 0, UINT64_MAX, &first) < 0 ||
	    (last_len > 0 && num_parse_u64(dash + 1, last_len, first, UINT64_MAX, &last) < 0))
		return SPEC_INVALID;
	if (first >= size)
		return SPEC_UNSATISFIABLE;
	r->first = first;
	r->last = last < size - 1 ? last : size - 1;
	return SPEC_OK;
}

/* Add the range-spec s[0..len) to l. Returns 0, or -1 when the whole Range must be ignored. */
static int add_spec(struct range_list *l, const char *s, size_t len, uint64_t size)
{
	struct range *r = &l->out[l->n];

	if (++l->specs > RANGE_MAX)
		return -1;
	switch (parse_spec(s, len, size, r)) {
	case SPEC_INVALID:
		return -1;
	case SPEC_UNSATISFIABLE:
		return 0;
	case SPEC_EMPTY_FILE:
		l->empty_file = true;
		return 0;
	case SPEC_OK:
		break;
	}
	/* More bytes than the file holds can only come from overlaps: a broken client or an
	 * attack (RFC 9110 17.15). Each length is at most size, so nothing here overflows. */
	if (r->last - r->first + 1 > size - l->total)
		return -1;
	l->total += r->last - r->first + 1;
	l->n++;
	return 0;
}

/*
 * Sort r[0..n) by start and merge ranges that overlap or touch (RFC 9110 15.3.7.2 lets a server
 * coalesce them), so no byte is sent twice and the parts come in file order. Insertion sort:
 * n is at most RANGE_MAX. Returns the new count. Every last is below size, so last + 1 fits.
 */
static int coalesce(struct range *r, int n)
{
	int m = 0;

	for (int i = 1; i < n; i++) {
		struct range key = r[i];
		int j = i;
		for (; j > 0 && r[j - 1].first > key.first; j--)
			r[j] = r[j - 1];
		r[j] = key;
	}
	for (int i = 1; i < n; i++) {
		if (r[i].first > r[m].last + 1)
			r[++m] = r[i];
		else if (r[i].last > r[m].last)
			r[m].last = r[i].last;
	}
	return m + 1;
}

/*
 * ranges-specifier = range-unit "=" range-set, range-set = 1#range-spec (RFC 9110 14.1-14.2).
 * Elements are split at commas; the whitespace around each is skipped, and an empty element
 * ("0-1,,2-3") is ignored as RFC 9110 5.6.1 asks of recipients.
 */
int range_parse(const char *s, size_t len, uint64_t size, struct range out[RANGE_MAX])
{
	const char *eq = len > 0 ? memchr(s, '=', len) : NULL;
	struct range_list l = { .out = out };
	size_t i;

	/* Range unit names are case-insensitive (RFC 9110 14.1); an unknown one is ignored (14.2). */
	static const char unit[] = "bytes";
	size_t unit_len = sizeof unit - 1;
	if (eq == NULL || (size_t)(eq - s) != unit_len || strncasecmp(s, unit, unit_len) != 0)
		return RANGE_IGNORE;
	for (i = (size_t)(eq + 1 - s); i < len; i++) {
		size_t start, end;
		while (i < len && is_ows(s[i]))
			i++;
		for (start = i; i < len && s[i] != ','; i++)
			continue;
		for (end = i; end > start && is_ows(s[end - 1]); end--)
			continue;
		if (end > start && add_spec(&l, s + start, end - start, size) < 0)
			return RANGE_IGNORE;
	}
	if (l.specs == 0)
		return RANGE_IGNORE;            /* "bytes=" or "bytes=,": no range-spec at all */
	if (l.n == 0)
		return l.empty_file ? RANGE_IGNORE : RANGE_UNSATISFIABLE;
	return coalesce(out, l.n);
}

/* snprintf's length, or -1 when it failed or did not fit. */
static int fitted(int n, size_t cap)
{
	return n >= 0 && (size_t)n < cap ? n : -1;
}

int range_content_range(char *out, size_t cap, const struct range *r, uint64_t size)
{
	if (r == NULL)
		return fitted(snprintf(out, cap, "bytes */%" PRIu64, size), cap);
	return fitted(snprintf(out, cap, "bytes %" PRIu64 "-%" PRIu64 "/%" PRIu64, r->first,
	                       r->last, size), cap);
}

/*
 * RFC 2046 5.1.1: a delimiter is CRLF "--" boundary, and the CRLF before it belongs to the
 * delimiter, not to the part before. Starting every part with it (the first after an empty
 * preamble) makes each part head the same shape, so the length is a plain sum.
 */
int range_part_head(char *out, size_t cap, const char *boundary, const char *type,
                    const struct range *r, uint64_t size)
{
	return fitted(snprintf(out, cap,
	                       "\r\n--%s\r\nContent-Type: %s\r\nContent-Range: bytes %" PRIu64
	                       "-%" PRIu64 "/%" PRIu64 "\r\n\r\n",
	                       boundary, type, r->first, r->last, size), cap);
}

int range_multipart_tail(char *out, size_t cap, const char *boundary)
{
	return fitted(snprintf(out, cap, "\r\n--%s--\r\n", boundary), cap);
}

int64_t range_multipart_length(const struct range *r, int n, const char *boundary,
                               const char *type, uint64_t size)
{
	char head[RANGE_PART_HEAD_MAX];
	int len = range_multipart_tail(head, sizeof head, boundary);
	uint64_t total;

	if (len < 0)
		return -1;
	total = (uint64_t)len;
	for (int i = 0; i < n; i++) {
		uint64_t part = r[i].last - r[i].first + 1;
		len = range_part_head(head, sizeof head, boundary, type, &r[i], size);
		/* total stays at most INT64_MAX, so neither subtraction wraps. */
		if (len < 0 || (uint64_t)len > (uint64_t)INT64_MAX - total ||
		    part > (uint64_t)INT64_MAX - total - (uint64_t)len)
			return -1;
		total += (uint64_t)len + part;
	}
	return (int64_t)total;
}
