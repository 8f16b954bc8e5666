/* SPDX-License-Identifier: MIT */
/*
 * buf: the one bounded string buffer, for every function that builds text a piece at a time (a
 * response head, a Set-Cookie value, a decoded path, a log line, a page, a directory listing).
 * The caller owns the storage and passes its size; an append never writes past it. It behaves
 * as snprintf does: what fits is kept, the text is always NUL-terminated (so size bytes hold
 * size - 1 of text), and what does not fit is counted, so buf_length() is the length the whole
 * text has. A cut is never silent: buf_truncated() says so, and so does every append's return.
 * A buffer of size 0 keeps nothing and only counts, as snprintf(NULL, 0, ...) does.
 *
 * With a flush function the buffer streams: when an append does not fit, the full buffer is
 * handed to flush and emptied, so text of any length passes through it (fileserver's listing,
 * one chunk per buffer; a TLS record gathered from small pieces).
 *
 * Callers read data and len; they change them only through these functions. One buffer belongs
 * to one thread. Nothing here allocates.
 */
#ifndef BUF_H
#define BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

/* Takes data[0..len) (a full buffer, or the rest at buf_flush); returns 0, or -1 on failure. */
typedef int buf_flush_fn(void *ctx, const char *data, size_t len);

struct buf {
	char *data;            /* the caller's storage, size bytes */
	size_t size;           /* 0: nothing is kept, lengths are only counted */
	size_t len;            /* bytes kept: data[0..len), and a NUL after them */
	size_t lost;           /* bytes appended but not kept (no room, or a failed flush) */
	size_t flushed;        /* bytes handed to flush */
	buf_flush_fn *flush;   /* NULL: a full buffer keeps what fits, as snprintf */
	void *ctx;             /* flush's first argument */
};

/* An empty buffer over data[0..size) (data may be NULL when size is 0). */
void buf_init(struct buf *b, char *data, size_t size);

/* The same, streaming into flush(ctx, ...). size must be at least 2 (one byte and the NUL). */
void buf_init_flush(struct buf *b, char *data, size_t size, buf_flush_fn *flush, void *ctx);

/* An append that does not fit as it is: flush (streaming), or keep what fits and count the rest.
 * Called by buf_append(); not meant to be called directly. */
bool buf_overflow(struct buf *b, const void *p, size_t n);

/*
 * Append n bytes of p (buf_append; they may hold NUL bytes), the string s (buf_puts), the byte
 * c (buf_putc), or printf-style text (buf_printf: with a flush function, one call's text must
 * fit the buffer, else its end is lost). Each returns true while nothing appended to b so far was
 * lost: a caller may append several pieces and look once at the end.
 *
 * The common case is inline, bytes that fit with the NUL after them: a response head is about
 * fifteen appends, and a function call each made building it 40% slower.
 */
static inline bool buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0 || n >= b->size - b->len)
		return buf_overflow(b, p, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return b->lost == 0;
}

static inline bool buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

static inline bool buf_putc(struct buf *b, char c)
{
	return buf_append(b, &c, 1);
}

bool buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* True once an appended byte was lost: the text in data is cut short. */
bool buf_truncated(const struct buf *b);

/* Every byte appended, kept or flushed or lost: snprintf's return value. */
size_t buf_length(const struct buf *b);

/*
 * Go back to a mark: keep only data[0..len), with len at most b->len (a mark taken since the
 * last flush), and forget what was lost after it. For all-or-nothing pieces: take the mark,
 * append, and rewind if the piece was cut.
 */
void buf_rewind(struct buf *b, size_t len);

/*
 * Hand what the buffer holds to flush now and empty it. Returns 0, or -1 when flush failed (its
 * bytes then count as lost). Without a flush function it does nothing and returns 0.
 */
int buf_flush(struct buf *b);

#endif
