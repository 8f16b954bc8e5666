/* SPDX-License-Identifier: MIT */
/*
 * http_response: the response writer handlers use. It writes a correct HTTP/1.1 (or 1.0)
 * response head: status line, Date, Server, the handler's fields, then the framing the engine
 * chose (Content-Length, Transfer-Encoding: chunked, or close-delimited for a 1.0 client) and
 * Connection: close on a connection's last response. HEAD gets the same head and no body.
 *
 * Return convention: 0, or -1 when the connection failed (the caller returns; the engine closes).
 * One exchange belongs to one thread.
 */
#ifndef HTTP_RESPONSE_H
#define HTTP_RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/buf.h"
#include "base/net.h"
#include "http/http.h"
#include "tls/stream.h"

#define HTTP_RESPONSE_HEAD_MAX 4096      /* the head this server writes (not client-controlled) */
#define HTTP_BODY_UNKNOWN (-1)           /* content length not known: chunked, or close-delimited */
#define HTTP_RESPONSE_SMALL_FILE 16384   /* a file body up to this size is copied, not sendfile'd */

struct http_config;
struct http_conn;

/* One request and its response on one connection. */
struct http_exchange {
	const struct http_request *req;
	struct stream *stream;
	const struct http_config *cfg;
	const struct net_addr *peer;
	unsigned long conn_id;          /* the connection's number, 1, 2, ... in accept order */
	unsigned long request_number;   /* 1 for the first request on this connection, 2, ... */
	struct http_conn *conn;         /* the engine's connection state: its own, not a handler's */

	/* Response state, kept by the functions below. */
	int status;                     /* 0 until a head is started */
	bool keep_alive;                /* the engine's plan; a handler may only turn it off */
	bool head_only;                 /* HEAD: never write a body */
	bool chunked;                   /* the body is chunk-framed */
	bool head_sent;
	bool failed;                    /* a write failed: the connection is closing */
	int write_errno;                /* why (ETIMEDOUT: the client read too slowly) */
	bool log_hide_query;            /* the access log shows the query as "?...": it carries a
	                                   secret (formapp's session id in a URL) */
	uint64_t body_sent;             /* body bytes written (not counting chunk framing) */
	struct buf head;                /* the head being built, in head_space; empty: none */
	char head_space[HTTP_RESPONSE_HEAD_MAX];
};

/* Start the head: status line (with the version the engine answers with), Date, Server. */
void http_response_start(struct http_exchange *x, int status);

/* Add one header field. Returns 0, or -1 if the head would overflow (nothing added). */
int http_response_header(struct http_exchange *x, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/*
 * Finish the head with the framing for content_length bytes (or HTTP_BODY_UNKNOWN: chunked to an
 * HTTP/1.1 client, close-delimited to 1.0 with keep_alive turned off) and Connection, and write it.
 * more_follows: a body follows at once: the head is held back (in x->head) and leaves in the
 * same write as the first body bytes, or at http_response_end(), so a small response is one
 * system call and one packet. Write the body only with the functions below, never to x->stream.
 * 1xx and 204 get no framing field at all. 304 gets Content-Length only when content_length is
 * known: pass the length a 200 would have had (RFC 9110 8.6), or HTTP_BODY_UNKNOWN for none.
 * Body functions write nothing for HEAD, 1xx, 204 and 304, and refuse (-1) bytes past the
 * Content-Length announced. The writer checks field names are tokens and values hold no CR,
 * LF or NUL (response splitting): http_response_header() returns -1 for them.
 */
int http_response_send_head(struct http_exchange *x, int64_t content_length, bool more_follows);

/* Body bytes: written as one chunk when chunked; nothing for HEAD. */
int http_response_body(struct http_exchange *x, const void *data, size_t len);

/*
 * count bytes of an open file from offset; nothing for HEAD. Up to HTTP_RESPONSE_SMALL_FILE
 * bytes right after a held-back head: read with pread() and written with the head in one
 * writev; otherwise sendfile() on plain TCP. A file that ends before count bytes fails (EIO).
 */
int http_response_file(struct http_exchange *x, int fd, off_t offset, uint64_t count);

/* End the body: the last chunk ("0\r\n\r\n") when chunked; writes a head still held back. */
int http_response_end(struct http_exchange *x);

/*
 * A whole response in one write: head with Content-Type and Content-Length, then body (omitted
 * for HEAD). content_type may be NULL for no body type. If the head was already started with
 * this same status (to add fields such as Location or Set-Cookie first), those fields are kept;
 * otherwise the head is started afresh. For 204 and 304 no Content-Length is sent.
 */
int http_response_simple(struct http_exchange *x, int status, const char *content_type,
                         const void *body, size_t len);

/*
 * The engine's, after the handler: write a head still held back (http_response_send_head() with
 * more_follows), so the client of a handler that failed before its first body byte still gets
 * the status.
 */
void http_response_flush_head(struct http_exchange *x);

#endif
