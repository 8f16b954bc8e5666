// SPDX-License-Identifier: MIT
/*
 * form: what request.form does in the handout's Flask demo ("Using flask"). Two body formats
 * give one list of fields: application/x-www-form-urlencoded (WHATWG URL standard 5.1) and
 * multipart/form-data (RFC 7578, framed as in RFC 2046 5.1.1). Everything is decoded in the
 * caller's buffer; nothing is allocated, so a hostile body can cost no more than its own size.
 *
 * Stricter than browsers and Flask on purpose: a broken "%" escape is 400, not guessed at (a
 * teaching server shows the client's mistake instead of hiding it), and a multipart body must be
 * framed exactly (a missing final boundary is 400, not "whatever arrived"). Left out: the
 * _charset_ field, filename* (RFC 7578 4.2 says not to send it), nested multipart/mixed.
 */
#include "http/form.h"

#include "http/http.h"
#include "http/url.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

static int fail(struct form *out, int *status, int code)
{
	out->count = 0;
	*status = code;
	return -1;
}

/* ---- application/x-www-form-urlencoded ---------------------------------------------------- */

/*
 * One "name=value" pair (WHATWG 5.1 step 3): the first '=' splits; without one, empty value.
 * Name and value are decoded in place (url_decode allows out == s); the byte after each (the '='
 * or '&', or the body's spare byte) takes its NUL.
 */
static int parse_pair(char *pair, size_t len, struct form_field *f)
{
	char *eq = memchr(pair, '=', len);
	size_t raw_name = eq != NULL ? (size_t)(eq - pair) : len;
	size_t raw_value = eq != NULL ? len - raw_name - 1 : 0;

	int name_len = url_decode(pair, raw_name, pair, raw_name + 1, true);
	if (name_len < 0)
		return -1;
	char *value = eq != NULL ? eq + 1 : pair + name_len;   /* else the name's NUL: "" */
	int value_len = url_decode(value, raw_value, value, raw_value + 1, true);
	if (value_len < 0)
		return -1;
	*f = (struct form_field){ .name = pair, .name_len = (size_t)name_len, .value = value,
	                          .value_len = (size_t)value_len, .filename = NULL };
	return 0;
}

int form_parse_urlencoded(char *body, size_t len, struct form *out, int *status)
{
	size_t start = 0;

	out->count = 0;
	while (start < len) {
		char *pair = body + start;
		char *amp = memchr(pair, '&', len - start);
		size_t pair_len = amp != NULL ? (size_t)(amp - pair) : len - start;

		start += pair_len + 1;
		if (pair_len == 0)
			continue;                   /* "a=1&&b=2", a trailing '&': WHATWG skips them */
		if (out->count == FORM_FIELDS_MAX)
			return fail(out, status, HTTP_CONTENT_TOO_LARGE);
		if (parse_pair(pair, pair_len, &out->fields[out->count]) < 0)
			return fail(out, status, errno == EINVAL ? HTTP_BAD_REQUEST
			                                          : HTTP_CONTENT_TOO_LARGE);
		out->count++;
	}
	return 0;
}

/* ---- header parameters (RFC 9110 5.6) -------------------------------------------------------- */

struct cursor {
	const char *s;
	size_t len;
	size_t i;
};

/* tchar, RFC 9110 5.6.2 */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static void skip_ows(struct cursor *c)
{
	while (c->i < c->len && (c->s[c->i] == ' ' || c->s[c->i] == '\t'))
		c->i++;
}

static size_t take_token(struct cursor *c)
{
	size_t start = c->i;

	while (c->i < c->len && is_tchar((unsigned char)c->s[c->i]))
		c->i++;
	return c->i - start;
}

/* Names of media types, headers and parameters compare case-insensitively (RFC 9110 5.1). */
static bool equals_ci(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && strncasecmp(s, word, n) == 0;
}

/*
 * A parameter value: a token, or a quoted-string with its quoted-pairs unescaped (RFC 9110
 * 5.6.4: qdtext is HTAB, SP, VCHAR except '"' and '\', and obs-text). The value goes to out
 * (NULL: checked and dropped) and *n; out may be the value's own first byte, because unescaping
 * never writes ahead of what it has read. Not NUL-terminated. false: bad syntax or over max.
 */
static bool param_value(struct cursor *c, char *out, size_t max, size_t *n)
{
	*n = 0;
	if (c->i == c->len)
		return false;
	if (c->s[c->i] != '"') {
		size_t start = c->i, len = take_token(c);
		if (len == 0 || len > max)
			return false;
		if (out != NULL)
			memmove(out, c->s + start, len);
		*n = len;
		return true;
	}
	for (c->i++; c->i < c->len; (*n)++) {
		unsigned char ch = (unsigned char)c->s[c->i++];
		if (ch == '"')
			return true;
		if (ch == '\\' && c->i < c->len)
			ch = (unsigned char)c->s[c->i++];   /* a final backslash: no closing quote */
		if ((ch < 0x20 && ch != '\t') || ch == 0x7f || *n == max)
			return false;
		if (out != NULL)
			out[*n] = (char)ch;
	}
	return false;                           /* no closing quote */
}

