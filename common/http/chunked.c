// SPDX-License-Identifier: MIT
/*
 * chunked: the streaming decoder of Transfer-Encoding: chunked request bodies (RFC 9112 7.1)
 * and the writer's size line. The decoder works in place and keeps its whole state in
 * struct chunked_decoder, so it gives the same answer whether the body arrives in one read or one
 * byte per read, and it never reads a byte twice (picohttpparser's phr_decode_chunked has the same
 * shape). Every part a client controls is bounded: at most 16 hex digits and 2^62 per chunk, the
 * size line with its extensions, and the trailer section.
 * Left out on purpose: extensions and trailer fields are checked for stray control bytes and then
 * discarded, never interpreted (RFC 9112 7.1.1 and 7.1.2 allow ignoring them).
 */
#include "http/chunked.h"

#include "base/num.h"

#include <string.h>

#define CHUNK_DIGITS_MAX 16                   /* more would not fit 64 bits */
#define CHUNK_SIZE_MAX (UINT64_C(1) << 62)    /* as Content-Length: safe to add offsets to */

/*
 * Where the decoder is. Each "_CR" state has just seen a CR, which must be followed by LF:
 * a bare LF ends a line as in the request head, a bare CR is bad framing.
 */
enum {
	ST_SIZE,            /* hex digits of chunk-size */
	ST_EXT_BWS,         /* whitespace after the size: only ";" may follow */
	ST_EXT,             /* chunk extensions, skipped */
	ST_SIZE_CR,
	ST_DATA,            /* chunk-data: d->remaining bytes to go */
	ST_DATA_END,        /* the CRLF that must follow chunk-data */
	ST_DATA_CR,
	ST_TRAILER_START,   /* start of a trailer line, or of the empty line that ends the body */
	ST_TRAILER,         /* inside a trailer field line, discarded */
	ST_TRAILER_CR,
	ST_END_CR,          /* CR of the final empty line */
	ST_DONE,
	ST_BAD              /* sticky: a decoder that saw bad framing stays bad */
};

void chunked_init(struct chunked_decoder *d)
{
	d->state = ST_SIZE;
	d->remaining = 0;
	d->line_len = 0;
	d->trailer_len = 0;
	d->done = false;
}


/* NUL, DEL and control bytes other than HTAB, refused in extensions and trailers (RFC 9110 5.5). */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/* The size line ended: a zero size is the last-chunk, trailers follow (RFC 9112 7.1). */
static int size_line_end(struct chunked_decoder *d)
{
	d->line_len = 0;
	d->state = d->remaining > 0 ? ST_DATA : ST_TRAILER_START;
	return 0;
}

/*
 * One byte of chunk-size [ chunk-ext ] CRLF, where chunk-ext = *( BWS ";" BWS name [ "=" value ] )
 * (RFC 9112 7.1, 7.1.1). Returns 0 or -1.
 */
static int size_line_byte(struct chunked_decoder *d, unsigned char c)
{
	int v = num_hex_digit(c);

	if (d->state == ST_SIZE && v < 0 && d->line_len == 0)
		return -1;   /* the line does not start with a hex digit */
	/* The limit is on the line's content, as for the request line; its CR and LF are free. */
	if (c != '\r' && c != '\n' && ++d->line_len > CHUNKED_SIZE_LINE_MAX)
		return -1;
	if (d->state == ST_SIZE && v >= 0) {
		/* Checked digit by digit: 16 digits cannot overflow 64 bits before the bound. */
		if (d->line_len > CHUNK_DIGITS_MAX)
			return -1;
		d->remaining = d->remaining * 16 + (uint64_t)v;
		return d->remaining > CHUNK_SIZE_MAX ? -1 : 0;
	}
	if ((c == '\r' || c == '\n') && d->state == ST_EXT_BWS)
		return -1;   /* "1 \r\n": whitespace is allowed only before ";" */
	if (c == '\n')
		return size_line_end(d);
	if (c == '\r' || c == ';') {
		d->state = c == '\r' ? ST_SIZE_CR : ST_EXT;
		return 0;
	}
	if (d->state == ST_SIZE && (c == ' ' || c == '\t')) {
		d->state = ST_EXT_BWS;
		return 0;
	}
	/* Inside an extension anything but a control byte is skipped. */
	if (d->state == ST_EXT && !is_ctl(c))
		return 0;
	return (d->state == ST_EXT_BWS && (c == ' ' || c == '\t')) ? 0 : -1;
}

