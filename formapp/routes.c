// SPDX-License-Identifier: MIT
/*
 * routes: formapp's answer to one request (handout "Using flask"). The table below is the app's
 * URL map, as the demo's @app.route("/", methods=['GET', 'POST']) is: each path names what GET
 * (and so HEAD) and POST do, and any other method gets 405 with an Allow field made from the
 * same entry. An unknown path is 404.
 *
 * Here too: the demo itself (GET / renders main.html; POST / answers "User: ...\nPassword: ..."
 * as the demo does), and the helpers every page uses: the page writer, the redirect, and the
 * cookie lookup. The session pages are in login.c; /cookies and /stream in tools.c.
 */
#include "routes.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "http/cookie.h"
#include "http/http_error.h"
#include "http/http_form.h"
#include "login.h"
#include "tools.h"

#define PAGE_MAX (4 * 1024 * 1024)   /* a rendered page; never reached by what clients send */

const char *const routes_page_files[PAGE_COUNT] = {
	[PAGE_MAIN] = "main.html", [PAGE_LOGIN] = "login.html", [PAGE_HOME] = "home.html",
	[PAGE_CHECKMAIL] = "checkmail.html", [PAGE_HIDDEN] = "hidden.html",
	[PAGE_QUERY] = "query.html", [PAGE_COOKIES] = "cookies.html",
};

static route_fn demo_form, demo_answer;

static const struct http_str none = { "None", sizeof "None" - 1 };   /* Python's str(None) */

struct route {
	const char *path;
	route_fn *get;          /* GET and HEAD; NULL: not allowed */
	route_fn *post;         /* NULL: not allowed */
	bool secret_query;      /* the query carries a session id: keep it out of the access log */
};

static const struct route routes[] = {
	{ "/", demo_form, demo_answer, false },
	{ "/login", login_form, login_submit, false },
	{ "/logout", NULL, login_logout, false },
	{ "/home", login_home, NULL, false },
	{ "/checkmail", login_checkmail, NULL, false },
	{ "/hidden", login_hidden, login_hidden, false },
	{ "/query", login_query, NULL, true },
	{ "/cookies", tools_cookies, NULL, false },
	{ "/cookies/set", tools_set_cookie, NULL, false },
	{ "/stream", tools_stream, NULL, false },
};

/* Flask's request.form for a POST, request.args otherwise, then the route. */
static int answer(struct http_exchange *x, struct app *app, route_fn *fn)
{
	char query[HTTP_REQUEST_LINE_MAX + 1], *body = NULL;
	struct form f;
	int status = x->req->method == HTTP_POST ? http_form_body(x, ROUTES_BODY_MAX, &f, &body) :
	             http_form_query(x->req, query, &f);
	int ret = status == 0 ? fn(x, app, &f) :
	          status < 0 ? -1 : http_error_send(x, status, NULL);

	free(body);
	return ret;
}

/* Whether the query has a field named sid, however its name was escaped ("%73id" is "sid"). */
static bool query_names_sid(const struct http_request *req)
{
	char decoded[HTTP_REQUEST_LINE_MAX + 1];
	struct form f;

	return http_form_query(req, decoded, &f) == 0 && form_get(&f, "sid") != NULL;
}

int routes_handle(struct http_exchange *x, void *ctx)
{
	const struct http_request *req = x->req;
	const char *query = memchr(req->path.p, '?', req->path.len);
	size_t len = query != NULL ? (size_t)(query - req->path.p) : req->path.len;

	/* A session id in the query of any URL (a shared link, a mistyped page) stays out of the
	 * access log, whatever route it reaches. */
	x->log_hide_query = query != NULL && query_names_sid(req);
	for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
		const struct route *r = &routes[i];
		if (strlen(r->path) != len || memcmp(r->path, req->path.p, len) != 0)
			continue;
		x->log_hide_query = x->log_hide_query || r->secret_query;
		if ((req->method == HTTP_GET || req->method == HTTP_HEAD) && r->get != NULL)
			return answer(x, ctx, r->get);
		if (req->method == HTTP_POST && r->post != NULL)
			return answer(x, ctx, r->post);
		return http_error_send_allow(x, r->get == NULL ? "POST" :
		                                 r->post == NULL ? "GET, HEAD" : "GET, HEAD, POST");
	}
	return http_error_send(x, HTTP_NOT_FOUND, NULL);
}

int routes_send_page(struct http_exchange *x, int status, const struct app *app, enum page page,
                     const struct template_var *vars, size_t nvars)
{
	const struct page_text *p = &app->pages[page];
	char *out = NULL;
	int len = -1, ret;

	/* Escaping can make a value six times longer ("&quot;"), and a variable may appear more
	 * than once: grow until the page fits. */
	for (size_t size = p->len + 1024; len < 0 && size <= PAGE_MAX; size *= 2) {
		free(out);
		out = malloc(size);
		if (out == NULL)
			break;
		len = template_render(p->text, p->len, vars, nvars, out, size);
		if (len < 0 && errno != ENAMETOOLONG)
			break;
	}
	if (len < 0) {
		free(out);
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, "Cannot render the page");
	}
	/* Pages show a user's session: no cache may keep them for someone else (RFC 9111 5.2.2.5). */
	http_response_start(x, status);
	http_response_header(x, "Cache-Control", "no-store");
	ret = http_response_simple(x, status, "text/html; charset=utf-8", out, (size_t)len);
	free(out);
	return ret;
}

