// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/cli.c: a table of command lines against one program's option table
 * (flags, strings, numbers at their limits and one past, unknown options, missing arguments,
 * --help and --version, operands), with what each writes to stdout and stderr captured; a
 * choice among strings; a usage error of the program's own; parsing twice in one process
 * (getopt's global state); the option-table limit; and cli_announce()'s first line, over IPv4
 * and IPv6, and its one error line when the socket's address cannot be read.
 */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/cli.h"
#include "base/net.h"

/* ---- capturing stdout and stderr (a checked fixture: the test's own process is forked) ------ */

static FILE *captured_file[3];   /* indexed by fd: [1] stdout, [2] stderr */
static int saved_fd[3] = { -1, -1, -1 };

static void capture_setup(void)
{
	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++) {
		captured_file[fd] = tmpfile();
		ck_assert_ptr_nonnull(captured_file[fd]);
		saved_fd[fd] = dup(fd);
		ck_assert_int_eq(dup2(fileno(captured_file[fd]), fd), fd);
	}
}

static void capture_teardown(void)
{
	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++) {
		if (saved_fd[fd] >= 0) {
			dup2(saved_fd[fd], fd);
			close(saved_fd[fd]);
			saved_fd[fd] = -1;
		}
		if (captured_file[fd] != NULL)
			fclose(captured_file[fd]);
		captured_file[fd] = NULL;
	}
}

/* Everything written to fd (1 or 2) so far, as a string in buf. */
static const char *captured(int fd, char *buf, size_t size)
{
	fflush(stdout);
	fflush(stderr);
	ssize_t n = pread(fileno(captured_file[fd]), buf, size - 1, 0);
	ck_assert_int_ge(n, 0);
	buf[n] = '\0';
	return buf;
}

/* ---- one program's options ------------------------------------------------------------------ */

static const char usage[] = "Usage: prog [-b ADDR] [-p PORT] [--lines] [-q] [-m N]\n";

struct values {
	const char *host;
	unsigned port, max;
	bool lines, quiet;
};

/* Parse args (NULL-terminated, without argv[0]) into v, which starts at the defaults. */
static int parse(const char *const *args, struct values *v, unsigned max_positional, int *first)
{
	static char *argv[16];
	int argc = 0;
	const struct cli_option table[] = {
		{ "bind", 'b', CLI_STRING, &v->host, 0, 0, NULL },
		{ "port", 'p', CLI_NUMBER, &v->port, 0, 65535, "port" },
		{ "lines", 0, CLI_FLAG, &v->lines, 0, 0, NULL },
		{ "quiet", 'q', CLI_FLAG, &v->quiet, 0, 0, NULL },
		{ "max-clients", 'm', CLI_NUMBER, &v->max, 1, 16384, "--max-clients" },
	};
	const struct cli_program program = { "prog", "1.0", usage, table, CLI_COUNT(table),
	                                     max_positional };

	*v = (struct values){ .host = "127.0.0.1", .port = 5555, .max = 100 };
	argv[argc++] = "/some/path/prog";
	for (int i = 0; args[i] != NULL; i++)
		argv[argc++] = (char *)args[i];
	argv[argc] = NULL;
	return cli_parse(&program, argc, argv, first);
}

#define TRY "Try 'prog --help' for more information.\n"

struct parse_row {
	const char *args[6];
	int status;                   /* -1 go on, 0 exit 0, 2 usage error */
	struct values want;           /* checked when status is -1 */
	const char *out;              /* stdout exactly */
	const char *err;              /* stderr: its last line exactly, or "" for none at all */
	const char *why;
};

#define DEFAULTS { "127.0.0.1", 5555, 100, false, false }

