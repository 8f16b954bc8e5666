// SPDX-License-Identifier: MIT
/*
 * cookie: the state HTTP itself does not keep (handout "HTTP Cookies", "Cookie attributes").
 * A browser sends its cookies back in one Cookie header, "a=1; b=2" (RFC 6265 5.4); the server
 * sets one with each Set-Cookie header (RFC 6265 4.1.1).
 *
 * Reading is lenient, as RFC 6265 5.2 asks of every cookie reader: a missing space after ';',
 * spaces around names and values, and quotes around a value are all accepted; a pair that makes
 * no sense is skipped, never an error, so one bad cookie cannot lock a user out of the site.
 * Writing is strict: only what RFC 6265 4.1.1 allows a server to send goes out, because a ';' or
 * CR/LF in a value would let whoever chose that value add attributes or headers of their own.
 */
#include "http/cookie.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <string.h>

#include "base/buf.h"
#include "http/http_date.h"

/* token (RFC 9110 5.6.2), which RFC 6265 4.1.1 uses for cookie-name */
static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static bool is_token(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_tchar((unsigned char)s[i]))
			return false;
	return true;
}

static bool is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Trim OWS from both ends of s[0..*len). */
static const char *trim(const char *s, size_t *len)
{
	while (*len > 0 && is_ows(s[0])) {
		s++;
		(*len)--;
	}
	while (*len > 0 && is_ows(s[*len - 1]))
		(*len)--;
	return s;
}

/* One "name=value" between semicolons; false when it is to be skipped. */
static bool parse_pair(const char *s, size_t len, struct cookie *c)
{
	const char *eq = memchr(s, '=', len);

	if (eq == NULL)
		return false;               /* RFC 6265 5.2 step 2: no '=', ignore it */
	c->name_len = (size_t)(eq - s);
	c->name = trim(s, &c->name_len);
	if (!is_token(c->name, c->name_len))
		return false;
	c->value_len = len - (size_t)(eq + 1 - s);
	c->value = trim(eq + 1, &c->value_len);
	if (c->value_len >= 2 && c->value[0] == '"' && c->value[c->value_len - 1] == '"') {
		c->value++;                 /* cookie-value = DQUOTE *cookie-octet DQUOTE (4.1.1) */
		c->value_len -= 2;
	}
	return true;
}

size_t cookie_parse(const char *header, size_t len, struct cookie *out, size_t max, bool *more)
{
	size_t n = 0, start = 0;

	*more = false;
	while (start < len) {
		const char *pair = header + start;
		const char *semi = memchr(pair, ';', len - start);
		size_t pair_len = semi != NULL ? (size_t)(semi - pair) : len - start;
		struct cookie c;

		start += pair_len + 1;
		if (!parse_pair(pair, pair_len, &c))
			continue;
		if (n == max) {
			*more = true;       /* the rest are ignored: COOKIE_MAX bounds the work */
			break;
		}
		out[n++] = c;
	}
	return n;
}

const struct cookie *cookie_find(const struct cookie *list, size_t n, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < n; i++)
		if (list[i].name_len == len && memcmp(list[i].name, name, len) == 0)
			return &list[i];
	return NULL;
}

/* cookie-octet (RFC 6265 4.1.1): US-ASCII without CTLs, whitespace, DQUOTE, ',', ';', '\' */
static bool is_cookie_value(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= 0x20 || c >= 0x7f || c == '"' || c == ',' || c == ';' || c == '\\')
			return false;
	}
	return true;
}

/*
 * path-value (RFC 6265 4.1.1): any CHAR but CTLs and ';'; the same for Domain, whose stricter
 * grammar the browser enforces. Empty is refused: NULL is the way to leave one out.
 */
static bool is_attr_value(const char *s)
{
	if (s == NULL)
		return true;
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c >= 0x7f || c == ';')
			return false;
	}
	return true;
}

static bool is_same_site(const char *s)
{
	return s == NULL || strcmp(s, "Lax") == 0 || strcmp(s, "Strict") == 0 ||
	       strcmp(s, "None") == 0;
}

static void put_attr(struct buf *b, const char *name, const char *value)
{
	if (value == NULL)
		return;
	buf_puts(b, name);
	buf_puts(b, value);
}

/* Expires as an IMF-fixdate (RFC 6265 4.1.1 sane-cookie-date), Max-Age as decimal seconds. */
static bool put_times(struct buf *b, const struct cookie_attrs *a)
{
	char date[HTTP_DATE_SIZE];

	if (a->expires >= 0) {
		if (http_date(date, sizeof(date), a->expires) == 0)
			return false;               /* beyond year 9999 */
		put_attr(b, "; Expires=", date);
	}
	if (a->max_age >= 0)
		buf_printf(b, "; Max-Age=%" PRId64, a->max_age);   /* 0: expire now (logout) */
	return true;
}

/* Leave an empty string behind, so a caller that ignores -1 sends no half-built header. */
static int fail(char *out, size_t outlen, int err)
{
	if (outlen > 0)
		out[0] = '\0';
	errno = err;
	return -1;
}

int cookie_format(char *out, size_t outlen, const char *name, const char *value,
                  const struct cookie_attrs *attrs)
{
	struct buf b;

	if (!is_token(name, strlen(name)) || !is_cookie_value(value) ||
	    !is_attr_value(attrs->path) || !is_attr_value(attrs->domain) ||
	    !is_same_site(attrs->same_site))
		return fail(out, outlen, EINVAL);
	buf_init(&b, out, outlen);
	buf_puts(&b, name);
	buf_putc(&b, '=');
	buf_puts(&b, value);
	if (!put_times(&b, attrs))
		return fail(out, outlen, EINVAL);
	put_attr(&b, "; Domain=", attrs->domain);
	put_attr(&b, "; Path=", attrs->path);
	if (attrs->secure)
		buf_puts(&b, "; Secure");
	if (attrs->http_only)
		buf_puts(&b, "; HttpOnly");
	put_attr(&b, "; SameSite=", attrs->same_site);
	if (outlen == 0 || buf_truncated(&b) || b.len > INT_MAX)
		return fail(out, outlen, ENAMETOOLONG);
	return (int)b.len;
}