/*
 * The next parameter, *( OWS ";" OWS [ name "=" value ] ) (RFC 9110 5.6.6): returns 1 with the
 * cursor on the value and the name in *name, *name_len; 0 at the end; -1 on bad syntax.
 */
static int next_param(struct cursor *c, const char **name, size_t *name_len)
{
	for (;;) {
		skip_ows(c);
		if (c->i == c->len)
			return 0;
		if (c->s[c->i++] != ';')
			return -1;
		skip_ows(c);
		if (c->i < c->len && c->s[c->i] != ';')
			break;
	}
	*name = c->s + c->i;
	*name_len = take_token(c);
	if (*name_len == 0 || c->i == c->len || c->s[c->i] != '=')
		return -1;
	c->i++;
	return 1;
}

/* bchars, RFC 2046 5.1.1 */
static bool is_bchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("'()+_,-./:=? ", c) != NULL);
}

int form_multipart_boundary(const char *content_type, size_t len, char *out, size_t outlen)
{
	struct cursor c = { content_type, len, 0 };
	const char *type, *name;
	size_t n = 0, name_len;
	int found = -1, r;

	if (outlen == 0)
		return -1;
	out[0] = '\0';
	skip_ows(&c);
	type = c.s + c.i;
	take_token(&c);
	if (c.i < len && c.s[c.i] == '/') {
		c.i++;
		take_token(&c);
	}
	if (!equals_ci(type, (size_t)(c.s + c.i - type), "multipart/form-data"))
		return -1;
	size_t max = outlen - 1 < FORM_BOUNDARY_MAX ? outlen - 1 : FORM_BOUNDARY_MAX;
	while ((r = next_param(&c, &name, &name_len)) == 1) {
		bool is_boundary = equals_ci(name, name_len, "boundary");
		if (is_boundary && found >= 0)
			return -1;                  /* two boundaries: ambiguous, refuse */
		if (!param_value(&c, is_boundary ? out : NULL, is_boundary ? max : SIZE_MAX, &n))
			return -1;
		if (is_boundary)
			found = (int)n;
	}
	if (r < 0 || found <= 0 || out[found - 1] == ' ')
		return -1;                          /* RFC 2046: 1-70 bchars, not ending in a space */
	for (int i = 0; i < found; i++)
		if (!is_bchar((unsigned char)out[i]))
			return -1;
	out[found] = '\0';
	return found;
}

/* ---- multipart/form-data ------------------------------------------------------------------ */

/* The first needle in hay, or NULL (memmem, which is a GNU extension). */
static const char *find(const char *hay, size_t hay_len, const char *needle, size_t len)
{
	while (hay_len >= len) {
		const char *p = memchr(hay, needle[0], hay_len - len + 1);
		if (p == NULL)
			return NULL;
		if (memcmp(p, needle, len) == 0)
			return p;
		hay_len -= (size_t)(p - hay) + 1;
		hay = p + 1;
	}
	return NULL;
}

/*
 * Content-Disposition: form-data; name="..."; filename="..." (RFC 7578 4.2). The values are
 * unescaped where they stand and NUL-terminated only after the whole line is read, since a NUL
 * written earlier could land on the ';' still to be parsed.
 */
static bool disposition(struct cursor *c, char *line, struct form_field *f)
{
	char *name = NULL, *file = NULL;
	const char *key;
	size_t name_len = 0, file_len = 0, key_len, n;
	int r;

	skip_ows(c);
	key = c->s + c->i;
	if (!equals_ci(key, take_token(c), "form-data"))
		return false;
	while ((r = next_param(c, &key, &key_len)) == 1) {
		char *value = line + c->i;
		bool is_name = equals_ci(key, key_len, "name");
		bool is_file = equals_ci(key, key_len, "filename");
		if (!param_value(c, value, SIZE_MAX, &n) || (is_name && name) || (is_file && file))
			return false;               /* repeated: ambiguous, refuse */
		if (is_name) {
			name = value;
			name_len = n;
		} else if (is_file) {
			file = value;
			file_len = n;
		}
	}
	if (r < 0 || name == NULL)
		return false;
	name[name_len] = '\0';
	if (file != NULL)
		file[file_len] = '\0';
	*f = (struct form_field){ .name = name, .name_len = name_len, .filename = file };
	return true;
}

