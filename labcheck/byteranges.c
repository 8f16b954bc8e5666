// SPDX-License-Identifier: MIT
/*
 * byteranges: Content-Range values and multipart/byteranges bodies read back from a server (see
 * byteranges.h), the checks of handout Part A.1 "Partial Content". Strict where RFC 9110 binds
 * the sender (the "bytes" unit, first <= last < complete, one Content-Range in each part, parts
 * separated by CRLF "--boundary"); each refusal is a sentence for the student.
 *
 * Left out on purpose: units other than bytes (labcheck asks for bytes only), and a part's other
 * header fields (Content-Type is optional in a part and labcheck does not compare it).
 */
#include "byteranges.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/num.h"
#include "response.h"

/* A sentence into err (BYTERANGES_ERROR_MAX bytes); returns -1. */
__attribute__((format(printf, 2, 3)))
static int fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, BYTERANGES_ERROR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

/* p[0..n) equals the NUL-terminated lit, ASCII case-insensitively. */
static bool ieq(const char *p, size_t n, const char *lit)
{
	return response_str_ieq((struct response_str){ p, n }, lit);
}

/* The digits at *p (before end) as a number; advances *p past them. Returns 0, or -1. */
static int number(const char **p, const char *end, uint64_t *v)
{
	const char *start = *p;

	while (*p < end && **p >= '0' && **p <= '9')
		(*p)++;
	return num_parse_u64(start, (size_t)(*p - start), 0, UINT64_MAX, v);
}

int byteranges_content_range(const char *s, size_t len, struct byteranges_range *out, char *err)
{
	const char *p = s + 6, *end = s + len;

	*out = (struct byteranges_range){ .unsatisfied = false };
	if (len < 6 || !ieq(s, 6, "bytes "))
		return fail(err, "Content-Range '%.*s' does not start with 'bytes ' (RFC 9110 14.4)",
		            (int)(len < 40 ? len : 40), s);
	if (p < end && *p == '*') {       /* unsatisfied-range = "*" "/" complete-length */
		out->unsatisfied = true;
		p++;
		if (p == end || *p++ != '/' || number(&p, end, &out->complete) < 0 || p != end)
			return fail(err, "Content-Range '%.*s' is not 'bytes */LENGTH' (RFC 9110 14.4)",
			            (int)(len < 40 ? len : 40), s);
		return 0;
	}
	if (number(&p, end, &out->first) < 0 || p == end || *p++ != '-' ||
	    number(&p, end, &out->last) < 0 || p == end || *p++ != '/')
		return fail(err, "Content-Range '%.*s' is not 'bytes FIRST-LAST/LENGTH' (RFC 9110 14.4)",
		            (int)(len < 40 ? len : 40), s);
	if (p + 1 == end && *p == '*')
		out->length_unknown = true;
	else if (number(&p, end, &out->complete) < 0 || p != end)
		return fail(err, "Content-Range '%.*s' has no LENGTH (digits or *) after its '/'",
		            (int)(len < 40 ? len : 40), s);
	if (out->first > out->last || (!out->length_unknown && out->last >= out->complete))
		return fail(err, "Content-Range '%.*s' is invalid: RFC 9110 14.4 needs FIRST <= LAST "
		            "< LENGTH", (int)(len < 40 ? len : 40), s);
	return 0;
}

/* One parameter of a media type (RFC 9110 5.6.6), raw: a quoted value keeps its quotes. */
struct param {
	const char *name, *value;
	size_t name_len, value_len;
};

/* The parameter after the ';' at *p (input ends at end); *p moves to the next ';' or end. */
static int next_param(const char **p, const char *end, struct param *out)
{
	const char *q = *p + 1;

	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	for (out->name = q; q < end && response_is_tchar((unsigned char)*q);)
		q++;
	out->name_len = (size_t)(q - out->name);
	if (out->name_len == 0 || q == end || *q++ != '=')
		return -1;
	out->value = q;
	if (q < end && *q == '"') {         /* quoted-string, with quoted-pairs (5.6.4) */
		for (q++; q < end && *q != '"'; q++)
			if (*q == '\\' && q + 1 < end)
				q++;
		if (q++ == end)
			return -1;
	} else {
		while (q < end && response_is_tchar((unsigned char)*q))
			q++;
	}
	out->value_len = (size_t)(q - out->value);
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	*p = q;
	return out->value_len > 0 && (q == end || *q == ';') ? 0 : -1;
}

/* The boundary's value without quotes or quoted-pair backslashes, into out. Returns its length. */
static int unquote(const struct param *v, char *out)
{
	const char *p = v->value, *end = p + v->value_len;
	size_t n = 0;

	if (*p == '"') {
		p++;
		end--;
	}
	for (; p < end; p++) {
		if (*p == '\\')
			p++;
		if (n == BYTERANGES_BOUNDARY_MAX)
			return -1;
		out[n++] = *p;
	}
	out[n] = '\0';
	return n > 0 ? (int)n : -1;
}

