// SPDX-License-Identifier: MIT
/*
 * url: request paths made safe to open and names made safe to print (handout Part C, the job
 * http.server's translate_path() does, done strictly). Every function writes into a buffer the
 * caller owns and sizes; truncation is an error, never a silently shorter answer.
 *
 * Deliberate differences from http.server: a ".." that climbs above the root is refused (EACCES)
 * instead of being dropped, and a backslash, NUL or control byte is refused (EINVAL).
 * Bytes >= 0x80 are opaque name bytes: nothing here interprets UTF-8, so an overlong encoding of
 * "." or "/" (%c0%ae, %c0%af, %e0%80%ae) can never turn into a dot or a separator; it is passed
 * on as the bytes of a (most likely missing) file name, and the open then answers 404.
 */
#include "http/url.h"

#include "base/num.h"

#include <errno.h>
#include <limits.h>

/* The caller's buffer and how much of it is used; one byte is always kept for the final NUL. */
struct sink {
	char *p;
	size_t size;
	size_t n;
};

static bool sink_put(struct sink *k, unsigned char c)
{
	if (k->n + 1 >= k->size || k->n >= (size_t)INT_MAX)
		return false;
	k->p[k->n++] = (char)c;
	return true;
}

static bool sink_put_str(struct sink *k, const char *s)
{
	for (; *s != '\0'; s++)
		if (!sink_put(k, (unsigned char)*s))
			return false;
	return true;
}

/* Fail with err and leave an empty string behind, so a caller that ignores -1 prints nothing. */
static int sink_fail(struct sink *k, int err)
{
	if (k->size > 0)
		k->p[0] = '\0';
	errno = err;
	return -1;
}

static int sink_finish(struct sink *k)
{
	if (k->size == 0)
		return sink_fail(k, ENAMETOOLONG);
	k->p[k->n] = '\0';
	return (int)k->n;
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

int url_decode(const char *s, size_t len, char *out, size_t outlen, bool plus_is_space)
{
	struct sink k = { out, outlen, 0 };
	size_t i = 0;

	while (i < len) {
		int c = next_byte(s, len, &i, plus_is_space);
		if (c < 0)
			return sink_fail(&k, EINVAL);
		if (!sink_put(&k, (unsigned char)c))
			return sink_fail(&k, ENAMETOOLONG);
	}
	return sink_finish(&k);
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
	struct sink out;
	size_t mark;            /* out.n before this segment and its separating '/' */
	size_t seg_len;         /* decoded bytes in the segment so far */
	bool all_dots;          /* the segment so far is only '.' */
	bool overflow;          /* a byte of the segment did not fit */
};

static void segment_add(struct path_state *st, unsigned char c)
{
	if (st->seg_len == 0) {
		st->mark = st->out.n;
		st->all_dots = true;
		st->overflow = st->out.n > 0 && !sink_put(&st->out, '/');
	}
	st->seg_len++;
	st->all_dots = st->all_dots && c == '.';
	if (!st->overflow && !sink_put(&st->out, c))
		st->overflow = true;
}

/* ".." removes the last kept segment; at the root there is none, and that is an attack. */
static int pop_segment(struct sink *k)
{
	if (k->n == 0) {
		errno = EACCES;
		return -1;
	}
	while (k->n > 0 && k->p[k->n - 1] != '/')
		k->n--;
	if (k->n > 0)
		k->n--;         /* the separator before the removed segment */
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
		st->out.n = st->mark;
		return len == 2 ? pop_segment(&st->out) : 0;
	}
	if (st->overflow) {
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
	struct path_state st = { .out = { out, outlen, 0 } };
	size_t end = path_length(target, len);
	size_t i = 1;
	int c = '/';

	if (end == 0 || target[0] != '/')
		return sink_fail(&st.out, EINVAL);
	while (i < end) {
		c = next_byte(target, end, &i, false);
		if (c < 0 || !path_byte_ok(c))
			return sink_fail(&st.out, EINVAL);
		if (c != '/')
			segment_add(&st, (unsigned char)c);
		else if (segment_end(&st) < 0)
			return sink_fail(&st.out, errno);
	}
	if (segment_end(&st) < 0)
		return sink_fail(&st.out, errno);
	if (trailing_slash != NULL)
		*trailing_slash = (c == '/');
	return sink_finish(&st.out);
}

/* RFC 3986 section 2.3 unreserved characters, plus '/' (quote()'s default safe='/'). */
static bool keep_in_path(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '.' || c == '-' || c == '~' || c == '/';
}

static const char hex_digits[] = "0123456789ABCDEF";

int url_encode_path(const char *s, size_t len, char *out, size_t outlen)
{
	struct sink k = { out, outlen, 0 };

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok;

		if (keep_in_path(c))
			ok = sink_put(&k, c);
		else
			ok = sink_put(&k, '%') && sink_put(&k, (unsigned char)hex_digits[c >> 4]) &&
			     sink_put(&k, (unsigned char)hex_digits[c & 15]);
		if (!ok)
			return sink_fail(&k, ENAMETOOLONG);
	}
	return sink_finish(&k);
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

int url_html_escape(const char *s, size_t len, char *out, size_t outlen)
{
	struct sink k = { out, outlen, 0 };

	for (size_t i = 0; i < len; i++) {
		const char *entity = html_entity((unsigned char)s[i]);
		bool ok = entity != NULL ? sink_put_str(&k, entity) :
		          sink_put(&k, (unsigned char)s[i]);
		if (!ok)
			return sink_fail(&k, ENAMETOOLONG);
	}
	return sink_finish(&k);
}
