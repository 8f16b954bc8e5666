// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http/form.c: the urlencoded parser (the handout's "user=philip&pw=123456",
 * '+', %XX, broken escapes, empty and repeated keys), the multipart boundary and body parsers
 * (quoted boundaries, CRLF and near-miss delimiters inside values, preamble and epilogue, file
 * parts, missing final boundary) and every limit at exactly its value and one over. The body
 * curl -F sends is kept byte for byte as a test vector. Every body is copied into a heap buffer
 * of exactly len + 1 bytes (the spare byte the contract asks for), so under -fsanitize=address
 * a write one byte too far fails the test.
 */
#include "http/form.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A string literal and its length, so rows may hold NUL bytes. */
#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* ---- fixture: the body buffer of one test, freed even when the test fails ---- */

static char *body;
static struct form form;
static char seen[16384];        /* the parsed fields, rendered for comparison */

static void setup(void)
{
	body = NULL;
	memset(&form, 0xa5, sizeof form);   /* garbage, so an unset field cannot pass */
	seen[0] = '\0';
}

static void teardown(void)
{
	free(body);
	body = NULL;
}

/* The body in a buffer of exactly len + 1 bytes, the last one poisoned. */
static char *copy_body(const char *s, size_t len)
{
	body = malloc(len + 1);
	ck_assert_ptr_nonnull(body);
	memcpy(body, s, len);
	body[len] = 'Z';
	return body;
}

/* Append s[0..len) to seen, bytes outside printable ASCII (and '\') as \xHH. */
static void add(const char *s, size_t len)
{
	size_t n = strlen(seen);

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int w = c >= 0x20 && c < 0x7f && c != '\\'
		        ? snprintf(seen + n, sizeof seen - n, "%c", c)
		        : snprintf(seen + n, sizeof seen - n, "\\x%02x", c);
		ck_assert_msg(w > 0 && (size_t)w < sizeof seen - n, "rendering overflow");
		n += (size_t)w;
	}
}

/*
 * The fields as "<name>=<value>" each, "<name;filename>=<value>" for a file part, into seen.
 * Also checks the contract's NUL after every name, value and filename.
 */
static void render(const struct form *f)
{
	seen[0] = '\0';
	ck_assert_uint_le(f->count, FORM_FIELDS_MAX);
	for (size_t i = 0; i < f->count; i++) {
		const struct form_field *x = &f->fields[i];
		ck_assert_msg(x->name[x->name_len] == '\0' && x->value[x->value_len] == '\0',
		              "field %zu is not NUL-terminated", i);
		add("<", 1);
		add(x->name, x->name_len);
		if (x->filename != NULL) {
			add(";", 1);
			add(x->filename, strlen(x->filename));
		}
		add(">=<", 3);
		add(x->value, x->value_len);
		add(">", 1);
	}
}

struct row {
	const char *input;
	size_t len;
	int status;             /* 0: parsed, giving expected; else -1 with this status */
	const char *expected;
	const char *why;
};

static void check_row(int i, const struct row *r, int ret, int status)
{
	if (r->status != 0) {
		ck_assert_msg(ret == -1 && status == r->status, "row %d (%s): got %d status %d, want "
		              "status %d", i, r->why, ret, status, r->status);
		return;
	}
	ck_assert_msg(ret == 0, "row %d (%s): got %d status %d", i, r->why, ret, status);
	render(&form);
	ck_assert_msg(strcmp(seen, r->expected) == 0, "row %d (%s): got \"%s\", want \"%s\"", i,
	              r->why, seen, r->expected);
}

/* ---- application/x-www-form-urlencoded ---- */

