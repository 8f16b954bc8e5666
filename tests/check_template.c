// SPDX-License-Identifier: MIT
/*
 * Unit tests for formapp/template.c: "{{ name }}" with and without spaces, HTML escaping of
 * & < > " ' (the XSS lesson), "|safe", unknown variables, text that only looks like a tag,
 * every malformed tag, the output buffer at every size up to the one that fits (each in a heap
 * buffer of exactly that size, so AddressSanitizer sees a byte written past it), and
 * template_load on real files in a mkdtemp folder, up to TEMPLATE_FILE_MAX and one byte over.
 */
#include "formapp/template.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A string literal and its length, so rows may hold NUL bytes. */
#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

#define NAME64 "n234567890123456789012345678901234567890123456789012345678901234"

static const struct template_var vars[] = {
	{ "name", "philip" },
	{ "user", "<b>\"Tom\" & 'Jerry'</b>" },
	{ "html", "<i>hi</i>" },
	{ "empty", "" },
	{ "nothing", NULL },
	{ "tag", "{{ name }}" },
	{ "n_1", "under" },
	{ "esc", "<'>" },
	{ NAME64, "long" },
};

struct row {
	const char *tpl;
	size_t len;
	const char *expected;   /* NULL: -1 EINVAL */
	size_t expected_len;
	const char *why;
};

static const struct row rows[] = {
	{ B("Hello {{ name }}!"), B("Hello philip!"), "the usual spelling" },
	{ B("{{name}}"), B("philip"), "no spaces" },
	{ B("{{ \tname  }}"), B("philip"), "spaces and tabs" },
	{ B("{{ name }}{{name}}"), B("philipphilip"), "two tags back to back" },
	{ B("{{ user }}"), B("&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;"),
	  "& < > \" ' escaped" },
	{ B("<p title=\"{{ user }}\">"),
	  B("<p title=\"&lt;b&gt;&quot;Tom&quot; &amp; &#x27;Jerry&#x27;&lt;/b&gt;\">"),
	  "safe inside an attribute" },
	{ B("{{ html|safe }}"), B("<i>hi</i>"), "|safe inserts markup" },
	{ B("{{ html | safe }}"), B("<i>hi</i>"), "|safe with spaces" },
	{ B("{{html|safe}}"), B("<i>hi</i>"), "|safe without spaces" },
	{ B("{{ html }}"), B("&lt;i&gt;hi&lt;/i&gt;"), "the same, escaped" },
	{ B("[{{ unknown }}]"), B("[]"), "unknown variable: empty" },
	{ B("[{{ empty }}]"), B("[]"), "empty value" },
	{ B("[{{ nothing }}]"), B("[]"), "NULL value: empty" },
	{ B("[{{ nam }}|{{ names }}]"), B("[|]"), "no prefix matching" },
	{ B("{{ Name }}"), B(""), "names are case-sensitive" },
	{ B("{{ tag }}"), B("{{ name }}"), "values are not rendered again" },
	{ B("{{ n_1 }}"), B("under"), "digits and '_'" },
	{ B("{{ " NAME64 " }}"), B("long"), "a name of TEMPLATE_NAME_MAX" },
	{ B("a { b } c }} d {"), B("a { b } c }} d {"), "braces that are no tag" },
	{ B("{ {name}}"), B("{ {name}}"), "'{ {' is no tag" },
	{ B("body { color: red }"), B("body { color: red }"), "CSS" },
	{ B("a\0b{{ name }}"), B("a\0bphilip"), "NUL in the template is text" },
	{ B(""), B(""), "empty template" },
	{ B("{{ name"), NULL, 0, "unterminated" },
	{ B("x {{"), NULL, 0, "'{{' at the end" },
	{ B("{{ name }"), NULL, 0, "one closing brace" },
	{ B("{{ name }}{{ name "), NULL, 0, "second tag unterminated" },
	{ B("{{}}"), NULL, 0, "empty name" },
	{ B("{{  }}"), NULL, 0, "blank name" },
	{ B("{{{ name }}}"), NULL, 0, "three braces" },
	{ B("{{ na-me }}"), NULL, 0, "'-' in a name" },
	{ B("{{ a b }}"), NULL, 0, "two words" },
	{ B("{{ name|upper }}"), NULL, 0, "another filter" },
	{ B("{{ name|safer }}"), NULL, 0, "a longer filter" },
	{ B("{{ name| }}"), NULL, 0, "filter missing" },
	{ B("{{ name|safe"), NULL, 0, "|safe unterminated" },
	{ B("{{ user.name }}"), NULL, 0, "no attribute access" },
	{ B("{{ " NAME64 "5 }}"), NULL, 0, "a name one over TEMPLATE_NAME_MAX" },
};

START_TEST(test_render)
{
	const struct row *r = &rows[_i];
	char out[256];

	memset(out, 'x', sizeof out);
	errno = 0;
	int n = template_render(r->tpl, r->len, vars, N_ROWS(vars), out, sizeof out);
	if (r->expected == NULL)
		ck_assert_msg(n == -1 && errno == EINVAL && out[0] == '\0',
		              "row %d (%s): got %d errno %d", _i, r->why, n, errno);
	else
		ck_assert_msg(n == (int)r->expected_len && memcmp(out, r->expected, r->expected_len)
		              == 0 && out[n] == '\0', "row %d (%s): got %d \"%s\"", _i, r->why, n,
		              n >= 0 ? out : "");
}
END_TEST

/* ---- limits: the output buffer ---- */

