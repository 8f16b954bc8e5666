/* SPDX-License-Identifier: MIT */
/*
 * http_date: HTTP dates (RFC 9110 5.6.7): the IMF-fixdate of every response's Date field and of
 * Set-Cookie's Expires, and the three forms a conditional request may send. Thread-safe, no
 * locks (glibc's gmtime_r takes one on every call).
 */
#ifndef HTTP_DATE_H
#define HTTP_DATE_H

#include <stddef.h>
#include <stdint.h>

/* Room for an IMF-fixdate and its NUL: the size of the buffers given to http_date(). */
#define HTTP_DATE_SIZE 30

/*
 * Format an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), thread-safe and lock-free. out holds
 * >= HTTP_DATE_SIZE. Returns the length (29), or 0 if out is too small or the year is outside
 * 0000-9999.
 */
size_t http_date(char *out, size_t outlen, int64_t unix_seconds);

/*
 * Parse an HTTP-date in any of the three forms RFC 9110 5.6.7 requires recipients to accept
 * (IMF-fixdate, RFC 850, asctime). Returns 0 and *unix_seconds, or -1.
 */
int http_date_parse(const char *s, size_t len, int64_t *unix_seconds);

#endif
