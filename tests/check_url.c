// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http/url.c. The path table holds the traversal spellings of issue 3 ("..",
 * "%2e%2e", "%252e", "..%2f", overlong UTF-8, backslashes, "%00"); the canary test joins every
 * accepted result to a real docroot and asks the kernel (realpath) where it lands, with a file
 * named "canary" waiting just outside. Encoders are checked against Python's own answers
 * (urllib.parse.quote(s, safe='/'), html.escape(s)) and by a decode round trip of all 256 bytes.
 */
/* realpath() is an X/Open function: the canary test needs the kernel's own path resolution. */
#define _XOPEN_SOURCE 700

#include "http/url.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A string literal and its length, so rows may hold NUL bytes. */
#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* Every table checks the same way: a refusal is -1, the row's errno and an emptied out. */
static void check_out(int i, const char *why, int n, const char *out, const char *want,
                      size_t want_len, int err)
{
	if (want == NULL)
		ck_assert_msg(n == -1 && errno == err && out[0] == '\0', "row %d (%s): got %d errno %d"
		              " \"%s\", want errno %d", i, why, n, errno, out, err);
	else
		ck_assert_msg(n == (int)want_len && memcmp(out, want, want_len) == 0 && out[n] == '\0',
		              "row %d (%s): got %d \"%s\" errno %d", i, why, n, out, errno);
}

struct path_row {
	const char *target;
	size_t len;
	int err;                /* refused with this errno, or 0: accepted, giving expected */
	const char *expected;
	bool slash;
	const char *why;
};

static const struct path_row path_rows[] = {
	{ B("/"), 0, "", true, "the root itself" },
	{ B("/.."), EACCES, NULL, false, "parent of the root" },
	{ B("/../"), EACCES, NULL, false, "parent of the root, slash" },
	{ B("/../etc/passwd"), EACCES, NULL, false, "classic traversal" },
	{ B("/../canary"), EACCES, NULL, false, "straight at the canary" },
	{ B("/a/../../b"), EACCES, NULL, false, "climbs out after one level" },
	{ B("/%2e%2e/"), EACCES, NULL, false, "encoded dots" },
	{ B("/%2E%2E%2F"), EACCES, NULL, false, "upper-case escapes, encoded slash" },
	{ B("/%2e%2e/canary"), EACCES, NULL, false, "encoded dots at the canary" },
	{ B("/..%2f..%2fetc"), EACCES, NULL, false, "encoded slashes" },
	{ B("/a%2f%2e%2e%2f%2e%2e%2fcanary"), EACCES, NULL, false, "all encoded" },
	{ B("/a/%2e%2e/%2e%2e/b"), EACCES, NULL, false, "encoded dots after a level" },
	{ B("/.%2e/"), EACCES, NULL, false, "half-encoded dots" },
	{ B("/%252e%252e/"), 0, "%2e%2e", true, "decoded once: a name, not dots" },
	{ B("/%252e%252e/canary"), 0, "%2e%2e/canary", false, "double-encoded, stays inside" },
	{ B("/..\\"), EINVAL, NULL, false, "backslash" },
	{ B("/%5c..%5c"), EINVAL, NULL, false, "encoded backslash" },
	{ B("/a%00.txt"), EINVAL, NULL, false, "encoded NUL" },
	{ B("/a\0.txt"), EINVAL, NULL, false, "raw NUL" },
	{ B("/a\t"), EINVAL, NULL, false, "raw tab" },
	{ B("/a%7f"), EINVAL, NULL, false, "encoded DEL" },
	{ B("/%c0%ae%c0%ae/"), 0, "\xc0\xae\xc0\xae", true, "overlong dots are name bytes" },
	{ B("/%c0%ae%c0%ae/canary"), 0, "\xc0\xae\xc0\xae/canary", false, "overlong dots" },
	{ B("/%c0%af"), 0, "\xc0\xaf", false, "overlong slash is a name byte" },
	{ B("/%e0%80%ae"), 0, "\xe0\x80\xae", false, "3-byte overlong dot is a name" },
	{ B("//etc/passwd"), 0, "etc/passwd", false, "double slash is not absolute" },
	{ B("/./a/./b/"), 0, "a/b", true, "single dots vanish" },
	{ B("/a//b"), 0, "a/b", false, "repeated slashes collapse" },
	{ B("/a/../b"), 0, "b", false, "dot-dot inside the root" },
	{ B("/a/b/.."), 0, "a", false, "ends in dot-dot: no slash" },
	{ B("/a%2f"), 0, "a", true, "decoded path ends in a slash" },
	{ B("/..."), 0, "...", false, "three dots is a name" },
	{ B("/a?x=/../../canary"), 0, "a", false, "query is not the path" },
	{ B("/a#../../canary"), 0, "a", false, "fragment is not the path" },
	{ B("/a%3fb"), 0, "a?b", false, "encoded ? is a name byte" },
	{ B("/%20"), 0, " ", false, "space is allowed" },
	{ B("/%"), EINVAL, NULL, false, "lone %" },
	{ B("/%4"), EINVAL, NULL, false, "one hex digit" },
	{ B("/%zz"), EINVAL, NULL, false, "not hex" },
	{ B("/a%2?x"), EINVAL, NULL, false, "escape cut by the query" },
	{ B("relative"), EINVAL, NULL, false, "no leading slash" },
	{ B(""), EINVAL, NULL, false, "empty target" },
};

