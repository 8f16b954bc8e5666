/* SPDX-License-Identifier: MIT */
/*
 * http_error: the error answers of fileserver and formapp, in the shape of http.server's
 * send_error() (handout Part C): a small HTML page naming the code and message, and the log line
 * "code 404, message File not found"; and the 503 a client gets past the live-client cap.
 *
 * Return convention: as http_response.h, 0 or -1 when the connection failed.
 */
#ifndef HTTP_ERROR_H
#define HTTP_ERROR_H

#include "base/net.h"
#include "http/http_response.h"

/*
 * An error page in the shape of http.server's send_error(): a small HTML body naming the code and
 * message, and the access-log line "code 404, message File not found" (unless cfg->quiet).
 * message NULL means the reason phrase; a message is a short text of the server's own (one too
 * long for the page gets the head with an empty body). Statuses that end the connection (400,
 * 408, 413, 414, 431, 500, 501, 505) also turn keep_alive off. After the head was sent it is too
 * late: the connection is marked to close and -1 returned.
 * http_error_send_allow() is the 405 answer, with its required Allow field (RFC 9110 15.5.6).
 */
int http_error_send(struct http_exchange *x, int status, const char *message);
int http_error_send_allow(struct http_exchange *x, const char *allow);   /* 405 + Allow */

/* The same with "Retry-After: retry_after_s" (0: none, except 1 for a 503): a 429 or a 503 says
 * when to ask again. */
int http_error_send_retry(struct http_exchange *x, int status, unsigned retry_after_s,
                          const char *message);

/* net_serve's reject(): "503 Service Unavailable" with Retry-After, written without blocking. On
 * an HTTPS port (cfg->tls) nothing is written: plain text would not be TLS, and a handshake could
 * block the accepting thread; the client sees the connection closed. ctx is the http_config. */
void http_error_busy(int fd, const struct net_addr *peer, void *ctx);

#endif