int byteranges_boundary(const char *s, size_t len, char *out, char *err)
{
	const char *p = memchr(s, ';', len), *end = s + len;
	size_t type = (size_t)((p ? p : end) - s);
	int found = -1;
	struct param param;

	while (type > 0 && (s[type - 1] == ' ' || s[type - 1] == '\t'))
		type--;
	if (!ieq(s, type, "multipart/byteranges"))
		return fail(err, "a multipart 206 has Content-Type '%.*s', not multipart/byteranges "
		            "(RFC 9110 14.6)", (int)(len < 60 ? len : 60), s);
	while (p != NULL && p < end) {
		if (next_param(&p, end, &param) < 0)
			return fail(err, "the parameters of Content-Type '%.*s' do not parse (RFC 9110 "
			            "5.6.6)", (int)(len < 60 ? len : 60), s);
		if (ieq(param.name, param.name_len, "boundary") &&
		    (found = unquote(&param, out)) < 0)
			return fail(err, "the boundary of a multipart 206 is not 1 to %d characters (RFC "
			            "2046 5.1.1)", BYTERANGES_BOUNDARY_MAX);
	}
	if (found < 0)
		return fail(err, "a multipart/byteranges 206 has no boundary parameter (RFC 9110 14.6)");
	return found;
}

/* The line at b[pos..len) up to its CRLF: its length, or -1 when no CRLF ends it there. */
static long line_at(const char *b, size_t len, size_t pos)
{
	const char *lf = memchr(b + pos, '\n', len - pos);

	if (lf == NULL || lf == b + pos || lf[-1] != '\r')
		return -1;
	return (long)(lf - 1 - (b + pos));
}

/* The header lines of part k at *pos up to the empty line: its one Content-Range into out. */
static int part_head(const char *b, size_t len, size_t *pos, int k,
                     struct byteranges_range *out, char *err)
{
	int ranges = 0;
	long n;

	while ((n = line_at(b, len, *pos)) > 0) {
		const char *line = b + *pos, *colon = memchr(line, ':', (size_t)n);
		*pos += (size_t)n + 2;
		if (colon == NULL || !ieq(line, (size_t)(colon - line), "Content-Range"))
			continue;
		const char *v = colon + 1, *e = line + n;
		while (v < e && (*v == ' ' || *v == '\t'))
			v++;
		while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (++ranges > 1)
			return fail(err, "part %d has two Content-Range fields", k);
		if (byteranges_content_range(v, (size_t)(e - v), out, err) < 0)
			return -1;
	}
	if (n < 0)
		return fail(err, "part %d: its head does not end in CRLF CRLF (RFC 2046 5.1.1)", k);
	*pos += 2;
	if (ranges == 0 || out->unsatisfied)
		return fail(err, "part %d has no Content-Range with a byte range (RFC 9110 14.6)", k);
	return 0;
}

/* The position of the first "--boundary" at the start of b or after a CRLF, or -1. */
static long first_delimiter(const char *b, size_t len, const char *boundary, size_t blen)
{
	for (size_t pos = 0; pos + 2 + blen <= len; pos++)
		if ((pos == 0 || (pos >= 2 && b[pos - 2] == '\r' && b[pos - 1] == '\n')) &&
		    b[pos] == '-' && b[pos + 1] == '-' && memcmp(b + pos + 2, boundary, blen) == 0)
			return (long)pos;
	return -1;
}

int byteranges_parse(const char *b, size_t len, const char *boundary,
                     struct byteranges_part *parts, int max, char *err)
{
	size_t blen = strlen(boundary);
	long at = first_delimiter(b, len, boundary, blen);
	int k = 0;

	if (at < 0)
		return fail(err, "the body never starts a part with --%s (RFC 2046 5.1.1)", boundary);
	for (size_t pos = (size_t)at + 2 + blen, pad;; pos += 4 + blen) {
		if (len - pos >= 2 && b[pos] == '-' && b[pos + 1] == '-')   /* the close delimiter */
			return k > 0 ? k : fail(err, "the multipart body has no part");
		for (pad = pos; pad < len && (b[pad] == ' ' || b[pad] == '\t'); pad++)
			;
		if (++k > max)
			return fail(err, "the multipart body has more than %d parts", max);
		if (len - pad < 2 || b[pad] != '\r' || b[pad + 1] != '\n')
			return fail(err, "part %d: the boundary line does not end in CRLF", k);
		pos = pad + 2;
		struct byteranges_part *part = &parts[k - 1];
		if (part_head(b, len, &pos, k, &part->range, err) < 0)
			return -1;
		uint64_t span = part->range.last - part->range.first;   /* length - 1, no overflow */
		if (span >= len - pos || len - pos - span - 1 < 4 + blen ||
		    memcmp(b + pos + span + 1, "\r\n--", 4) != 0 ||
		    memcmp(b + pos + span + 5, boundary, blen) != 0)
			return fail(err, "part %d: the %llu bytes its Content-Range names are not followed "
			            "by CRLF --boundary (RFC 2046 5.1.1)", k,
			            (unsigned long long)span + 1);
		part->data = b + pos;
		part->len = (size_t)span + 1;
		pos += part->len;
	}
}
