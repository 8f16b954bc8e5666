/* SPDX-License-Identifier: MIT */
/*
 * lineasm: assemble typed lines from a byte stream, the answer to the handout's question 3 ("make
 * the echo server work the same on different OS"). Linux telnet sends "exit\r\n" in one packet,
 * netcat sends "exit\n", Windows telnet sends one key per packet ("e", "x", ..., "\r\n"), with
 * backspace corrections typed in between, and telnet's Ctrl-C is the IAC sequence "\xff\xf4".
 * Fed the chunks as they arrive, this returns the same line "exit" for all of them.
 *
 * Rules: a line ends at LF, at CR LF, at CR NUL (telnet's bare CR) or at a lone CR; the byte after
 * a CR that is LF or NUL belongs to that CR. BS (0x08) and DEL (0x7f) remove the last byte of the
 * line. Telnet IAC sequences (IAC cmd, IAC WILL/WONT/DO/DONT opt, IAC SB ... IAC SE) are skipped:
 * they never end a line and are not part of it; IAC IAC is a literal 0xff. A line longer than
 * LINEASM_MAX is cut there and marked truncated.
 *
 * Pure and allocation-free; one struct per client.
 */
#ifndef LINEASM_H
#define LINEASM_H

#include <stdbool.h>
#include <stddef.h>

#define LINEASM_MAX 1024

struct lineasm {
	size_t len;           /* bytes in line[] */
	bool truncated;       /* the current line lost bytes past LINEASM_MAX */
	int state;            /* private: CR seen, inside an IAC sequence, ... */
	char line[LINEASM_MAX];
};

void lineasm_init(struct lineasm *a);

/*
 * Consume bytes of data[0..len) until one line is complete or the data ends. Returns the number
 * of bytes consumed (<= len). When a line completed, *done is true and a->line[0..a->len) holds
 * it without its terminator; call lineasm_next() before feeding the rest.
 */
size_t lineasm_feed(struct lineasm *a, const char *data, size_t len, bool *done);

/* Start the next line (keeps the CR state so a following LF is not taken as an empty line). */
void lineasm_next(struct lineasm *a);

/*
 * Feed a whole chunk, line by line, and say whether one of its complete lines is exactly word
 * (case-sensitive; a truncated line never matches): echo's --lines "exit". Lines that do not
 * match are dropped. On a match it returns true at once and leaves the matching line in a->line;
 * the bytes after it are not fed (the caller closes the client).
 */
bool lineasm_feed_line_equals(struct lineasm *a, const char *data, size_t len, const char *word);

#endif