static const struct row url_rows[] = {
	{ B("user=philip&pw=123456"), 0, "<user>=<philip><pw>=<123456>", "the handout's body" },
	{ B("a+b=c+d+"), 0, "<a b>=<c d >", "'+' is a space, in names too" },
	{ B("%41%62=%7e%7E"), 0, "<Ab>=<~~>", "%XX in either case" },
	{ B("a=%2B%26%3D%25"), 0, "<a>=<+&=%>", "escaped separators are data" },
	{ B("a=%20+%2b"), 0, "<a>=<  +>", "%20, '+' and %2b" },
	{ B("a=%00b"), 0, "<a>=<\\x00b>", "a decoded NUL is kept" },
	{ B("caf%C3%A9=%E2%82%AC"), 0, "<caf\\xc3\\xa9>=<\\xe2\\x82\\xac>", "UTF-8 bytes" },
	{ B("a=1&&b=2"), 0, "<a>=<1><b>=<2>", "empty pair skipped" },
	{ B("&a=1&"), 0, "<a>=<1>", "leading and trailing '&'" },
	{ B(""), 0, "", "empty body" },
	{ B("&&&"), 0, "", "only separators" },
	{ B("noeq"), 0, "<noeq>=<>", "no '=': a name with an empty value" },
	{ B("a&b=2"), 0, "<a>=<><b>=<2>", "no '=' then a pair" },
	{ B("a="), 0, "<a>=<>", "empty value" },
	{ B("=v"), 0, "<>=<v>", "empty name is kept (WHATWG)" },
	{ B("="), 0, "<>=<>", "just '='" },
	{ B("a=1&a=2"), 0, "<a>=<1><a>=<2>", "repeated names all kept, in order" },
	{ B("a=b=c"), 0, "<a>=<b=c>", "the first '=' splits" },
	{ B("a=\r\n\r\nb"), 0, "<a>=<\\x0d\\x0a\\x0d\\x0ab>", "raw CRLFs are value bytes" },
	{ B("a=%"), 400, NULL, "lone %" },
	{ B("a=%4"), 400, NULL, "one hex digit" },
	{ B("a=%zz"), 400, NULL, "not hex" },
	{ B("a=%4g"), 400, NULL, "second digit not hex" },
	{ B("%zz=1"), 400, NULL, "broken escape in the name" },
	{ B("a=%%41"), 400, NULL, "%% is not an escape" },
	{ B("a=1&b=%"), 400, NULL, "a later pair is broken" },
	{ B("a=%&b=2"), 400, NULL, "% cut by '&'" },
};

START_TEST(test_urlencoded)
{
	const struct row *r = &url_rows[_i];
	int status = 0;

	copy_body(r->input, r->len);
	int ret = form_parse_urlencoded(body, r->len, &form, &status);
	check_row(_i, r, ret, status);
}
END_TEST

START_TEST(test_form_get)
{
	static const char text[] = "a=1&b=2&a=3&a%00x=4&x";
	int status = 0;

	copy_body(B(text));
	ck_assert_int_eq(form_parse_urlencoded(body, sizeof text - 1, &form, &status), 0);
	const struct form_field *a = form_get(&form, "a");
	ck_assert_msg(a != NULL && strcmp(a->value, "1") == 0, "repeated name: the first one");
	ck_assert_str_eq(form_get(&form, "b")->value, "2");
	ck_assert_msg(form_get(&form, "x") != NULL && form_get(&form, "x")->value_len == 0,
	              "no '=': present, empty");
	ck_assert_msg(form_get(&form, "c") == NULL, "missing name: NULL");
	ck_assert_msg(form_get(&form, "") == NULL, "no empty name in this body");
	ck_assert_msg(form_get(&form, "A") == NULL, "names are case-sensitive");
}
END_TEST

/* ---- multipart boundary from Content-Type ---- */

struct boundary_row {
	const char *content_type;
	const char *expected;   /* NULL: -1 */
	const char *why;
};

#define B70 "0123456789012345678901234567890123456789012345678901234567890123456789"

