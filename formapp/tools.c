// SPDX-License-Identifier: MIT
/*
 * tools: two pages for watching HTTP itself. /cookies shows what the handout's "Cookie: name=value"
 * request header holds and sets a cookie with the attributes of "Cookie attributes" (expires,
 * path, domain, secure) and the two the handout leaves out (HttpOnly, SameSite), so a student can
 * watch a browser and curl keep or drop it. /stream is "Chunked Transfer-Encoding ... to reduce
 * latency": lines made one every delay_ms, each sent as its own chunk as soon as it exists, or
 * with mode=buffered all made first and sent with Content-Length, to compare the time to first
 * byte.
 */
#include "tools.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/io.h"
#include "base/num.h"
#include "base/stop.h"
#include "http/cookie.h"
#include "http/http_date.h"
#include "http/http_error.h"
#include "http/url.h"

#define STREAM_LINE_MAX 32    /* "line 1000 of 1000\n" and its NUL */
#define PAUSE_SLICE_MS 50     /* how soon a paused stream sees Ctrl-C */

/* The value of field name, or fallback when it is missing or empty. */
static const char *field_or(const struct form *f, const char *name, const char *fallback)
{
	const struct form_field *field = form_get(f, name);
	return field != NULL && field->value[0] != '\0' ? field->value : fallback;
}

/* GET /cookies: one "name=value" line per cookie the client sent, escaped, and the form. */
int tools_cookies(struct http_exchange *x, struct app *app, const struct form *f)
{
	/* The session id stays off the page: a script could fetch the page and read it, which is
	 * exactly what HttpOnly forbids it to do with the cookie. */
	static const char hidden[] = "(not shown)";
	const struct http_str *header = http_header_get(x->req, "Cookie");
	struct cookie list[COOKIE_MAX];
	bool more = false;
	size_t n = header != NULL ? cookie_parse(header->p, header->len, list, COOKIE_MAX, &more) : 0;
	/* Names and values are disjoint parts of the header, and an entity is at most 6 bytes
	 * (the hidden text is shorter than 6 times the session cookie's name and '='). */
	size_t size = (header != NULL ? 6 * header->len : 0) + 2 * n + 1;
	char *rows = malloc(size), count[48];
	struct buf b;
	int ret;

	(void)f;
	if (rows == NULL)
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, NULL);
	buf_init(&b, rows, size);
	for (size_t i = 0; i < n; i++) {
		const struct cookie *c = &list[i];
		bool hide = c->name_len == strlen(ROUTES_SESSION_COOKIE) &&
		            memcmp(c->name, ROUTES_SESSION_COOKIE, c->name_len) == 0;
		url_html_escape(&b, c->name, c->name_len);
		buf_putc(&b, '=');
		url_html_escape(&b, hide ? hidden : c->value, hide ? sizeof hidden - 1 : c->value_len);
		buf_putc(&b, '\n');
	}
	snprintf(count, sizeof count, "%zu%s", n, more ? " or more" : "");
	const struct template_var vars[] = { { "rows", rows }, { "count", count } };
	ret = buf_truncated(&b) ? http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, NULL) :
	      routes_send_page(x, HTTP_OK, app, PAGE_COOKIES, vars, sizeof vars / sizeof vars[0]);
	free(rows);
	return ret;
}

/* Max-Age (seconds) and Expires (an HTTP date: one in the past deletes the cookie, as the
 * handout's 2010 example would) from the form; empty is "not sent". */
static bool cookie_times(const struct form *f, struct cookie_attrs *a)
{
	const char *age = field_or(f, "max_age", ""), *expires = field_or(f, "expires", "");
	uint64_t v;

	if (age[0] != '\0') {
		if (num_parse_u64(age, strlen(age), 0, TOOLS_COOKIE_AGE_MAX, &v) < 0)
			return false;
		a->max_age = (int64_t)v;
	}
	return expires[0] == '\0' ||
	       (http_date_parse(expires, strlen(expires), &a->expires) == 0 && a->expires >= 0);
}

