/* SPDX-License-Identifier: MIT */
/*
 * routes: formapp's URL map and what its pages share: the app's state (templates, users file,
 * session table), the page writer, the redirect, and the session cookie.
 */
#ifndef ROUTES_H
#define ROUTES_H

#include <stdbool.h>
#include <stddef.h>

#include "http/form.h"
#include "http/http.h"
#include "http/http_response.h"
#include "session.h"
#include "template.h"

#define ROUTES_BODY_MAX (1024 * 1024)   /* a larger request body: 413 */
#define ROUTES_SESSION_COOKIE "sessionid"   /* the cookie that carries the session id */

/* The templates, by what they show; routes_page_files[] names their files. */
enum page { PAGE_MAIN, PAGE_LOGIN, PAGE_HOME, PAGE_CHECKMAIL, PAGE_HIDDEN, PAGE_QUERY,
	    PAGE_COOKIES, PAGE_COUNT };
extern const char *const routes_page_files[PAGE_COUNT];

struct page_text {
	char *text;        /* template_load()'s buffer */
	size_t len;
};

/* The handler's context: read-only after start-up, except the session table (its own mutex). */
struct app {
	struct page_text pages[PAGE_COUNT];
	const char *users_path;
	struct session_table *sessions;
	bool https;        /* served over HTTPS (--tls-cert): session cookies get Secure */
};

/*
 * What a route does, given the request's form: the body's (POST) or the query string's (GET,
 * HEAD), already read and parsed; a form that could not be is answered before (400, 413).
 * Returns as a handler of struct http_config does.
 */
typedef int route_fn(struct http_exchange *x, struct app *app, const struct form *f);

/* The engine's handler (struct http_config's handle), ctx a struct app. */
int routes_handle(struct http_exchange *x, void *ctx);

/* A page rendered with vars, as text/html, with Cache-Control: no-store. Returns as
 * http_response_simple(). */
int routes_send_page(struct http_exchange *x, int status, const struct app *app, enum page page,
                     const struct template_var *vars, size_t nvars);

/* 303 See Other to location, with a Set-Cookie field when set_cookie is not NULL. */
int routes_redirect(struct http_exchange *x, const char *location, const char *set_cookie);

/*
 * Whether a POST comes from one of this server's own pages, for the routes that change state
 * (login, logout): its Origin field, or when it has none its Referer, must name this server as
 * the Host field does ("http://127.0.0.1:5000"); "null" never does. A request with neither
 * (curl, a script) is taken. RFC 6454 for the origin; the check OWASP calls "verifying origin
 * with standard headers".
 */
bool routes_same_origin(const struct http_exchange *x, const struct app *app);

/* The value of the request's session cookie (ROUTES_SESSION_COOKIE), or {NULL, 0}. Points into
 * the request. */
struct http_str routes_cookie_id(const struct http_request *req);

#endif
