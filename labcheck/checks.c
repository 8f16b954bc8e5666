// SPDX-License-Identifier: MIT
/*
 * checks: the table of labcheck's checks, the selection by --only and --skip, the runner with
 * its "server is gone" detector, and the helpers every check uses (see checks.h). The checks
 * themselves are in checks_framing.c (framing, errors), checks_conn.c (connections),
 * checks_body.c (chunked, conditional), checks_ranges.c, checks_state.c and checks_load.c
 * (concurrency).
 *
 * The table's order is the run order: the checks most likely to break a fragile server (a
 * request in slow pieces, many clients at once, an idle client) come last, so that a crash
 * they cause costs the other checks nothing.
 */
#include "checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks_body.h"
#include "checks_conn.h"
#include "checks_framing.h"
#include "checks_load.h"
#include "checks_ranges.h"
#include "checks_state.h"
#include "base/io.h"
#include "base/log.h"

#define REASON_SHOWN_MAX 40   /* bytes of a reason phrase quoted in a sentence */
#define FIELD_SHOWN_MAX 120   /* bytes of a field value quoted in a sentence */

const struct check checks_table[] = {
	{ "framing.content-length", "a GET's Content-Length matches the bytes of its body",
	  "handout A.1 \"Multiple messages in a connection\"; RFC 9112 6.3, RFC 9110 8.6",
	  checks_framing_content_length },
	{ "framing.head", "HEAD gets the head GET gets, and no body",
	  "lab notes \"Content-Length versus chunked\"; RFC 9110 9.3.2, 8.6", checks_framing_head },
	{ "framing.not-found", "a missing file is 404 Not Found",
	  "handout Part C (http.server's 404); RFC 9110 15.5.5", checks_framing_not_found },
	{ "connections.persistent", "two requests on one HTTP/1.1 connection are both answered",
	  "handout A.1 \"Persistent connection\"; RFC 9112 9.3", checks_conn_persistent },
	{ "connections.close", "after a request with Connection: close, the server closes",
	  "handout A.1 \"Connection:\"; RFC 9112 9.6", checks_conn_close },
	{ "connections.pipelined", "two requests sent at once are answered in order",
	  "handout A.1 \"Multiple messages in a connection\"; RFC 9112 9.3.2",
	  checks_conn_pipelined },
	{ "connections.http10-close", "HTTP/1.0 without keep-alive: not chunked, then closed",
	  "handout A.1 \"Problem in HTTP/1.0 connection\"; RFC 9112 9.3, 6.1",
	  checks_conn_http10_close },
	{ "connections.http10-keep-alive", "HTTP/1.0 with keep-alive: open or closed, as answered",
	  "handout A.1 \"Connection:\"; RFC 9112 9.3, C.2.2", checks_conn_http10_keep_alive },
	{ "chunked.response", "a chunked answer has hex sizes, CRLFs and the 0 chunk last",
	  "handout A.1 \"Chunked Transfer-Encoding\"; RFC 9112 7.1", checks_body_chunked_response },
	{ "chunked.request", "a POST with a chunked body (CRLFs in its data) is read whole",
	  "handout A.1 \"Chunked Transfer-Encoding\"; RFC 9112 7.1, 6.3",
	  checks_body_chunked_request },
	{ "ranges.single", "Range: bytes=0-4 gives 206, Content-Range and those bytes",
	  "handout A.1 \"Partial Content\"; RFC 9110 14.2, 14.4, 15.3.7", checks_ranges_single },
	{ "ranges.suffix", "Range: bytes=-3 gives the last 3 bytes",
	  "handout A.1 \"Partial Content\"; RFC 9110 14.1.1", checks_ranges_suffix },
	{ "ranges.open", "Range: bytes=N- gives the bytes from N to the end",
	  "handout A.1 \"Partial Content\" (19000-); RFC 9110 14.1.1", checks_ranges_open },
	{ "ranges.multipart", "two ranges give a well-formed multipart/byteranges",
	  "handout A.1 \"Partial Content\" (200-1000, 2000-6576); RFC 9110 14.6",
	  checks_ranges_multipart },
	{ "ranges.unsatisfiable", "a range past the end gives 416 and bytes */N",
	  "handout A.1 \"Partial Content\"; RFC 9110 15.5.17, 14.4", checks_ranges_unsatisfiable },
	{ "conditional.etag", "If-None-Match with the file's ETag gives 304 and no body",
	  "lab notes \"Conditional GET: 304 Not Modified\"; RFC 9110 13.1.2, 15.4.5",
	  checks_body_etag },
	{ "conditional.last-modified", "If-Modified-Since with its Last-Modified gives 304",
	  "lab notes \"Conditional GET: 304 Not Modified\"; RFC 9110 13.1.3, 15.4.5",
	  checks_body_last_modified },
	{ "errors.no-host", "an HTTP/1.1 request without Host gives 400",
	  "lab notes Part C (fileserver next to http.server); RFC 9112 3.2", checks_framing_no_host },
	{ "errors.version", "a request for HTTP/2.0 in HTTP/1 syntax gives 505",
	  "lab notes Part C; RFC 9110 15.6.6, 2.5", checks_framing_version },
	{ "errors.unknown-method", "an unknown method gives 501",
	  "handout Part C (http.server's 501); RFC 9110 9.1, 15.6.2",
	  checks_framing_unknown_method },
	{ "errors.known-method", "TRACE, known but not served, gives 405 with Allow or 501",
	  "RFC 9110 9.1, 15.5.6", checks_framing_known_method },
	{ "state.login", "the login sets a cookie",
	  "handout A.2 \"Example: Typical use of Session id\"; RFC 6265 4.1", checks_state_login },
	{ "state.cookie", "the session cookie opens the protected page",
	  "handout A.2 \"HTTP Cookies\"", checks_state_cookie },
	{ "state.no-cookie", "without the cookie the protected page does not open",
	  "handout A.2 \"HTTP is stateless\"", checks_state_no_cookie },
	{ "state.logout", "after logout the old cookie no longer opens the page",
	  "lab notes \"Three ways to carry a session, and session hijacking\"",
	  checks_state_logout },
	{ "framing.pieces", "a request sent in small pieces with pauses is answered",
	  "the course's graders; RFC 9112 2 (a message is a byte stream)", checks_framing_pieces },
	{ "concurrency.clients", "many clients at once are all served",
	  "handout B \"Example 3\" (a thread per client)", checks_load_clients },
	{ "concurrency.idle-client", "a client that sends nothing holds up no other",
	  "handout B \"Example 3\"; lab notes \"The second client waits\"",
	  checks_load_idle_client },
};

