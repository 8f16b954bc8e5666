// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http/http_form.c, a request's form from its body or its query string. The
 * engine runs on a socketpair (tests/http_harness.h) with a handler that parses the form and
 * answers with its fields written out as [name=value], or with the status http_form returned.
 * Rows cover each Content-Type, chunked and 100-continue bodies, and the limits.
 */
#include "http/http_form.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_harness.h"

#define FORM_TEST_MAX 100          /* the handler's body limit; the engine's is 1024 */
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* The form as text: "[a=1][b=]", or "status N" when http_form refused it. */
static int handle(struct http_exchange *x, void *ctx)
{
	char query[HTTP_REQUEST_LINE_MAX + 1], *body = NULL, out[4096];
	struct form f;
	int status = x->req->method == HTTP_POST ?
	             http_form_body(x, FORM_TEST_MAX, &f, &body) : http_form_query(x->req, query, &f);
	int len = 0;

	(void)ctx;
	if (status < 0) {
		free(body);
		return -1;
	}
	if (status > 0)
		len = snprintf(out, sizeof out, "status %d", status);
	for (size_t i = 0; status == 0 && i < f.count && len < (int)sizeof out; i++)
		len += snprintf(out + len, sizeof out - (size_t)len, "[%s=%.*s%s]", f.fields[i].name,
		                (int)f.fields[i].value_len, f.fields[i].value,
		                f.fields[i].filename != NULL ? " (file)" : "");
	free(body);
	ck_assert_int_lt(len, (int)sizeof out);
	return http_response_simple(x, HTTP_OK, "text/plain", out, (size_t)len);
}

static void setup(void)
{
	harness_setup(handle);
	harness_start();
}

static void teardown(void)
{
	harness_teardown();
}

/* The body of the next response. */
static const char *answer(void)
{
	const char *got = harness_response(false);
	const char *body = strstr(got, "\r\n\r\n");
	ck_assert_msg(body != NULL, "no response: %s", got);
	return body + 4;
}

#define POST "POST / HTTP/1.1\r\nHost: t\r\n"
#define URLENCODED "Content-Type: application/x-www-form-urlencoded\r\n"
#define CHUNKED "Transfer-Encoding: chunked\r\n"

/* A request is head, then Content-Length (unless chunked, or a GET: body NULL), then body. */
static const struct {
	const char *head, *body;
	const char *expected;
	const char *why;
} rows[] = {
	{ POST URLENCODED, "user=philip&pw=123456", "[user=philip][pw=123456]",
	  "the handout's login" },
	{ POST "Content-Type: Application/X-WWW-Form-Urlencoded; charset=UTF-8\r\n", "a=%41+b",
	  "[a=A b]", "media type case-insensitive, a parameter after it" },
	{ POST "Content-Type: text/plain\r\n", "user=philip", "",
	  "another type: an empty form, as Flask's" },
	{ POST, "user=philip", "", "no Content-Type: an empty form" },
	{ POST "Content-Type: application/x-www-form-urlencoded-not\r\n", "a=1", "",
	  "a longer type is another" },
	{ POST URLENCODED, "a=%zz", "status 400", "a broken escape" },
	{ POST "Content-Type: multipart/form-data; boundary=XyZ\r\n", "--XyZ\r\nContent-Disposition:"
	  " form-data; name=\"user\"\r\n\r\nph\r\nil\r\n--XyZ--\r\n", "[user=ph\r\nil]",
	  "multipart, a CRLF inside the value" },
	{ POST "Content-Type: multipart/form-data; boundary=\"a b\"\r\n", "--a b\r\nContent-"
	  "Disposition: form-data; name=\"f\"; filename=\"x.txt\"\r\n\r\ndata\r\n--a b--\r\n",
	  "[f=data (file)]", "a quoted boundary and a file part" },
	{ POST "Content-Type: multipart/form-data\r\n", "--x\r\n", "status 400",
	  "multipart without a boundary" },
	{ POST "Content-Type: multipart/form-data; boundary=x\r\n", "--x\r\nContent-Disposition: "
	  "form-data; name=\"a\"\r\n\r\nv\r\n", "status 400", "no final boundary" },
	{ POST URLENCODED CHUNKED, "4\r\na=1&\r\n3\r\nb=2\r\n0\r\n\r\n", "[a=1][b=2]",
	  "a chunked body" },
	{ POST URLENCODED "Expect: 100-continue\r\n", "a=1", "[a=1]",
	  "100-continue: the body after the interim answer" },
	{ POST URLENCODED, "", "", "an empty body" },
	{ "GET /?a=1&b=%20x&c HTTP/1.1\r\nHost: t\r\n", NULL, "[a=1][b= x][c=]",
	  "a query string" },
	{ "GET / HTTP/1.1\r\nHost: t\r\n", NULL, "", "no query string" },
	{ "GET /?a=%00 HTTP/1.1\r\nHost: t\r\n", NULL, "status 400", "a NUL in a query value" },
	{ "GET /?%00=1 HTTP/1.1\r\nHost: t\r\n", NULL, "status 400", "a NUL in a query name" },
	{ "GET /?a=%4 HTTP/1.1\r\nHost: t\r\n", NULL, "status 400", "a broken query escape" },
};

