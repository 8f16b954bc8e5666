// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/base/lineasm.c: the same lines come out of the same bytes however they are
 * cut into chunks. Each row is fed whole, one byte at a time (Windows telnet), and cut in two at
 * every position; all must give the row's lines. Then the exact chunk sequences of the three
 * clients of the handout's question 3, lineasm_feed_line_equals() (echo's --lines "exit"), and the
 * length limit.
 */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "base/lineasm.h"

/* A byte string literal and its length, NULs and all. */
#define B(s) s, sizeof(s) - 1

struct feed_row {
	const char *input;
	size_t input_len;
	const char *lines;   /* every completed line, each followed by '\n' */
	size_t lines_len;
	const char *why;
};

static const struct feed_row rows[] = {
	{ B("exit\r\n"), B("exit\n"), "Linux telnet: CR LF" },
	{ B("exit\n"), B("exit\n"), "netcat: LF" },
	{ B("exit\r"), B("exit\n"), "a lone CR ends the line at once" },
	{ B("exit\r\0"), B("exit\n"), "telnet's bare CR is CR NUL (RFC 854)" },
	{ B("exit\r\nnext\r\n"), B("exit\nnext\n"), "two lines" },
	{ B("\r\n"), B("\n"), "one empty line, not two" },
	{ B("\n\n"), B("\n\n"), "two LFs, two empty lines" },
	{ B("\r\r"), B("\n\n"), "two lone CRs, two empty lines" },
	{ B("\r\0\n"), B("\n\n"), "CR NUL, then LF: two empty lines" },
	{ B("\r\n\r\n"), B("\n\n"), "two CR LFs, two empty lines" },
	{ B("a\rb\n"), B("a\nb\n"), "a CR followed by text" },
	{ B("exiz\bt\r\n"), B("exit\n"), "backspace removes the last byte" },
	{ B("exiz\x7ft\n"), B("exit\n"), "DEL removes the last byte" },
	{ B("\b\bexit\n"), B("exit\n"), "backspace on an empty line does nothing" },
	{ B("ab\b\b\bexit\n"), B("exit\n"), "more backspaces than bytes" },
	{ B("ex\xff\xf4it\r\n"), B("exit\n"), "IAC IP (telnet's Ctrl-C) is skipped" },
	{ B("\xff\xf4\r\n"), B("\n"), "IAC IP then Enter: an empty line" },
	{ B("\xff\xfd\x01" "exit\n"), B("exit\n"), "IAC DO ECHO is skipped" },
	{ B("\xff\xfb\x03\xff\xfc\x01" "exit\n"), B("exit\n"), "IAC WILL and WONT" },
	{ B("\xff\xfd\x0a" "exit\n"), B("exit\n"), "an option byte that is LF ends nothing" },
	{ B("\xff\xfa\x18\x00VT100\xff\xf0" "exit\n"), B("exit\n"), "IAC SB ... IAC SE" },
	{ B("\xff\xfa\x18\n\r\xff\xff\xff\xf0" "ok\n"), B("ok\n"), "LF, CR, IAC IAC inside SB" },
	{ B("a\xff\xff" "b\n"), B("a\xff" "b\n"), "IAC IAC is a data byte 0xff" },
	{ B("e\0x\n"), B("e\0x\n"), "a NUL not after CR is data" },
	{ B("exit"), B(""), "no terminator, no line" },
	{ B("tab\there\n"), B("tab\there\n"), "other control bytes stay" },
};

#define N_ROWS ((int)(sizeof rows / sizeof rows[0]))

/* Feed one chunk, appending every completed line and a '\n' to out. */
static void feed(struct lineasm *a, const char *data, size_t len, char *out, size_t *out_len,
                 size_t out_size)
{
	while (len > 0) {
		bool done = true;
		size_t used = lineasm_feed(a, data, len, &done);
		ck_assert_msg(used > 0 && used <= len, "consumed %zu of %zu", used, len);
		ck_assert_msg(done || used == len, "stopped early without a line");
		if (done) {
			ck_assert_uint_lt(*out_len + a->len + 1, out_size);
			memcpy(out + *out_len, a->line, a->len);
			*out_len += a->len;
			out[(*out_len)++] = '\n';
			lineasm_next(a);
		}
		data += used;
		len -= used;
	}
}

/* Feed row's input in chunks of at most chunk bytes, after a first cut at first (0: none). */
static void check_row(const struct feed_row *row, size_t first, size_t chunk, int i)
{
	struct lineasm a;
	char out[256];
	size_t out_len = 0, pos = 0;
	lineasm_init(&a);
	if (first > 0) {
		feed(&a, row->input, first, out, &out_len, sizeof out);
		pos = first;
	}
	while (pos < row->input_len) {
		size_t n = row->input_len - pos < chunk ? row->input_len - pos : chunk;
		feed(&a, row->input + pos, n, out, &out_len, sizeof out);
		pos += n;
	}
	ck_assert_msg(out_len == row->lines_len && memcmp(out, row->lines, out_len) == 0,
	              "row %d (%s), cut at %zu, chunks of %zu: got %zu bytes of lines, want %zu",
	              i, row->why, first, chunk, out_len, row->lines_len);
}

