/* SPDX-License-Identifier: MIT */
/*
 * http_body: request bodies (RFC 9112 section 6). Handlers read a body with http_request_body();
 * the engine (http_conn.c) frames each request's body, and drops what the handler did not read so
 * that it is never parsed as the next request.
 */
#ifndef HTTP_BODY_H
#define HTTP_BODY_H

#include <stddef.h>
#include <sys/types.h>

#include "http/http_conn.h"
#include "http/http_response.h"

/*
 * Read the whole request body into buf (capacity cap), whatever its framing: sends "100 Continue"
 * first when the client asked for it, decodes chunked bodies, honours the body deadline.
 * Returns the length, or -1 with *status set to the error to answer (413 over cap or the
 * configured maximum, checked from Content-Length before reading; 400 bad chunked framing;
 * 408 too slow; 0 when the connection itself failed).
 */
ssize_t http_request_body(struct http_exchange *x, char *buf, size_t cap, int *status);

/* ---- the engine's side (http_conn.c) ---- */

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

#endif