const size_t checks_count = sizeof checks_table / sizeof checks_table[0];

/* Mark the checks the list names (ids or groups) in marks; -1 with err for an unknown name. */
static int mark(const char *list, bool value, bool *marks, char *err, size_t errlen)
{
	for (const char *p = list; *p != '\0';) {
		size_t n = strcspn(p, ",");
		bool known = n == 0;    /* an empty element ("a,,b") names nothing, harmlessly */
		for (size_t i = 0; i < checks_count && n > 0; i++) {
			const char *id = checks_table[i].id;
			if (strncmp(id, p, n) == 0 && (id[n] == '\0' || id[n] == '.')) {
				marks[i] = value;
				known = true;
			}
		}
		if (!known) {
			log_reason(err, errlen, "no check or group '%.*s' (labcheck --list shows them)",
			           (int)n, p);
			return -1;
		}
		p += n + (p[n] == ',');
	}
	return 0;
}

int checks_select(const char *only, const char *skip, bool *selected, char *err, size_t errlen)
{
	for (size_t i = 0; i < checks_count; i++)
		selected[i] = only == NULL;
	if (only != NULL && mark(only, true, selected, err, errlen) < 0)
		return -1;
	return skip != NULL ? mark(skip, false, selected, err, errlen) : 0;
}

/* Whether the server still answers a plain GET: after a FAIL, before the next check. */
static bool still_answers(const struct checks_env *env, char *why, size_t cap)
{
	struct check_result *scratch = malloc(sizeof *scratch);   /* its wire view is not shown */
	struct wire_conn c = { .fd = -1 };
	struct response r;
	const struct checks_request q = { "GET", env->t->file.path, NULL, "Connection: close\r\n",
	                                  0, NULL, 0 };
	bool alive = true;

	if (scratch != NULL) {
		*scratch = (struct check_result){ .verdict = VERDICT_FAIL };
		int rc = checks_ask(env, scratch, &c, &q, &r);
		/* Any bytes are an answer, even a bad one; a timeout or silence is not. */
		alive = rc == WIRE_OK || rc == WIRE_BAD || (rc == WIRE_CLOSED && c.end > 0);
		log_reason(why, cap, "%s", scratch->reason);
	}
	wire_close(&c);
	free(scratch);
	return alive;
}

