/* SPDX-License-Identifier: MIT */
/*
 * http_conn: the connection loop shared by fileserver and formapp. It reads request heads with a
 * total deadline, answers parse errors with their status, calls the program's handler once per
 * request, keeps the connection open as HTTP/1.1 says (persistent unless either side says
 * "Connection: close"; HTTP/1.0 only with "Connection: keep-alive"), answers pipelined requests
 * in order, discards a request body the handler did not read so it is never taken for the next
 * request, writes the access-log line, and closes idle connections after their timeout.
 * On an error status it half-closes and drains briefly, so the client reads the answer rather
 * than a reset.
 */
#ifndef HTTP_CONN_H
#define HTTP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/net_serve.h"
#include "http/chunked.h"
#include "http/http.h"
#include "http/http_response.h"
#include "tls/stream.h"

struct tls_server;

/* Defaults, each overridable from the command line. */
#define HTTP_HEAD_TIMEOUT_MS 10000    /* the whole head must arrive within this: else 408 */
#define HTTP_IDLE_TIMEOUT_MS 5000     /* an idle persistent connection is closed after this */
#define HTTP_BODY_TIMEOUT_MS 10000    /* a body that stalls this long: closed */
#define HTTP_SEND_TIMEOUT_MS 30000    /* a client that stops reading: dropped */
#define HTTP_TIMEOUT_MAX_MS 3600000   /* an option's longest: an hour (longer is surely a typo) */
/*
 * The slowest a client may be, in either direction, over a whole request body or a whole
 * response, once the body or send timeout has passed (base/io.h, struct io_pace): one byte every
 * few seconds no longer holds a thread for ever, while a 10 MiB file on a link of 10 KB/s is fine.
 */
#define HTTP_MIN_RATE 1024            /* bytes a second */
#define HTTP_MIN_RATE_MAX (1u << 30)  /* an option's largest */

struct http_config {
	const char *server_name;      /* the Server field, e.g. "lab4-fileserver/1.0"; NULL: none */
	unsigned head_timeout_ms;     /* each timeout: 0 means its HTTP_*_TIMEOUT_MS default */
	unsigned idle_timeout_ms;
	unsigned body_timeout_ms;     /* a stall limit while a handler reads a body (renewed by
	                                 each read that brings bytes); a total one for skipping */
	unsigned send_timeout_ms;
	unsigned min_rate;            /* bytes a second (struct io_pace); 0: HTTP_MIN_RATE */
	uint64_t body_max;            /* largest request body accepted (413 above; 0: none) */
	bool http10;                  /* answer as an HTTP/1.0 server: no keep-alive, no chunked */
	bool force_close;             /* Connection: close on every response (Flask's dev server) */
	bool trace;                   /* --trace: the wire view on stderr */
	bool quiet;                   /* -q: no access log */
	struct tls_server *tls;       /* HTTPS (tls.h): every connection does a TLS handshake
	                                 first; NULL: plain HTTP. Handlers see x->cfg->tls */
	bool hsts;                    /* with tls: Strict-Transport-Security on every response
	                                 (RFC 6797; never sent over plain HTTP, 7.2) */

	/*
	 * The program's handler, once per request. It answers with the http_response_* functions and
	 * returns 0, or -1 if the connection must be closed. If it sent nothing, the engine answers
	 * 500. It runs on the client's thread.
	 */
	int (*handle)(struct http_exchange *x, void *ctx);
	void *ctx;
};

/*
 * Serve one client until it closes, times out, errs, or the server stops: net's serve() body,
 * with config a const struct http_config *.
 */
void http_serve_connection(struct net_client *client, void *config);

/* ---- the engine's own state: http_conn.c, http_body.c and http_response.c use it; handlers
 * see only struct http_exchange, whose conn pointer is this ---- */

/*
 * The read buffer holds, from its start: the current request head (the parsed request points
 * into it, so it stays put while the handler runs), then bytes not yet consumed, buf[pos..len):
 * the rest of the body, and any pipelined requests after it (RFC 9112 9.3.2).
 */
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
	struct io_pace body_pace;         /* the body's bytes must come at HTTP_MIN_RATE */

	int64_t resp_length;              /* body bytes the response head promised, or -1 */
	bool body_ended;                  /* http_response_end() ran */
	bool head_pending;                /* the finished head is not written yet: it leaves with
	                                     what follows it (see http_response.c) */

	struct http_request req;
	struct http_exchange x;
	char buf[HTTP_CONN_BUF];
};

#endif
