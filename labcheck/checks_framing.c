// SPDX-License-Identifier: MIT
/*
 * checks_framing: framing.* and errors.* (see checks_framing.h). A response's framing is how a
 * client finds where it ends (handout Part A.1, "Multiple messages in a connection"): the
 * parser (response.c) already refuses malformed framing, and these checks add what needs a
 * second look: bytes beyond the Content-Length, a body on HEAD, a request the server only
 * understands when it comes in one piece, and the statuses RFC 9110 and 9112 give bad requests.
 */
#include "checks_framing.h"

#include <string.h>

#define PIECE_PAUSE_MS 200    /* between the pieces of framing.pieces */
#define PIECE_CUTS 6          /* framing.pieces sends PIECE_CUTS + 1 pieces */
#define UNKNOWN_METHOD "LABCHECK"
#define VERSION_UNKNOWN "HTTP/2.0"

/* Ask once on a new connection, then close it; the response's slices stay in *c's buffer
 * until wire_close(), so callers take what they need first. Returns the wire result. */
static int ask_once(const struct checks_env *env, struct check_result *res,
                    struct wire_conn *c, const struct checks_request *q, struct response *r)
{
	*c = (struct wire_conn){ .fd = -1 };
	return checks_ask(env, res, c, q, r);
}

/* Ask q on a new connection, and close it: the status code, with its text in status, or 0
 * when no complete answer came (res is then FAIL, with the reason). */
static int ask_status(const struct checks_env *env, struct check_result *res,
                      const struct checks_request *q, char status[CHECKS_TEXT_MAX])
{
	struct wire_conn c;
	struct response r;
	int code = ask_once(env, res, &c, q, &r) == WIRE_OK ? r.status : 0;

	if (code != 0)
		checks_status(&r, status);
	wire_close(&c);
	return code;
}

enum verdict checks_framing_content_length(const struct checks_env *env, struct check_result *res)
{
	const char *path = env->t->file.path;
	const struct checks_request q = { "GET", path, NULL, NULL, 0, NULL, 0 };
	struct wire_conn c;
	struct response r;
	char status[CHECKS_TEXT_MAX];

