// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http/cookie.c: the Cookie header reader (a dozen cookies, quotes, spaces,
 * empty values, pairs without '=', names that are no token, more than COOKIE_MAX) and the
 * Set-Cookie builder (every attribute in its order, the logout's Max-Age=0, every way a name,
 * value or attribute could smuggle in a ';' or a header of its own, and the output buffer at
 * exactly the size it needs and one byte short).
 */
#include "http/cookie.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* ---- Cookie: request header ---- */

/* The parsed cookies as "<name>=<value>" each, into out. */
static void render(const struct cookie *c, size_t n, char *out, size_t size)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		int w = snprintf(out + used, size - used, "<%.*s>=<%.*s>", (int)c[i].name_len,
		                 c[i].name, (int)c[i].value_len, c[i].value);
		ck_assert_msg(w > 0 && (size_t)w < size - used, "rendering overflow");
		used += (size_t)w;
	}
}

struct parse_row {
	const char *header;
	const char *expected;
	const char *why;
};

#define DOZEN "c1=v1; c2=v2; c3=v3; c4=v4; c5=v5; c6=v6; c7=v7; c8=v8; c9=v9; c10=v10; " \
	"c11=v11; c12=v12"

static const struct parse_row parse_rows[] = {
	{ "a=1; b=2", "<a>=<1><b>=<2>", "RFC 6265 5.4 shape" },
	{ "a=1;b=2", "<a>=<1><b>=<2>", "no space after ';'" },
	{ "  a = 1 ;\tb=2  ", "<a>=<1><b>=<2>", "spaces and tabs trimmed" },
	{ "sessionid=3f2a; theme=dark", "<sessionid>=<3f2a><theme>=<dark>", "a typical one" },
	{ DOZEN, "<c1>=<v1><c2>=<v2><c3>=<v3><c4>=<v4><c5>=<v5><c6>=<v6><c7>=<v7><c8>=<v8>"
	  "<c9>=<v9><c10>=<v10><c11>=<v11><c12>=<v12>", "a dozen cookies" },
	{ "a=\"quoted\"", "<a>=<quoted>", "DQUOTEs removed" },
	{ "a=\" sp \"", "<a>=< sp >", "inside quotes nothing is trimmed" },
	{ "a=\"\"", "<a>=<>", "empty quoted" },
	{ "a=\"", "<a>=<\">", "a lone DQUOTE stays" },
	{ "a=\"x", "<a>=<\"x>", "unbalanced quote stays" },
	{ "a=", "<a>=<>", "empty value" },
	{ "a=; b=2", "<a>=<><b>=<2>", "empty value then another" },
	{ "a=1=2", "<a>=<1=2>", "the first '=' splits" },
	{ "a=x y", "<a>=<x y>", "inner space kept" },
	{ "a=1; a=2", "<a>=<1><a>=<2>", "both kept, in order" },
	{ "flag; a=1", "<a>=<1>", "no '=': skipped" },
	{ "=1; b=2", "<b>=<2>", "empty name: skipped" },
	{ " =1; b=2", "<b>=<2>", "blank name: skipped" },
	{ "a b=1; c=2", "<c>=<2>", "space in the name: skipped" },
	{ "a\"=1; (c)=2; d=3", "<d>=<3>", "separators in names: skipped" },
	{ "a=1;;; ; b=2;", "<a>=<1><b>=<2>", "empty pairs" },
	{ "", "", "empty header" },
	{ ";", "", "just a separator" },
	{ "a=1, b=2", "<a>=<1, b=2>", "',' is not a separator (RFC 6265 5.4)" },
};

START_TEST(test_parse)
{
	const struct parse_row *r = &parse_rows[_i];
	struct cookie list[COOKIE_MAX];
	char seen[1024];
	bool more = true;

	size_t n = cookie_parse(r->header, strlen(r->header), list, COOKIE_MAX, &more);
	render(list, n, seen, sizeof seen);
	ck_assert_msg(strcmp(seen, r->expected) == 0 && !more, "row %d (%s): got \"%s\" more %d",
	              _i, r->why, seen, more);
}
END_TEST

START_TEST(test_find)
{
	static const char header[] = "a=1; A=2; a=3; ab=4";
	struct cookie list[4];
	bool more;

	size_t n = cookie_parse(header, strlen(header), list, 4, &more);
	ck_assert_uint_eq(n, 4);
	const struct cookie *a = cookie_find(list, n, "a");
	ck_assert_msg(a == &list[0], "the first of two 'a'");
	ck_assert_msg(cookie_find(list, n, "A") == &list[1], "names are case-sensitive");
	ck_assert_msg(cookie_find(list, n, "ab") == &list[3], "not a prefix match");
	ck_assert_msg(cookie_find(list, n, "b") == NULL, "missing");
	ck_assert_msg(cookie_find(list, 0, "a") == NULL, "empty list");
}
END_TEST

