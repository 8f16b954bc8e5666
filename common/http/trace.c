// SPDX-License-Identifier: MIT
/*
 * trace: the --trace wire view (issue 4, handout Part A.1). Each message is shown as its bytes
 * were on the wire, line by line, with "\r\n" written out, so a student sees the CRLFs, the
 * empty line that ends a head, the reused connection ("request 2 on this connection") and the
 * chunk sizes in hex, without a packet capture.
 *
 * Left out on purpose: bodies (only their sizes), timestamps (the access log has them).
 */
#include "http/trace.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/buf.h"
#include "base/log.h"
#include "http/http_conn.h"   /* struct http_config: cfg->trace */

/* A note line: "[conn N] " and its text; longer notes are cut. */
#define NOTE_MAX 512

void trace_opened(unsigned long conn, const struct net_addr *peer)
{
	/* An IPv6 host is bracketed so the port cannot be read as part of it (RFC 3986 3.2.2). */
	log_error("[conn %lu] opened from %s%s%s:%u", conn, peer->ipv6 ? "[" : "", peer->host,
	          peer->ipv6 ? "]" : "", peer->port);
}

/*
 * The head as indented lines, "  GET / HTTP/1.1\r\n": CR and LF written out as \r and \n (a
 * bare LF shows as a \n without \r), other control bytes and non-ASCII as \xhh.
 */
static void show_head(struct buf *b, const char *head, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	bool line_start = true;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)head[i];
		if (line_start)
			buf_puts(b, "  ");
		line_start = ch == '\n';
		if (ch == '\r' || ch == '\n') {
			buf_puts(b, ch == '\r' ? "\\r" : i + 1 < len ? "\\n\n" : "\\n");
		} else if (ch < 0x20 || ch >= 0x7f) {
			const char escape[4] = { '\\', 'x', hex[ch >> 4], hex[ch & 0xf] };
			buf_append(b, escape, sizeof escape);
		} else {
			buf_putc(b, (char)ch);
		}
	}
}

/* Each input byte is at most 6 bytes shown (the indent and \xhh): a buffer of 6 * len + 1. */
static void head_block(const char *title, const char *head, size_t len)
{
	size_t size = 6 * len + 1;
	char *shown = len > 0 ? malloc(size) : NULL;
	struct buf b;
	if (shown == NULL) {
		log_error("%s", title);
		return;
	}
	buf_init(&b, shown, size);
	show_head(&b, head, len);
	log_error("%s\n%s%s", title, shown, buf_truncated(&b) ? " ..." : "");
	free(shown);
}

void trace_request(unsigned long conn, unsigned long number, const char *head, size_t len)
{
	char title[96];
	snprintf(title, sizeof title, "[conn %lu] request %lu on this connection", conn, number);
	head_block(title, head, len);
}

void trace_response(unsigned long conn, const char *head, size_t len)
{
	char title[64];
	snprintf(title, sizeof title, "[conn %lu] response", conn);
	head_block(title, head, len);
}

void trace_chunk(unsigned long conn, uint64_t size)
{
	if (size == 0)
		log_error("[conn %lu] chunk 0 (last chunk)", conn);
	else
		log_error("[conn %lu] chunk %llx (%llu bytes)", conn, (unsigned long long)size,
		          (unsigned long long)size);
}

void trace_closed(unsigned long conn, const char *why, int last_status)
{
	if (last_status > 0)
		log_error("[conn %lu] closed: %s (last status %d)", conn, why, last_status);
	else
		log_error("[conn %lu] closed: %s", conn, why);
}

__attribute__((format(printf, 2, 0)))
static void vnote(unsigned long conn, const char *fmt, va_list ap)
{
	char text[NOTE_MAX];
	if (vsnprintf(text, sizeof text, fmt, ap) < 0)
		return;
	log_error("[conn %lu] %s", conn, text);
}

void trace_note(unsigned long conn, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vnote(conn, fmt, ap);
	va_end(ap);
}

void trace_exchange(const struct http_exchange *x, const char *fmt, ...)
{
	if (!x->cfg->trace)
		return;
	va_list ap;
	va_start(ap, fmt);
	vnote(x->conn_id, fmt, ap);
	va_end(ap);
}