	if (ask_once(env, res, &c, &q, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	int code = r.status;
	enum response_framing framing = r.framing;
	unsigned long long length = r.content_length;
	checks_status(&r, status);
	size_t extra = wire_after(&c, CHECKS_EXTRA_WAIT_MS);   /* past the end: too short a length */
	wire_close(&c);
	if (code != 200)
		return checks_fail(res, "GET %s answered %s, not 200", path, status);
	if (framing == RESPONSE_CHUNKED)
		return checks_skip(res, "GET %s came chunked (well-formed), which RFC 9112 6.1 allows: "
		                   "there is no Content-Length to check", path);
	if (framing == RESPONSE_UNTIL_CLOSE)
		return checks_fail(res, "GET %s has no Content-Length and is not chunked: only the "
		                   "close ended its body, so no response can follow it on the "
		                   "connection (RFC 9112 6.3)", path);
	if (extra > 0)
		return checks_fail(res, "Content-Length: %llu, but %zu more bytes came after that many "
		                   "(the Content-Length is too small)", length, extra);
	return checks_pass(res, "Content-Length: %llu, and exactly that many body bytes came", length);
}

enum verdict checks_framing_head(const struct checks_env *env, struct check_result *res)
{
	const char *path = env->t->file.path;
	struct checks_request q = { "GET", path, NULL, NULL, 0, NULL, 0 };
	struct wire_conn c;
	struct response r;
	char get_type[CHECKS_TEXT_MAX], head_type[CHECKS_TEXT_MAX], status[CHECKS_TEXT_MAX];

	if (ask_once(env, res, &c, &q, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	int get_status = r.status;
	unsigned long long get_len = r.data_len;
	checks_field(&r, "Content-Type", get_type);
	wire_close(&c);
	q.method = "HEAD";
	if (ask_once(env, res, &c, &q, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	bool has_length = r.has_content_length;
	unsigned long long length = r.content_length;
	checks_field(&r, "Content-Type", head_type);
	checks_status(&r, status);
	int head_status = r.status;
	size_t extra = wire_after(&c, CHECKS_EXTRA_WAIT_MS);
	wire_close(&c);
	if (extra > 0)
		return checks_fail(res, "the HEAD response carried %zu bytes after its head: HEAD gets "
		                   "no body (RFC 9110 9.3.2)", extra);
	if (head_status != get_status)
		return checks_fail(res, "HEAD answered %s, GET %d: HEAD gets GET's answer without the "
		                   "body (RFC 9110 9.3.2)", status, get_status);
	if (has_length && length != get_len)
		return checks_fail(res, "HEAD says Content-Length: %llu, but GET sends %llu bytes (RFC "
		                   "9110 8.6: it MUST be GET's length)", length, get_len);
	if (!has_length)
		checks_note(res, "HEAD left out Content-Length (RFC 9110 9.3.2: it SHOULD send GET's "
		            "fields)");
	if (strcmp(get_type, head_type) != 0)
		checks_note(res, "Content-Type differs: '%s' for GET, '%s' for HEAD", get_type, head_type);
	return checks_pass(res, "HEAD answered %s with GET's length and no body", status);
}

enum verdict checks_framing_not_found(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "GET", CHECKS_MISSING_PATH, NULL, NULL, 0, NULL, 0 };
	char status[CHECKS_TEXT_MAX];
	int code = ask_status(env, res, &q, status);

	if (code == 0)
		return VERDICT_FAIL;
	if (code == 404)
		return checks_pass(res, "GET %s answered 404", CHECKS_MISSING_PATH);
	return checks_fail(res, "GET %s answered %s, not 404 Not Found (RFC 9110 15.5.5)",
	                   CHECKS_MISSING_PATH, status);
}

/*
 * Where framing.pieces cuts a request head: inside the method, before the version, between the
 * CR and LF of the request line, inside the next field name, before the empty line, and between
 * its CR and LF. Every cut is one a server reading "one recv() is one request" trips on.
 */
static void cut_points(const char *head, size_t len, size_t cuts[PIECE_CUTS])
{
	size_t line = (size_t)(strstr(head, "\r\n") - head);

	cuts[0] = 2;
	cuts[1] = line - strlen(" HTTP/1.1");
	cuts[2] = line + 1;
	cuts[3] = line + 4;
	cuts[4] = len - 2;
	cuts[5] = len - 1;
}

enum verdict checks_framing_pieces(const struct checks_env *env, struct check_result *res)
{
	const struct target_file *f = &env->t->file;
	char head[TARGET_REQUEST_MAX], status[CHECKS_TEXT_MAX];
	size_t cuts[PIECE_CUTS];
	struct wire_conn c = { .fd = -1 };
	struct response r;

	if (!checks_have_file(env, res))
		return VERDICT_FAIL;
	int n = target_request(env->t, head, sizeof head, "GET", f->path, "HTTP/1.1", NULL, 0);
	if (n < 0)
		return checks_fail(res, "labcheck's request for %s is too long", f->path);
	cut_points(head, (size_t)n, cuts);
	int rc = wire_open(&c, &env->t->peer, &res->wire);
	if (rc == WIRE_OK)
		rc = wire_send_pieces(&c, head, (size_t)n, cuts, PIECE_CUTS, PIECE_PAUSE_MS);
	if (rc == WIRE_OK || c.fd >= 0)   /* the server may have answered a piece already */
		rc = wire_response(&c, 0, &r);
	enum verdict v;
	if (rc != WIRE_OK)
		v = checks_fail(res, "%s (after a GET sent in %d pieces, %d ms apart)", c.why,
		                PIECE_CUTS + 1, PIECE_PAUSE_MS);
	else if (r.status != 200)
		v = checks_fail(res, "a GET sent in %d pieces, %d ms apart, got %s; whole, it gets 200: "
		                "a server must read until the empty line that ends the head, however "
		                "the bytes arrive (RFC 9112 2.1)", PIECE_CUTS + 1, PIECE_PAUSE_MS,
		                checks_status(&r, status));
	else if (!checks_body_is(&r, f->body, f->len))
		v = checks_fail(res, "a GET sent in %d pieces got 200, but not the file's %zu bytes",
		                PIECE_CUTS + 1, f->len);
	else
		v = checks_pass(res, "a GET sent in %d pieces, %d ms apart, got 200 and the file",
		                PIECE_CUTS + 1, PIECE_PAUSE_MS);
	wire_close(&c);
	return v;
}

enum verdict checks_framing_no_host(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "GET", env->t->file.path, NULL, NULL, TARGET_NO_HOST,
	                                  NULL, 0 };
	char status[CHECKS_TEXT_MAX];
	int code = ask_status(env, res, &q, status);

	if (code == 0)
		return VERDICT_FAIL;
	if (code == 400)
		return checks_pass(res, "an HTTP/1.1 request without Host got 400");
	return checks_fail(res, "an HTTP/1.1 request without Host got %s; RFC 9112 3.2: a server "
	                   "MUST answer it with 400", status);
}

enum verdict checks_framing_version(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "GET", env->t->file.path, VERSION_UNKNOWN, NULL, 0,
	                                  NULL, 0 };
	char status[CHECKS_TEXT_MAX], why[CHECKS_TEXT_MAX];
	int code = ask_status(env, res, &q, status);

	if (code == 0) {
		memcpy(why, res->reason, sizeof why);
		return checks_fail(res, "to a request for " VERSION_UNKNOWN ": %s", why);
	}
	if (code == 505)
		return checks_pass(res, "a request for " VERSION_UNKNOWN " got 505");
	return checks_fail(res, "a request for " VERSION_UNKNOWN " got %s; RFC 9110 15.6.6: 505 "
	                   "for a major version the server does not support", status);
}

enum verdict checks_framing_unknown_method(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { UNKNOWN_METHOD, env->t->file.path, NULL, NULL, 0, NULL, 0 };
	char status[CHECKS_TEXT_MAX];
	int code = ask_status(env, res, &q, status);

	if (code == 0)
		return VERDICT_FAIL;
	if (code == 501)
		return checks_pass(res, "the unknown method " UNKNOWN_METHOD " got 501");
	if (code == 405)
		return checks_fail(res, UNKNOWN_METHOD " got 405, which says the method is known but "
		                   "not allowed here; RFC 9110 9.1: a method the server does not "
		                   "recognise SHOULD get 501");
	return checks_fail(res, "the unknown method " UNKNOWN_METHOD " got %s; RFC 9110 9.1: 501 "
	                   "Not Implemented", status);
}

/* TRACE: safe (RFC 9110 9.3.8), so asking cannot change anything on the student's server. */
enum verdict checks_framing_known_method(const struct checks_env *env, struct check_result *res)
{
	const struct checks_request q = { "TRACE", env->t->file.path, NULL, NULL, 0, NULL, 0 };
	struct wire_conn c;
	struct response r;
	char status[CHECKS_TEXT_MAX], allow[CHECKS_TEXT_MAX], type[CHECKS_TEXT_MAX];
	int rc = ask_once(env, res, &c, &q, &r);

	if (rc == WIRE_OK) {
		checks_status(&r, status);
		checks_field(&r, "Allow", allow);
		checks_field(&r, "Content-Type", type);
	}
	wire_close(&c);
	if (rc != WIRE_OK)
		return VERDICT_FAIL;
	if (strncmp(status, "501", 3) == 0)
		return checks_pass(res, "TRACE got 501: the server supports it on no resource (RFC "
		                   "9110 9.1)");
	if (strncmp(status, "405", 3) == 0)
		return allow[0] != '\0' ? checks_pass(res, "TRACE got 405 with Allow: %s", allow) :
		       checks_fail(res, "TRACE got 405 without Allow; RFC 9110 15.5.6: a 405 MUST name "
		                   "the methods the resource allows in Allow");
	if (status[0] == '2' && strncmp(type, "message/http", strlen("message/http")) == 0)
		return checks_skip(res, "the server implements TRACE (it answered %s with "
		                   "message/http)", status);
	return checks_fail(res, "TRACE got %s; a known method the server does not serve gets 405 "
	                   "with Allow, or 501 when no resource supports it (RFC 9110 9.1)", status);
}
