// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/log.c: the bytes printer against Python's repr() (all 256 single bytes
 * and the quote rules), repr() of line.split(' '), the peer tuple, http.server's date and access
 * lines, -q, and whole lines under concurrency. The expected strings were generated once by
 * /usr/bin/python3 (repr(bytes([b])), repr(line.split(' '))) and are committed here as data:
 * the tests never call Python.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/net.h"

/* repr(bytes([b])) for b in range(256), from Python 3.11. */
static const char *const py_byte_repr[256] = {
	"b'\\x00'", "b'\\x01'", "b'\\x02'", "b'\\x03'", "b'\\x04'", "b'\\x05'", "b'\\x06'", "b'\\x07'",
	"b'\\x08'", "b'\\t'", "b'\\n'", "b'\\x0b'", "b'\\x0c'", "b'\\r'", "b'\\x0e'", "b'\\x0f'",
	"b'\\x10'", "b'\\x11'", "b'\\x12'", "b'\\x13'", "b'\\x14'", "b'\\x15'", "b'\\x16'", "b'\\x17'",
	"b'\\x18'", "b'\\x19'", "b'\\x1a'", "b'\\x1b'", "b'\\x1c'", "b'\\x1d'", "b'\\x1e'", "b'\\x1f'",
	"b' '", "b'!'", "b'\"'", "b'#'", "b'$'", "b'%'", "b'&'", "b\"'\"",
	"b'('", "b')'", "b'*'", "b'+'", "b','", "b'-'", "b'.'", "b'/'",
	"b'0'", "b'1'", "b'2'", "b'3'", "b'4'", "b'5'", "b'6'", "b'7'",
	"b'8'", "b'9'", "b':'", "b';'", "b'<'", "b'='", "b'>'", "b'?'",
	"b'@'", "b'A'", "b'B'", "b'C'", "b'D'", "b'E'", "b'F'", "b'G'",
	"b'H'", "b'I'", "b'J'", "b'K'", "b'L'", "b'M'", "b'N'", "b'O'",
	"b'P'", "b'Q'", "b'R'", "b'S'", "b'T'", "b'U'", "b'V'", "b'W'",
	"b'X'", "b'Y'", "b'Z'", "b'['", "b'\\\\'", "b']'", "b'^'", "b'_'",
	"b'`'", "b'a'", "b'b'", "b'c'", "b'd'", "b'e'", "b'f'", "b'g'",
	"b'h'", "b'i'", "b'j'", "b'k'", "b'l'", "b'm'", "b'n'", "b'o'",
	"b'p'", "b'q'", "b'r'", "b's'", "b't'", "b'u'", "b'v'", "b'w'",
	"b'x'", "b'y'", "b'z'", "b'{'", "b'|'", "b'}'", "b'~'", "b'\\x7f'",
	"b'\\x80'", "b'\\x81'", "b'\\x82'", "b'\\x83'", "b'\\x84'", "b'\\x85'", "b'\\x86'", "b'\\x87'",
	"b'\\x88'", "b'\\x89'", "b'\\x8a'", "b'\\x8b'", "b'\\x8c'", "b'\\x8d'", "b'\\x8e'", "b'\\x8f'",
	"b'\\x90'", "b'\\x91'", "b'\\x92'", "b'\\x93'", "b'\\x94'", "b'\\x95'", "b'\\x96'", "b'\\x97'",
	"b'\\x98'", "b'\\x99'", "b'\\x9a'", "b'\\x9b'", "b'\\x9c'", "b'\\x9d'", "b'\\x9e'", "b'\\x9f'",
	"b'\\xa0'", "b'\\xa1'", "b'\\xa2'", "b'\\xa3'", "b'\\xa4'", "b'\\xa5'", "b'\\xa6'", "b'\\xa7'",
	"b'\\xa8'", "b'\\xa9'", "b'\\xaa'", "b'\\xab'", "b'\\xac'", "b'\\xad'", "b'\\xae'", "b'\\xaf'",
	"b'\\xb0'", "b'\\xb1'", "b'\\xb2'", "b'\\xb3'", "b'\\xb4'", "b'\\xb5'", "b'\\xb6'", "b'\\xb7'",
	"b'\\xb8'", "b'\\xb9'", "b'\\xba'", "b'\\xbb'", "b'\\xbc'", "b'\\xbd'", "b'\\xbe'", "b'\\xbf'",
	"b'\\xc0'", "b'\\xc1'", "b'\\xc2'", "b'\\xc3'", "b'\\xc4'", "b'\\xc5'", "b'\\xc6'", "b'\\xc7'",
	"b'\\xc8'", "b'\\xc9'", "b'\\xca'", "b'\\xcb'", "b'\\xcc'", "b'\\xcd'", "b'\\xce'", "b'\\xcf'",
	"b'\\xd0'", "b'\\xd1'", "b'\\xd2'", "b'\\xd3'", "b'\\xd4'", "b'\\xd5'", "b'\\xd6'", "b'\\xd7'",
	"b'\\xd8'", "b'\\xd9'", "b'\\xda'", "b'\\xdb'", "b'\\xdc'", "b'\\xdd'", "b'\\xde'", "b'\\xdf'",
	"b'\\xe0'", "b'\\xe1'", "b'\\xe2'", "b'\\xe3'", "b'\\xe4'", "b'\\xe5'", "b'\\xe6'", "b'\\xe7'",
	"b'\\xe8'", "b'\\xe9'", "b'\\xea'", "b'\\xeb'", "b'\\xec'", "b'\\xed'", "b'\\xee'", "b'\\xef'",
	"b'\\xf0'", "b'\\xf1'", "b'\\xf2'", "b'\\xf3'", "b'\\xf4'", "b'\\xf5'", "b'\\xf6'", "b'\\xf7'",
	"b'\\xf8'", "b'\\xf9'", "b'\\xfa'", "b'\\xfb'", "b'\\xfc'", "b'\\xfd'", "b'\\xfe'", "b'\\xff'",
};

