// SPDX-License-Identifier: MIT
/*
 * checks_state: state.* (see checks_state.h). Each check logs in afresh, so each stands alone
 * under --only: POST --login with the form fields (default user=philip&pw=123456, the
 * handout's), keep the first Set-Cookie's NAME=VALUE, and send it back as the browser would.
 * These requests leave --cookie out: the session cookie is what is being checked.
 *
 * "Opens the page" means a 2xx answer; anything else (a redirect to the login, 401, 403) keeps
 * it closed. Logout is POST (as formapp's form sends it), or GET when POST gets 405.
 */
#include "checks_state.h"

#include <stdio.h>
#include <string.h>

#define COOKIE_MAX 512                 /* the session's NAME=VALUE, kept from Set-Cookie */
/* The header lines of one of these requests: the cookie's, and Content-Type and -Length. */
#define FIELDS_MAX (COOKIE_MAX + sizeof "Cookie: \r\nContent-Type: application/x-www-form-" \
                    "urlencoded\r\nContent-Length: 18446744073709551615\r\n")
#define FORM_MAX 1024                  /* the login form's body */
#define NO_LOGIN "give --login PATH to check login sessions"

/*
 * Append s at out + *used (cap bytes in all): as it is when raw, else percent-encoded as a form
 * field (RFC 3986 2.3: unreserved bytes stay). False when it does not fit.
 */
static bool append(const char *s, bool raw, char *out, size_t cap, size_t *used)
{
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		bool plain = raw || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') ||
		             (ch >= 'A' && ch <= 'Z') || strchr("-._~", ch) != NULL;
		int n = snprintf(out + *used, cap - *used, plain ? "%c" : "%%%02X", ch);
		if (n < 0 || (size_t)n >= cap - *used)
			return false;
		*used += (size_t)n;
	}
	return true;
}

/* The login form, FIELD=USER&FIELD=PASSWORD, into out. Returns its length, or -1. */
static int login_form(const struct checks_env *env, char *out, size_t cap)
{
	size_t n = 0;
	bool ok = append(env->user_field, false, out, cap, &n) && append("=", true, out, cap, &n) &&
	          append(env->user, false, out, cap, &n) && append("&", true, out, cap, &n) &&
	          append(env->password_field, false, out, cap, &n) &&
	          append("=", true, out, cap, &n) && append(env->password, false, out, cap, &n);

	return ok ? (int)n : -1;
}

/* The first Set-Cookie's NAME=VALUE (RFC 6265 4.1.1: before the first ';') into out. */
static bool session_cookie(const struct response *r, char out[COOKIE_MAX])
{
	const struct response_str *v = response_field(r, "Set-Cookie");
	const char *semi = v != NULL ? memchr(v->p, ';', v->len) : NULL;
	size_t n = v == NULL ? 0 : semi != NULL ? (size_t)(semi - v->p) : v->len;

	while (n > 0 && (v->p[n - 1] == ' ' || v->p[n - 1] == '\t'))
		n--;
	const char *eq = n > 0 ? memchr(v->p, '=', n) : NULL;
	if (eq == NULL || eq == v->p || n >= COOKIE_MAX)
		return false;
	memcpy(out, v->p, n);
	out[n] = '\0';
	return true;
}

