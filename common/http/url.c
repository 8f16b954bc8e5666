// SPDX-License-Identifier: MIT
/*
 * url: request paths made safe to open and names made safe to print (handout Part C, the job
 * http.server's translate_path() does, done strictly). Every function writes into a buffer the
 * caller owns and sizes (the encoders append to the caller's struct buf); truncation is an
 * error, never a silently shorter answer.
 *
 * Deliberate differences from http.server: a ".." that climbs above the root is refused (EACCES)
 * instead of being dropped, and a backslash, NUL or control byte is refused (EINVAL).
 * Bytes >= 0x80 are opaque name bytes: nothing here interprets UTF-8, so an overlong encoding of
 * "." or "/" (%c0%ae, %c0%af, %e0%80%ae) can never turn into a dot or a separator; it is passed
 * on as the bytes of a (most likely missing) file name, and the open then answers 404.
 */
#include "http/url.h"

#include <errno.h>
#include <limits.h>

#include "base/num.h"

/* Fail with err and leave an empty string behind, so a caller that ignores -1 prints nothing. */
static int fail(char *out, size_t outlen, int err)
{
	if (outlen > 0)
		out[0] = '\0';
	errno = err;
	return -1;
}

/* The result in b, built in the caller's out[0..outlen): its length, or -1 when it was cut (or
 * is too long for an int, or there was no room even for the NUL). */
static int finish(struct buf *b, char *out, size_t outlen)
{
	if (outlen == 0 || buf_truncated(b) || b->len > INT_MAX)
		return fail(out, outlen, ENAMETOOLONG);
	return (int)b->len;
}

/*
 * The next byte of s[0..len) at *i, with one level of "%XX" decoded (RFC 3986 section 2.1), and
 * *i moved past it. Returns the byte (0..255), or -1 for a "%" not followed by two hex digits.
 */
static int next_byte(const char *s, size_t len, size_t *i, bool plus_is_space)
{
	unsigned char c = (unsigned char)s[*i];

	if (c != '%') {
		(*i)++;
		return c == '+' && plus_is_space ? ' ' : c;
	}
	if (len - *i < 3)
		return -1;
	int hi = num_hex_digit((unsigned char)s[*i + 1]);
	int lo = num_hex_digit((unsigned char)s[*i + 2]);
	if (hi < 0 || lo < 0)
		return -1;
	*i += 3;
	return hi * 16 + lo;
}

/*
 * Written byte by byte, not with a struct buf: out may be s itself, and a buffer's NUL after
 * each byte would land on input not read yet. The output never gets ahead of the input.
 */
int url_decode(const char *s, size_t len, char *out, size_t outlen, bool plus_is_space)
{
	size_t i = 0, n = 0;

	while (i < len) {
		int c = next_byte(s, len, &i, plus_is_space);
		if (c < 0)
			return fail(out, outlen, EINVAL);
		if (n + 1 >= outlen || n >= (size_t)INT_MAX)   /* a byte is kept for the NUL */
			return fail(out, outlen, ENAMETOOLONG);
		out[n++] = (char)c;
	}
	if (outlen == 0)
		return fail(out, outlen, ENAMETOOLONG);
	out[n] = '\0';
	return (int)n;
}

/* The path part of a target ends at the query or fragment (RFC 3986 section 3.3). */
static size_t path_length(const char *target, size_t len)
{
	size_t i = 0;

	while (i < len && target[i] != '?' && target[i] != '#')
		i++;
	return i;
}

void url_query(const char *target, size_t len, const char **query, size_t *query_len)
{
	size_t start = path_length(target, len);
	size_t end = start;

	*query = "";
	*query_len = 0;
	if (start == len || target[start] != '?')
		return;             /* no '?', or it comes after '#' and so is part of the fragment */
	start++;
	for (end = start; end < len && target[end] != '#'; end++)
		continue;
	*query = target + start;
	*query_len = end - start;
}

/*
 * The normalised path being built in the caller's buffer, and the segment being read into it.
 * A segment is written tentatively; when it turns out to be "." or ".." it is taken back, so only
 * segments that stay in the result need room (and a kept segment must fit when it is added).
 */
struct path_state {
	struct buf out;
	size_t mark;            /* out.len before this segment and its separating '/' */
	size_t seg_len;         /* decoded bytes in the segment so far */
	bool all_dots;          /* the segment so far is only '.' */
};