struct repr_row {
	const char *data;
	size_t len;
	const char *expected;
	const char *why;
};

/* repr(data), generated once by /usr/bin/python3 and committed as data. */
static const struct repr_row bytes_rows[] = {
	{ "it's", 4, "b\"it's\"", "a ' and no \" switches to double quotes" },
	{ "say \"hi\"", 8, "b'say \"hi\"'", "a \" alone keeps single quotes" },
	{ "both '\"", 7, "b'both \\'\"'", "both quotes: single quotes, the ' escaped" },
	{ "''\"", 3, "b'\\'\\'\"'", "several of each" },
	{ "", 0, "b''", "empty" },
	{ "\\", 1, "b'\\\\'", "a backslash is doubled" },
	{ "a\\'b", 4, "b\"a\\\\'b\"", "backslash and a quote in double quotes" },
	{ "exit\015\012", 6, "b'exit\\r\\n'", "Linux telnet's exit" },
	{ "\377\364", 2, "b'\\xff\\xf4'", "telnet Ctrl-C (IAC IP)" },
	{ "\011\000\177\200", 4, "b'\\t\\x00\\x7f\\x80'", "tab named, NUL, DEL and high bytes in hex" },
	{ "client 1\015\012", 10, "b'client 1\\r\\n'", "echo_mt's handout line" },
	{ "\000\000\000\"'", 5, "b'\\x00\\x00\\x00\"\\''", "quote rule looks at the whole data" },
};

/* repr(line.decode('ascii').split(' ')), generated once by /usr/bin/python3. */
static const struct repr_row split_rows[] = {
	{ "GET / HTTP/1.1", 14, "['GET', '/', 'HTTP/1.1']", "the handout's request line" },
	{ "", 0, "['']", "an empty line is one empty field" },
	{ " ", 1, "['', '']", "one space gives two empty fields" },
	{ "GET  /", 6, "['GET', '', '/']", "two spaces give an empty field between" },
	{ "it's", 4, "[\"it's\"]", "a str with ' and no \" uses double quotes" },
	{ "a\"b", 3, "['a\"b']", "a \" alone keeps single quotes" },
	{ "a'\"b", 4, "['a\\'\"b']", "both quotes: \' escaped" },
	{ "x\011y\000\177", 5, "['x\\ty\\x00\\x7f']", "tab named; NUL and DEL in hex" },
	{ "a\\b", 3, "['a\\\\b']", "backslash doubled" },
	{ "GET /x\015", 7, "['GET', '/x\\r']", "a CR left in the line shows" },
	{ "GET / HTTP/1.1 ", 15, "['GET', '/', 'HTTP/1.1', '']", "trailing space adds an empty field" },
};

#define N_ROWS(a) ((int)(sizeof(a) / sizeof((a)[0])))