START_TEST(test_path_table)
{
	const struct path_row *row = &path_rows[_i];
	char out[PATH_MAX] = "unchanged";
	bool slash = !row->slash;

	errno = 0;
	int n = url_to_relative_path(row->target, row->len, out, sizeof out, &slash);
	check_out(_i, row->why, n, out, row->expected,
	          row->expected != NULL ? strlen(row->expected) : 0, row->err);
	ck_assert_msg(row->err != 0 || slash == row->slash, "row %d (%s): trailing slash %d", _i,
	              row->why, slash);
}
END_TEST

/* ---- the canary: accepted results must resolve inside the docroot, never to the canary ---- */

/* The canary, the docroot, and every name an accepted row yields ('/' at the end: a folder). */
#define DOC "docroot/"
static const char *const tree[] = {
	"canary", DOC, DOC "a/", DOC "a/b", DOC "b", DOC "etc/", DOC "etc/passwd",
	DOC "%2e%2e/", DOC "%2e%2e/canary", DOC "\xc0\xae\xc0\xae/", DOC "\xc0\xae\xc0\xae/canary",
	DOC "\xc0\xaf", DOC "\xe0\x80\xae", DOC "...", DOC "a?b", DOC " ",
};

static char tmp_root[PATH_MAX];
static bool tree_made;

static bool join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);
	return n > 0 && n < PATH_MAX;
}

/*
 * An unchecked fixture: the tree is made once for the TCase and only read by the tests, and its
 * teardown runs in the runner even after a failed test, so no temporary folder is left behind.
 * It may not use ck_assert (it runs outside a test): each test checks tree_made instead.
 */
static void tree_setup(void)
{
	char path[PATH_MAX];

	snprintf(tmp_root, sizeof tmp_root, "/tmp/check_url.XXXXXX");
	tree_made = mkdtemp(tmp_root) != NULL;
	for (int i = 0; tree_made && i < N_ROWS(tree); i++) {
		bool dir = tree[i][strlen(tree[i]) - 1] == '/';
		int fd = -1;
		tree_made = join(path, tmp_root, tree[i]) &&
		            (dir ? mkdir(path, 0700) == 0 : (fd = creat(path, 0600)) >= 0);
		if (fd >= 0)
			close(fd);
	}
}

static void tree_teardown(void)
{
	char path[PATH_MAX];

	for (int i = N_ROWS(tree) - 1; i >= 0; i--)
		if (join(path, tmp_root, tree[i]))
			remove(path);
	rmdir(tmp_root);
}

