/* SPDX-License-Identifier: MIT */
/*
 * checks: labcheck's list of checks and the runner. Each check has a stable id (group.name, as
 * --only, --skip and --json use it), the rule it checks in one line, where the lab and the RFCs
 * state that rule, and a function that gives a verdict with a reason a student understands.
 * The runner runs the selected checks in the table's order (the ones most likely to break a
 * fragile server last), and after a FAIL asks the server once more: a server that no longer
 * answers fails the remaining checks at once, with that reason, instead of each waiting out its
 * timeout. Also the helpers every check uses: the verdict with its reason, one request and its
 * response.
 *
 * Verdicts: PASS, the rule holds; FAIL, it does not (or the server did not answer in time);
 * SKIP, the rule does not apply, for a reason printed beside it: the server lacks a feature
 * RFC 9110 lets it lack (no Range support, no validators, no POST), or labcheck was not told
 * enough (no --login).
 */
#ifndef CHECKS_H
#define CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "response.h"
#include "target.h"
#include "wire.h"

#define CHECKS_TEXT_MAX 600          /* a reason or a note */
#define CHECKS_EXTRA_WAIT_MS 200     /* how long bytes after a response are waited for */
#define CHECKS_MISSING_PATH "/labcheck-no-such-file"   /* a file no server has */

enum verdict { VERDICT_PASS, VERDICT_FAIL, VERDICT_SKIP };

/* What the student told labcheck, and what discovery found; read-only while checks run. */
struct checks_env {
	const struct target *t;
	const char *chunked_path;    /* the URL whose answer should be chunked */
	bool chunked_named;          /* named by the student (--chunked-path): not chunked is FAIL */
	const char *post_path;       /* where a chunked POST goes */
	const char *login;           /* NULL: the state checks are skipped */
	const char *user_field, *password_field, *user, *password;
	const char *protected_path, *logout_path;
	unsigned clients;            /* concurrency.clients */
};

struct check_result {
	enum verdict verdict;
	char reason[CHECKS_TEXT_MAX];
	char note[CHECKS_TEXT_MAX];   /* beside the verdict: where the course's tests differ, ... */
	int64_t ms;
	struct wire_log wire;
};

struct check {
	const char *id;              /* "framing.content-length" */
	const char *rule;            /* one line: what must hold */
	const char *source;          /* where the lab and the RFCs say so */
	enum verdict (*run)(const struct checks_env *env, struct check_result *res);
};

extern const struct check checks_table[];
extern const size_t checks_count;

/*
 * --only and --skip, comma-separated lists of ids or group names ("ranges" for ranges.*), into
 * selected[checks_count]. NULL lists: every check / none. Returns 0, or -1 with err naming the
 * unknown element.
 */
int checks_select(const char *only, const char *skip, bool *selected, char *err, size_t errlen);

/*
 * Run the selected checks in order, with results[i] for checks_table[i], calling done() after
 * each (for output as the run goes). A server discovery did not reach fails every check.
 */
void checks_run(const struct checks_env *env, const bool *selected, struct check_result *results,
                void (*done)(const struct check *c, const struct check_result *r, void *ctx),
                void *ctx);

/* The verdict, its reason (printf-style), returned for "return checks_fail(res, ...);". */
enum verdict checks_pass(struct check_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum verdict checks_fail(struct check_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
enum verdict checks_skip(struct check_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A note printed beside the verdict; a second note is appended after "; ". */
void checks_note(struct check_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One request as a check sends it. */
struct checks_request {
	const char *method, *path;
	const char *version;         /* NULL: HTTP/1.1 */
	const char *fields;          /* header lines ending in CRLF, or NULL */
	unsigned target_flags;       /* TARGET_NO_HOST, TARGET_NO_COOKIE */
	const char *body;            /* sent right after the head, or NULL */
	size_t body_len;
};

/*
 * Send q on c (connecting first when c->fd < 0; c starts as { .fd = -1 }) and read the response
 * into r (RESPONSE_TO_HEAD for HEAD). Returns WIRE_OK, or a wire error after setting res to
 * FAIL with c's sentence. The caller closes c.
 */
int checks_ask(const struct checks_env *env, struct check_result *res, struct wire_conn *c,
               const struct checks_request *q, struct response *r);

/* True when discovery found the file; else sets res to FAIL with why and returns false. */
bool checks_have_file(const struct checks_env *env, struct check_result *res);

/*
 * Whether the connection persists after r, as RFC 9112 9.3 tells a client to decide:
 * "Connection: close" ends it; otherwise HTTP/1.1 keeps it, and HTTP/1.0 keeps it only with
 * "Connection: keep-alive".
 */
bool checks_persists(const struct response *r);

/* r's body, decoded when chunked, in a malloc'd buffer of *len bytes (the caller frees it). */
char *checks_body_copy(const struct response *r, size_t *len);

/* True when r's body, decoded when chunked, is exactly data[0..len). */
bool checks_body_is(const struct response *r, const char *data, size_t len);

/* A field's value into out (CHECKS_TEXT_MAX bytes), cut to a readable length; "" if absent. */
const char *checks_field(const struct response *r, const char *name, char out[CHECKS_TEXT_MAX]);

/* "200 OK" from a response, for reasons: status and reason phrase, cut and made printable. */
const char *checks_status(const struct response *r, char out[CHECKS_TEXT_MAX]);

#endif