/*
 * One byte of the trailer section (RFC 9112 7.1.2): field lines, then an empty line. All its
 * bytes, line ends and the final empty line included, count against CHUNKED_TRAILER_MAX, as the
 * whole request head does against HTTP_HEAD_MAX.
 */
static int trailer_byte(struct chunked_decoder *d, unsigned char c)
{
	if (++d->trailer_len > CHUNKED_TRAILER_MAX)
		return -1;
	if (d->state == ST_TRAILER_CR || d->state == ST_END_CR) {
		if (c != '\n')
			return -1;   /* bare CR */
		d->state = d->state == ST_END_CR ? ST_DONE : ST_TRAILER_START;
		return 0;
	}
	if (c == '\n' || c == '\r') {
		bool empty_line = d->state == ST_TRAILER_START;
		if (c == '\n')
			d->state = empty_line ? ST_DONE : ST_TRAILER_START;
		else
			d->state = empty_line ? ST_END_CR : ST_TRAILER_CR;
		return 0;
	}
	d->state = ST_TRAILER;
	return is_ctl(c) ? -1 : 0;
}

/* One byte of framing: anything but chunk data. Returns 0 or -1. */
static int framing_byte(struct chunked_decoder *d, unsigned char c)
{
	switch (d->state) {
	case ST_SIZE:
	case ST_EXT_BWS:
	case ST_EXT:
		return size_line_byte(d, c);
	case ST_SIZE_CR:
		return c == '\n' ? size_line_end(d) : -1;
	case ST_DATA_END:
	case ST_DATA_CR:
		if (c == '\r' && d->state == ST_DATA_END) {
			d->state = ST_DATA_CR;
			return 0;
		}
		if (c != '\n')
			return -1;   /* chunk-data must be followed by exactly CRLF (or LF) */
		d->state = ST_SIZE;
		d->remaining = 0;
		return 0;
	case ST_TRAILER_START:
	case ST_TRAILER:
	case ST_TRAILER_CR:
	case ST_END_CR:
		return trailer_byte(d, c);
	default:
		return -1;
	}
}

ssize_t chunked_decode(struct chunked_decoder *d, char *buf, size_t *len)
{
	size_t in = 0, out = 0, n = *len;

	/* out never passes in: framing bytes are dropped, data bytes move towards the front. */
	while (in < n && d->state != ST_DONE) {
		if (d->state == ST_DATA) {
			size_t take = n - in < d->remaining ? n - in : (size_t)d->remaining;
			memmove(buf + out, buf + in, take);
			in += take;
			out += take;
			d->remaining -= take;
			if (d->remaining == 0)
				d->state = ST_DATA_END;
		} else if (framing_byte(d, (unsigned char)buf[in++]) != 0) {
			d->state = ST_BAD;
			*len = 0;
			return -1;
		}
	}
	*len = out;
	if (d->state == ST_BAD)
		return -1;
	if (d->state != ST_DONE)
		return -2;
	d->done = true;
	memmove(buf + out, buf + in, n - in);   /* the next request's bytes follow the data */
	return (ssize_t)(n - in);
}

size_t chunked_size_line(char *out, uint64_t n)
{
	char digits[CHUNK_DIGITS_MAX];
	size_t count = 0, len = 0;

	do {
		digits[count++] = "0123456789abcdef"[n & 0xf];
		n >>= 4;
	} while (n != 0);
	while (count > 0)
		out[len++] = digits[--count];
	out[len++] = '\r';
	out[len++] = '\n';
	out[len] = '\0';
	return len;
}