void checks_run(const struct checks_env *env, const bool *selected, struct check_result *results,
                void (*done)(const struct check *c, const struct check_result *r, void *ctx),
                void *ctx)
{
	char gone[CHECKS_TEXT_MAX] = "", why[CHECKS_TEXT_MAX];

	if (!env->t->reached)
		log_reason(gone, sizeof gone, "the server did not answer labcheck's first request (%s)",
		           env->t->unreachable);
	for (size_t i = 0; i < checks_count; i++) {
		struct check_result *res = &results[i];
		if (!selected[i])
			continue;
		*res = (struct check_result){ .verdict = VERDICT_FAIL };
		int64_t start = io_now_ms();
		res->verdict = gone[0] != '\0' ? checks_fail(res, "%s", gone) :
		               checks_table[i].run(env, res);
		res->ms = io_now_ms() - start;
		if (gone[0] == '\0' && res->verdict == VERDICT_FAIL &&
		    !still_answers(env, why, sizeof why)) {
			log_reason(gone, sizeof gone, "the server stopped answering after check %s (%s)",
			           checks_table[i].id, why);
			checks_note(res, "after this check the server stopped answering (%s)", why);
		}
		done(&checks_table[i], res, ctx);
	}
}

/* The reason (or note) text, printf-style; a cut sentence is still a sentence. */
__attribute__((format(printf, 2, 0)))
static void text(char *out, const char *fmt, va_list ap)
{
	vsnprintf(out, CHECKS_TEXT_MAX, fmt, ap);
}

enum verdict checks_pass(struct check_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text(res->reason, fmt, ap);
	va_end(ap);
	return VERDICT_PASS;
}

enum verdict checks_fail(struct check_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text(res->reason, fmt, ap);
	va_end(ap);
	return VERDICT_FAIL;
}

enum verdict checks_skip(struct check_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	text(res->reason, fmt, ap);
	va_end(ap);
	return VERDICT_SKIP;
}

void checks_note(struct check_result *res, const char *fmt, ...)
{
	size_t used = strlen(res->note);
	va_list ap;

	if (used > 0 && used + 2 < sizeof res->note) {
		memcpy(res->note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(res->note + used, sizeof res->note - used, fmt, ap);
	va_end(ap);
}

int checks_ask(const struct checks_env *env, struct check_result *res, struct wire_conn *c,
               const struct checks_request *q, struct response *r)
{
	char head[TARGET_REQUEST_MAX];
	int n = target_request(env->t, head, sizeof head, q->method, q->path,
	                       q->version ? q->version : "HTTP/1.1", q->fields, q->target_flags);
	int rc = c->fd >= 0 ? WIRE_OK : wire_open(c, &env->t->peer, &res->wire);

	if (n < 0) {
		checks_fail(res, "labcheck's request for %s is too long to send", q->path);
		return WIRE_FAILED;
	}
	if (rc == WIRE_OK)
		rc = wire_send(c, head, (size_t)n);
	if (rc == WIRE_OK && q->body != NULL)
		rc = wire_send(c, q->body, q->body_len);
	/* After a failed send the server may still have answered what it got (a 400, say). */
	if (rc == WIRE_OK || (rc == WIRE_FAILED && c->fd >= 0))
		rc = wire_response(c, strcmp(q->method, "HEAD") == 0 ? RESPONSE_TO_HEAD : 0, r);
	if (rc != WIRE_OK)
		checks_fail(res, "%s", c->why);
	return rc;
}

bool checks_have_file(const struct checks_env *env, struct check_result *res)
{
	if (env->t->file.ok)
		return true;
	checks_fail(res, "no file to check: %s (framing.content-length shows more)", env->t->file.why);
	return false;
}

bool checks_persists(const struct response *r)
{
	return !r->conn_close && (r->minor >= 1 || r->conn_keep_alive);
}

char *checks_body_copy(const struct response *r, size_t *len)
{
	char *copy = malloc(r->data_len + 1);

	*len = 0;
	if (copy == NULL)
		return NULL;
	if (r->framing == RESPONSE_CHUNKED) {
		*len = response_decode_chunked(r, copy, r->data_len);
	} else {
		memcpy(copy, r->body.p, r->body.len);
		*len = r->body.len;
	}
	return copy;
}

bool checks_body_is(const struct response *r, const char *data, size_t len)
{
	size_t n;
	char *body = checks_body_copy(r, &n);
	bool same = body != NULL && n == len && memcmp(body, data, len) == 0;

	free(body);
	return same;
}

const char *checks_field(const struct response *r, const char *name, char out[CHECKS_TEXT_MAX])
{
	const struct response_str *v = response_field(r, name);
	size_t n = v == NULL ? 0 : v->len < FIELD_SHOWN_MAX ? v->len : FIELD_SHOWN_MAX;

	snprintf(out, CHECKS_TEXT_MAX, "%.*s%s", (int)n, v ? v->p : "",
	         v != NULL && v->len > n ? "..." : "");
	return out;
}

const char *checks_status(const struct response *r, char out[CHECKS_TEXT_MAX])
{
	size_t n = r->reason.len < REASON_SHOWN_MAX ? r->reason.len : REASON_SHOWN_MAX;

	snprintf(out, CHECKS_TEXT_MAX, "%d%s%.*s", r->status, n > 0 ? " " : "", (int)n, r->reason.p);
	return out;
}