static const struct boundary_row boundary_rows[] = {
	{ "multipart/form-data; boundary=abc", "abc", "token" },
	{ "multipart/form-data; boundary=\"a b:c?=\"", "a b:c?=", "quoted, bchars a token lacks" },
	{ "Multipart/Form-Data;BOUNDARY=xyz", "xyz", "case-insensitive, no space" },
	{ "multipart/form-data; charset=utf-8; boundary=x", "x", "after another parameter" },
	{ "multipart/form-data; boundary=x; charset=\"utf;8\"", "x", "before a quoted one" },
	{ "  multipart/form-data ;  boundary=a  ", "a", "OWS everywhere" },
	{ "multipart/form-data;; boundary=a", "a", "empty parameter (RFC 9110 5.6.6)" },
	{ "multipart/form-data; boundary=\"a\\bc\"", "abc", "quoted-pair unescaped" },
	{ "multipart/form-data; boundary=------------------------2a01798fc882f9df",
	  "------------------------2a01798fc882f9df", "curl's" },
	{ "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxkTrZu0gW",
	  "----WebKitFormBoundary7MA4YWxkTrZu0gW", "Chromium's" },
	{ "multipart/form-data; boundary=" B70, B70, "70 bytes: the RFC 2046 maximum" },
	{ "multipart/form-data; boundary=" B70 "1", NULL, "71 bytes" },
	{ "multipart/form-data; boundary=", NULL, "empty token" },
	{ "multipart/form-data; boundary=\"\"", NULL, "empty quoted" },
	{ "multipart/form-data; boundary=\"ab \"", NULL, "ends in a space" },
	{ "multipart/form-data; boundary=\"a@b\"", NULL, "'@' is no bchar" },
	{ "multipart/form-data; boundary=a*b", NULL, "'*' is no bchar" },
	{ "multipart/form-data; boundary=\"a\\\"b\"", NULL, "'\"' is no bchar" },
	{ "multipart/form-data; boundary=\"abc", NULL, "unterminated quote" },
	{ "multipart/form-data; boundary=\"a\tb\"", NULL, "tab is no bchar" },
	{ "multipart/form-data; boundary", NULL, "no '='" },
	{ "multipart/form-data; boundary=a b", NULL, "junk after the token" },
	{ "multipart/form-data; boundary=a; boundary=b", NULL, "two boundaries: ambiguous" },
	{ "multipart/form-data", NULL, "no boundary" },
	{ "multipart/form-data; charset=utf-8", NULL, "other parameters only" },
	{ "multipart/mixed; boundary=x", NULL, "not form-data" },
	{ "text/plain; boundary=x", NULL, "not multipart" },
	{ "multipart/form-dataX; boundary=x", NULL, "longer subtype" },
	{ "multipart/form-data, boundary=x", NULL, "',' is not ';'" },
	{ "", NULL, "empty header" },
};

START_TEST(test_boundary)
{
	const struct boundary_row *r = &boundary_rows[_i];
	char out[FORM_BOUNDARY_MAX + 1];

	int n = form_multipart_boundary(r->content_type, strlen(r->content_type), out, sizeof out);
	if (r->expected == NULL)
		ck_assert_msg(n == -1, "row %d (%s): got %d", _i, r->why, n);
	else
		ck_assert_msg(n == (int)strlen(r->expected) && strcmp(out, r->expected) == 0,
		              "row %d (%s): got %d \"%s\"", _i, r->why, n, n >= 0 ? out : "");
}
END_TEST

/* ---- multipart/form-data bodies, boundary "XyZ" ---- */

#define CD(n) "Content-Disposition: form-data; name=\"" n "\"\r\n"
#define PART(n, v) "--XyZ\r\n" CD(n) "\r\n" v "\r\n"
#define END "--XyZ--\r\n"