START_TEST(test_row_whole)
{
	check_row(&rows[_i], 0, rows[_i].input_len + 1, _i);
}
END_TEST

START_TEST(test_row_one_byte_at_a_time)
{
	check_row(&rows[_i], 0, 1, _i);
}
END_TEST

START_TEST(test_row_cut_in_two_everywhere)
{
	for (size_t cut = 1; cut < rows[_i].input_len; cut++)
		check_row(&rows[_i], cut, rows[_i].input_len, _i);
}
END_TEST

struct client_row {
	const char *chunks[12];   /* NULL-terminated; no NUL bytes inside */
	const char *why;
};

/* The packets of the handout's question 3, as each client sends them. */
static const struct client_row clients[] = {
	{ { "exit\r\n", NULL }, "Linux telnet" },
	{ { "exit\n", NULL }, "netcat" },
	{ { "e", "x", "i", "z", "\b", "t", "\r\n", NULL }, "Windows telnet, with a correction" },
	{ { "e", "x", "i", "t", "\r", "\n", NULL }, "CR and LF in separate packets" },
	{ { "\xff\xfd\x03\xff\xfb\x18", "exit", "\r\n", NULL }, "negotiation first" },
};

START_TEST(test_clients_give_exit_once)
{
	struct lineasm a;
	char out[64];
	size_t out_len = 0;
	lineasm_init(&a);
	for (int k = 0; clients[_i].chunks[k]; k++)
		feed(&a, clients[_i].chunks[k], strlen(clients[_i].chunks[k]), out, &out_len,
		     sizeof out);
	out[out_len] = '\0';
	ck_assert_msg(strcmp(out, "exit\n") == 0, "%s: got lines \"%s\"", clients[_i].why, out);
}
END_TEST

/* "\r\n" as its own packet: the CR completes the line and consumes only itself; the LF that
 * follows in a later chunk is swallowed, not taken as an empty line. */
START_TEST(test_crlf_chunk_consumes_both)
{
	struct lineasm a;
	bool done = false;
	lineasm_init(&a);
	ck_assert_uint_eq(lineasm_feed(&a, "exit", 4, &done), 4);
	ck_assert(!done);
	ck_assert_uint_eq(lineasm_feed(&a, "\r\n", 2, &done), 2);
	ck_assert(done);
	ck_assert_uint_eq(a.len, 4);
	lineasm_next(&a);
	ck_assert_uint_eq(lineasm_feed(&a, "\r", 1, &done), 1);
	ck_assert(done);
	ck_assert_uint_eq(a.len, 0);
	lineasm_next(&a);
	ck_assert_uint_eq(lineasm_feed(&a, "\n", 1, &done), 1);
	ck_assert(!done);
	ck_assert_uint_eq(a.len, 0);
}
END_TEST

/* ---- lineasm_feed_line_equals: echo's --lines "exit" ----------------------------------------- */

struct equals_row {
	const char *chunks[12];   /* NULL-terminated; no NUL bytes inside */
	const char *word;
	int at;                   /* the chunk after which it first says true; -1: never */
	const char *why;
};

static const struct equals_row equals_rows[] = {
	{ { "exit\r\n", NULL }, "exit", 0, "Linux telnet" },
	{ { "exit\n", NULL }, "exit", 0, "netcat" },
	{ { "e", "x", "i", "z", "\b", "t", "\r\n", NULL }, "exit", 6, "Windows telnet, corrected" },
	{ { "ex", "\xff\xf4", "it", "\r\n", NULL }, "exit", 3, "telnet's IAC IP in the middle" },
	{ { "exit\r", "\n", NULL }, "exit", 0, "a CR completes the line" },
	{ { "hello\nexit\n", NULL }, "exit", 0, "the second line of one chunk" },
	{ { "no\n", "\r\n", "exit\n", NULL }, "exit", 2, "after other lines, in a later chunk" },
	{ { "exits\r\n", NULL }, "exit", -1, "a longer line" },
	{ { "  exit\r\n", NULL }, "exit", -1, "leading spaces" },
	{ { "EXIT\r\n", NULL }, "exit", -1, "case-sensitive" },
	{ { "exi", NULL }, "exit", -1, "a prefix of the word" },
	{ { "exit", NULL }, "exit", -1, "no line end yet" },
	{ { "exit\r\n", NULL }, "quit", -1, "another word" },
	{ { "a\n", "\n", NULL }, "", 1, "an empty word matches an empty line" },
};

START_TEST(test_line_equals)
{
	const struct equals_row *row = &equals_rows[_i];
	struct lineasm a;
	int at = -1;
	lineasm_init(&a);
	for (int k = 0; row->chunks[k] && at < 0; k++)
		if (lineasm_feed_line_equals(&a, row->chunks[k], strlen(row->chunks[k]), row->word))
			at = k;
	ck_assert_msg(at == row->at, "row %d (%s): true after chunk %d, want %d", _i, row->why, at,
	              row->at);
	if (at >= 0)
		ck_assert_msg(a.len == strlen(row->word) && memcmp(a.line, row->word, a.len) == 0,
		              "row %d (%s): the matching line is not left in a->line", _i, row->why);
}
END_TEST