START_TEST(test_bytes_repr_every_byte)
{
	unsigned char byte = (unsigned char)_i;
	char out[LOG_REPR_SIZE(1)];
	size_t n = log_bytes_repr(out, sizeof out, &byte, 1);
	ck_assert_msg(strcmp(out, py_byte_repr[_i]) == 0, "byte 0x%02x: got %s, Python prints %s",
	              _i, out, py_byte_repr[_i]);
	ck_assert_uint_eq(n, strlen(py_byte_repr[_i]));
}
END_TEST

START_TEST(test_bytes_repr_quotes)
{
	const struct repr_row *row = &bytes_rows[_i];
	char out[LOG_REPR_SIZE(16)];
	size_t n = log_bytes_repr(out, sizeof out, row->data, row->len);
	ck_assert_msg(strcmp(out, row->expected) == 0, "row %d (%s): got %s, want %s", _i, row->why,
	              out, row->expected);
	ck_assert_uint_eq(n, strlen(row->expected));
}
END_TEST

START_TEST(test_split_repr)
{
	const struct repr_row *row = &split_rows[_i];
	char out[256];
	size_t n = log_split_repr(out, sizeof out, row->data, row->len);
	ck_assert_msg(strcmp(out, row->expected) == 0, "row %d (%s): got %s, want %s", _i, row->why,
	              out, row->expected);
	ck_assert_uint_eq(n, strlen(row->expected));
}
END_TEST

struct peer_row {
	const char *host;
	unsigned port;
	bool ipv6;
	const char *expected;
};

static const struct peer_row peer_rows[] = {
	{ "127.0.0.1", 8761, false, "('127.0.0.1', 8761)" },
	{ "::1", 8761, true, "('::1', 8761, 0, 0)" },
	{ "::ffff:10.0.0.7", 80, true, "('::ffff:10.0.0.7', 80, 0, 0)" },
	{ "0.0.0.0", 0, false, "('0.0.0.0', 0)" },
};

START_TEST(test_peer_tuple)
{
	const struct peer_row *row = &peer_rows[_i];
	struct net_addr addr = { .port = row->port, .ipv6 = row->ipv6 };
	char out[128];
	snprintf(addr.host, sizeof addr.host, "%s", row->host);
	size_t n = log_peer_tuple(out, sizeof out, addr.host, addr.port, addr.ipv6);
	ck_assert_msg(strcmp(out, row->expected) == 0, "row %d: got %s, want %s", _i, out,
	              row->expected);
	ck_assert_uint_eq(n, strlen(row->expected));
}
END_TEST

/* The same second as strftime with localtime_r, retried if the clock ticked in between. */
START_TEST(test_date_time_is_local_http_server_format)
{
	setenv("TZ", "XST-5:30", 1);   /* +05:30, no tzdata needed: UTC would show in the minutes */
	for (int attempt = 0; attempt < 5; attempt++) {
		char got[32], want[32];
		time_t before = time(NULL);
		size_t n = log_date_time(got, sizeof got);
		time_t now = time(NULL);
		struct tm tm;
		if (now != before)
			continue;
		tzset();
		localtime_r(&now, &tm);
		ck_assert_uint_ne(strftime(want, sizeof want, "%d/%b/%Y %H:%M:%S", &tm), 0);
		ck_assert_str_eq(got, want);
		ck_assert_uint_eq(n, 20);
		return;
	}
	ck_abort_msg("the clock kept ticking between two calls");
}
END_TEST

/* Runs with stdout and stderr redirected into files, read back by captured(). */
static FILE *cap_out, *cap_err;
static int saved_out = -1, saved_err = -1;

static void capture_setup(void)
{
	cap_out = tmpfile();
	cap_err = tmpfile();
	ck_assert_ptr_nonnull(cap_out);
	ck_assert_ptr_nonnull(cap_err);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(fileno(cap_out), STDOUT_FILENO);
	dup2(fileno(cap_err), STDERR_FILENO);
	log_set_quiet(false);
}

static void capture_teardown(void)
{
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	fclose(cap_out);
	fclose(cap_err);
}

/* Everything written to the captured stream so far, NUL-terminated, in a malloc'd buffer. */
static char *captured(FILE *f)
{
	fflush(stdout);
	fflush(stderr);
	long size = lseek(fileno(f), 0, SEEK_END);
	ck_assert_int_ge(size, 0);
	char *text = calloc(1, (size_t)size + 1);
	ck_assert_ptr_nonnull(text);
	ck_assert_int_eq(pread(fileno(f), text, (size_t)size, 0), size);
	return text;
}