/* One part header line, CRLF stripped. Headers other than Content-Disposition are ignored. */
static int header_line(char *line, size_t len, struct form_field *f, bool *seen)
{
	struct cursor c = { line, len, 0 };
	size_t name_len = take_token(&c);

	/* a field name, ':', no bare CR (as the request parser: RFC 9112 2.2) */
	if (name_len == 0 || c.i == len || line[c.i++] != ':' || memchr(line, '\r', len) != NULL)
		return HTTP_BAD_REQUEST;
	if (!equals_ci(line, name_len, "Content-Disposition"))
		return 0;
	bool ok = !*seen && disposition(&c, line, f);   /* a second one: ambiguous, refuse */
	*seen = true;
	return ok ? 0 : HTTP_BAD_REQUEST;
}

/* The header block of one part, from *pos to its empty line. Returns 0 or the status. */
static int part_head(char *b, size_t len, size_t *pos, struct form_field *f)
{
	size_t i = *pos;
	size_t limit = len - i > FORM_PART_HEAD_MAX ? i + FORM_PART_HEAD_MAX : len;
	bool seen = false;

	for (;;) {
		char *lf = memchr(b + i, '\n', limit - i);
		if (lf == NULL)
			return limit < len ? HTTP_CONTENT_TOO_LARGE : HTTP_BAD_REQUEST;
		size_t end = (size_t)(lf - b);
		size_t text_end = end > i && b[end - 1] == '\r' ? end - 1 : end;   /* LF alone too */
		if (text_end == i) {
			*pos = end + 1;
			return seen ? 0 : HTTP_BAD_REQUEST;  /* RFC 7578 4.2: the name is required */
		}
		int status = header_line(b + i, text_end - i, f, &seen);
		if (status != 0)
			return status;
		i = end + 1;
	}
}

/*
 * After "--boundary": "--" closes the body (the epilogue after it is ignored); otherwise
 * transport padding and a line end open the next part (RFC 2046 5.1.1). 1 close, 0 next, -1 bad.
 */
static int after_delimiter(const char *b, size_t len, size_t *pos)
{
	size_t i = *pos;

	if (len - i >= 2 && b[i] == '-' && b[i + 1] == '-')
		return 1;
	while (i < len && (b[i] == ' ' || b[i] == '\t'))
		i++;
	if (i < len && b[i] == '\r')
		i++;
	if (i == len || b[i] != '\n')
		return -1;
	*pos = i + 1;
	return 0;
}

int form_parse_multipart(char *body, size_t len, const char *boundary, struct form *out,
                         int *status)
{
	static const char lead[] = "\r\n--";   /* CRLF "--" boundary: the CRLF belongs to it */
	const size_t lead_len = sizeof lead - 1, crlf = sizeof "\r\n" - 1;
	char delim[sizeof lead - 1 + FORM_BOUNDARY_MAX];
	size_t blen = strlen(boundary), dlen = lead_len + blen, pos;
	const char *d;

	out->count = 0;
	if (blen == 0 || blen > FORM_BOUNDARY_MAX)
		return fail(out, status, HTTP_BAD_REQUEST);
	memcpy(delim, lead, lead_len);
	memcpy(delim + lead_len, boundary, blen);
	if (len >= dlen - crlf && memcmp(body, delim + crlf, dlen - crlf) == 0)
		pos = dlen - crlf;                  /* no preamble: the body opens with the boundary */
	else if ((d = find(body, len, delim, dlen)) != NULL)
		pos = (size_t)(d - body) + dlen;    /* after a preamble, which is ignored */
	else
		return fail(out, status, HTTP_BAD_REQUEST);
	for (;;) {
		int r = after_delimiter(body, len, &pos), head;
		if (r != 0)
			return r > 0 ? 0 : fail(out, status, HTTP_BAD_REQUEST);
		if (out->count == FORM_FIELDS_MAX)
			return fail(out, status, HTTP_CONTENT_TOO_LARGE);
		struct form_field *f = &out->fields[out->count];
		if ((head = part_head(body, len, &pos, f)) != 0)
			return fail(out, status, head);
		/* the value is every byte up to the next delimiter: CRLFs and "--" inside are kept */
		if ((d = find(body + pos, len - pos, delim, dlen)) == NULL)
			return fail(out, status, HTTP_BAD_REQUEST);   /* no final boundary */
		size_t end = (size_t)(d - body);
		f->value = body + pos;
		f->value_len = end - pos;
		body[end] = '\0';                   /* on the delimiter's CR, already matched */
		pos = end + dlen;
		out->count++;
	}
}

const struct form_field *form_get(const struct form *f, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < f->count; i++)
		if (f->fields[i].name_len == len && memcmp(f->fields[i].name, name, len) == 0)
			return &f->fields[i];
	return NULL;
}