static const struct row mp_rows[] = {
	{ B(PART("user", "philip") PART("pw", "123456") END), 0, "<user>=<philip><pw>=<123456>",
	  "the demo's two fields" },
	{ B("preamble\r\nmore\r\n" PART("a", "1") END), 0, "<a>=<1>", "preamble is ignored" },
	{ B(PART("a", "1") "--XyZ--\r\nepilogue\r\n--XyZ\r\n"), 0, "<a>=<1>", "epilogue too" },
	{ B(PART("a", "1") "--XyZ--"), 0, "<a>=<1>", "no CRLF after the close" },
	{ B("--XyZ--\r\n"), 0, "", "no parts at all" },
	{ B(PART("a", "x\r\ny\r\n") END), 0, "<a>=<x\\x0d\\x0ay\\x0d\\x0a>", "CRLF in a value" },
	{ B(PART("a", "\r\n\r\n") END), 0, "<a>=<\\x0d\\x0a\\x0d\\x0a>", "a blank-line value" },
	{ B(PART("a", "x\r\n--XyQ\r\n--other") END), 0, "<a>=<x\\x0d\\x0a--XyQ\\x0d\\x0a--other>",
	  "\"\\r\\n--\" not followed by the boundary" },
	{ B(PART("a", "x--XyZ--") END), 0, "<a>=<x--XyZ-->", "boundary not at a line start" },
	{ B(PART("a", "x\n--XyZ") END), 0, "<a>=<x\\x0a--XyZ>", "after a bare LF: data" },
	{ B(PART("a", "") END), 0, "<a>=<>", "empty value" },
	{ B(PART("a", "1\0002") END), 0, "<a>=<1\\x002>", "NUL bytes kept" },
	{ B("--XyZ\r\n" CD("f") "\r\n\r\n" END), 0, "<f>=<>", "value ends at once" },
	{ B("--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"up.txt\"\r\n"
	    "Content-Type: application/octet-stream\r\n\r\n\x01\xff\r\n" END), 0,
	  "<file;up.txt>=<\\x01\\xff>", "file part" },
	{ B("--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n\r\n\r\n" END),
	  0, "<f;>=<>", "file input left empty" },
	{ B("--XyZ\r\nContent-Disposition: form-data; filename=\"a\\\"b\"; name=\"f\"\r\n\r\nv\r\n"
	    END), 0, "<f;a\"b>=<v>", "escaped quote, filename first" },
	{ B("--XyZ\r\nContent-Disposition: form-data; name=\"a\\\\b\"\r\n\r\nv\r\n" END), 0,
	  "<a\\x5cb>=<v>", "escaped backslash" },
	{ B("--XyZ\r\ncontent-disposition: FORM-DATA; NAME=user\r\n\r\nv\r\n" END), 0,
	  "<user>=<v>", "any case, token name" },
	{ B("--XyZ\r\nContent-Disposition:form-data;name=a;x=\"y;z\"\r\n\r\nv\r\n" END), 0,
	  "<a>=<v>", "no spaces, unknown parameter" },
	{ B("--XyZ\nContent-Disposition: form-data; name=\"a\"\n\nv\r\n" END), 0, "<a>=<v>",
	  "LF-only part head" },
	{ B("--XyZ \t\r\n" CD("a") "\r\nv\r\n" END), 0, "<a>=<v>", "transport padding" },
	{ B("--XyZ\r\nContent-Type: text/plain\r\n" CD("a") "X-Other: 1\r\n\r\nv\r\n" END), 0,
	  "<a>=<v>", "other headers ignored" },
	{ B("--XyZ\r\n" CD("\xc3\xa9") "\r\nv\r\n" END), 0, "<\\xc3\\xa9>=<v>", "UTF-8 name" },
	{ B(PART("a", "1")), 400, NULL, "missing final boundary" },
	{ B("--XyZ\r\n" CD("a") "\r\nvalue"), 400, NULL, "body ends in a value" },
	{ B(PART("a", "1") "--XyZ"), 400, NULL, "ends right after a delimiter" },
	{ B(PART("a", "1") "--XyZ-"), 400, NULL, "half a close delimiter" },
	{ B("--XyZ\r\n" CD("a")), 400, NULL, "ends in the part head" },
	{ B("hello"), 400, NULL, "no boundary anywhere" },
	{ B(""), 400, NULL, "empty body" },
	{ B("--XyZjunk\r\n" CD("a") "\r\nv\r\n" END), 400, NULL, "junk after the first boundary" },
	{ B(PART("a", "x\r\n--XyZjunk") END), 400, NULL, "boundary then junk (RFC 2046 note)" },
	{ B("--XyZ\r\nContent-Disposition: form-data; filename=\"x\"\r\n\r\nv\r\n" END), 400, NULL,
	  "no name" },
	{ B("--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n" END), 400, NULL,
	  "no Content-Disposition" },
	{ B("--XyZ\r\n\r\nv\r\n" END), 400, NULL, "empty part head" },
	{ B("--XyZ\r\nContent-Disposition: attachment; name=a\r\n\r\nv\r\n" END), 400, NULL,
	  "not form-data" },
	{ B("--XyZ\r\n" CD("a") CD("b") "\r\nv\r\n" END), 400, NULL, "two Content-Dispositions" },
	{ B("--XyZ\r\nContent-Disposition: form-data; name=a; name=b\r\n\r\nv\r\n" END), 400, NULL,
	  "two names" },
	{ B("--XyZ\r\nContent-Disposition: form-data; name=\"a\r\n\r\nv\r\n" END), 400, NULL,
	  "unterminated quote" },
	{ B("--XyZ\r\nContent-Disposition: form-data; name=\r\n\r\nv\r\n" END), 400, NULL,
	  "empty token name" },
	{ B("--XyZ\r\nno colon here\r\n" CD("a") "\r\nv\r\n" END), 400, NULL, "header without ':'" },
	{ B("--XyZ\r\n" CD("a") " folded: x\r\n\r\nv\r\n" END), 400, NULL, "obs-fold line" },
	{ B("--XyZ\r\nX-A: 1\r2\r\n" CD("a") "\r\nv\r\n" END), 400, NULL, "bare CR in a header" },
	{ B("--XyZ\r\n" CD("a\tb") "\r\nv\r\n" END), 0, "<a\\x09b>=<v>", "tab in a quoted name" },
	{ B("--XyZ\r\n" CD("a\x01") "\r\nv\r\n" END), 400, NULL, "control byte in a name" },
};

