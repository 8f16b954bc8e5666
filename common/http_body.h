/* SPDX-License-Identifier: MIT */
/*
 * http_body: the engine's private side of one connection, shared by http_conn.c (the loop),
 * http_response.c (the writer) and http_body.c (request bodies). Programs do not include this:
 * they see struct http_exchange, whose conn pointer is a struct http_conn.
 *
 * The read buffer holds, from its start: the current request head (the parsed request points
 * into it, so it stays put while the handler runs), then bytes not yet consumed, buf[pos..len):
 * the rest of the body, and any pipelined requests after it (RFC 9112 9.3.2).
 */
#ifndef HTTP_BODY_H
#define HTTP_BODY_H

#include <stdbool.h>
#include <stdint.h>

#include "chunked.h"
#include "http.h"
#include "http_conn.h"
#include "http_response.h"
#include "net.h"
#include "stream.h"

/* Room after a head of the largest size, so a body can still be read in useful pieces. */
#define HTTP_CONN_SLACK 16384
#define HTTP_CONN_BUF (HTTP_HEAD_MAX + HTTP_CONN_SLACK)

/* An unread request body up to this size is read and dropped to keep the connection; a larger
 * one (or one that does not arrive within the body timeout) closes the connection instead. */
#define HTTP_DISCARD_MAX (1024 * 1024)

enum http_body_framing { HTTP_BODY_NONE, HTTP_BODY_LENGTH, HTTP_BODY_CHUNKED };

struct http_conn {
	const struct http_config *cfg;
	const struct net_client *client;
	struct stream stream;
	size_t len;                       /* bytes in buf */
	size_t pos;                       /* first byte not consumed yet */

	enum http_body_framing body;      /* what is left of the request body; NONE once read */
	uint64_t body_left;               /* LENGTH: bytes not read yet */
	struct chunked_decoder chunked;   /* CHUNKED: the decoder's state */
	bool continue_sent;               /* "100 Continue" went out for this request */
	bool body_broken;                 /* a body read failed: the stream is out of step */

	int64_t resp_length;              /* body bytes the response head promised, or -1 */
	bool body_ended;                  /* http_response_end() ran */
	bool head_pending;                /* the finished head is not written yet: it leaves with
	                                     what follows it (see http_response.c) */

	struct http_request req;
	struct http_exchange x;
	char buf[HTTP_CONN_BUF];
};

/* After a head was parsed into c->req: note how its body is framed. */
void http_body_begin(struct http_conn *c);

/* At the response head: turn keep_alive off if an unread body could not be skipped after it. */
void http_body_plan(struct http_exchange *x);

/*
 * After the response, with the head already dropped from the buffer (c->pos == 0): read and
 * drop what is left of the body, so it is never parsed as the next request. Returns 0, or -1
 * when the connection must close instead (too large, too slow, bad framing, or gone).
 */
int http_body_skip(struct http_conn *c);

/*
 * After the handler: write a head still held back (http_response_send_head() with more_follows),
 * so the client of a handler that failed before its first body byte still gets the status.
 * Defined in http_response.c.
 */
void http_response_flush_head(struct http_exchange *x);

/* The body timeout in force (the configured one, or the default for 0). */
unsigned http_body_timeout(const struct http_config *cfg);

#endif
