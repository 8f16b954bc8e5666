// SPDX-License-Identifier: MIT
/*
 * checks_body: chunked.* and conditional.* (see checks_body.h). The parser (response.c) already
 * refuses a malformed chunked body, with the chunk it went wrong in; chunked.response adds what
 * a server owes beyond that, and chunked.request sends a chunked body of its own, with CRLFs
 * inside its data as the course's graders do, then checks that the server read exactly that
 * body by asking again on the same connection.
 *
 * Where a server lacks a feature that RFC 9110 lets it lack, the check is SKIP with the reason:
 * a URL answered with Content-Length instead of chunked (unless the student named it as
 * chunked), no POST, no validators, no answer to If-Modified-Since (a SHOULD). A server that
 * sends an ETag must honour If-None-Match (a MUST): a 200 there is FAIL.
 */
#include "checks_body.h"

#include <stdio.h>
#include <string.h>

#define BODY_MAX 256   /* the chunked request body, framing included */
#define FIELD_MAX (TARGET_VALIDATOR_MAX + sizeof "If-Modified-Since: \r\n")   /* one field */

/* chunked.request's body: a form, cut so that one size needs hex letters and one chunk holds
 * CRLFs (a server that reads chunk data by lines loses them). */
static const char *const body_chunks[] = {
	"user=labcheck", "&note=line 1\r\nline 2\r\n\r\n..", "&password=chunked",
};
#define BODY_CHUNKS (sizeof body_chunks / sizeof body_chunks[0])

/* What took the place of chunked framing, for a sentence. */
static const char *framing_name(enum response_framing f)
{
	return f == RESPONSE_LENGTH ? "Content-Length" : f == RESPONSE_CHUNKED ? "chunked" :
	       f == RESPONSE_UNTIL_CLOSE ? "no framing but the close" : "no body";
}

enum verdict checks_body_chunked_response(const struct checks_env *env, struct check_result *res)
{
	const char *path = env->chunked_path;
	const struct checks_request q = { "GET", path, NULL, NULL, 0, NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;
	char status[CHECKS_TEXT_MAX];

	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	int code = r.status;
	enum response_framing framing = r.framing;
	size_t chunks = r.chunks;
	unsigned long long data = r.data_len;
	checks_status(&r, status);
	size_t extra = framing == RESPONSE_CHUNKED ? wire_after(&c, CHECKS_EXTRA_WAIT_MS) : 0;
	wire_close(&c);
	if (code != 200 && !env->chunked_named)
		return checks_skip(res, "GET %s answered %s; name a URL whose answer is chunked with "
		                   "--chunked-path", path, status);
	if (code != 200)
		return checks_fail(res, "GET %s answered %s, not 200", path, status);
	if (framing != RESPONSE_CHUNKED && env->chunked_named)
		return checks_fail(res, "GET %s came with %s, not chunked", path, framing_name(framing));
	if (framing != RESPONSE_CHUNKED)
		return checks_skip(res, "the server did not send chunked for %s (it used %s, which RFC "
		                   "9112 6.1 allows); name a chunked URL with --chunked-path", path,
		                   framing_name(framing));
	if (extra > 0)
		return checks_fail(res, "%zu bytes came after the end of the chunked body (the 0 chunk "
		                   "and its empty line)", extra);
	return checks_pass(res, "%zu chunk%s, sizes in hex, CRLF after each, then the 0 chunk and "
	                   "the empty line (%llu bytes of data)", chunks, chunks == 1 ? "" : "s", data);
}

/* The chunked body of body_chunks into out: "<hex size>\r\n<data>\r\n" each, then "0\r\n\r\n". */
static int chunked_body(char *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i <= BODY_CHUNKS; i++) {
		const char *data = i < BODY_CHUNKS ? body_chunks[i] : "";
		int w = snprintf(out + n, cap - n, "%zx\r\n%s\r\n", strlen(data), data);
		if (w < 0 || (size_t)w >= cap - n)
			return -1;
		n += (size_t)w;
	}
	return (int)n;
}

/* After the POST, one more request on the connection: its answer shows whether the server read
 * the chunked body to its end, or took the rest of it for a request. */
static enum verdict next_request(const struct checks_env *env, struct check_result *res,
                                 struct wire_conn *c, const char *post_status)
{
	const struct checks_request q = { "GET", CHECKS_MISSING_PATH, NULL, NULL, 0, NULL, 0 };
	struct response r;
	char status[CHECKS_TEXT_MAX];

	if (checks_ask(env, res, c, &q, &r) != WIRE_OK)
		return checks_fail(res, "after the chunked POST (%s), the next request on the "
		                   "connection got no answer: %s", post_status, c->why);
	if (r.status != 404)
		return checks_fail(res, "after the chunked POST, a GET for %s on the same connection "
		                   "got %s, not 404: the server did not read the chunked body to its "
		                   "0 chunk, and took the rest for a request", CHECKS_MISSING_PATH,
		                   checks_status(&r, status));
	return checks_pass(res, "a POST with a body of %zu chunks (CRLFs inside one) got %s, and "
	                   "the next request on the connection got its 404", BODY_CHUNKS, post_status);
}