static const struct parse_row parse_rows[] = {
	{ { NULL }, -1, DEFAULTS, "", "", "no options: the defaults" },
	{ { "-p", "0", NULL }, -1, { "127.0.0.1", 0, 100, false, false }, "", "", "port at its min" },
	{ { "-p", "65535", NULL }, -1, { "127.0.0.1", 65535, 100, false, false }, "", "",
	  "port at its max" },
	{ { "--port=8080", NULL }, -1, { "127.0.0.1", 8080, 100, false, false }, "", "", "--opt=value" },
	{ { "--port", "8080", NULL }, -1, { "127.0.0.1", 8080, 100, false, false }, "", "",
	  "--opt value" },
	{ { "-b", "::1", NULL }, -1, { "::1", 5555, 100, false, false }, "", "", "a string" },
	{ { "--bind=0.0.0.0", NULL }, -1, { "0.0.0.0", 5555, 100, false, false }, "", "",
	  "a long string" },
	{ { "--lines", "-q", NULL }, -1, { "127.0.0.1", 5555, 100, true, true }, "", "", "two flags" },
	{ { "-qp7", NULL }, -1, { "127.0.0.1", 7, 100, false, true }, "", "",
	  "grouped short options, argument attached" },
	{ { "--li", NULL }, -1, { "127.0.0.1", 5555, 100, true, false }, "", "",
	  "an unambiguous abbreviation (getopt_long)" },
	{ { "-m", "1", "-m", "16384", NULL }, -1, { "127.0.0.1", 5555, 16384, false, false }, "", "",
	  "the last one wins; its min and max" },
	{ { "-p", "65536", NULL }, 2, DEFAULTS, "",
	  TRY, "port one over its max" },
	{ { "-p", "-1", NULL }, 2, DEFAULTS, "", TRY, "a negative port" },
	{ { "-p", "12x", NULL }, 2, DEFAULTS, "", TRY, "trailing junk" },
	{ { "-p", "", NULL }, 2, DEFAULTS, "", TRY, "an empty number" },
	{ { "-m", "0", NULL }, 2, DEFAULTS, "", TRY, "one under a min of 1" },
	{ { "-m", "16385", NULL }, 2, DEFAULTS, "", TRY, "one over a max of 16384" },
	{ { "--bogus", NULL }, 2, DEFAULTS, "", TRY, "an unknown long option" },
	{ { "-x", NULL }, 2, DEFAULTS, "", TRY, "an unknown short option" },
	{ { "-p", NULL }, 2, DEFAULTS, "", TRY, "a missing argument" },
	{ { "--lines=yes", NULL }, 2, DEFAULTS, "", TRY, "a flag given an argument" },
	{ { "extra", NULL }, 2, DEFAULTS, "", TRY, "an operand where none is allowed" },
	{ { "-q", "extra", "-p", "9", NULL }, 2, DEFAULTS, "", TRY, "an operand among options" },
	{ { "--help", NULL }, 0, DEFAULTS, usage, "", "--help" },
	{ { "-h", "--bogus", NULL }, 0, DEFAULTS, usage, "", "-h, before a bad option" },
	{ { "--version", NULL }, 0, DEFAULTS, "prog 1.0 (lab4 suite)\n", "", "--version" },
	{ { "-q", "-V", NULL }, 0, DEFAULTS, "prog 1.0 (lab4 suite)\n", "", "-V" },
};

/* The last line of text (with its LF), or text itself when it has one line. */
static const char *last_line(const char *text)
{
	size_t len = strlen(text);
	if (len < 2)
		return text;
	const char *p = text + len - 2;
	while (p > text && p[-1] != '\n')
		p--;
	return p;
}

START_TEST(test_parse_rows)
{
	const struct parse_row *row = &parse_rows[_i];
	struct values v;
	char out[256], err[512];
	int status = parse(row->args, &v, 0, NULL);

	ck_assert_msg(status == row->status, "row %d (%s): status %d, want %d", _i, row->why, status,
	              row->status);
	ck_assert_msg(strcmp(captured(1, out, sizeof out), row->out) == 0,
	              "row %d (%s): stdout \"%s\"", _i, row->why, out);
	captured(2, err, sizeof err);
	ck_assert_msg(strcmp(row->err[0] ? last_line(err) : err, row->err) == 0,
	              "row %d (%s): stderr \"%s\"", _i, row->why, err);
	if (status != -1)
		return;
	ck_assert_msg(strcmp(v.host, row->want.host) == 0 && v.port == row->want.port &&
	              v.max == row->want.max && v.lines == row->want.lines &&
	              v.quiet == row->want.quiet,
	              "row %d (%s): got host %s port %u max %u lines %d quiet %d", _i, row->why,
	              v.host, v.port, v.max, v.lines, v.quiet);
}
END_TEST