int routes_redirect(struct http_exchange *x, const char *location, const char *set_cookie)
{
	/* 303, not 302: the browser follows a POST's answer with a GET (RFC 9110 15.4.4), so
	 * reloading the next page never sends the login form again. */
	http_response_start(x, HTTP_SEE_OTHER);
	if (http_response_header(x, "Location", "%s", location) < 0 ||
	    (set_cookie != NULL && http_response_header(x, "Set-Cookie", "%s", set_cookie) < 0))
		return http_error_send(x, HTTP_BAD_REQUEST, "Cookie too large");
	http_response_header(x, "Cache-Control", "no-store");
	return http_response_simple(x, HTTP_SEE_OTHER, NULL, "", 0);
}

struct http_str routes_cookie_id(const struct http_request *req)
{
	const struct http_str *header = http_header_get(req, "Cookie");
	struct cookie list[COOKIE_MAX];
	bool more;
	size_t n = header != NULL ? cookie_parse(header->p, header->len, list, COOKIE_MAX, &more) : 0;
	const struct cookie *c = cookie_find(list, n, ROUTES_SESSION_COOKIE);

	return c != NULL ? (struct http_str){ c->value, c->value_len } : (struct http_str){ NULL, 0 };
}

/* Whether value starts with scheme://host, host compared case-insensitively (RFC 3986 3.2.2),
 * and ends there or goes on with the path ("/..."); path_allowed for a Referer only. */
static bool names_origin(struct http_str value, const char *scheme, const char *host,
                         bool path_allowed)
{
	size_t n = strlen(scheme), h = strlen(host);

	if (value.len < n + 3 + h || memcmp(value.p, scheme, n) != 0 ||
	    memcmp(value.p + n, "://", 3) != 0)
		return false;
	struct http_str authority = { value.p + n + 3, h };
	if (!http_str_ieq(authority, host))
		return false;
	return value.len == n + 3 + h || (path_allowed && value.p[n + 3 + h] == '/');
}

bool routes_same_origin(const struct http_exchange *x, const struct app *app)
{
	const struct http_str *origin = http_header_get(x->req, "Origin");
	const struct http_str *referer = http_header_get(x->req, "Referer");
	const char *scheme = app->https ? "https" : "http";
	char host[HTTP_HEADER_LINE_MAX + 1];

	if (origin == NULL && referer == NULL)
		return true;
	if (x->req->authority.len >= sizeof host)
		return false;
	memcpy(host, x->req->authority.p, x->req->authority.len);
	host[x->req->authority.len] = '\0';
	if (origin != NULL)
		return names_origin(*origin, scheme, host, false);
	return names_origin(*referer, scheme, host, true);
}

/* GET /: the demo's render_template('main.html'). */
static int demo_form(struct http_exchange *x, struct app *app, const struct form *f)
{
	(void)f;
	return routes_send_page(x, HTTP_OK, app, PAGE_MAIN, NULL, 0);
}

/*
 * POST /: the demo's "User: %s\nPassword: %s" % (user, password), where a missing field is
 * Python's None. As text/plain: the demo's text/html would run a user name such as
 * "<script>..." in the browser (reflected XSS).
 */
static int demo_answer(struct http_exchange *x, struct app *app, const struct form *f)
{
	static const char user_label[] = "User: ", password_label[] = "\nPassword: ";
	const struct form_field *user = form_get(f, "user"), *password = form_get(f, "password");
	/* A file part is Flask's request.files, not request.form: None, as there. */
	struct http_str u = user != NULL && user->filename == NULL ?
	                    (struct http_str){ user->value, user->value_len } : none;
	struct http_str p = password != NULL && password->filename == NULL ?
	                    (struct http_str){ password->value, password->value_len } : none;
	size_t size = sizeof user_label - 1 + u.len + sizeof password_label - 1 + p.len + 1;
	char *text = malloc(size);      /* one buffer, so the answer leaves in one write */
	struct buf b;

	(void)app;
	if (text == NULL)
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, NULL);
	buf_init(&b, text, size);
	buf_puts(&b, user_label);       /* values may hold NUL bytes (multipart): appended whole */
	buf_append(&b, u.p, u.len);
	buf_puts(&b, password_label);
	buf_append(&b, p.p, p.len);
	int ret = http_response_simple(x, HTTP_OK, "text/plain; charset=utf-8", text, b.len);
	free(text);
	return ret;
}