START_TEST(test_event_to_stdout_error_to_stderr)
{
	log_event("('127.0.0.1', %d) sent: %s", 8761, "b'x'");
	log_error("stopped: %s", "bye");
	char *out = captured(cap_out), *err = captured(cap_err);
	ck_assert_str_eq(out, "('127.0.0.1', 8761) sent: b'x'\n");
	ck_assert_str_eq(err, "stopped: bye\n");
	free(out);
	free(err);
}
END_TEST

START_TEST(test_quiet_silences_all_but_errors)
{
	log_set_quiet(true);
	ck_assert(log_is_quiet());
	log_event("event");
	log_access("127.0.0.1", "GET / HTTP/1.1", 14, 200, -1);
	log_access_error("127.0.0.1", 404, "File not found");
	log_error("last line");
	char *out = captured(cap_out), *err = captured(cap_err);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err, "last line\n");
	free(out);
	free(err);
}
END_TEST

/* The part after "host - - [date] ", which must be a well-formed date. */
static const char *after_date(const char *line, const char *host)
{
	size_t hl = strlen(host);
	ck_assert_msg(strncmp(line, host, hl) == 0 && strncmp(line + hl, " - - [", 6) == 0,
	              "bad prefix: %s", line);
	const char *date = line + hl + 6;
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	ck_assert_msg(date[20] == ']' && date[21] == ' ', "bad date in %s", line);
	ck_assert_int_eq(sscanf(date, "%2d/", &tm.tm_mday), 1);
	return date + 22;
}

struct access_row {
	const char *line;
	size_t len;
	int status;
	long long size;
	const char *expected;   /* what follows the date */
	const char *why;
};

/* http.server 3.11 (Debian) translates 0x00-0x1f, 0x7f-0x9f to \xhh and \ to \\. */
static const struct access_row access_rows[] = {
	{ "GET / HTTP/1.1", 14, 200, -1, "\"GET / HTTP/1.1\" 200 -\n", "the handout's line" },
	{ "GET /a HTTP/1.1", 15, 404, 469, "\"GET /a HTTP/1.1\" 404 469\n", "a size" },
	{ "GET /\n127.0.0.1 - - x", 21, 400, -1, "\"GET /\\x0a127.0.0.1 - - x\" 400 -\n",
	  "a LF cannot forge a second line" },
	{ "\x1b[31m\x7f\x85", 7, 400, -1, "\"\\x1b[31m\\x7f\\x85\" 400 -\n", "ESC, DEL, C1" },
	{ "a\\x41", 5, 400, -1, "\"a\\\\x41\" 400 -\n", "a backslash is doubled" },
	{ "\xe9", 1, 400, -1, "\"\xc3\xa9\" 400 -\n", "latin-1 shown as its character" },
	{ "G\0T", 3, 400, -1, "\"G\\x00T\" 400 -\n", "NUL in the middle" },
};

START_TEST(test_access_line)
{
	const struct access_row *row = &access_rows[_i];
	log_access("127.0.0.1", row->line, row->len, row->status, row->size);
	char *err = captured(cap_err);
	ck_assert_msg(strcmp(after_date(err, "127.0.0.1"), row->expected) == 0,
	              "row %d (%s): got %s", _i, row->why, err);
	free(err);
}
END_TEST

START_TEST(test_access_error_line)
{
	log_access_error("::1", 404, "File not found\r\n");
	char *err = captured(cap_err);
	ck_assert_str_eq(after_date(err, "::1"), "code 404, message File not found\\x0d\\x0a\n");
	free(err);
}
END_TEST

#define RACE_THREADS 8
#define RACE_LINES 200

static void *log_many(void *arg)
{
	long id = (long)arg;
	for (int i = 0; i < RACE_LINES; i++)
		log_event("thread %ld line %03d %s", id, i, "padding-padding-padding-padding");
	return NULL;
}

/* Lines of concurrent threads come out whole: each line parses and every line is there. */
START_TEST(test_lines_never_interleave)
{
	pthread_t t[RACE_THREADS];
	for (long i = 0; i < RACE_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, log_many, (void *)i), 0);
	for (int i = 0; i < RACE_THREADS; i++)
		pthread_join(t[i], NULL);
	char *out = captured(cap_out);
	int count[RACE_THREADS] = { 0 };
	char *save = NULL;
	for (char *line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		long id;
		int n, end = 0;
		ck_assert_msg(sscanf(line, "thread %ld line %d padding-padding-padding-padding%n", &id,
		                     &n, &end) == 2 && line[end] == '\0', "broken line: %s", line);
		ck_assert(id >= 0 && id < RACE_THREADS);
		ck_assert_int_eq(n, count[id]++);
	}
	for (int i = 0; i < RACE_THREADS; i++)
		ck_assert_int_eq(count[i], RACE_LINES);
	free(out);
}
END_TEST