START_TEST(test_path_stays_inside)
{
	const struct path_row *row = &path_rows[_i];
	char rel[PATH_MAX], path[PATH_MAX], real[PATH_MAX], root[PATH_MAX], bait[PATH_MAX];
	bool slash;

	ck_assert_msg(tree_made, "the fixture could not make the tree in %s", tmp_root);
	if (url_to_relative_path(row->target, row->len, rel, sizeof rel, &slash) < 0) {
		ck_assert_msg(errno == EACCES || errno == EINVAL, "row %d: errno %d", _i, errno);
		return;
	}
	ck_assert(join(path, tmp_root, "docroot") && realpath(path, root) != NULL);
	ck_assert(join(path, tmp_root, "canary") && realpath(path, bait) != NULL);
	ck_assert(join(path, root, rel));
	ck_assert_msg(realpath(path, real) != NULL, "row %d (%s): \"%s\" does not resolve (errno %d)",
	              _i, row->why, rel, errno);
	size_t root_len = strlen(root);
	ck_assert_msg(strncmp(real, root, root_len) == 0 && (real[root_len] == '\0' ||
	              real[root_len] == '/'), "row %d (%s): %s is outside", _i, row->why, real);
	ck_assert_msg(strcmp(real, bait) != 0, "row %d (%s): reached the canary", _i, row->why);
}
END_TEST

/* ---- query, decode, encode, escape: one table, one operation per row ---- */

enum op { QUERY, DECODE, FORM, ENCODE, ESCAPE, PATH };

/* The encoders append to a struct buf: here one over out[0..outlen), the text's length returned
 * (-1 when it was cut, which the limit rows of append_rows look at more closely). */
static int run_appender(enum op op, const char *in, size_t len, char *out, size_t outlen)
{
	struct buf b;

	buf_init(&b, out, outlen);
	bool ok = op == ENCODE ? url_encode_path(&b, in, len) : url_html_escape(&b, in, len);
	ck_assert_msg(ok == !buf_truncated(&b), "%s: returned %d", in, ok);
	return ok ? (int)b.len : -1;
}

/* Run op on in[0..len) into out; QUERY copies the query out so every row checks the same way. */
static int run_op(enum op op, const char *in, size_t len, char *out, size_t outlen)
{
	const char *q = NULL;
	size_t q_len = 0;
	bool slash;

	switch (op) {
	case QUERY:
		url_query(in, len, &q, &q_len);
		ck_assert_msg(q != NULL && q_len < outlen, "query of %s", in);
		memcpy(out, q, q_len);
		out[q_len] = '\0';
		return (int)q_len;
	case DECODE: return url_decode(in, len, out, outlen, false);
	case FORM: return url_decode(in, len, out, outlen, true);
	case ENCODE: case ESCAPE: return run_appender(op, in, len, out, outlen);
	case PATH: return url_to_relative_path(in, len, out, outlen, &slash);
	}
	return -1;
}

struct text_row {
	enum op op;
	const char *in;
	size_t len;
	const char *want;       /* NULL: refused with EINVAL */
	size_t want_len;
	const char *why;
};