START_TEST(test_multipart)
{
	const struct row *r = &mp_rows[_i];
	int status = 0;

	copy_body(r->input, r->len);
	int ret = form_parse_multipart(body, r->len, "XyZ", &form, &status);
	check_row(_i, r, ret, status);
}
END_TEST

/* What curl 7.88.1 sent for `curl -F user=philip -F pw=123456 -F file=@up.txt`, captured with a
 * Python socket server; up.txt held "line1\r\n--not\0end\n". */
static const char curl_type[] =
	"multipart/form-data; boundary=------------------------2a01798fc882f9df";
static const char curl_body[] =
	"--------------------------2a01798fc882f9df\r\n"
	"Content-Disposition: form-data; name=\"user\"\r\n"
	"\r\n"
	"philip\r\n"
	"--------------------------2a01798fc882f9df\r\n"
	"Content-Disposition: form-data; name=\"pw\"\r\n"
	"\r\n"
	"123456\r\n"
	"--------------------------2a01798fc882f9df\r\n"
	"Content-Disposition: form-data; name=\"file\"; filename=\"up.txt\"\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"line1\r\n"
	"--not\000end\n\r\n"
	"--------------------------2a01798fc882f9df--\r\n";

static int parse_curl(size_t len, int *status)
{
	char boundary[FORM_BOUNDARY_MAX + 1];

	ck_assert_int_eq(form_multipart_boundary(B(curl_type), boundary, sizeof boundary), 40);
	copy_body(curl_body, len);
	return form_parse_multipart(body, len, boundary, &form, status);
}

START_TEST(test_curl_vector)
{
	int status = 0;

	ck_assert_int_eq(sizeof curl_body - 1, 397);      /* its Content-Length */
	ck_assert_int_eq(parse_curl(sizeof curl_body - 1, &status), 0);
	render(&form);
	ck_assert_str_eq(seen, "<user>=<philip><pw>=<123456>"
	                       "<file;up.txt>=<line1\\x0d\\x0a--not\\x00end\\x0a>");
	ck_assert_str_eq(form_get(&form, "user")->value, "philip");
	ck_assert_str_eq(form_get(&form, "pw")->value, "123456");
}
END_TEST

/* Every cut of the curl body fails with 400 until the close delimiter is complete. */
START_TEST(test_curl_prefix)
{
	size_t len = (size_t)_i, whole = sizeof curl_body - 1;
	int status = 0;

	int ret = parse_curl(len, &status);
	if (len >= whole - 2)
		ck_assert_msg(ret == 0 && form.count == 3, "prefix %zu: got %d", len, ret);
	else
		ck_assert_msg(ret == -1 && status == 400, "prefix %zu: got %d status %d", len, ret,
		              status);
}
END_TEST

/* ---- limits ---- */

/* Append s to text[*len..size), checking room. */
static void append(char *text, size_t size, size_t *len, const char *s, size_t n)
{
	ck_assert_uint_lt(n, size - *len);
	memcpy(text + *len, s, n);
	*len += n;
}

