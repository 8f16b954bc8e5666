// SPDX-License-Identifier: MIT
/*
 * Unit tests for formapp/users.c, formapp's users file: which names are accepted, the exact hash
 * field for a known salt (test vectors computed with Python's hashlib.pbkdf2_hmac, an
 * implementation independent of this one), a login checked against lines written by hand
 * (comments, CRLF, a name that is a prefix of another), lines of other forms refused, iteration
 * and salt bounds, lines written by users_add(), an unknown name costing one hash, and the
 * refusals (duplicate names, passwords with line ends or NULs, a missing file). Each test works
 * in its own mkdtemp directory.
 */
#include "formapp/users.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define B(s) s, sizeof(s) - 1
#define N_ROWS(t) (int)(sizeof(t) / sizeof((t)[0]))

/* "bench-pw" with salt "lab4-bench-salt!" and the fewest iterations a line may have, from
 * Python: hashlib.pbkdf2_hmac("sha256", b"bench-pw", b"lab4-bench-salt!", 1000), in base64. */
#define BENCH_HASH "$pbkdf2-sha256$i=1000$bGFiNC1iZW5jaC1zYWx0IQ$" \
                   "wbuSgoFZ2i6XWn8Cs6HInhQSqhE7iuh0j35r6FVrZvc"
/* The demo's "123456" with the salt bytes 0, 1, ..., 15 and USERS_ITERATIONS, the same way. */
#define PHILIP_VECTOR "$pbkdf2-sha256$i=100000$AAECAwQFBgcICQoLDA0ODw$" \
                      "Pj0kIvAPLMHRutBFgZv7g2ARfVnFiANcQpTzQDrAl6U"

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

/* ---- the hash field ---------------------------------------------------------------------- */

START_TEST(test_vectors)
{
	unsigned char salt[16];
	char field[USERS_FIELD_MAX];

	for (int i = 0; i < 16; i++)
		salt[i] = (unsigned char)i;
	_Static_assert(USERS_ITERATIONS == 100000, "PHILIP_VECTOR was computed with 100000");
	ck_assert_int_eq(users_hash_field(field, sizeof field, B("123456"), salt, sizeof salt,
	                                  USERS_ITERATIONS), 0);
	ck_assert_str_eq(field, PHILIP_VECTOR);
	ck_assert_int_eq(users_hash_field(field, sizeof field, B("bench-pw"),
	                                  (const unsigned char *)"lab4-bench-salt!", 16, 1000), 0);
	ck_assert_str_eq(field, BENCH_HASH);
}
END_TEST

struct bound_row {
	size_t salt_len;
	unsigned long iterations;
	int want;              /* 0, or the errno */
	const char *why;
};

static const struct bound_row bound_rows[] = {
	{ 16, USERS_ITERATIONS_MIN, 0, "the fewest iterations" },
	{ 16, USERS_ITERATIONS_MIN - 1, EINVAL, "one iteration too few" },
	{ 16, USERS_ITERATIONS_MAX + 1, EINVAL, "one iteration too many" },
	{ 16, 0, EINVAL, "no iterations" },
	{ 8, 1000, 0, "the shortest salt" },
	{ 7, 1000, EINVAL, "a salt one byte short" },
	{ 64, 1000, 0, "the longest salt" },
	{ 65, 1000, EINVAL, "a salt one byte long" },
};

START_TEST(test_field_bounds)
{
	const struct bound_row *r = &bound_rows[_i];
	unsigned char salt[65] = { 0 };
	char field[USERS_FIELD_MAX];

	errno = 0;
	int got = users_hash_field(field, sizeof field, B("pw"), salt, r->salt_len, r->iterations);
	ck_assert_msg(r->want == 0 ? got == 0 : got == -1 && errno == r->want,
	              "row %d (%s): got %d errno %d", _i, r->why, got, errno);
}
END_TEST

START_TEST(test_field_too_small)
{
	char field[40];

	errno = 0;
	ck_assert_int_eq(users_hash_field(field, sizeof field, B("pw"),
	                                  (const unsigned char *)"lab4-bench-salt!", 16, 1000), -1);
	ck_assert_int_eq(errno, ENAMETOOLONG);
}
END_TEST

/* ---- lines of other forms: refused, never trusted ---------------------------------------- */