/* The error line names the program, the option and the range, before the hint. */
START_TEST(test_bad_number_message)
{
	static const char *const args[] = { "-m", "0", NULL };
	struct values v;
	char err[512];
	ck_assert_int_eq(parse(args, &v, 0, NULL), 2);
	ck_assert_str_eq(captured(2, err, sizeof err),
	                 "prog: --max-clients takes a number from 1 to 16384, not '0'\n" TRY);
}
END_TEST

START_TEST(test_too_many_operands_message)
{
	static const char *const args[] = { "8000", "-q", "9000", NULL };
	struct values v;
	char err[512];
	ck_assert_int_eq(parse(args, &v, 1, NULL), 2);
	ck_assert_str_eq(captured(2, err, sizeof err), "prog: unexpected argument '9000'\n" TRY);
}
END_TEST

/* Operands and options in any order, as the programs accepted them before (GNU getopt_long). */
START_TEST(test_operand_among_options)
{
	static const char *const args[] = { "8000", "-q", NULL };
	struct values v;
	int first = -1;
	ck_assert_int_eq(parse(args, &v, 1, &first), -1);
	ck_assert(v.quiet);
	ck_assert_int_eq(first, 2);   /* argv is { prog, "-q", "8000" } once getopt has permuted it */
}
END_TEST

START_TEST(test_cli_number_operand)
{
	const struct cli_program program = { "prog", "1.0", usage, NULL, 0, 1 };
	unsigned port = 1;
	char err[512];
	ck_assert_int_eq(cli_number(&program, "8000", "port", 0, 65535, &port), 0);
	ck_assert_uint_eq(port, 8000);
	ck_assert_int_eq(cli_number(&program, "x", "port", 0, 65535, &port), 2);
	ck_assert_uint_eq(port, 8000);
	ck_assert_str_eq(captured(2, err, sizeof err),
	                 "prog: port takes a number from 0 to 65535, not 'x'\n" TRY);
}
END_TEST

/* CLI_OPERANDS_ANY: cli_parse lets any number of operands through, for the program to judge. */
START_TEST(test_operands_any)
{
	static const char *const args[] = { "8000", "-q", "9000", "x", NULL };
	struct values v;
	int first = -1;
	char err[64];
	ck_assert_int_eq(parse(args, &v, CLI_OPERANDS_ANY, &first), -1);
	ck_assert(v.quiet);
	ck_assert_int_eq(first, 2);   /* { prog, "-q", "8000", "9000", "x" } */
	ck_assert_str_eq(captured(2, err, sizeof err), "");
}
END_TEST

/* A usage error of the program's own: the same two lines as cli_parse's, status 2. */
START_TEST(test_usage_error_of_the_program)
{
	char err[512];
	ck_assert_int_eq(cli_usage_error("prog", "one %s only, not '%s'", "port", "2"), 2);
	ck_assert_str_eq(captured(2, err, sizeof err), "prog: one port only, not '2'\n" TRY);
}
END_TEST

/* ---- CLI_CHOICE: one of a few strings ------------------------------------------------------ */

static const char *const versions[] = { "HTTP/1.0", "HTTP/1.1", NULL };
static const char *const three[] = { "a", "b", "c", NULL };

struct choice_row {
	const char *args[4];
	const char *const *choices;
	int status;
	int chosen;             /* index into choices when status is -1; -1: the default stays */
	const char *err;        /* stderr exactly */
	const char *why;
};

