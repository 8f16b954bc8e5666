// SPDX-License-Identifier: MIT
/*
 * https: the HTTPS options of fileserver and formapp, checked and loaded in one place, the
 * handshake that starts each HTTPS connection, and the plain-HTTP answer to a client that speaks
 * no TLS (see https.h). The TLS itself is in tls.c and
 * tls_conn.c; the HTTP loop above it, written once for both, in http_conn.c.
 */
#include "http/https.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <time.h>

#include "base/cli.h"
#include "base/io.h"
#include "base/log.h"
#include "http/http_date.h"
#include "http/trace.h"
#include "tls/tls_conn.h"

/* The exit status when the server cannot start (a usage error is cli_usage_error()'s 2). */
enum { EXIT_START = 1 };

int https_configure(const char *prog, const struct https_options *o, struct http_config *cfg)
{
	char err[512];
	cfg->tls = NULL;
	cfg->hsts = false;
	if ((o->cert == NULL) != (o->key == NULL))
		return cli_usage_error(prog, "--tls-cert and --tls-key go together: give both or neither");
	if (o->cert == NULL && (o->keylog != NULL || o->hsts))
		return cli_usage_error(prog, "--tls-keylog and --hsts need --tls-cert and --tls-key");
	if (o->cert == NULL)
		return 0;
	cfg->tls = tls_server_new(o->cert, o->key, o->keylog, err, sizeof err);
	if (cfg->tls == NULL) {
		log_error("%s: %s", prog, err);
		return EXIT_START;
	}
	/* RFC 6797 7.2: never over plain HTTP, so the flag only counts with TLS. */
	cfg->hsts = o->hsts;
	return 0;
}

int https_start(const struct http_config *cfg, struct stream *s, unsigned long conn)
{
	char what[128];
	void *tls = NULL;
	bool plain = false;
	if (tls_accept(cfg->tls, s->fd, io_now_ms() + TLS_HANDSHAKE_TIMEOUT_MS, &tls, &plain) < 0) {
		/* The handout's "Encryption and SSL": a browser told http:// instead of https:// gets
		 * a readable answer, not a connection that just dies. */
		if (plain)
			https_reject_plain_http(s->fd);
		if (cfg->trace)
			trace_note(conn, "%s", plain ? "plain HTTP on the HTTPS port: 400 sent" :
			           "no TLS handshake (timeout, reset, refused version or not TLS)");
		return -1;
	}
	s->tls = tls;
	if (cfg->trace && tls_describe(tls, what, sizeof what) > 0)
		trace_note(conn, "TLS handshake done: %s", what);
	return 0;
}

void https_end(struct stream *s)
{
	tls_close(s->tls);
	s->tls = NULL;
	OPENSSL_thread_stop();
}

void https_reject_plain_http(int fd)
{
	static const char body[] =
		"This is an HTTPS port: use https:// instead of http:// in the address.\n";
	char date[HTTP_DATE_SIZE], response[512];

	if (http_date(date, sizeof date, (int64_t)time(NULL)) == 0)
		return;
	int n = snprintf(response, sizeof response,
	                 "HTTP/1.1 400 Bad Request\r\nDate: %s\r\n"
	                 "Content-Type: text/plain; charset=utf-8\r\nContent-Length: %zu\r\n"
	                 "Connection: close\r\n\r\n%s", date, sizeof body - 1, body);
	if (n > 0 && (size_t)n < sizeof response && io_write_all(fd, response, (size_t)n) >= 0)
		(void)io_linger(fd, IO_LINGER_MS, IO_LINGER_MAX);
}
