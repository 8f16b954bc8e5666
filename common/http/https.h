/* SPDX-License-Identifier: MIT */
/*
 * https: the HTTPS options fileserver and formapp share (handout "Encryption and SSL"):
 * --tls-cert FILE --tls-key FILE (the names `python3 -m http.server` uses since Python 3.14),
 * --tls-keylog FILE and --hsts, checked together and turned into the tls_server and the two
 * fields of struct http_config, so each program's main() only lists them; and the start of one
 * HTTPS connection, the TLS handshake that http_conn runs before the first request.
 */
#ifndef HTTPS_H
#define HTTPS_H

#include <stdbool.h>

#include "http/http_conn.h"
#include "tls/stream.h"

struct https_options {
	const char *cert, *key;   /* both or neither: neither is plain HTTP */
	const char *keylog;       /* NULL: no key log */
	bool hsts;
};

/* The lines of --help, aligned as both programs' help texts are. */
#define HTTPS_USAGE \
	"      --tls-cert FILE     serve HTTPS with this certificate (PEM; `make cert` makes one)\n" \
	"      --tls-key FILE      and this private key (PEM): both options or neither\n" \
	"      --tls-keylog FILE   append each TLS session's secrets to FILE, for Wireshark\n" \
	"      --hsts              with TLS: Strict-Transport-Security on every response\n"

/* The rows of a cli_option table (base/cli.h, which the program includes) for the options
 * above, o a struct https_options. */
#define HTTPS_CLI_OPTIONS(o) \
	{ "tls-cert", 0, CLI_STRING, &(o).cert, 0, 0, NULL }, \
	{ "tls-key", 0, CLI_STRING, &(o).key, 0, 0, NULL }, \
	{ "tls-keylog", 0, CLI_STRING, &(o).keylog, 0, 0, NULL }, \
	{ "hsts", 0, CLI_FLAG, &(o).hsts, 0, 0, NULL }

/*
 * Check the options and load the certificate and key: cfg->tls becomes the server (NULL when
 * no certificate was named) and cfg->hsts the --hsts flag. Returns 0, or the status main() exits
 * with after one line on stderr (prog names the program): 2 for a usage error (--tls-cert without
 * --tls-key or the reverse, --tls-keylog or --hsts without them), 1 when the files cannot be
 * used. main() calls tls_server_free(cfg->tls) once net_serve_threads() has returned.
 */
int https_configure(const char *prog, const struct https_options *o, struct http_config *cfg);

/*
 * The TLS handshake of a new client on cfg->tls, in the calling (client) thread, done by
 * TLS_HANDSHAKE_TIMEOUT_MS (tls_conn.h): returns 0 with s->tls set, or -1 when the client is to
 * be closed (no TLS, a refused version, silence past the deadline, a reset). A client that spoke
 * plain HTTP has had its 400 (https_reject_plain_http). Expected events: nothing is logged but
 * the --trace lines (conn is the client's number there).
 */
int https_start(const struct http_config *cfg, struct stream *s, unsigned long conn);

/*
 * The end of an HTTPS connection, on its own thread: tls_close() if s->tls is still set (then
 * NULL), and OPENSSL_thread_stop(), which frees OpenSSL's per-thread state (its random
 * generators) now, rather than in a thread-exit handler that may run after main() has returned.
 */
void https_end(struct stream *s);

/*
 * Answer a plain-HTTP client on an HTTPS port: "400 Bad Request" with a one-line text/plain body
 * saying to use https://, Connection: close; then half-close and drain briefly (RFC 9112 9.6) so
 * the client reads it rather than a reset. Best effort, at most about a second; fd stays open.
 */
void https_reject_plain_http(int fd);

#endif