static const struct choice_row choice_rows[] = {
	{ { NULL }, versions, -1, -1, "", "not given: the default" },
	{ { "-p", "HTTP/1.0", NULL }, versions, -1, 0, "", "the first" },
	{ { "--protocol=HTTP/1.1", NULL }, versions, -1, 1, "", "the last, long form" },
	{ { "-p", "HTTP/2", NULL }, versions, 2, -1,
	  "prog: -p takes HTTP/1.0 or HTTP/1.1, not 'HTTP/2'\n" TRY, "not one of them" },
	{ { "-p", "http/1.0", NULL }, versions, 2, -1,
	  "prog: -p takes HTTP/1.0 or HTTP/1.1, not 'http/1.0'\n" TRY, "case matters" },
	{ { "-p", "", NULL }, versions, 2, -1,
	  "prog: -p takes HTTP/1.0 or HTTP/1.1, not ''\n" TRY, "empty" },
	{ { "-p", "d", NULL }, three, 2, -1, "prog: -p takes a, b or c, not 'd'\n" TRY,
	  "three choices named" },
};

START_TEST(test_choice_rows)
{
	const struct choice_row *row = &choice_rows[_i];
	static char *argv[8];
	int argc = 0;
	char err[512];
	struct cli_choice protocol = { "default", row->choices };
	const struct cli_option table[] = {
		{ "protocol", 'p', CLI_CHOICE, &protocol, 0, 0, "-p" },
	};
	const struct cli_program program = { "prog", "1.0", usage, table, CLI_COUNT(table), 0 };

	argv[argc++] = "prog";
	for (int i = 0; row->args[i] != NULL; i++)
		argv[argc++] = (char *)row->args[i];
	argv[argc] = NULL;
	int status = cli_parse(&program, argc, argv, NULL);
	ck_assert_msg(status == row->status, "row %d (%s): status %d", _i, row->why, status);
	ck_assert_msg(strcmp(captured(2, err, sizeof err), row->err) == 0, "row %d (%s): stderr \"%s\"",
	              _i, row->why, err);
	if (status == -1)
		ck_assert_msg(row->chosen < 0 ? strcmp(protocol.value, "default") == 0 :
		              protocol.value == row->choices[row->chosen],
		              "row %d (%s): value %s", _i, row->why, protocol.value);
}
END_TEST

/* getopt keeps its place in globals: a second parse must start from the beginning again, even
 * after the first stopped inside a group of short options ("-hq": -q would be left over). */
START_TEST(test_parses_again_from_the_start)
{
	static const char *const first_args[] = { "-hq", NULL };
	static const char *const second_args[] = { "-p", "42", NULL };
	struct values v;
	ck_assert_int_eq(parse(first_args, &v, 0, NULL), 0);
	ck_assert_int_eq(parse(second_args, &v, 0, NULL), -1);
	ck_assert_uint_eq(v.port, 42);
	ck_assert(!v.quiet);
}
END_TEST

/* ---- limits --------------------------------------------------------------------------------- */

#define TABLE_MAX 24   /* CLI_OPTIONS_MAX in cli.c */

static char long_names[TABLE_MAX + 1][16];
static const char *strings[TABLE_MAX + 1];

/* A program with count string options -a, -b, ... (skipping -h, kept for --help). */
static int parse_many(unsigned count, char *argv[], int argc)
{
	static const char letters[] = "abcdefgijklmnopqrstuvwxyz";
	struct cli_option table[TABLE_MAX + 1];
	for (unsigned i = 0; i < count; i++) {
		snprintf(long_names[i], sizeof long_names[i], "opt%u", i);
		table[i] = (struct cli_option){ long_names[i], letters[i], CLI_STRING, &strings[i], 0, 0,
		                                NULL };
	}
	const struct cli_program program = { "prog", "1.0", usage, table, count, 0 };
	return cli_parse(&program, argc, argv, NULL);
}