static void segment_add(struct path_state *st, unsigned char c)
{
	if (st->seg_len == 0) {
		st->mark = st->out.len;
		st->all_dots = true;
		if (st->out.len > 0)
			buf_putc(&st->out, '/');
	}
	st->seg_len++;
	st->all_dots = st->all_dots && c == '.';
	buf_putc(&st->out, (char)c);
}

/* ".." removes the last kept segment; at the root there is none, and that is an attack. */
static int pop_segment(struct buf *b)
{
	size_t n = b->len;

	if (n == 0) {
		errno = EACCES;
		return -1;
	}
	while (n > 0 && b->data[n - 1] != '/')
		n--;
	buf_rewind(b, n > 0 ? n - 1 : 0);   /* the separator before the segment goes too */
	return 0;
}

/*
 * A '/' or the end of the path closes a segment: RFC 3986 section 5.2.4 (remove_dot_segments),
 * except that a ".." at the root is refused rather than dropped, so the caller can answer 403.
 */
static int segment_end(struct path_state *st)
{
	size_t len = st->seg_len;

	st->seg_len = 0;
	if (len == 0)
		return 0;       /* "//": an empty segment names nothing */
	if (st->all_dots && len <= 2) {
		buf_rewind(&st->out, st->mark);   /* a dot segment takes back its bytes, kept or not */
		return len == 2 ? pop_segment(&st->out) : 0;
	}
	if (buf_truncated(&st->out)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/*
 * Bytes no file name here may hold: NUL would cut the name short in open(), control bytes and
 * DEL have no place in a URL (RFC 3986 section 2), and a backslash is a separator on Windows, so
 * refusing it makes every "..\" spelling moot.
 */
static bool path_byte_ok(int c)
{
	return c >= 0x20 && c != 0x7f && c != '\\';
}

/*
 * Decoding comes before dot resolution: "%2e" is "." (RFC 3986 section 6.2.2.2), and "%2f" is
 * taken as a separator because no file name can hold a '/', as http.server does.
 */
int url_to_relative_path(const char *target, size_t len, char *out, size_t outlen,
                         bool *trailing_slash)
{
	struct path_state st = { .seg_len = 0 };
	size_t end = path_length(target, len);
	size_t i = 1;
	int c = '/';

	buf_init(&st.out, out, outlen);
	if (end == 0 || target[0] != '/')
		return fail(out, outlen, EINVAL);
	while (i < end) {
		c = next_byte(target, end, &i, false);
		if (c < 0 || !path_byte_ok(c))
			return fail(out, outlen, EINVAL);
		if (c != '/')
			segment_add(&st, (unsigned char)c);
		else if (segment_end(&st) < 0)
			return fail(out, outlen, errno);
	}
	if (segment_end(&st) < 0)
		return fail(out, outlen, errno);
	if (trailing_slash != NULL)
		*trailing_slash = (c == '/');
	return finish(&st.out, out, outlen);
}

/* RFC 3986 section 2.3 unreserved characters, plus '/' (quote()'s default safe='/'). */
static bool keep_in_path(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '~' || c == '/';
}

static const char hex_digits[] = "0123456789ABCDEF";

/* Runs of bytes that stay are appended whole, each other byte as its %XX. */
bool url_encode_path(struct buf *b, const char *s, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (keep_in_path(c))
			continue;
		const char escape[3] = { '%', hex_digits[c >> 4], hex_digits[c & 15] };
		buf_append(b, s + run, i - run);
		buf_append(b, escape, sizeof escape);
		run = i + 1;
	}
	return buf_append(b, s + run, len - run);
}

/* The entities of Python's html.escape(s, quote=True), in the same spelling ("&#x27;"). */
static const char *html_entity(unsigned char c)
{
	switch (c) {
	case '&': return "&amp;";
	case '<': return "&lt;";
	case '>': return "&gt;";
	case '"': return "&quot;";
	case '\'': return "&#x27;";
	default: return NULL;
	}
}

bool url_html_escape(struct buf *b, const char *s, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		const char *entity = html_entity((unsigned char)s[i]);
		if (entity == NULL)
			continue;
		buf_append(b, s + run, i - run);
		buf_puts(b, entity);
		run = i + 1;
	}
	return buf_append(b, s + run, len - run);
}