enum verdict checks_body_chunked_request(const struct checks_env *env, struct check_result *res)
{
	char body[BODY_MAX], status[CHECKS_TEXT_MAX];
	int n = chunked_body(body, sizeof body);
	const struct checks_request q = { "POST", env->post_path, NULL, "Transfer-Encoding: chunked"
	                                  "\r\nContent-Type: application/x-www-form-urlencoded\r\n",
	                                  0, body, n > 0 ? (size_t)n : 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;
	enum verdict v = VERDICT_FAIL;

	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK) {
		checks_note(res, "a server that waits for a Content-Length never sees this body end");
		goto done;
	}
	checks_status(&r, status);
	if (r.status == 404 || r.status == 405 || r.status == 501)
		v = checks_skip(res, "the server does not take POST at %s (it answered %s); name a "
		                "path that does with --post-path", env->post_path, status);
	else if (r.status == 411)
		v = checks_fail(res, "411 Length Required: an HTTP/1.1 server must read a chunked "
		                "body (RFC 9112 7.1: a recipient MUST be able to parse chunked)");
	else if (r.status >= 400)
		v = checks_fail(res, "a POST with a well-formed chunked body (CRLFs inside its data) "
		                "got %s", status);
	else if (!checks_persists(&r))
		v = checks_pass(res, "a POST with a chunked body got %s (the server then ended the "
		                "connection, so whether it read exactly that body is unseen)", status);
	else
		v = next_request(env, res, &c, status);
done:
	wire_close(&c);
	return v;
}

/*
 * A conditional GET of the file with field: value, which the server itself sent as a
 * validator. must: RFC 9110 makes evaluating it a MUST (If-None-Match), so a 200 is FAIL; else
 * (If-Modified-Since, a SHOULD) a 200 is SKIP, the feature missing.
 */
static enum verdict conditional(const struct checks_env *env, struct check_result *res,
                                const char *field, const char *value, bool must)
{
	const struct target_file *f = &env->t->file;
	char fields[FIELD_MAX], status[CHECKS_TEXT_MAX];
	struct checks_request q = { "GET", f->path, NULL, fields, 0, NULL, 0 };
	struct wire_conn c = { .fd = -1 };
	struct response r;

	snprintf(fields, sizeof fields, "%s: %s\r\n", field, value);
	if (checks_ask(env, res, &c, &q, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	int code = r.status;
	bool has_length = r.has_content_length;
	unsigned long long length = r.content_length;
	checks_status(&r, status);
	size_t extra = code == 304 ? wire_after(&c, CHECKS_EXTRA_WAIT_MS) : 0;
	wire_close(&c);
	if (code == 304 && extra > 0)
		return checks_fail(res, "the 304 carried %zu bytes after its head (RFC 9110 15.4.5: a "
		                   "304 has no content)", extra);
	if (code == 304 && has_length && length != f->len)
		return checks_fail(res, "the 304 says Content-Length: %llu, but the file has %zu bytes "
		                   "(RFC 9110 8.6: the 200's length, or none)", length, f->len);
	if (code == 304)
		return checks_pass(res, "%s with the server's own value got 304 and no body", field);
	if (code == 200 && !must)
		return checks_skip(res, "the server sends Last-Modified but answered %s with 200: "
		                   "conditional GET by date is not supported (RFC 9110 13.1.3: SHOULD)",
		                   field);
	return checks_fail(res, "%s with the value the server sent got %s, not 304 (RFC 9110 %s)",
	                   field, status, must ? "13.1.2: it MUST be evaluated; a match is 304" :
	                   "13.1.3");
}

enum verdict checks_body_etag(const struct checks_env *env, struct check_result *res)
{
	const struct target_file *f = &env->t->file;

	if (!checks_have_file(env, res))
		return VERDICT_FAIL;
	if (f->etag[0] == '\0')
		return checks_skip(res, "the server sends no ETag for %s: conditional GET by ETag is "
		                   "not supported", f->path);
	return conditional(env, res, "If-None-Match", f->etag, true);
}

enum verdict checks_body_last_modified(const struct checks_env *env, struct check_result *res)
{
	const struct target_file *f = &env->t->file;

	if (!checks_have_file(env, res))
		return VERDICT_FAIL;
	if (f->last_modified[0] == '\0')
		return checks_skip(res, "the server sends no Last-Modified for %s: conditional GET by "
		                   "date is not supported", f->path);
	return conditional(env, res, "If-Modified-Since", f->last_modified, false);
}