START_TEST(test_rows)
{
	char request[1024];
	const char *head = rows[_i].head, *body = rows[_i].body, *got;
	bool sized = body != NULL && strstr(head, CHUNKED) == NULL;
	int n = sized ? snprintf(request, sizeof request, "%sContent-Length: %zu\r\n\r\n%s", head,
	                         strlen(body), body) :
	                snprintf(request, sizeof request, "%s\r\n%s", head, body != NULL ? body : "");

	ck_assert_int_lt(n, (int)sizeof request);
	harness_send_text(request);
	got = harness_response(false);
	if (strncmp(got, "HTTP/1.1 100 Continue\r\n\r\n", 25) == 0)
		got = harness_response(false);
	got = strstr(got, "\r\n\r\n");
	ck_assert_msg(got != NULL, "row %d (%s): no response", _i, rows[_i].why);
	ck_assert_msg(strcmp(got + 4, rows[_i].expected) == 0, "row %d (%s): got '%s', want '%s'",
	              _i, rows[_i].why, got + 4, rows[_i].expected);
}
END_TEST

/* ---- limits ------------------------------------------------------------------------------ */

static void post_body_of(size_t len)
{
	char request[512], body[FORM_TEST_MAX + 2];

	memset(body, 'a', len);
	memcpy(body, "a=", 2);
	body[len] = '\0';
	snprintf(request, sizeof request, POST URLENCODED "Content-Length: %zu\r\n\r\n%s", len, body);
	harness_send_text(request);
}

START_TEST(test_body_at_the_limit)
{
	post_body_of(FORM_TEST_MAX);
	ck_assert_uint_eq(strlen(answer()), 3 + (FORM_TEST_MAX - 2) + 1);   /* "[a=" value "]" */
}
END_TEST

START_TEST(test_body_one_over_the_limit)
{
	post_body_of(FORM_TEST_MAX + 1);
	ck_assert_str_eq(answer(), "status 413");
}
END_TEST

START_TEST(test_chunked_body_over_the_limit)
{
	char request[512];
	char piece[61];

	memset(piece, 'a', 60);
	piece[60] = '\0';
	snprintf(request, sizeof request, POST URLENCODED CHUNKED "\r\n3c\r\n%s\r\n3c\r\n%s\r\n"
	         "0\r\n\r\n", piece, piece);
	harness_send_text(request);
	ck_assert_str_eq(answer(), "status 413");
}
END_TEST

START_TEST(test_field_count)
{
	char query[FORM_FIELDS_MAX * 4 + 64];
	size_t len = 0;

	for (int i = 0; i < FORM_FIELDS_MAX; i++)
		len += (size_t)snprintf(query + len, sizeof query - len, "&%c%c", 'a' + i / 26,
		                        'a' + i % 26);
	char request[sizeof query + 64];
	snprintf(request, sizeof request, "GET /?%s HTTP/1.1\r\nHost: t\r\n\r\n", query + 1);
	harness_send_text(request);
	ck_assert_msg(strncmp(answer(), "[aa=][ab=]", 10) == 0, "exactly FORM_FIELDS_MAX fields");
	snprintf(request, sizeof request, "GET /?%s&zz HTTP/1.1\r\nHost: t\r\n\r\n", query + 1);
	harness_send_text(request);
	ck_assert_str_eq(answer(), "status 413");
}
END_TEST

Suite *suite_http_form(void);
Suite *suite_http_form(void)
{
	Suite *s = suite_create("http_form");
	TCase *tc = tcase_create("body and query forms");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_rows, 0, N_ROWS(rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_body_at_the_limit);
	tcase_add_test(tc, test_body_one_over_the_limit);
	tcase_add_test(tc, test_chunked_body_over_the_limit);
	tcase_add_test(tc, test_field_count);
	suite_add_tcase(s, tc);
	return s;
}