/* ---- limits --------------------------------------------------------------------------------- */

/* Cut like snprintf: the full length returned, at most outlen - 1 bytes and a NUL written. */
START_TEST(test_repr_cut_like_snprintf)
{
	char out[8];
	memset(out, 'Z', sizeof out);
	size_t n = log_bytes_repr(out, 6, "\xff\xfe", 2);
	ck_assert_uint_eq(n, strlen("b'\\xff\\xfe'"));
	ck_assert_str_eq(out, "b'\\xf");
	ck_assert_int_eq(out[6], 'Z');
	ck_assert_uint_eq(log_bytes_repr(NULL, 0, "ab", 2), 5);
	ck_assert_uint_eq(log_split_repr(out, 1, "a b", 3), strlen("['a', 'b']"));
	ck_assert_str_eq(out, "");
	struct net_addr addr = { .host = "::1", .port = 65535, .ipv6 = true };
	ck_assert_uint_eq(log_peer_tuple(out, sizeof out, addr.host, addr.port, addr.ipv6), strlen("('::1', 65535, 0, 0)"));
	ck_assert_str_eq(out, "('::1',");
}
END_TEST

/* LOG_REPR_SIZE(n) holds the worst case: every byte an \xhh escape, with the quotes. */
START_TEST(test_repr_size_is_enough)
{
	static const unsigned char worst[4] = { 0x00, 0xff, 0x80, 0x7f };
	char out[LOG_REPR_SIZE(sizeof worst)];
	size_t n = log_bytes_repr(out, sizeof out, worst, sizeof worst);
	ck_assert_uint_lt(n, sizeof out);
	ck_assert_str_eq(out, "b'\\x00\\xff\\x80\\x7f'");
	/* log_split_repr's bound: LOG_REPR_SIZE(len) + 4 * (spaces + 1), all spaces */
	char split[LOG_REPR_SIZE(3) + 4 * 4];
	n = log_split_repr(split, sizeof split, "   ", 3);
	ck_assert_uint_lt(n, sizeof split);
	ck_assert_str_eq(split, "['', '', '', '']");
}
END_TEST

START_TEST(test_date_time_small_buffer)
{
	char out[20];
	memset(out, 'Z', sizeof out);
	ck_assert_uint_eq(log_date_time(out, sizeof out), 0);   /* needs 21 */
	ck_assert_str_eq(out, "");
	char fits[21];
	ck_assert_uint_eq(log_date_time(fits, sizeof fits), 20);
}
END_TEST

START_TEST(test_strerror_text)
{
	char buf[64];
	ck_assert_str_eq(log_strerror(EADDRINUSE, buf, sizeof buf), "Address already in use");
	char small[4];
	ck_assert_ptr_eq(log_strerror(EADDRINUSE, small, sizeof small), small);
	ck_assert_uint_lt(strlen(small), sizeof small);
}
END_TEST

Suite *suite_log(void);
Suite *suite_log(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("bytes_repr_matches_python");
	tcase_add_loop_test(tc, test_bytes_repr_every_byte, 0, 256);
	tcase_add_loop_test(tc, test_bytes_repr_quotes, 0, N_ROWS(bytes_rows));
	suite_add_tcase(s, tc);
	tc = tcase_create("split_repr_matches_python");
	tcase_add_loop_test(tc, test_split_repr, 0, N_ROWS(split_rows));
	suite_add_tcase(s, tc);
	tc = tcase_create("peer_and_date");
	tcase_add_loop_test(tc, test_peer_tuple, 0, N_ROWS(peer_rows));
	tcase_add_test(tc, test_date_time_is_local_http_server_format);
	suite_add_tcase(s, tc);
	tc = tcase_create("lines");
	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_test(tc, test_event_to_stdout_error_to_stderr);
	tcase_add_test(tc, test_quiet_silences_all_but_errors);
	tcase_add_loop_test(tc, test_access_line, 0, N_ROWS(access_rows));
	tcase_add_test(tc, test_access_error_line);
	tcase_add_test(tc, test_lines_never_interleave);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_repr_cut_like_snprintf);
	tcase_add_test(tc, test_repr_size_is_enough);
	tcase_add_test(tc, test_date_time_small_buffer);
	tcase_add_test(tc, test_strerror_text);
	suite_add_tcase(s, tc);
	return s;
}
