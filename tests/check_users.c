// SPDX-License-Identifier: MIT
/*
 * Unit tests for formapp/users.c, formapp's users file: which names are accepted, a login checked
 * against lines written by hand (comments, CRLF, a name that is a prefix of another) and against
 * lines written by users_add(), and the refusals (duplicate names, passwords with line ends or
 * NULs, a missing file). Each test works in its own mkdtemp directory.
 */
#include "formapp/users.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* sha512-crypt of "bench-pw": a fixed line, written by hand into the test files. */
#define BENCH_HASH "$6$hA/q/aV22emQm//A$pF4apA6/h7Z8u/IX8/WDCqw/PgU0WJGxNduFaIKGJhxcHr/1rcRRSz" \
                   "Tm8vQiwHhMhV5iLTk6tJNLohAdXoOyr0"

static char dir[64], path[96];

static void setup(void)
{
	snprintf(dir, sizeof dir, "/tmp/check_users.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/users", dir);
}

static void teardown(void)
{
	unlink(path);
	rmdir(dir);
}

static void write_users(const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* ---- names ------------------------------------------------------------------------------- */

struct name_row {
	const char *name;
	size_t len;
	bool ok;
	const char *why;
};

static const struct name_row name_rows[] = {
	{ B("philip"), true, "the handout's user" },
	{ B("a"), true, "one byte" },
	{ B("Zhang San"), true, "a space is printable" },
	{ B("\xe5\xbc\xa0\xe4\xb8\x89"), true, "UTF-8 bytes" },
	{ B("0123456789012345678901234567890123456789012345678901234567890123"), true,
	  "exactly USERS_NAME_MAX" },
	{ B("01234567890123456789012345678901234567890123456789012345678901234"), false,
	  "one over USERS_NAME_MAX" },
	{ B(""), false, "empty" },
	{ B("phil:ip"), false, "the separator" },
	{ B("philip\n"), false, "a line end would start a line of its own" },
	{ B("phi\rlip"), false, "CR" },
	{ B("phi\0lip"), false, "NUL" },
	{ B("phi\tlip"), false, "tab is a control byte" },
	{ B("phi\x7flip"), false, "DEL" },
};

START_TEST(test_names)
{
	const struct name_row *r = &name_rows[_i];
	ck_assert_msg(users_name_ok(r->name, r->len) == r->ok, "row %d (%s): want %s", _i, r->why,
	              r->ok ? "accepted" : "refused");
}
END_TEST

/* ---- checking a login -------------------------------------------------------------------- */

struct check_row {
	const char *name;
	size_t name_len;
	const char *password;
	size_t password_len;
	int want;
	const char *why;
};

static const struct check_row check_rows[] = {
	{ B("bench"), B("bench-pw"), 1, "right name and password" },
	{ B("bench"), B("bench-PW"), 0, "wrong password" },
	{ B("bench"), B(""), 0, "empty password" },
	{ B("bench"), B("bench-pw\0"), 0, "the password and a NUL" },
	{ B("ben"), B("bench-pw"), 0, "a prefix of the name" },
	{ B("benchmark"), B("bench-pw"), 0, "the name and more" },
	{ B("crlf"), B("bench-pw"), 1, "a line ending in CRLF" },
	{ B("last"), B("bench-pw"), 1, "the last line, without a line end" },
	{ B("#commented"), B("bench-pw"), 0, "a comment line is no user" },
	{ B("nobody"), B("bench-pw"), 0, "an unknown name" },
	{ B("locked"), B(""), 0, "a '!' hash (locked account) matches nothing" },
	{ B("empty"), B(""), 0, "an empty hash matches nothing, not even no password" },
	{ B("bench:x"), B("bench-pw"), 0, "a name with the separator" },
};

START_TEST(test_check)
{
	const struct check_row *r = &check_rows[_i];
	write_users("# formapp users\n\nbench:" BENCH_HASH "\ncrlf:" BENCH_HASH "\r\n#commented:"
	            BENCH_HASH "\nlocked:!\nempty:\nlast:" BENCH_HASH);
	int got = users_check(path, r->name, r->name_len, r->password, r->password_len);
	ck_assert_msg(got == r->want, "row %d (%s): got %d, want %d", _i, r->why, got, r->want);
}
END_TEST

START_TEST(test_missing_file)
{
	errno = 0;
	ck_assert_int_eq(users_check(path, B("bench"), B("bench-pw")), -1);
	ck_assert_int_eq(errno, ENOENT);
}
END_TEST

/* ---- adding users ------------------------------------------------------------------------ */

START_TEST(test_add_then_check)
{
	struct stat st;

	ck_assert_int_eq(users_add(path, "philip", "123456"), 0);     /* creates the file */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(users_check(path, B("philip"), B("123456")), 1);
	ck_assert_int_eq(users_check(path, B("philip"), B("1234567")), 0);
	errno = 0;
	ck_assert_int_eq(users_add(path, "philip", "other"), -1);
	ck_assert_int_eq(errno, EEXIST);
}
END_TEST

START_TEST(test_add_after_a_line_without_end)
{
	char text[512];
	FILE *f;
	size_t n;

	write_users("bench:" BENCH_HASH);
	ck_assert_int_eq(users_add(path, "second", "pw2"), 0);
	ck_assert_int_eq(users_check(path, B("bench"), B("bench-pw")), 1);
	ck_assert_int_eq(users_check(path, B("second"), B("pw2")), 1);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	n = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[n] = '\0';
	ck_assert_msg(strstr(text, BENCH_HASH "\nsecond:$y$") != NULL, "file: %s", text);
	ck_assert_msg(strstr(text, "pw2") == NULL, "the password is in the file: %s", text);
}
END_TEST

struct add_row {
	const char *name, *password;
	const char *why;
};

static const struct add_row refused_adds[] = {
	{ "bad:name", "pw", "a name with the separator" },
	{ "", "pw", "an empty name" },
	{ "new\nline", "pw", "a name with a line end" },
	{ "someone", "", "an empty password" },
	{ "someone", "pw\n", "a password with LF" },
	{ "someone", "pw\rx", "a password with CR" },
};

START_TEST(test_refused_adds)
{
	const struct add_row *r = &refused_adds[_i];
	errno = 0;
	ck_assert_msg(users_add(path, r->name, r->password) == -1 && errno == EINVAL,
	              "row %d (%s): not refused with EINVAL (errno %d)", _i, r->why, errno);
	ck_assert_msg(access(path, F_OK) == -1, "row %d (%s): the file was created", _i, r->why);
}
END_TEST

/* ---- limits ------------------------------------------------------------------------------ */

START_TEST(test_password_length)
{
	static char pw[USERS_PASSWORD_MAX + 2];

	memset(pw, 'p', USERS_PASSWORD_MAX);
	ck_assert_int_eq(users_add(path, "long", pw), 0);
	ck_assert_int_eq(users_check(path, B("long"), pw, USERS_PASSWORD_MAX), 1);
	pw[USERS_PASSWORD_MAX] = 'p';
	ck_assert_int_eq(users_check(path, B("long"), pw, USERS_PASSWORD_MAX + 1), 0);
	errno = 0;
	ck_assert_int_eq(users_add(path, "longer", pw), -1);
	ck_assert_int_eq(errno, EINVAL);
}
END_TEST

START_TEST(test_file_too_large)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, USERS_FILE_MAX, SEEK_SET), 0);
	fputc('\n', f);
	ck_assert_int_eq(fclose(f), 0);
	errno = 0;
	ck_assert_int_eq(users_check(path, B("bench"), B("bench-pw")), -1);
	ck_assert_int_eq(errno, EFBIG);
}
END_TEST

Suite *suite_users(void);
Suite *suite_users(void)
{
	Suite *s = suite_create("users");
	TCase *tc;

	tc = tcase_create("names");
	tcase_add_loop_test(tc, test_names, 0, N_ROWS(name_rows));
	suite_add_tcase(s, tc);

	tc = tcase_create("checking a login");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_check, 0, N_ROWS(check_rows));
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);

	tc = tcase_create("adding users");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_add_then_check);
	tcase_add_test(tc, test_add_after_a_line_without_end);
	tcase_add_loop_test(tc, test_refused_adds, 0, N_ROWS(refused_adds));
	suite_add_tcase(s, tc);

	tc = tcase_create("limits");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_password_length);
	tcase_add_test(tc, test_file_too_large);
	suite_add_tcase(s, tc);
	return s;
}