/*
 * head, then n copies of unit with its "%d" replaced by the copy's index, then tail, as the body
 * (in the fixture's heap buffer). Returns its length.
 */
static size_t repeat(const char *head, const char *unit, int n, const char *tail)
{
	static char text[1 << 21];
	const char *mark = strstr(unit, "%d");
	size_t len = 0;
	char num[16];

	ck_assert_ptr_nonnull(mark);
	append(text, sizeof text, &len, head, strlen(head));
	for (int i = 0; i < n; i++) {
		int w = snprintf(num, sizeof num, "%d", i);
		ck_assert(w > 0 && (size_t)w < sizeof num);
		append(text, sizeof text, &len, unit, (size_t)(mark - unit));
		append(text, sizeof text, &len, num, (size_t)w);
		append(text, sizeof text, &len, mark + 2, strlen(mark + 2));
	}
	append(text, sizeof text, &len, tail, strlen(tail));
	copy_body(text, len);
	return len;
}

struct count_row {
	int fields;
	const char *unit;
	const char *tail;
	int status;
	const char *why;
};

static const struct count_row url_count_rows[] = {
	{ FORM_FIELDS_MAX, "f%d=1&", "", 0, "exactly the maximum" },
	{ FORM_FIELDS_MAX, "&&f%d=1&&", "", 0, "the maximum, with empty pairs" },
	{ FORM_FIELDS_MAX, "f%d=1&", "x", 413, "one over" },
	{ FORM_FIELDS_MAX, "f%d=1&", "x=%", 413, "one over, and it is broken: count first" },
	{ FORM_FIELDS_MAX + 100, "f%d=1&", "", 413, "far over" },
};

START_TEST(test_url_count)
{
	const struct count_row *r = &url_count_rows[_i];
	int status = 0;

	size_t len = repeat("", r->unit, r->fields, r->tail);
	int ret = form_parse_urlencoded(body, len, &form, &status);
	if (r->status == 0)
		ck_assert_msg(ret == 0 && form.count == (size_t)r->fields &&
		              strcmp(form.fields[r->fields - 1].name, "f63") == 0,
		              "row %d (%s): got %d", _i, r->why, ret);
	else
		ck_assert_msg(ret == -1 && status == r->status, "row %d (%s): got %d status %d", _i,
		              r->why, ret, status);
}
END_TEST

static const struct count_row mp_count_rows[] = {
	{ FORM_FIELDS_MAX, PART("f%d", "v"), END, 0, "exactly the maximum" },
	{ FORM_FIELDS_MAX + 1, PART("f%d", "v"), END, 413, "one over" },
	{ FORM_FIELDS_MAX + 1, PART("f%d", "v"), "", 413, "one over, unfinished: count first" },
};

START_TEST(test_multipart_count)
{
	const struct count_row *r = &mp_count_rows[_i];
	int status = 0;

	size_t len = repeat("", r->unit, r->fields, r->tail);
	int ret = form_parse_multipart(body, len, "XyZ", &form, &status);
	if (r->status == 0)
		ck_assert_msg(ret == 0 && form.count == (size_t)r->fields &&
		              strcmp(form.fields[r->fields - 1].name, "f63") == 0,
		              "row %d (%s): got %d", _i, r->why, ret);
	else
		ck_assert_msg(ret == -1 && status == r->status, "row %d (%s): got %d status %d", _i,
		              r->why, ret, status);
}
END_TEST

/* A part head of exactly size bytes, its empty line included: padded with an X-Pad header. */
static size_t part_head_body(size_t size)
{
	static const char cd[] = CD("a");
	static char text[FORM_PART_HEAD_MAX * 2];
	size_t pad = size - (sizeof cd - 1) - 2 - 9;     /* "X-Pad: " ... "\r\n", then "\r\n" */
	int n = snprintf(text, sizeof text, "--XyZ\r\n%sX-Pad: %0*d\r\n\r\nv\r\n" END, cd,
	                 (int)pad, 0);

	ck_assert(n > 0 && (size_t)n < sizeof text);
	copy_body(text, (size_t)n);
	return (size_t)n;
}