/* ENCODE and ESCAPE answers were printed by Python 3.11: quote(s, safe='/'), html.escape(s). */
static const struct text_row text_rows[] = {
	{ QUERY, B("/a?x=1#f"), B("x=1"), "query before a fragment" },
	{ QUERY, B("/a?b?c"), B("b?c"), "only the first ? splits" },
	{ QUERY, B("/a"), B(""), "no query" },
	{ QUERY, B("/a#f?x"), B(""), "? inside the fragment" },
	{ QUERY, B("/a?x=%20"), B("x=%20"), "query is not decoded" },
	{ DECODE, B("a%20b"), B("a b"), "space" },
	{ DECODE, B("a+b"), B("a+b"), "plus is literal in a path" },
	{ DECODE, B("%41%62%2f"), B("Ab/"), "either case of hex" },
	{ DECODE, B("%e2%82%ac"), B("\xe2\x82\xac"), "UTF-8 bytes pass through" },
	{ DECODE, B("a%00b"), B("a\0b"), "NUL is kept for the caller" },
	{ DECODE, B("%"), NULL, 0, "lone %" },
	{ DECODE, B("%4"), NULL, 0, "one digit" },
	{ DECODE, B("%zz"), NULL, 0, "not hex" },
	{ DECODE, B("abc%"), NULL, 0, "% at the end" },
	{ DECODE, B("%%41"), NULL, 0, "%% is no escape" },
	{ FORM, B("a+b"), B("a b"), "form plus is a space" },
	{ FORM, B("%2B+%2b"), B("+ +"), "encoded plus stays a plus" },
	{ FORM, B("+%"), NULL, 0, "broken escape in a form" },
	{ ENCODE, B("a b"), B("a%20b"), "space" },
	{ ENCODE, B("it's \"quoted\""), B("it%27s%20%22quoted%22"), "quotes" },
	{ ENCODE, B("<b>&amp;</b>"), B("%3Cb%3E%26amp%3B%3C/b%3E"), "markup, slash kept" },
	{ ENCODE, B("#?%"), B("%23%3F%25"), "URL delimiters and %" },
	{ ENCODE, B("caf\xc3\xa9.txt"), B("caf%C3%A9.txt"), "UTF-8, upper-case hex" },
	{ ENCODE, B("~user_.-"), B("~user_.-"), "unreserved marks" },
	{ ENCODE, B("a+b=c;d,e"), B("a%2Bb%3Dc%3Bd%2Ce"), "sub-delims encoded" },
	{ ENCODE, B("\0\x01\x7f\xff"), B("%00%01%7F%FF"), "control and high bytes" },
	{ ENCODE, B(""), B(""), "empty" },
	{ ESCAPE, B("a<b>&\"'"), B("a&lt;b&gt;&amp;&quot;&#x27;"), "all five" },
	{ ESCAPE, B("&amp;"), B("&amp;amp;"), "escaped again, not trusted" },
	{ ESCAPE, B("caf\xc3\xa9"), B("caf\xc3\xa9"), "UTF-8 untouched" },
	{ ESCAPE, B("<script>alert('x')</script>"),
	  B("&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"), "script" },
};

START_TEST(test_text_table)
{
	const struct text_row *row = &text_rows[_i];
	char out[128] = "unchanged";

	errno = 0;
	int n = run_op(row->op, row->in, row->len, out, sizeof out);
	check_out(_i, row->why, n, out, row->want, row->want_len, EINVAL);
}
END_TEST

/* Byte _i between two letters: encoded, it is only safe characters, and decodes back to itself. */
START_TEST(test_encode_round_trip)
{
	const char in[3] = { 'x', (char)_i, 'y' };
	char enc[16], dec[16];

	int n = run_appender(ENCODE, in, sizeof in, enc, sizeof enc);
	ck_assert_msg(n == 3 || n == 5, "byte %d: encoded length %d", _i, n);
	ck_assert_msg(strspn(enc, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	                          "0123456789_.-~/%") == (size_t)n, "byte %d: \"%s\"", _i, enc);
	int m = url_decode(enc, (size_t)n, dec, sizeof dec, false);
	ck_assert_msg(m == 3 && memcmp(dec, in, 3) == 0, "byte %d: \"%s\" decodes to %d bytes", _i,
	              enc, m);
}
END_TEST

/* ---- limits: output buffers at exactly the size needed and one byte short ---- */

struct limit_row {
	enum op op;
	const char *in;
	size_t outlen;
	const char *want;       /* NULL: ENAMETOOLONG */
	const char *why;
};

static const struct limit_row limit_rows[] = {
	{ PATH, "/abcdefg", 8, "abcdefg", "exactly fits" },
	{ PATH, "/abcdefgh", 8, NULL, "one over" },
	{ PATH, "/abc/def", 8, "abc/def", "separator counted, fits" },
	{ PATH, "/abc/defg", 8, NULL, "separator counted, one over" },
	{ PATH, "/abcdefg/.", 8, "abcdefg", "a dot needs no room" },
	{ PATH, "/abcdefg/../xyz", 8, "xyz", "a dot-dot needs no room" },
	{ PATH, "/", 1, "", "root in one byte" },
	{ PATH, "/a", 1, NULL, "no room for a name" },
	{ PATH, "/", 0, NULL, "no room for the NUL" },
	{ DECODE, "%41%42%43", 4, "ABC", "decode fits" },
	{ DECODE, "%41%42%43", 3, NULL, "decode one over" },
	{ DECODE, "", 0, NULL, "decode, no room for the NUL" },
};