/* ---- Set-Cookie: response header ---- */

#define NO_TIMES .max_age = -1, .expires = -1

struct format_row {
	const char *name;
	const char *value;
	struct cookie_attrs attrs;
	const char *expected;   /* NULL: -1 EINVAL */
	const char *why;
};

static const struct format_row format_rows[] = {
	{ "sessionid", "k3J9", { NO_TIMES, .path = "/", .http_only = true, .same_site = "Lax" },
	  "sessionid=k3J9; Path=/; HttpOnly; SameSite=Lax", "formapp's session cookie" },
	{ "sessionid", "k3J9", { NO_TIMES, .path = "/", .secure = true, .http_only = true,
	  .same_site = "Lax" }, "sessionid=k3J9; Path=/; Secure; HttpOnly; SameSite=Lax",
	  "the same over HTTPS" },
	{ "sessionid", "", { .max_age = 0, .expires = -1, .path = "/" },
	  "sessionid=; Max-Age=0; Path=/", "logout: empty value, expire now" },
	{ "a", "b", { .max_age = 3600, .expires = 784111777, .path = "/x", .domain = "example.com",
	  .secure = true, .http_only = true, .same_site = "Strict" },
	  "a=b; Expires=Sun, 06 Nov 1994 08:49:37 GMT; Max-Age=3600; Domain=example.com; Path=/x; "
	  "Secure; HttpOnly; SameSite=Strict", "every attribute, in order" },
	{ "a", "b", { .max_age = -1, .expires = 0 }, "a=b; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
	  "Expires at the epoch" },
	{ "a", "b", { .max_age = 9223372036854775807, .expires = -1 },
	  "a=b; Max-Age=9223372036854775807", "largest Max-Age" },
	{ "a", "b", { NO_TIMES, .secure = true, .same_site = "None" },
	  "a=b; Secure; SameSite=None", "SameSite=None" },
	{ "a", "b", { NO_TIMES }, "a=b", "no attributes" },
	{ "!#$%&'*+-.^_`|~Az9", "!#$%&'()*+-./:<=>?@[]^_`{|}~",
	  { NO_TIMES }, "!#$%&'*+-.^_`|~Az9=!#$%&'()*+-./:<=>?@[]^_`{|}~", "every allowed symbol" },
	{ "a", "b", { NO_TIMES, .path = "/a b,\"c\"" }, "a=b; Path=/a b,\"c\"",
	  "path may hold spaces and quotes" },
	{ "", "b", { NO_TIMES }, NULL, "empty name" },
	{ "a b", "b", { NO_TIMES }, NULL, "space in the name" },
	{ "a=", "b", { NO_TIMES }, NULL, "'=' in the name" },
	{ "a;", "b", { NO_TIMES }, NULL, "';' in the name" },
	{ "a\r\nX-Evil: 1", "b", { NO_TIMES }, NULL, "CRLF in the name" },
	{ "a", "b;Domain=evil", { NO_TIMES }, NULL, "';' in the value" },
	{ "a", "b c", { NO_TIMES }, NULL, "space in the value" },
	{ "a", "b,c", { NO_TIMES }, NULL, "',' in the value" },
	{ "a", "\"b\"", { NO_TIMES }, NULL, "DQUOTE in the value" },
	{ "a", "b\\c", { NO_TIMES }, NULL, "backslash in the value" },
	{ "a", "b\r\nSet-Cookie: x=y", { NO_TIMES }, NULL, "header injection in the value" },
	{ "a", "b\x7f", { NO_TIMES }, NULL, "DEL in the value" },
	{ "a", "caf\xc3\xa9", { NO_TIMES }, NULL, "non-ASCII value" },
	{ "a", "b", { NO_TIMES, .path = "/;Secure" }, NULL, "';' in the path" },
	{ "a", "b", { NO_TIMES, .path = "/\r\n" }, NULL, "CRLF in the path" },
	{ "a", "b", { NO_TIMES, .path = "" }, NULL, "empty path" },
	{ "a", "b", { NO_TIMES, .domain = "a;b" }, NULL, "';' in the domain" },
	{ "a", "b", { NO_TIMES, .domain = "a\tb" }, NULL, "tab in the domain" },
	{ "a", "b", { NO_TIMES, .domain = "" }, NULL, "empty domain" },
	{ "a", "b", { NO_TIMES, .same_site = "lax" }, NULL, "SameSite is spelt as RFC 6265bis" },
	{ "a", "b", { NO_TIMES, .same_site = "Lax; x" }, NULL, "SameSite injection" },
	{ "a", "b", { .max_age = -1, .expires = 253402300800 }, NULL, "Expires in year 10000" },
};