START_TEST(test_part_head_limit)
{
	int status = 0;
	size_t size = FORM_PART_HEAD_MAX + (size_t)_i;      /* _i 0: at the limit, 1: one over */

	size_t len = part_head_body(size);
	ck_assert_uint_eq(len, 7 + size + 3 + 9);
	int ret = form_parse_multipart(body, len, "XyZ", &form, &status);
	if (_i == 0)
		ck_assert_msg(ret == 0 && form.count == 1, "head of %zu: got %d", size, ret);
	else
		ck_assert_msg(ret == -1 && status == 413, "head of %zu: got %d status %d", size, ret,
		              status);
}
END_TEST

/* The boundary argument itself: 1..70 bytes, as form_multipart_boundary hands it over. */
START_TEST(test_boundary_argument)
{
	static const char text[] = "--" B70 "\r\n" CD("a") "\r\nv\r\n--" B70 "--";
	static const char *const bad[] = { "", B70 "1" };
	int status = 0;

	copy_body(B(text));
	ck_assert_int_eq(form_parse_multipart(body, sizeof text - 1, B70, &form, &status), 0);
	ck_assert_str_eq(form.fields[0].value, "v");
	for (int i = 0; i < 2; i++) {
		status = 0;
		ck_assert_msg(form_parse_multipart(body, sizeof text - 1, bad[i], &form, &status) == -1
		              && status == 400, "bad boundary %d", i);
	}
}
END_TEST

/* A 1 MiB value made of near-miss delimiters is kept whole. */
START_TEST(test_big_value)
{
	size_t len = repeat("--XyZ\r\n" CD("a") "\r\n", "\r\n--XyQ%d", 60000, "\r\n" END);
	int status = 0;

	ck_assert_int_eq(form_parse_multipart(body, len, "XyZ", &form, &status), 0);
	ck_assert_uint_eq(form.count, 1);
	ck_assert_uint_eq(form.fields[0].value_len, len - 7 - (sizeof CD("a") - 1) - 2 - 11);
}
END_TEST

/* The outlen of form_multipart_boundary bounds the copy. */
START_TEST(test_boundary_outlen)
{
	static const char ct[] = "multipart/form-data; boundary=abc";
	char out[4];

	ck_assert_int_eq(form_multipart_boundary(B(ct), out, 3), -1);
	ck_assert_int_eq(form_multipart_boundary(B(ct), out, 4), 3);
	ck_assert_str_eq(out, "abc");
	ck_assert_int_eq(form_multipart_boundary(B(ct), out, 0), -1);
}
END_TEST

Suite *suite_form(void);
Suite *suite_form(void)
{
	Suite *s = suite_create("form");
	TCase *url = tcase_create("urlencoded bodies decode");
	TCase *bound = tcase_create("the boundary comes from Content-Type");
	TCase *mp = tcase_create("multipart bodies split at the boundary");
	TCase *limits = tcase_create("limits");

	tcase_add_checked_fixture(url, setup, teardown);
	tcase_add_loop_test(url, test_urlencoded, 0, N_ROWS(url_rows));
	tcase_add_test(url, test_form_get);
	tcase_add_loop_test(bound, test_boundary, 0, N_ROWS(boundary_rows));
	tcase_add_checked_fixture(mp, setup, teardown);
	tcase_add_loop_test(mp, test_multipart, 0, N_ROWS(mp_rows));
	tcase_add_test(mp, test_curl_vector);
	tcase_add_loop_test(mp, test_curl_prefix, 0, (int)sizeof curl_body);
	tcase_add_checked_fixture(limits, setup, teardown);
	tcase_add_loop_test(limits, test_url_count, 0, N_ROWS(url_count_rows));
	tcase_add_loop_test(limits, test_multipart_count, 0, N_ROWS(mp_count_rows));
	tcase_add_loop_test(limits, test_part_head_limit, 0, 2);
	tcase_add_test(limits, test_boundary_argument);
	tcase_add_test(limits, test_big_value);
	tcase_add_test(limits, test_boundary_outlen);
	suite_add_tcase(s, url);
	suite_add_tcase(s, bound);
	suite_add_tcase(s, mp);
	suite_add_tcase(s, limits);
	return s;
}