START_TEST(test_limit_table)
{
	const struct limit_row *row = &limit_rows[_i];
	char out[16] = "unchanged";

	if (row->outlen == 0)
		out[0] = '\0';         /* nothing may be written to a zero-sized buffer */
	errno = 0;
	int n = run_op(row->op, row->in, strlen(row->in), out, row->outlen);
	check_out(_i, row->why, n, out, row->want, row->want ? strlen(row->want) : 0, ENAMETOOLONG);
}
END_TEST

/* The encoders append to text already in the buffer; one that does not fit keeps its start, as
 * snprintf does, and the buffer reports the cut. */
struct append_row {
	enum op op;
	const char *before;     /* already in the buffer */
	const char *in;
	size_t size;
	const char *kept;
	bool cut;
	const char *why;
};

static const struct append_row append_rows[] = {
	{ ENCODE, "", "\xff", 4, "%FF", false, "encode fits exactly" },
	{ ENCODE, "", "\xff", 3, "%F", true, "encode one over" },
	{ ESCAPE, "", "'", 7, "&#x27;", false, "escape fits exactly" },
	{ ESCAPE, "", "'", 6, "&#x27", true, "escape one over" },
	{ ESCAPE, "a=", "<b>", 12, "a=&lt;b&gt;", false, "after text, fits exactly" },
	{ ENCODE, "/", "a b/", 9, "/a%20b/", false, "after a slash, room to spare" },
	{ ENCODE, "/", "a b/", 7, "/a%20b", true, "after a slash, one over" },
	{ ESCAPE, "", "x", 0, "", true, "size 0: nothing kept" },
};

START_TEST(test_append_table)
{
	const struct append_row *row = &append_rows[_i];
	char out[16];
	struct buf b;

	memset(out, 'Z', sizeof out);
	buf_init(&b, out, row->size);
	buf_puts(&b, row->before);
	bool ok = row->op == ENCODE ? url_encode_path(&b, row->in, strlen(row->in)) :
	          url_html_escape(&b, row->in, strlen(row->in));
	size_t n = strlen(row->kept);
	ck_assert_msg(ok == !row->cut && buf_truncated(&b) == row->cut, "row %d (%s): returned %d",
	              _i, row->why, ok);
	ck_assert_msg(b.len == n && (row->size == 0 || (memcmp(out, row->kept, n) == 0 &&
	              out[n] == '\0')), "row %d (%s): kept \"%.*s\"", _i, row->why, (int)b.len, out);
	ck_assert_msg(out[row->size] == 'Z', "row %d (%s): written past the size", _i, row->why);
}
END_TEST

/* A name of PATH_MAX - 1 bytes fits the PATH_MAX buffers callers use; PATH_MAX bytes do not. */
START_TEST(test_path_max)
{
	char in[PATH_MAX + 1], out[PATH_MAX];
	bool slash;

	in[0] = '/';
	memset(in + 1, 'a', PATH_MAX);
	ck_assert_int_eq(url_to_relative_path(in, PATH_MAX, out, sizeof out, &slash), PATH_MAX - 1);
	errno = 0;
	ck_assert_int_eq(url_to_relative_path(in, PATH_MAX + 1, out, sizeof out, &slash), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

Suite *suite_url(void);
Suite *suite_url(void)
{
	Suite *s = suite_create("url");
	TCase *paths = tcase_create("paths are normalised or refused");
	TCase *inside = tcase_create("accepted paths stay inside the docroot");
	TCase *text = tcase_create("query, decode, encode, escape");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(paths, test_path_table, 0, N_ROWS(path_rows));
	tcase_add_unchecked_fixture(inside, tree_setup, tree_teardown);
	tcase_add_loop_test(inside, test_path_stays_inside, 0, N_ROWS(path_rows));
	tcase_add_loop_test(text, test_text_table, 0, N_ROWS(text_rows));
	tcase_add_loop_test(text, test_encode_round_trip, 0, 256);
	tcase_add_loop_test(limits, test_limit_table, 0, N_ROWS(limit_rows));
	tcase_add_loop_test(limits, test_append_table, 0, N_ROWS(append_rows));
	tcase_add_test(limits, test_path_max);
	suite_add_tcase(s, paths);
	suite_add_tcase(s, inside);
	suite_add_tcase(s, text);
	suite_add_tcase(s, limits);
	return s;
}