/* Each renders to exactly FIT bytes: literal text, escaped text, |safe text, a variable. */
#define FIT 24
static const char *const fit_tpls[] = {
	"Hello, philip! abcdefghi",
	"{{ esc }}0123456789",
	"{{ html|safe }} abcdefghijklmn",
	"1234567890123456 {{ name }}.",
};

/*
 * outlen from 0 to FIT + 1, in a heap buffer of exactly outlen bytes: below FIT + 1 it is
 * ENAMETOOLONG and "", at FIT + 1 (the text and its NUL) it fits. _i = tpl * (FIT + 2) + outlen.
 */
START_TEST(test_outlen)
{
	const char *tpl = fit_tpls[_i / (FIT + 2)];
	size_t outlen = (size_t)(_i % (FIT + 2));
	char *out = malloc(outlen > 0 ? outlen : 1);
	char want[FIT * 2];

	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(template_render(tpl, strlen(tpl), vars, N_ROWS(vars), want, sizeof want),
	                 FIT);
	errno = 0;
	int n = template_render(tpl, strlen(tpl), vars, N_ROWS(vars), out, outlen);
	if (outlen == FIT + 1)
		ck_assert_msg(n == FIT && strcmp(out, want) == 0, "\"%s\" in %zu: got %d", tpl,
		              outlen, n);
	else
		ck_assert_msg(n == -1 && errno == ENAMETOOLONG && (outlen == 0 || out[0] == '\0'),
		              "\"%s\" in %zu: got %d errno %d", tpl, outlen, n, errno);
	free(out);
}
END_TEST

/* ---- template_load, on files in a fresh folder ---- */

static char dir[64];

static void dir_setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/check_template.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void dir_teardown(void)
{
	char path[128];

	snprintf(path, sizeof path, "%s/t.html", dir);
	unlink(path);
	rmdir(dir);
}

/* dir/t.html holding size bytes ('a'..'z' repeated); returns its path in a static buffer. */
static const char *make_file(size_t size)
{
	static char path[128];
	char *data = malloc(size + 1);

	ck_assert_ptr_nonnull(data);
	for (size_t i = 0; i < size; i++)
		data[i] = (char)('a' + i % 26);
	snprintf(path, sizeof path, "%s/t.html", dir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, size, f), size);
	ck_assert_int_eq(fclose(f), 0);
	free(data);
	return path;
}

START_TEST(test_load)
{
	static const size_t sizes[] = { 0, 1, 4096, TEMPLATE_FILE_MAX };
	size_t size = sizes[_i], len = 12345;

	char *text = template_load(make_file(size), &len);
	ck_assert_msg(text != NULL && len == size && text[len] == '\0', "size %zu: len %zu", size,
	              len);
	for (size_t i = 0; i < size; i += 4093)
		ck_assert_int_eq(text[i], 'a' + (int)(i % 26));
	free(text);
}
END_TEST

/* Jinja's loader: line ends read as LF, the last one dropped (Flask's keep_trailing_newline off). */
static const struct { const char *file, *loaded, *why; } line_end_rows[] = {
	{ "<p>\n", "<p>", "the last LF is dropped, as Jinja drops it" },
	{ "<p>\n\n", "<p>\n", "only one line end is dropped" },
	{ "<p>\r\n", "<p>", "a Windows line end at the end too" },
	{ "a\r\nb\rc\n", "a\nb\nc", "CRLF and CR read as LF" },
	{ "a\r\r\nb", "a\n\nb", "a CR alone, then a CRLF" },
	{ "", "", "an empty file" },
	{ "\n", "", "a file of one line end" },
	{ "no end", "no end", "nothing to drop" },
};

START_TEST(test_load_line_ends)
{
	char path[128];
	size_t len;

	snprintf(path, sizeof path, "%s/t.html", dir);
	FILE *f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputs(line_end_rows[_i].file, f);
	ck_assert_int_eq(fclose(f), 0);
	char *text = template_load(path, &len);
	ck_assert_ptr_nonnull(text);
	ck_assert_msg(len == strlen(line_end_rows[_i].loaded) &&
	              strcmp(text, line_end_rows[_i].loaded) == 0, "%s: got \"%s\" (%zu)",
	              line_end_rows[_i].why, text, len);
	free(text);
}
END_TEST

START_TEST(test_load_errors)
{
	char path[128];
	size_t len;

	errno = 0;
	ck_assert_msg(template_load(make_file(TEMPLATE_FILE_MAX + 1), &len) == NULL &&
	              errno == EFBIG, "one byte over TEMPLATE_FILE_MAX: errno %d", errno);
	snprintf(path, sizeof path, "%s/missing.html", dir);
	errno = 0;
	ck_assert_msg(template_load(path, &len) == NULL && errno == ENOENT, "missing: %d", errno);
	errno = 0;
	ck_assert_msg(template_load(dir, &len) == NULL && errno == EISDIR, "folder: %d", errno);
}
END_TEST

Suite *suite_template(void);
Suite *suite_template(void)
{
	Suite *s = suite_create("template");
	TCase *render = tcase_create("tags are replaced and escaped");
	TCase *load = tcase_create("template files are read whole");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(render, test_render, 0, N_ROWS(rows));
	tcase_add_checked_fixture(load, dir_setup, dir_teardown);
	tcase_add_loop_test(load, test_load, 0, 4);
	tcase_add_loop_test(load, test_load_line_ends, 0, N_ROWS(line_end_rows));
	tcase_add_loop_test(limits, test_outlen, 0, N_ROWS(fit_tpls) * (FIT + 2));
	tcase_add_checked_fixture(limits, dir_setup, dir_teardown);
	tcase_add_test(limits, test_load_errors);
	suite_add_tcase(s, render);
	suite_add_tcase(s, load);
	suite_add_tcase(s, limits);
	return s;
}
