// SPDX-License-Identifier: MIT
/*
 * buf: the bounded string buffer (see buf.h). An append that fits is buf.h's inline
 * buf_append(); every other goes through buf_overflow() and hold(), which writes only what room()
 * said fits, and adds what does not to lost, so nothing is cut without the buffer knowing.
 *
 * Left out on purpose: growing the storage (the caller chose its size; a caller that wants more
 * asks again with a bigger buffer, as routes_send_page() does) and wide characters.
 */
#include "base/buf.h"

#include <stdio.h>
#include <string.h>

void buf_init(struct buf *b, char *data, size_t size)
{
	buf_init_flush(b, data, size, NULL, NULL);
}

void buf_init_flush(struct buf *b, char *data, size_t size, buf_flush_fn *flush, void *ctx)
{
	*b = (struct buf){ .data = data, .size = size, .flush = flush, .ctx = ctx };
	if (size > 0)
		data[0] = '\0';
}

/* Bytes that still fit, one being kept for the NUL. */
static size_t room(const struct buf *b)
{
	return b->size > 0 ? b->size - 1 - b->len : 0;
}

/* Keep n bytes of p, which room() said fit, and the NUL after them. */
static void hold(struct buf *b, const char *p, size_t n)
{
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

int buf_flush(struct buf *b)
{
	if (b->flush == NULL || b->len == 0)
		return 0;
	int rc = b->flush(b->ctx, b->data, b->len);
	if (rc < 0)
		b->lost += b->len;   /* the stream has a gap now: the text is no longer whole */
	else
		b->flushed += b->len;
	b->len = 0;
	b->data[0] = '\0';
	return rc < 0 ? -1 : 0;
}

bool buf_overflow(struct buf *b, const void *p, size_t n)
{
	const char *s = p;
	/* Streaming: fill the buffer, hand it on, go on with the rest. */
	while (n > room(b) && b->flush != NULL && b->size > 1) {
		size_t fits = room(b);
		hold(b, s, fits);
		s += fits;
		n -= fits;
		buf_flush(b);
	}
	size_t kept = n < room(b) ? n : room(b);
	if (kept > 0)
		hold(b, s, kept);
	b->lost += n - kept;
	return b->lost == 0;
}

/* vsnprintf() into the room left (it writes at most room() bytes and the NUL); its return. */
__attribute__((format(printf, 2, 0)))
static int format(struct buf *b, const char *fmt, va_list ap)
{
	return vsnprintf(b->size > 0 ? b->data + b->len : NULL, b->size > 0 ? room(b) + 1 : 0,
	                 fmt, ap);
}

bool buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list again;
	va_copy(again, ap);
	int n = format(b, fmt, ap);
	if (n >= 0 && (size_t)n > room(b) && b->flush != NULL && b->len > 0 && buf_flush(b) == 0)
		n = format(b, fmt, again);   /* the text did not fit after what was held: once more */
	va_end(again);
	if (n < 0) {   /* an output error (EOVERFLOW): the text is not there, so it is cut */
		if (b->size > 0)
			b->data[b->len] = '\0';
		b->lost++;
		return false;
	}
	size_t kept = (size_t)n < room(b) ? (size_t)n : room(b);
	b->len += kept;
	b->lost += (size_t)n - kept;
	return b->lost == 0;
}

bool buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	bool ok = buf_vprintf(b, fmt, ap);
	va_end(ap);
	return ok;
}

bool buf_truncated(const struct buf *b)
{
	return b->lost > 0;
}

size_t buf_length(const struct buf *b)
{
	return b->flushed + b->len + b->lost;
}

void buf_rewind(struct buf *b, size_t len)
{
	if (len > b->len)
		return;   /* not a mark of this buffer's text: nothing to go back to */
	b->len = len;
	b->lost = 0;
	if (b->size > 0)
		b->data[len] = '\0';
}