/* ---- limits --------------------------------------------------------------------------------- */

static char long_line[LINEASM_MAX + 8];

/* Feed n 'x' bytes then LF; returns the line length and whether it was cut. */
static size_t feed_long(struct lineasm *a, size_t n, bool *truncated)
{
	bool done = false;
	memset(long_line, 'x', n);
	long_line[n] = '\n';
	ck_assert_uint_eq(lineasm_feed(a, long_line, n + 1, &done), n + 1);
	ck_assert(done);
	*truncated = a->truncated;
	return a->len;
}

START_TEST(test_line_at_the_limit_is_whole)
{
	struct lineasm a;
	bool cut;
	lineasm_init(&a);
	ck_assert_uint_eq(feed_long(&a, LINEASM_MAX, &cut), LINEASM_MAX);
	ck_assert(!cut);
}
END_TEST

START_TEST(test_line_one_over_is_cut_and_marked)
{
	struct lineasm a;
	bool cut;
	lineasm_init(&a);
	ck_assert_uint_eq(feed_long(&a, LINEASM_MAX + 1, &cut), LINEASM_MAX);
	ck_assert(cut);
	ck_assert_int_eq(a.line[LINEASM_MAX - 1], 'x');
	lineasm_next(&a);
	ck_assert(!a.truncated);
	ck_assert_uint_eq(feed_long(&a, 3, &cut), 3);
	ck_assert(!cut);
}
END_TEST

START_TEST(test_overlong_line_then_backspace)
{
	struct lineasm a;
	bool done = false;
	lineasm_init(&a);
	memset(long_line, 'x', LINEASM_MAX + 5);
	ck_assert_uint_eq(lineasm_feed(&a, long_line, LINEASM_MAX + 5, &done), LINEASM_MAX + 5);
	ck_assert(!done);
	ck_assert_uint_eq(a.len, LINEASM_MAX);
	ck_assert_uint_eq(lineasm_feed(&a, "\b\n", 2, &done), 2);
	ck_assert(done);
	ck_assert_uint_eq(a.len, LINEASM_MAX - 1);
	ck_assert(a.truncated);
}
END_TEST

/* A word as long as LINEASM_MAX matches a line of exactly that length, but never a longer line
 * whose first LINEASM_MAX bytes are the same (it was cut, and is marked truncated). */
START_TEST(test_line_equals_at_the_limit_and_one_over)
{
	static char word[LINEASM_MAX + 1];
	struct lineasm a;
	memset(word, 'x', LINEASM_MAX);
	memset(long_line, 'x', LINEASM_MAX + 1);
	long_line[LINEASM_MAX] = '\n';
	lineasm_init(&a);
	ck_assert(lineasm_feed_line_equals(&a, long_line, LINEASM_MAX + 1, word));
	long_line[LINEASM_MAX] = 'x';
	long_line[LINEASM_MAX + 1] = '\n';
	lineasm_init(&a);
	ck_assert(!lineasm_feed_line_equals(&a, long_line, LINEASM_MAX + 2, word));
	ck_assert_uint_eq(a.len, 0);   /* the cut line was dropped: the next one starts empty */
}
END_TEST

START_TEST(test_empty_feed_consumes_nothing)
{
	struct lineasm a;
	bool done = true;
	lineasm_init(&a);
	ck_assert_uint_eq(lineasm_feed(&a, "", 0, &done), 0);
	ck_assert(!done);
}
END_TEST

Suite *suite_lineasm(void);
Suite *suite_lineasm(void)
{
	Suite *s = suite_create("lineasm");
	TCase *tc = tcase_create("same_lines_whatever_the_chunks");
	tcase_add_loop_test(tc, test_row_whole, 0, N_ROWS);
	tcase_add_loop_test(tc, test_row_one_byte_at_a_time, 0, N_ROWS);
	tcase_add_loop_test(tc, test_row_cut_in_two_everywhere, 0, N_ROWS);
	suite_add_tcase(s, tc);
	tc = tcase_create("handout_clients");
	tcase_add_loop_test(tc, test_clients_give_exit_once, 0,
	                    (int)(sizeof clients / sizeof clients[0]));
	tcase_add_test(tc, test_crlf_chunk_consumes_both);
	suite_add_tcase(s, tc);
	tc = tcase_create("line_equals_word");
	tcase_add_loop_test(tc, test_line_equals, 0,
	                    (int)(sizeof equals_rows / sizeof equals_rows[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_test(tc, test_line_at_the_limit_is_whole);
	tcase_add_test(tc, test_line_one_over_is_cut_and_marked);
	tcase_add_test(tc, test_overlong_line_then_backspace);
	tcase_add_test(tc, test_line_equals_at_the_limit_and_one_over);
	tcase_add_test(tc, test_empty_feed_consumes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