struct line_row {
	const char *field;     /* after "bench:"; the password is "bench-pw" */
	int want;
	const char *why;
};

#define SALT "$bGFiNC1iZW5jaC1zYWx0IQ$"
#define HASH "wbuSgoFZ2i6XWn8Cs6HInhQSqhE7iuh0j35r6FVrZvc"

static const struct line_row line_rows[] = {
	{ BENCH_HASH, 1, "the line as written" },
	{ "$pbkdf2-sha256$i=1000$MTIzNDU2Nzg$O/ZZqvJiP+9AONZZW067SJLAURxlxi6XYFQ/ZDKyOxM", 1,
	  "a salt of 8 bytes" },
	{ "$pbkdf2-sha256$i=1000$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	  "AAAAAAAAAAAA$ZldiQtIhlyjKMTFo62WeJc1aTOl22qS9CZFds+19lVo", 1, "a salt of 64 bytes" },
	{ "$pbkdf2-sha256$i=999$bGFiNC1iZW5jaC1zYWx0IQ$1RWhCRwQ0lzwQAGJIMg5lD8+Hskjtd83ZYiUpwda0uw", 0,
	  "right for 999 iterations, one too few" },
	{ "$pbkdf2-sha256$i=10000001" SALT HASH, 0, "one iteration too many" },
	{ "$pbkdf2-sha256$i=18446744073709551617" SALT HASH, 0, "iterations that overflow" },
	{ "$pbkdf2-sha256$i=" SALT HASH, 0, "no iterations" },
	{ "$pbkdf2-sha256$i=+1000" SALT HASH, 0, "a sign" },
	{ "$pbkdf2-sha256$i=1e3" SALT HASH, 0, "not digits" },
	{ "$pbkdf2-sha256$1000" SALT HASH, 0, "passlib's form, without i=" },
	{ "$pbkdf2-sha512$i=1000" SALT HASH, 0, "another scheme" },
	{ "$PBKDF2-SHA256$i=1000" SALT HASH, 0, "the scheme in capitals" },
	{ "$pbkdf2-sha256$i=1000$MTIzNDU2Nw$L11U5x520vJUNL+OFTl5Gd3/M4V7M83WChPe1JPrCCI", 0,
	  "right for a salt of 7 bytes, one too few" },
	{ "$pbkdf2-sha256$i=1000$bGFiNC1iZW5jaC1zYWx0IQ==$" HASH, 0, "padding in the salt" },
	{ "$pbkdf2-sha256$i=1000$bGFiNC1iZW5jaC1zYWx0IR$" HASH, 0, "the salt's unused bits set" },
	{ "$pbkdf2-sha256$i=1000$bGFiNC1iZW5jaC1zYWx0I*$" HASH, 0, "a byte outside the alphabet" },
	{ "$pbkdf2-sha256$i=1000$bGFiNC1iZW5jaC1zYWx0I.$" HASH, 0, "passlib's '.' for '+'" },
	{ "$pbkdf2-sha256$i=1000" SALT "wbuSgoFZ2i6XWn8Cs6HInhQSqhE7iuh0j35r6FVrZg", 0,
	  "a hash of 31 bytes" },
	{ "$pbkdf2-sha256$i=1000" SALT "wbuSgoFZ2i6XWn8Cs6HInhQSqhE7iuh0j35r6FVrZvdF", 0,
	  "a hash of 33 bytes" },
	{ "$pbkdf2-sha256$i=1000" SALT HASH "=", 0, "padding in the hash" },
	{ "$pbkdf2-sha256$i=1000" SALT HASH "$", 0, "a field more" },
	{ "$pbkdf2-sha256$i=1000" SALT, 0, "no hash" },
	{ "$pbkdf2-sha256$i=1000", 0, "no salt" },
	{ "$6$hA/q/aV22emQm//A$pF4apA6/h7Z8u/IX8/WDCqw/PgU0WJGxNduFaIKGJhxcHr/1rcRRSzTm8vQiwHhMhV5iLTk6"
	  "tJNLohAdXoOyr0", 0, "crypt(3)'s sha512-crypt of the same password" },
	{ "$y$j9T$/Sku5FGwJOra6GSQd5OGr/$c/y13HBfcVeQPyHMNN5JhkEPc6JOURONYsVZouYOlv5", 0,
	  "crypt(3)'s yescrypt" },
	{ "bench-pw", 0, "the password itself" },
};

START_TEST(test_line_forms)
{
	const struct line_row *r = &line_rows[_i];
	char text[512];

	snprintf(text, sizeof text, "bench:%s\n", r->field);
	write_users(text);
	int got = users_check(path, B("bench"), B("bench-pw"));
	ck_assert_msg(got == r->want, "row %d (%s): got %d, want %d", _i, r->why, got, r->want);
}
END_TEST

/* A password is bytes: UTF-8 is hashed as it comes (Python: "пароль".encode()). */
START_TEST(test_utf8_password)
{
	write_users("u:$pbkdf2-sha256$i=1000$bGFiNC1iZW5jaC1zYWx0IQ$"
	            "FECUDqlYLMa8BTeKgW2J0tJYfnOgKUnumQ6BrXhXjds\n");
	ck_assert_int_eq(users_check(path, B("u"), B("\xd0\xbf\xd0\xb0\xd1\x80\xd0\xbe\xd0\xbb\xd1\x8c")),
	                 1);
	ck_assert_int_eq(users_check(path, B("u"), B("parol")), 0);
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

/* The line users_add writes: the scheme, USERS_ITERATIONS, 16 bytes of salt (22 characters) and
 * 32 of hash (43); a second user with the same password gets another salt, so another line. */
START_TEST(test_added_line_form)
{
	char text[512], a[256], b[256];
	FILE *f;

	ck_assert_int_eq(users_add(path, "a", "same"), 0);
	ck_assert_int_eq(users_add(path, "b", "same"), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	text[fread(text, 1, sizeof text - 1, f)] = '\0';
	fclose(f);
	ck_assert_int_eq(sscanf(text, "a:%255s\nb:%255s", a, b), 2);
	ck_assert_msg(strncmp(a, "$pbkdf2-sha256$i=100000$", 24) == 0, "line: %s", a);
	ck_assert_msg(strlen(a) == 24 + 22 + 1 + 43 && a[24 + 22] == '$', "line: %s", a);
	ck_assert_str_ne(a + 24, b + 24);
}
END_TEST

/* Seconds a check takes. */
static double timed_check(const char *name, const char *password)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	(void)users_check(path, name, strlen(name), password, strlen(password));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

/* An unknown name, a refused line and a bad name cost one hash too: the time a login takes does
 * not tell which names exist. Best of three against a real user's check, with a wide margin. */
START_TEST(test_unknown_name_costs_a_hash)
{
	double known = 1e9, unknown = 1e9, locked = 1e9, bad = 1e9;

	write_users("philip:" PHILIP_VECTOR "\nlocked:!\n");
	for (int i = 0; i < 3; i++) {
		double t;
		known = (t = timed_check("philip", "wrong")) < known ? t : known;
		unknown = (t = timed_check("nobody", "wrong")) < unknown ? t : unknown;
		locked = (t = timed_check("locked", "wrong")) < locked ? t : locked;
		bad = (t = timed_check("bad:name", "wrong")) < bad ? t : bad;
	}
	ck_assert_msg(unknown > known / 3 && locked > known / 3 && bad > known / 3,
	              "known %.4f s, unknown %.4f s, locked %.4f s, bad name %.4f s", known, unknown,
	              locked, bad);
}
END_TEST

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
	ck_assert_msg(strstr(text, BENCH_HASH "\nsecond:$pbkdf2-sha256$i=100000$") != NULL, "file: %s",
	              text);
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

	tc = tcase_create("the hash field");
	tcase_add_test(tc, test_vectors);
	tcase_add_loop_test(tc, test_field_bounds, 0, N_ROWS(bound_rows));
	tcase_add_test(tc, test_field_too_small);
	suite_add_tcase(s, tc);

	tc = tcase_create("lines of other forms");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_line_forms, 0, N_ROWS(line_rows));
	tcase_add_test(tc, test_utf8_password);
	suite_add_tcase(s, tc);

	tc = tcase_create("checking a login");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_check, 0, N_ROWS(check_rows));
	tcase_add_test(tc, test_missing_file);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_unknown_name_costs_a_hash);
	suite_add_tcase(s, tc);

	tc = tcase_create("adding users");
	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_added_line_form);
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
