/* SPDX-License-Identifier: MIT */
/*
 * cookie: the Cookie request header and the Set-Cookie response header (RFC 6265 sections 4.1
 * and 5.4; handout "HTTP Cookies" and "Cookie attributes"). Pure functions, no allocation.
 */
#ifndef COOKIE_H
#define COOKIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COOKIE_MAX 50               /* cookies read from one request; the rest are ignored */

struct cookie {
	const char *name;   /* points into the header value; not NUL-terminated */
	size_t name_len;
	const char *value;  /* surrounding DQUOTEs removed */
	size_t value_len;
};

/*
 * Split a Cookie header value ("a=1; b=2") into pairs. Pairs without '=' or with an empty or
 * invalid name are skipped; whitespace around names and values is trimmed. Returns the number of
 * cookies stored (at most max); *more is set when some were left out for lack of room.
 */
size_t cookie_parse(const char *header, size_t len, struct cookie *out, size_t max, bool *more);

/* The value of the first cookie named name among the parsed ones, or NULL. */
const struct cookie *cookie_find(const struct cookie *list, size_t n, const char *name);

/* The attributes of one Set-Cookie header. Unset fields are left out of the header. */
struct cookie_attrs {
	int64_t max_age;        /* seconds; < 0: not sent */
	int64_t expires;        /* unix time; < 0: not sent */
	const char *path;       /* NULL: not sent */
	const char *domain;     /* NULL: not sent */
	bool secure, http_only;
	const char *same_site;  /* "Lax", "Strict", "None", or NULL */
};

/*
 * Build a Set-Cookie value "name=value; Expires=...; Max-Age=...; Domain=...; Path=...; Secure;
 * HttpOnly; SameSite=Lax" into out. Name must be a token; value, path and domain must be
 * cookie-octets / safe attribute text (no CTLs, no ';'; path and domain not empty), same_site
 * one of the three, expires before year 10000, else -1 with errno EINVAL; a value that would not
 * fit is -1 ENAMETOOLONG. Returns the length written (NUL-terminated); on -1 out is "".
 */
int cookie_format(char *out, size_t outlen, const char *name, const char *value,
                  const struct cookie_attrs *attrs);

#endif
