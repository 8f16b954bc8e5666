// SPDX-License-Identifier: MIT
/*
 * login: the handout's session example (Part A.2), page by page:
 *   POST /login  user=philip&pw=123456   ->  303 to /home, Set-Cookie: sessionid=...
 *   GET /home       Cookie: sessionid=...  ->  the user's page
 *   GET /checkmail  Cookie: sessionid=...  ->  another page of the same session
 * HTTP itself remembers nothing between these requests: the cookie the browser sends back is the
 * whole link between them, and the server's table (formapp/session.c) is the memory. The same
 * session can also travel in a hidden form field (/hidden) or in the query string (/query), the
 * handout's two other carriers, shown here so that the lab notes can show how they leak.
 *
 * The rules (DESIGN.md): ids only from the table, a new id at every login (no session fixation),
 * the session removed on the server at logout, cookies HttpOnly and SameSite=Lax, Secure under
 * HTTPS, and ids never in a log.
 */
#include "login.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "http/cookie.h"
#include "base/io.h"
#include "base/log.h"
#include "http/http_date.h"
#include "http/http_error.h"
#include "guard.h"
#include "users.h"

#define COOKIE_TEXT_MAX 256

/*
 * The session cookie's Set-Cookie value. HttpOnly: page scripts cannot read it, so an injected
 * script cannot send it away. SameSite=Lax: other sites' forms and scripts do not get it sent
 * along (cross-site request forgery). Secure: only over HTTPS, where nobody on the path reads it.
 * No Max-Age: the browser forgets it when it quits, and the server's idle expiry ends it anyway.
 */
static int session_cookie(const struct app *app, const char *id, int64_t max_age, char *out)
{
	struct cookie_attrs a = { .max_age = max_age, .expires = -1, .path = "/",
	                          .secure = app->https, .http_only = true, .same_site = "Lax" };
	return cookie_format(out, COOKIE_TEXT_MAX, ROUTES_SESSION_COOKIE, id, &a);
}

/* The login form, with a message after a failed attempt. */
static int show_form(struct http_exchange *x, const struct app *app, const char *message)
{
	const struct template_var vars[] = { { "message", message } };
	return routes_send_page(x, HTTP_OK, app, PAGE_LOGIN, vars, sizeof vars / sizeof vars[0]);
}

int login_form(struct http_exchange *x, struct app *app, const struct form *f)
{
	(void)f;
	return show_form(x, app, "");
}

/*
 * The form's user and pw right: a new session, its cookie, and 303 to /home. Wrong: the form
 * again with a message, as 200: a 401 must carry a WWW-Authenticate challenge (RFC 9110 15.5.2),
 * which belongs to HTTP's own authentication, not to a login form.
 */
/*
 * users_check() with the guards of guard.h around it: 1 for the right password, 0 for a wrong
 * one, -1 for an error of the users file, or the status already answered (429, 503) as -2.
 */
static int check_password(struct http_exchange *x, struct app *app, const struct form_field *user,
                          const struct form_field *pw, int *answered)
{
	const char *address = x->peer->host;
	unsigned retry_s = 0;
	int ok;

	if (!guard_login_allowed(address, io_now_ms(), &retry_s)) {
		*answered = http_error_send_retry(x, HTTP_TOO_MANY_REQUESTS, retry_s,
		                                  "Too many failed logins: wait a minute");
		return -2;
	}
	if (!guard_hash_begin(GUARD_HASH_WAIT_MS)) {
		*answered = http_error_send_retry(x, HTTP_SERVICE_UNAVAILABLE, 1,
		                                  "Too many logins at once: try again in a second");
		return -2;
	}
	ok = users_check(app->users_path, user->value, user->value_len, pw->value, pw->value_len);
	guard_hash_end();
	if (ok == 0)
		guard_login_failed(address, io_now_ms());
	else if (ok == 1)
		guard_login_succeeded(address);
	return ok;
}