START_TEST(test_option_table_at_its_limit_and_one_over)
{
	char *argv[] = { "prog", "-a", "first", "--opt22", "long", "-y", "short", NULL };
	ck_assert_int_eq(parse_many(TABLE_MAX, argv, 7), -1);
	ck_assert_str_eq(strings[0], "first");
	ck_assert_str_eq(strings[22], "long");
	ck_assert_str_eq(strings[23], "short");   /* -y is the 24th letter */
	ck_assert_int_eq(parse_many(TABLE_MAX + 1, argv, 7), 2);
}
END_TEST

/* ---- cli_announce --------------------------------------------------------------------------- */

static const struct cli_program server = { "prog", "1.0", usage, NULL, 0, 0 };

/* The port printed must be the one bound, and the line exactly as documented. url_host NULL:
 * no URL; else the URL's host as it must appear. */
static void check_first_line(const char *host, const char *url_host)
{
	struct net_addr local;
	char out[256], want[256];
	char err[256];
	int fd = net_listen(host, 0, err, sizeof err);
	ck_assert_msg(fd >= 0, "%s", err);
	ck_assert_int_eq(cli_announce(&server, fd, url_host ? "http" : NULL, "Ctrl-C to stop"), 0);
	ck_assert_int_eq(net_local_addr(fd, &local), 0);
	ck_assert_uint_gt(local.port, 0);
	if (url_host == NULL)
		snprintf(want, sizeof want, "prog: listening on %s port %u (Ctrl-C to stop)\n", host,
		         local.port);
	else
		snprintf(want, sizeof want,
		         "prog: listening on %s port %u, open http://%s:%u/ (Ctrl-C to stop)\n", host,
		         local.port, url_host, local.port);
	ck_assert_str_eq(captured(1, out, sizeof out), want);
	close(fd);
}

START_TEST(test_announce_first_line)
{
	check_first_line("127.0.0.1", NULL);
}
END_TEST

START_TEST(test_announce_first_line_with_url)
{
	check_first_line("127.0.0.1", "127.0.0.1");
}
END_TEST

START_TEST(test_announce_first_line_ipv6_url_in_brackets)
{
	check_first_line("::1", "[::1]");
}
END_TEST

START_TEST(test_announce_a_closed_socket_is_one_line)
{
	char out[256], err[512];
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(fd, 0);
	close(fd);   /* a descriptor that is no socket any more */
	ck_assert_int_eq(cli_announce(&server, fd, NULL, "x"), -1);
	ck_assert_str_eq(captured(1, out, sizeof out), "");
	captured(2, err, sizeof err);
	ck_assert_msg(strncmp(err, "prog: ", 6) == 0 && strchr(err, '\n') == err + strlen(err) - 1,
	              "stderr \"%s\"", err);
}
END_TEST

Suite *suite_cli(void);
Suite *suite_cli(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("parses_options");
	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_loop_test(tc, test_parse_rows, 0, (int)(sizeof parse_rows / sizeof parse_rows[0]));
	tcase_add_test(tc, test_bad_number_message);
	tcase_add_test(tc, test_too_many_operands_message);
	tcase_add_test(tc, test_operand_among_options);
	tcase_add_test(tc, test_cli_number_operand);
	tcase_add_test(tc, test_parses_again_from_the_start);
	tcase_add_test(tc, test_operands_any);
	tcase_add_test(tc, test_usage_error_of_the_program);
	tcase_add_loop_test(tc, test_choice_rows, 0, (int)(sizeof choice_rows / sizeof choice_rows[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("first_line");
	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_test(tc, test_announce_first_line);
	tcase_add_test(tc, test_announce_first_line_with_url);
	tcase_add_test(tc, test_announce_first_line_ipv6_url_in_brackets);
	tcase_add_test(tc, test_announce_a_closed_socket_is_one_line);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, capture_setup, capture_teardown);
	tcase_add_test(tc, test_option_table_at_its_limit_and_one_over);
	suite_add_tcase(s, tc);
	return s;
}
