// SPDX-License-Identifier: MIT
/*
 * checks_conn: connections.* (see checks_conn.h). Whether a connection stays open after a
 * response is read the way RFC 9112 9.3 tells a client to read it: "Connection: close" ends
 * it; otherwise HTTP/1.1 keeps it, and HTTP/1.0 keeps it only with "Connection: keep-alive".
 * A server must then behave as its answer said: answer the next request, or close.
 *
 * Left out on purpose: how long an idle connection stays open (a server may close it whenever
 * it likes between requests, RFC 9112 9.5), and parallel connections (concurrency.*).
 */
#include "checks_conn.h"

#include <stdio.h>
#include <string.h>

#define HTTP10 "HTTP/1.0"
#define WHY_MAX 64

/* What in the response says whether the connection persists, for a sentence. */
static const char *said(const struct response *r, char out[WHY_MAX])
{
	snprintf(out, WHY_MAX, "%s", r->conn_close ? "Connection: close" :
	         r->minor >= 1 ? "HTTP/1.1 without Connection: close" :
	         r->conn_keep_alive ? "HTTP/1.0 with Connection: keep-alive" :
	         "HTTP/1.0 without Connection: keep-alive");
	return out;
}

enum verdict checks_conn_persistent(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "GET", env->t->file.path, NULL, NULL, 0, NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;
	char how[WHY_MAX];
	enum verdict v = VERDICT_FAIL;
	int first;

	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK)
		goto done;
	if (!checks_persists(&r)) {
		v = checks_fail(res, "the server ends the connection after each response (%s); "
		                "HTTP/1.1 connections stay open by default (RFC 9112 9.3)", said(&r, how));
		goto done;
	}
	first = r.status;
	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK)
		v = checks_fail(res, "the second request on the connection got no answer (%s), though "
		                "the first response did not end the connection", c.why);
	else
		v = checks_pass(res, "two requests on one connection were both answered (%d, then %d)",
		                first, r.status);
done:
	wire_close(&c);
	return v;
}

enum verdict checks_conn_close(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "GET", env->t->file.path, NULL, "Connection: close\r\n", 0,
	                                  NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;
	int timeout = env->t->peer.timeout_ms;

	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	/* An HTTP/1.0 answer without keep-alive says close already (RFC 9112 9.3). */
	bool says_close = r.conn_close || !checks_persists(&r);
	size_t extra = wire_after(&c, timeout);
	bool closed = c.eof;
	wire_close(&c);
	if (!closed)
		return checks_fail(res, "the server kept the connection open %d ms after answering a "
		                   "request with Connection: close (RFC 9112 9.6: it MUST close)", timeout);
	if (extra > 0)
		return checks_fail(res, "%zu bytes came after the response, before the close", extra);
	if (!says_close)
		checks_note(res, "the response did not say Connection: close (RFC 9112 9.6: it SHOULD)");
	return checks_pass(res, "the server closed the connection after the response%s",
	                   says_close ? ", which said so" : "");
}

/* Both requests in one buffer, sent in one write: the file's GET, then a missing file's. */
static int two_requests(const struct checks_env *env, char *out, size_t cap)
{
	int n = target_request(env->t, out, cap, "GET", env->t->file.path, "HTTP/1.1", NULL, 0);
	int m = n < 0 ? -1 : target_request(env->t, out + n, cap - (size_t)n, "GET",
	                                     CHECKS_MISSING_PATH, "HTTP/1.1", NULL, 0);
	return m < 0 ? -1 : n + m;
}

enum verdict checks_conn_pipelined(const struct checks_env *env, struct check_result *res)
{
	char both[2 * TARGET_REQUEST_MAX], how[WHY_MAX];
	struct wire_conn c = { .fd = -1 };
	struct response r;
	int n = two_requests(env, both, sizeof both), first = 0;
	enum verdict v = VERDICT_FAIL;

	if (n < 0)
		return checks_fail(res, "labcheck's requests are too long to send");
	if (wire_open(&c, &env->t->peer, &res->wire) != WIRE_OK ||
	    wire_send(&c, both, (size_t)n) != WIRE_OK || wire_response(&c, 0, &r) != WIRE_OK) {
		v = checks_fail(res, "%s (the first of two requests sent at once)", c.why);
		goto done;
	}
	first = r.status;
	if (!checks_persists(&r)) {
		v = checks_fail(res, "the server answered the first of two requests sent at once, then "
		                "ended the connection (%s): the second got no answer (RFC 9112 9.3.2)",
		                said(&r, how));
	} else if (wire_response(&c, 0, &r) != WIRE_OK) {
		v = checks_fail(res, "the second of two requests sent at once got no answer: %s; a "
		                "server that takes one recv() for one request loses it (RFC 9112 "
		                "9.3.2)", c.why);
	} else if (first != 200 || r.status != 404) {
		v = checks_fail(res, "the answers came as %d, then %d; in order they are 200 (the "
		                "file), then 404 (%s)%s", first, r.status, CHECKS_MISSING_PATH,
		                r.status == 400 ? ": the server read the second request wrongly" : "");
	} else {
		v = checks_pass(res, "two requests sent at once were answered in order (200, then 404)");
	}
done:
	wire_close(&c);
	return v;
}

/* An HTTP/1.0 request must not get a chunked answer (RFC 9112 6.1). */
static enum verdict chunked_to_10(struct check_result *res)
{
	return checks_fail(res, "the answer to an HTTP/1.0 request is chunked (RFC 9112 6.1: a "
	                   "server MUST NOT send Transfer-Encoding to an HTTP/1.0 request)");
}

enum verdict checks_conn_http10_close(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "GET", env->t->file.path, HTTP10, NULL, 0, NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;
	int timeout = env->t->peer.timeout_ms;

	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	bool chunked = r.framing == RESPONSE_CHUNKED;
	wire_after(&c, timeout);
	bool closed = c.eof;
	wire_close(&c);
	if (chunked)
		return chunked_to_10(res);
	if (!closed)
		return checks_fail(res, "the server kept the connection open %d ms after answering an "
		                   "HTTP/1.0 request without keep-alive (RFC 9112 9.3: it closes after "
		                   "the response)", timeout);
	return checks_pass(res, "the server answered HTTP/1.0 without chunks, then closed");
}

enum verdict checks_conn_http10_keep_alive(const struct checks_env *env,
                                           struct check_result *res)
{
	const struct checks_request q = { "GET", env->t->file.path, HTTP10,
	                                  "Connection: keep-alive\r\n", 0, NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;
	char how[WHY_MAX];
	enum verdict v = VERDICT_FAIL;

	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK)
		goto done;
	said(&r, how);
	if (r.framing == RESPONSE_CHUNKED)
		v = chunked_to_10(res);
	else if (!checks_persists(&r))
		v = checks_pass(res, "the server did not keep the connection (%s), which HTTP/1.0 "
		                "allows: keep-alive is optional there (RFC 9112 9.3)", how);
	else if (checks_ask(env, res, &c, &q, &r) != WIRE_OK)
		v = checks_fail(res, "the answer kept the connection (%s), but a second request on it "
		                "got no answer: %s", how, c.why);
	else
		v = checks_pass(res, "the server kept the connection, as its answer said (%s), and "
		                "answered a second request", how);
done:
	wire_close(&c);
	return v;
}