int login_submit(struct http_exchange *x, struct app *app, const struct form *f)
{
	const struct form_field *user = form_get(f, "user"), *pw = form_get(f, "pw");
	struct http_str old = routes_cookie_id(x->req);
	char id[SESSION_ID_LEN + 1], cookie[COOKIE_TEXT_MAX], reason[128];
	int answered = 0;
	if (!routes_same_origin(x, app))
		return http_error_send(x, HTTP_FORBIDDEN, "Cross-site login refused");
	int ok = user == NULL || pw == NULL ? 0 : check_password(x, app, user, pw, &answered);

	if (ok == -2)
		return answered;
	if (ok < 0) {
		log_error("formapp: cannot read the users file %s: %s", app->users_path,
		          log_strerror(errno, reason, sizeof reason));
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, "No users file");
	}
	if (ok == 0)
		return show_form(x, app, "Wrong user name or password.");
	/* Whatever id the client came with is dropped, and a fresh one issued: an id planted in
	 * the browser before the login (session fixation) is worth nothing after it. */
	if (old.p != NULL)
		session_remove(app->sessions, old.p, old.len);
	if (session_create(app->sessions, user->value, x->peer->host, io_now_ms(), id) < 0 ||
	    session_cookie(app, id, -1, cookie) < 0)
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, "Cannot start a session");
	return routes_redirect(x, "/home", cookie);
}

/* The session ends on the server, so a copy of the cookie kept anywhere is worthless from now
 * on; Max-Age=0 also tells the browser to drop its own. */
int login_logout(struct http_exchange *x, struct app *app, const struct form *f)
{
	struct http_str id = routes_cookie_id(x->req);
	char cookie[COOKIE_TEXT_MAX];

	(void)f;
	if (!routes_same_origin(x, app))
		return http_error_send(x, HTTP_FORBIDDEN, "Cross-site logout refused");
	if (id.p != NULL)
		session_remove(app->sessions, id.p, id.len);
	if (session_cookie(app, "", 0, cookie) < 0)
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, NULL);
	return routes_redirect(x, "/login", cookie);
}

/* The page of the session with this id (from whichever carrier), or 303 to /login. */
static int show_session(struct http_exchange *x, struct app *app, enum page page,
                        struct http_str id)
{
	char sid[SESSION_ID_LEN + 1] = "", when[HTTP_DATE_SIZE] = "", count[24];
	struct session_info s;

	if (id.p == NULL || session_touch(app->sessions, id.p, id.len, io_now_ms(), &s) < 0)
		return routes_redirect(x, "/login", NULL);
	memcpy(sid, id.p, SESSION_ID_LEN);      /* found, so exactly that long */
	http_date(when, sizeof when, s.login_time);
	snprintf(count, sizeof count, "%" PRIu64, s.requests);
	const struct template_var vars[] = { { "user", s.user }, { "login_time", when },
	                                     { "requests", count }, { "sid", sid } };
	size_t n = sizeof vars / sizeof vars[0];
	/* Only the carrier pages get {{ sid }}, the last variable; the others cannot show the id by
	 * mistake. */
	return routes_send_page(x, HTTP_OK, app, page, vars,
	                        page == PAGE_HIDDEN || page == PAGE_QUERY ? n : n - 1);
}

int login_home(struct http_exchange *x, struct app *app, const struct form *f)
{
	(void)f;
	return show_session(x, app, PAGE_HOME, routes_cookie_id(x->req));
}

int login_checkmail(struct http_exchange *x, struct app *app, const struct form *f)
{
	(void)f;
	return show_session(x, app, PAGE_CHECKMAIL, routes_cookie_id(x->req));
}

/*
 * GET /hidden: the way in, by the cookie. POST /hidden: by the hidden field sid alone, as a site
 * without cookies carries a session from form to form. The id is in every page's source, where
 * any script on the page can read it: HttpOnly cannot protect it.
 */
int login_hidden(struct http_exchange *x, struct app *app, const struct form *f)
{
	const struct form_field *sid = form_get(f, "sid");
	struct http_str id = x->req->method != HTTP_POST ? routes_cookie_id(x->req) :
	                     sid != NULL ? (struct http_str){ sid->value, sid->value_len } :
	                     (struct http_str){ NULL, 0 };
	return show_session(x, app, PAGE_HIDDEN, id);
}

/*
 * GET /query?sid=...: by the query string alone; without sid, by the cookie (the way in). The id
 * is now in the URL: in the address bar, the history, bookmarks, every link the user shares, and
 * the Referer of the next request. This server keeps it out of its own access log (the route is
 * marked secret_query in routes.c); many servers and proxies would log it.
 */
int login_query(struct http_exchange *x, struct app *app, const struct form *f)
{
	const struct form_field *sid = form_get(f, "sid");
	return show_session(x, app, PAGE_QUERY, sid != NULL ?
	                    (struct http_str){ sid->value, sid->value_len } : routes_cookie_id(x->req));
}