int tools_set_cookie(struct http_exchange *x, struct app *app, const struct form *f)
{
	char cookie[HTTP_RESPONSE_HEAD_MAX];
	struct cookie_attrs a = { .max_age = -1, .expires = -1 };

	(void)app;
	/* The session cookie is the server's: a link to this page from any site could otherwise
	 * plant the attacker's session id in the visitor's browser (session fixation). */
	if (strcmp(field_or(f, "name", ""), ROUTES_SESSION_COOKIE) == 0)
		return http_error_send(x, HTTP_FORBIDDEN, "The session cookie is the server's own");
	a.path = field_or(f, "path", NULL);
	a.domain = field_or(f, "domain", NULL);
	a.same_site = field_or(f, "samesite", NULL);
	a.secure = field_or(f, "secure", NULL) != NULL;         /* a checked box sends "on" */
	a.http_only = field_or(f, "httponly", NULL) != NULL;
	if (!cookie_times(f, &a) || cookie_format(cookie, sizeof cookie, field_or(f, "name", ""),
	                                          field_or(f, "value", ""), &a) < 0)
		return http_error_send(x, HTTP_BAD_REQUEST, "Not a cookie this form can set");
	return routes_redirect(x, "/cookies", cookie);
}

/* A number parameter in [min, max]; a missing one leaves *out as it is. */
static bool number_param(const struct form *f, const char *name, uint64_t min, uint64_t max,
                         uint64_t *out)
{
	const struct form_field *field = form_get(f, name);
	return field == NULL || num_parse_u64(field->value, field->value_len, min, max, out) == 0;
}

/* Wait ms, waking often enough that Ctrl-C does not wait for a slow stream. False once the
 * server is stopping. */
static bool pause_ms(uint64_t ms)
{
	int64_t end = io_now_ms() + (int64_t)ms;

	for (int64_t left = (int64_t)ms; left > 0 && !stop_requested(); left = end - io_now_ms()) {
		struct timespec ts = { 0, (left < PAUSE_SLICE_MS ? left : PAUSE_SLICE_MS) * 1000000L };
		nanosleep(&ts, NULL);
	}
	return !stop_requested();
}

/* Line i of n into out (STREAM_LINE_MAX bytes); its length. */
static size_t stream_line(char *out, uint64_t i, uint64_t n)
{
	int len = snprintf(out, STREAM_LINE_MAX, "line %" PRIu64 " of %" PRIu64 "\n", i, n);
	return len > 0 && len < STREAM_LINE_MAX ? (size_t)len : 0;
}

/*
 * The two ways to send lines made one every delay_ms. Chunked: the head at once, then each line
 * as its own chunk the moment it exists (RFC 9112 7.1; to an HTTP/1.0 client the engine sends
 * the same bytes unframed and closes at the end). Buffered: every line made first, then head
 * and body with Content-Length, so nothing at all arrives before the last line exists.
 */
static int send_lines(struct http_exchange *x, uint64_t n, uint64_t delay_ms, bool buffered)
{
	char *body = malloc(buffered ? n * STREAM_LINE_MAX : STREAM_LINE_MAX);
	size_t len = 0;
	int ret = -1;

	if (body == NULL || (!buffered && http_response_send_head(x, HTTP_BODY_UNKNOWN, false) < 0))
		goto done;
	for (uint64_t i = 1; i <= n; i++) {
		if (!x->head_only && !pause_ms(delay_ms))
			goto done;      /* stopping: a cut-short body, or the engine's 500 */
		size_t line = stream_line(body + len, i, n);
		if (buffered)
			len += line;
		else if (http_response_body(x, body, line) < 0)
			goto done;      /* the client left */
	}
	ret = buffered ? http_response_simple(x, HTTP_OK, NULL, body, len) : http_response_end(x);
done:
	free(body);
	return ret;
}

int tools_stream(struct http_exchange *x, struct app *app, const struct form *f)
{
	const char *mode = field_or(f, "mode", "");
	uint64_t n = 10, delay_ms = 200;

	(void)app;
	if (!number_param(f, "n", 1, TOOLS_STREAM_LINES_MAX, &n) ||
	    !number_param(f, "delay_ms", 0, TOOLS_STREAM_DELAY_MAX_MS, &delay_ms) ||
	    n * delay_ms > TOOLS_STREAM_TOTAL_MAX_MS ||
	    (mode[0] != '\0' && strcmp(mode, "chunked") != 0 && strcmp(mode, "buffered") != 0))
		return http_error_send(x, HTTP_BAD_REQUEST, "Use n=1..1000, delay_ms=0..5000 "
		                           "(60 s in all), mode=chunked or buffered");
	http_response_start(x, HTTP_OK);
	http_response_header(x, "Content-Type", "text/plain; charset=utf-8");
	/* Without it a browser holds back the first KiB of text/plain to guess its type, and the
	 * lines would not appear as they arrive. */
	http_response_header(x, "X-Content-Type-Options", "nosniff");
	http_response_header(x, "Cache-Control", "no-store");
	return send_lines(x, n, delay_ms, strcmp(mode, "buffered") == 0);
}
