/* SPDX-License-Identifier: MIT */
/*
 * url: the request path made safe to open, and names made safe to print. Decoding happens once,
 * dot segments are resolved against the root, and anything that would leave it is refused, so
 * "/../etc/passwd", "/%2e%2e/", "/..%2f" and "/%252e%252e/" (decoded once: a literal "%2e%2e"
 * name) never reach a file outside the served directory. Pure functions; thread-safe.
 */
#ifndef URL_H
#define URL_H

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"

/*
 * Turn the path part of a request target (query and fragment stripped here) into a relative
 * file path under the served root: percent-decode once, reject NUL (%00), reject a backslash,
 * DEL and any byte below 0x20, collapse "//", resolve "." and ".." segments, and refuse any ".."
 * that would climb above the root. Bytes >= 0x80 are opaque name bytes (overlong UTF-8 such as
 * %c0%ae is never a dot). The result has no leading slash ("" for the root itself) and
 * *trailing_slash tells whether the decoded path ended in "/".
 * Returns the length written to out (NUL-terminated), or -1 with errno EINVAL (bad encoding,
 * NUL, control byte, not starting with "/"), EACCES (climbs out of the root), ENAMETOOLONG.
 */
int url_to_relative_path(const char *target, size_t len, char *out, size_t outlen,
                         bool *trailing_slash);

/* The query string of a target (after '?', before '#'), or an empty one. */
void url_query(const char *target, size_t len, const char **query, size_t *query_len);

/*
 * Percent-decode s[0..len) into out. plus_is_space: '+' means ' ' (form encoding).
 * Returns the decoded length (out NUL-terminated), or -1 with errno EINVAL for a broken "%"
 * escape, ENAMETOOLONG when out is too small. Decoded NUL bytes are kept (callers decide).
 * out may be s itself (decoding in place): the output never gets ahead of the input.
 */
int url_decode(const char *s, size_t len, char *out, size_t outlen, bool plus_is_space);

/*
 * Append s[0..len) to b percent-encoded for an href, as Python's urllib.parse.quote(name,
 * safe='/') does: letters, digits, "_.-~/" stay, every other byte becomes %XX. Returns as the
 * buf appends do: true while nothing appended to b was lost.
 */
bool url_encode_path(struct buf *b, const char *s, size_t len);

/*
 * Append s[0..len) to b HTML-escaped for text and attribute values, as Python's html.escape(s)
 * (quote=True) does: & < > " ' become entities. Returns as url_encode_path().
 */
bool url_html_escape(struct buf *b, const char *s, size_t len);

#endif