/* Log in; the session cookie into cookie. False with res FAIL when there is none. */
static bool log_in(const struct checks_env *env, struct check_result *res, char *cookie)
{
	char form[FORM_MAX], fields[FIELDS_MAX], status[CHECKS_TEXT_MAX];
	int n = login_form(env, form, sizeof form);
	const struct checks_request q = { "POST", env->login, NULL, fields, TARGET_NO_COOKIE, form,
	                                  n > 0 ? (size_t)n : 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;

	if (n < 0) {
		checks_fail(res, "the login form is too long for labcheck");
		return false;
	}
	snprintf(fields, sizeof fields, "Content-Type: application/x-www-form-urlencoded\r\n"
	         "Content-Length: %d\r\n", n);
	int rc = checks_ask(env, res, &c, &q, &r);
	bool ok = rc == WIRE_OK && r.status < 400 && session_cookie(&r, cookie);
	if (rc == WIRE_OK && !ok)
		checks_fail(res, "the login, POST %s with %s=%s, got %s and no session cookie (%s)",
		            env->login, env->user_field, env->user, checks_status(&r, status),
		            r.status < 400 ? "no Set-Cookie; a wrong --user or --password?" :
		            "an error status");
	wire_close(&c);
	return ok;
}

/* GET the protected page with "Cookie: cookie" (NULL: none). Its status, or 0 (res FAIL). */
static int open_page(const struct checks_env *env, struct check_result *res, const char *cookie,
                     char status[CHECKS_TEXT_MAX])
{
	char fields[FIELDS_MAX];
	const struct checks_request q = { "GET", env->protected_path, NULL, cookie ? fields : NULL,
	                                  TARGET_NO_COOKIE, NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;

	snprintf(fields, sizeof fields, "Cookie: %s\r\n", cookie ? cookie : "");
	int code = checks_ask(env, res, &c, &q, &r) == WIRE_OK ? r.status : 0;
	if (code != 0)
		checks_status(&r, status);
	wire_close(&c);
	return code;
}

/* True for an answer that opens the page. */
static bool opens(int code)
{
	return code >= 200 && code < 300;
}

enum verdict checks_state_login(const struct checks_env *env, struct check_result *res)
{
	char cookie[COOKIE_MAX];

	if (env->login == NULL)
		return checks_skip(res, NO_LOGIN);
	if (!log_in(env, res, cookie))
		return VERDICT_FAIL;
	return checks_pass(res, "POST %s set the cookie %.*s", env->login,
	                   (int)strcspn(cookie, "="), cookie);
}

enum verdict checks_state_cookie(const struct checks_env *env, struct check_result *res)
{
	char cookie[COOKIE_MAX], status[CHECKS_TEXT_MAX];

	if (env->login == NULL)
		return checks_skip(res, NO_LOGIN);
	if (!log_in(env, res, cookie))
		return VERDICT_FAIL;
	int code = open_page(env, res, cookie, status);
	if (code == 0)
		return VERDICT_FAIL;
	if (!opens(code))
		return checks_fail(res, "with the session cookie from the login, GET %s got %s: the "
		                   "cookie does not open the page", env->protected_path, status);
	return checks_pass(res, "with the session cookie, GET %s got %s", env->protected_path, status);
}

enum verdict checks_state_no_cookie(const struct checks_env *env, struct check_result *res)
{
	char status[CHECKS_TEXT_MAX];

	if (env->login == NULL)
		return checks_skip(res, NO_LOGIN);
	int code = open_page(env, res, NULL, status);
	if (code == 0)
		return VERDICT_FAIL;
	if (opens(code))
		return checks_fail(res, "without a cookie, GET %s got %s: the page is open to anyone",
		                   env->protected_path, status);
	return checks_pass(res, "without a cookie, GET %s got %s", env->protected_path, status);
}

/* POST the logout with the cookie (GET when POST is 405). Its status, or 0 (res FAIL). */
static int log_out(const struct checks_env *env, struct check_result *res, const char *cookie)
{
	char fields[FIELDS_MAX];
	struct checks_request q = { "POST", env->logout_path, NULL, fields, TARGET_NO_COOKIE, NULL,
	                            0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;

	snprintf(fields, sizeof fields, "Cookie: %s\r\nContent-Length: 0\r\n", cookie);
	int code = checks_ask(env, res, &c, &q, &r) == WIRE_OK ? r.status : 0;
	wire_close(&c);
	if (code == 405) {
		snprintf(fields, sizeof fields, "Cookie: %s\r\n", cookie);
		q.method = "GET";
		c = (struct wire_conn){ .fd = -1 };
		code = checks_ask(env, res, &c, &q, &r) == WIRE_OK ? r.status : 0;
		wire_close(&c);
	}
	return code;
}

enum verdict checks_state_logout(const struct checks_env *env, struct check_result *res)
{
	char cookie[COOKIE_MAX], status[CHECKS_TEXT_MAX];

	if (env->login == NULL)
		return checks_skip(res, NO_LOGIN);
	if (!log_in(env, res, cookie))
		return VERDICT_FAIL;
	int code = open_page(env, res, cookie, status);
	if (code == 0)
		return VERDICT_FAIL;
	if (!opens(code))
		return checks_fail(res, "the session cookie did not open %s even before the logout "
		                   "(it got %s)", env->protected_path, status);
	code = log_out(env, res, cookie);
	if (code == 0)
		return VERDICT_FAIL;
	if (code >= 400)
		return checks_fail(res, "the logout, POST %s, got %d", env->logout_path, code);
	code = open_page(env, res, cookie, status);
	if (code == 0)
		return VERDICT_FAIL;
	if (opens(code))
		return checks_fail(res, "after the logout, the old cookie still opens %s (%s): the "
		                   "session lives on at the server, so a copy of the cookie still "
		                   "works", env->protected_path, status);
	return checks_pass(res, "after the logout, the old cookie no longer opens %s (%s)",
	                   env->protected_path, status);
}
