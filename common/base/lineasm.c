// SPDX-License-Identifier: MIT
/*
 * lineasm: typed lines from a byte stream, whatever the client's OS (the handout's question 3).
 * A small state machine over single bytes, so the same line comes out whether the bytes arrive
 * in one packet (Linux telnet, netcat) or one per packet (Windows telnet).
 *
 * Left out on purpose: answering telnet option negotiation (the server stays silent, which a
 * telnet client accepts), and line editing beyond BS/DEL (arrow keys stay in the line as typed).
 */
#include "base/lineasm.h"

#include <string.h>

/* Telnet (RFC 854): IAC starts a command; SB ... IAC SE is a subnegotiation (RFC 855);
 * WILL, WONT, DO and DONT take one option byte. */
enum {
	TELNET_SE = 240,
	TELNET_SB = 250,
	TELNET_WILL = 251,
	TELNET_DONT = 254,
	TELNET_IAC = 255,
};

enum {
	BYTE_BS = 0x08,
	BYTE_DEL = 0x7f,
};

/* Where the previous bytes left us. */
enum {
	ST_TEXT,      /* inside a line */
	ST_CR,        /* a CR ended the last line: a LF or NUL next belongs to it */
	ST_IAC,       /* after IAC */
	ST_OPT,       /* after IAC WILL/WONT/DO/DONT: the option byte */
	ST_SB,        /* inside IAC SB ... */
	ST_SB_IAC,    /* IAC inside a subnegotiation: SE ends it */
};

void lineasm_init(struct lineasm *a)
{
	memset(a, 0, sizeof *a);
	a->state = ST_TEXT;
}

void lineasm_next(struct lineasm *a)
{
	a->len = 0;
	a->truncated = false;
}

static void append(struct lineasm *a, unsigned char c)
{
	if (a->len < LINEASM_MAX)
		a->line[a->len++] = (char)c;
	else
		a->truncated = true;   /* a client-controlled length: cut, and say so */
}

/* A byte of the line itself. Returns true when it ends the line. */
static bool text_byte(struct lineasm *a, unsigned char c)
{
	if (c == '\n')
		return true;
	if (c == '\r') {
		a->state = ST_CR;   /* a lone CR ends the line now: nothing may follow for a while */
		return true;
	}
	if (c == TELNET_IAC)
		a->state = ST_IAC;
	else if (c == BYTE_BS || c == BYTE_DEL) {
		if (a->len > 0)
			a->len--;
	} else
		append(a, c);
	return false;
}

static void iac_byte(struct lineasm *a, unsigned char c)
{
	a->state = ST_TEXT;
	if (c == TELNET_IAC)
		append(a, c);   /* IAC IAC: a data byte 0xff */
	else if (c == TELNET_SB)
		a->state = ST_SB;
	else if (c >= TELNET_WILL && c <= TELNET_DONT)
		a->state = ST_OPT;
	/* any other command (IP = Ctrl-C, AO, AYT, NOP, ...) is two bytes and is skipped */
}

/* One byte in; returns true when a line is complete. */
static bool step(struct lineasm *a, unsigned char c)
{
	switch (a->state) {
	case ST_CR:
		a->state = ST_TEXT;
		if (c == '\n' || c == '\0')
			return false;   /* the second half of CR LF or CR NUL (RFC 854) */
		return text_byte(a, c);
	case ST_IAC:
		iac_byte(a, c);
		return false;
	case ST_OPT:
		a->state = ST_TEXT;
		return false;
	case ST_SB:
		if (c == TELNET_IAC)
			a->state = ST_SB_IAC;
		return false;
	case ST_SB_IAC:
		a->state = c == TELNET_SE ? ST_TEXT : ST_SB;
		return false;
	default:
		return text_byte(a, c);
	}
}

size_t lineasm_feed(struct lineasm *a, const char *data, size_t len, bool *done)
{
	const unsigned char *p = (const unsigned char *)data;
	size_t i = 0;
	*done = false;
	while (i < len && !*done)
		*done = step(a, p[i++]);
	/* Take the LF of a CR LF that arrived in the same chunk, so the caller sees it consumed. */
	if (*done && a->state == ST_CR && i < len && (p[i] == '\n' || p[i] == '\0')) {
		a->state = ST_TEXT;
		i++;
	}
	return i;
}

bool lineasm_feed_line_equals(struct lineasm *a, const char *data, size_t len, const char *word)
{
	size_t word_len = strlen(word);
	bool done;

	while (len > 0) {
		size_t used = lineasm_feed(a, data, len, &done);
		data += used;
		len -= used;
		if (!done)
			break;
		if (!a->truncated && a->len == word_len && memcmp(a->line, word, word_len) == 0)
			return true;
		lineasm_next(a);
	}
	return false;
}