START_TEST(test_format)
{
	const struct format_row *r = &format_rows[_i];
	char out[512];

	memset(out, 'x', sizeof out);
	errno = 0;
	int n = cookie_format(out, sizeof out, r->name, r->value, &r->attrs);
	if (r->expected == NULL)
		ck_assert_msg(n == -1 && errno == EINVAL && out[0] == '\0',
		              "row %d (%s): got %d errno %d", _i, r->why, n, errno);
	else
		ck_assert_msg(n == (int)strlen(r->expected) && strcmp(out, r->expected) == 0,
		              "row %d (%s): got %d \"%s\"", _i, r->why, n, n >= 0 ? out : "");
}
END_TEST

/* ---- limits ---- */

/* Exactly COOKIE_MAX is all kept; one over sets *more; skipped pairs do not count. */
struct count_row {
	size_t cookies;
	size_t max;
	const char *tail;
	size_t stored;
	bool more;
	const char *why;
};

static const struct count_row count_rows[] = {
	{ COOKIE_MAX, COOKIE_MAX, "", COOKIE_MAX, false, "exactly COOKIE_MAX" },
	{ COOKIE_MAX + 1, COOKIE_MAX, "", COOKIE_MAX, true, "one over" },
	{ COOKIE_MAX, COOKIE_MAX, "; bad; =x; a b=1", COOKIE_MAX, false, "then only bad pairs" },
	{ 3, 2, "", 2, true, "a small max" },
	{ 1, 0, "", 0, true, "max 0" },
	{ 0, 0, "", 0, false, "max 0, nothing sent" },
	{ 1000, COOKIE_MAX, "", COOKIE_MAX, true, "a thousand" },
};

START_TEST(test_count)
{
	const struct count_row *r = &count_rows[_i];
	struct cookie list[COOKIE_MAX + 1];
	char *header = malloc(r->cookies * 16 + 64);
	size_t len = 0;
	bool more = !r->more;

	ck_assert_ptr_nonnull(header);
	for (size_t i = 0; i < r->cookies; i++)
		len += (size_t)snprintf(header + len, 16, "%sc%zu=%zu", i > 0 ? "; " : "", i, i);
	len += (size_t)snprintf(header + len, 64, "%s", r->tail);
	size_t n = cookie_parse(header, len, list, r->max, &more);
	ck_assert_msg(n == r->stored && more == r->more, "row %d (%s): got %zu more %d", _i, r->why,
	              n, more);
	ck_assert_msg(n == 0 || (list[n - 1].name_len > 1 && list[n - 1].name[0] == 'c'),
	              "row %d: last cookie intact", _i);
	free(header);
}
END_TEST

/* The Set-Cookie buffer: every size below what is needed fails and leaves "", the size fits. */
static const char want[] = "sessionid=k3J9; Expires=Sun, 06 Nov 1994 08:49:37 GMT; "
                           "Max-Age=0; Path=/; HttpOnly; SameSite=Lax";

START_TEST(test_format_outlen)
{
	const struct cookie_attrs attrs = { .max_age = 0, .expires = 784111777, .path = "/",
	                                    .http_only = true, .same_site = "Lax" };
	size_t size = (size_t)_i;           /* 0 .. sizeof want */
	char *out = malloc(size > 0 ? size : 1);

	ck_assert_ptr_nonnull(out);
	errno = 0;
	int n = cookie_format(out, size, "sessionid", "k3J9", &attrs);
	if (size == sizeof want)
		ck_assert_msg(n == (int)sizeof want - 1 && strcmp(out, want) == 0, "size %zu: %d",
		              size, n);
	else
		ck_assert_msg(n == -1 && errno == ENAMETOOLONG && (size == 0 || out[0] == '\0'),
		              "size %zu: got %d errno %d", size, n, errno);
	free(out);
}
END_TEST

Suite *suite_cookie(void);
Suite *suite_cookie(void)
{
	Suite *s = suite_create("cookie");
	TCase *parse = tcase_create("the Cookie header splits into pairs");
	TCase *format = tcase_create("Set-Cookie is built strictly");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(parse, test_parse, 0, N_ROWS(parse_rows));
	tcase_add_test(parse, test_find);
	tcase_add_loop_test(format, test_format, 0, N_ROWS(format_rows));
	tcase_add_loop_test(limits, test_count, 0, N_ROWS(count_rows));
	tcase_add_loop_test(limits, test_format_outlen, 0, (int)sizeof want + 1);
	suite_add_tcase(s, parse);
	suite_add_tcase(s, format);
	suite_add_tcase(s, limits);
	return s;
}
