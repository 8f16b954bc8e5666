// SPDX-License-Identifier: MIT
/*
 * checks_ranges: ranges.* (see checks_ranges.h). Each check asks for bytes of the file whose
 * whole body discovery kept, so every 206 is compared byte for byte: its Content-Range (read by
 * byteranges.c), its length, and its bytes. The ranges fit any file of a few bytes: 0-4 (or
 * less), the last 3, from the middle to the end, the first byte and the last two, and a range
 * that starts at the end.
 *
 * The course's own tests send "Range: 0-4", without the "bytes=" that RFC 9110 14.1 requires;
 * ranges.single asks that form too and says beside its verdict what this server does with it.
 */
#include "checks_ranges.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "byteranges.h"

#define RANGE_TEXT_MAX 96       /* a Range value labcheck sends */
#define RANGE_FIELD_MAX (RANGE_TEXT_MAX + sizeof "Range: \r\n")
#define SINGLE_LAST 4           /* bytes=0-4 */
#define SUFFIX_LEN 3            /* bytes=-3 */
#define FILE_MIN 2              /* a range that is not the whole file needs 2 bytes */
#define MULTI_FILE_MIN 4        /* two ranges with a gap between them need 4 */
#define MULTIPART "multipart/byteranges"

/* GET the file with "Range: value" on a new connection; r is valid until wire_close(c). */
static int ask_range(const struct checks_env *env, struct check_result *res,
                     struct wire_conn *c, const char *value, struct response *r)
{
	char fields[RANGE_FIELD_MAX];
	const struct checks_request q = { "GET", env->t->file.path, NULL, fields, 0, NULL, 0 };

	snprintf(fields, sizeof fields, "Range: %s\r\n", value);
	*c = (struct wire_conn){ .fd = -1 };
	return checks_ask(env, res, c, &q, r);
}

/* The verdict for an answer other than 206 (or 416): 200 is Range not supported, SKIP. */
static enum verdict not_partial(struct check_result *res, const struct response *r,
                                const char *value, int expected)
{
	char status[CHECKS_TEXT_MAX];

	if (r->status == 200)
		return checks_skip(res, "the server ignores Range: %s (it answered 200, which RFC 9110 "
		                   "14.2 allows): Range is not supported", value);
	return checks_fail(res, "Range: %s got %s, not %d", value, checks_status(r, status),
	                   expected);
}

/* True when r's Content-Type is multipart/byteranges (parameters aside). */
static bool is_multipart(const struct response *r)
{
	const struct response_str *t = response_field(r, "Content-Type");
	return t != NULL && t->len >= strlen(MULTIPART) &&
	       response_str_ieq((struct response_str){ t->p, strlen(MULTIPART) }, MULTIPART);
}

/* r is a one-part 206 that must hold bytes first..last of the file, and say so. */
static enum verdict one_part(const struct checks_env *env, struct check_result *res,
                             const struct response *r, const char *value, uint64_t first,
                             uint64_t last)
{
	const struct target_file *f = &env->t->file;
	const struct response_str *cr = response_field(r, "Content-Range");
	char err[BYTERANGES_ERROR_MAX], shown[CHECKS_TEXT_MAX];
	struct byteranges_range got;

	if (is_multipart(r))
		return checks_fail(res, "one range came as " MULTIPART " (RFC 9110 14.6: a server "
		                   "MUST NOT send one range as multipart)");
	if (cr == NULL)
		return checks_fail(res, "Range: %s got a 206 without Content-Range (RFC 9110 15.3.7.1: "
		                   "a one-part 206 MUST have it)", value);
	if (byteranges_content_range(cr->p, cr->len, &got, err) < 0)
		return checks_fail(res, "%s", err);
	if (got.unsatisfied || got.length_unknown || got.first != first || got.last != last ||
	    got.complete != f->len)
		return checks_fail(res, "Range: %s got Content-Range: %s; for this %zu-byte file it is "
		                   "bytes %llu-%llu/%zu", value, checks_field(r, "Content-Range", shown),
		                   f->len, (unsigned long long)first, (unsigned long long)last, f->len);
	if (!checks_body_is(r, f->body + first, (size_t)(last - first + 1)))
		return checks_fail(res, "the 206 says bytes %llu-%llu, but its body is not those bytes "
		                   "of the file", (unsigned long long)first, (unsigned long long)last);
	return checks_pass(res, "Range: %s got 206, Content-Range: bytes %llu-%llu/%zu and those "
	                   "bytes", value, (unsigned long long)first, (unsigned long long)last, f->len);
}

/* What the server does with the course tests' "Range: 0-LAST" (no unit), as a note. */
static void course_form(const struct checks_env *env, struct check_result *res, uint64_t last)
{
	char value[RANGE_TEXT_MAX], status[CHECKS_TEXT_MAX];
	struct wire_conn c;
	struct response r;
	char *keep = malloc(sizeof res->reason);   /* ask_range() may overwrite the reason */

	if (keep == NULL)
		return;
	memcpy(keep, res->reason, sizeof res->reason);
	snprintf(value, sizeof value, "0-%llu", (unsigned long long)last);
	int rc = ask_range(env, res, &c, value, &r);
	memcpy(res->reason, keep, sizeof res->reason);
	free(keep);
	if (rc != WIRE_OK)
		checks_note(res, "the course's tests send Range: %s, without bytes=; to that this "
		            "server gave no answer (%s)", value, c.why);
	else if (r.status == 206)
		checks_note(res, "the server also answers the course tests' Range: %s (no bytes=, "
		            "which RFC 9110 14.1 requires) with 206", value);
	else
		checks_note(res, "the course's tests send Range: %s, without bytes=; this server "
		            "answers it with %s (RFC 9110 14.2 lets it ignore a Range it cannot read), "
		            "so such a test sees no 206", value, checks_status(&r, status));
	wire_close(&c);
}

/* One range of the file, bytes first..last, asked as value. */
static enum verdict single_range(const struct checks_env *env, struct check_result *res,
                                 const char *value, uint64_t first, uint64_t last)
{
	struct wire_conn c;
	struct response r;

	if (ask_range(env, res, &c, value, &r) != WIRE_OK) {
		wire_close(&c);
		return VERDICT_FAIL;
	}
	enum verdict v = r.status == 206 ? one_part(env, res, &r, value, first, last) :
	                 not_partial(res, &r, value, 206);
	wire_close(&c);
	return v;
}

/* The file, when it has at least min bytes; else the verdict (FAIL or SKIP) is set. */
static bool file_of(const struct checks_env *env, struct check_result *res, size_t min)
{
	const struct target_file *f = &env->t->file;

	if (!checks_have_file(env, res))
		return false;
	if (f->len >= min)
		return true;
	checks_skip(res, "the file %s has %zu bytes, too few for this range; name a longer one "
	            "with --path", f->path, f->len);
	return false;
}

enum verdict checks_ranges_single(const struct checks_env *env, struct check_result *res)
{
	char value[RANGE_TEXT_MAX];

	if (!file_of(env, res, FILE_MIN))
		return res->verdict;
	size_t len = env->t->file.len;
	uint64_t last = len - 2 < SINGLE_LAST ? len - 2 : SINGLE_LAST;
	snprintf(value, sizeof value, "bytes=0-%llu", (unsigned long long)last);
	enum verdict v = single_range(env, res, value, 0, last);
	if (v == VERDICT_PASS)
		course_form(env, res, last);
	return v;
}

enum verdict checks_ranges_suffix(const struct checks_env *env, struct check_result *res)
{
	char value[RANGE_TEXT_MAX];

	if (!file_of(env, res, FILE_MIN))
		return res->verdict;
	size_t len = env->t->file.len, n = len - 1 < SUFFIX_LEN ? len - 1 : SUFFIX_LEN;
	snprintf(value, sizeof value, "bytes=-%zu", n);
	return single_range(env, res, value, len - n, len - 1);
}

enum verdict checks_ranges_open(const struct checks_env *env, struct check_result *res)
{
	char value[RANGE_TEXT_MAX];

	if (!file_of(env, res, FILE_MIN))
		return res->verdict;
	size_t len = env->t->file.len;
	snprintf(value, sizeof value, "bytes=%zu-", len / 2);
	return single_range(env, res, value, len / 2, len - 1);
}

/* The parts of a multipart 206 against the file: each part's bytes right, both ranges in. */
static enum verdict parts(const struct checks_env *env, struct check_result *res,
                          const struct response *r, const char *value)
{
	const struct target_file *f = &env->t->file;
	char boundary[BYTERANGES_BOUNDARY_MAX + 1], err[BYTERANGES_ERROR_MAX];
	struct byteranges_part part[BYTERANGES_PARTS_MAX];
	const struct response_str *type = response_field(r, "Content-Type");
	size_t len;
	char *body = checks_body_copy(r, &len);
	int n = body == NULL || byteranges_boundary(type->p, type->len, boundary, err) < 0 ? -1 :
	        byteranges_parse(body, len, boundary, part, BYTERANGES_PARTS_MAX, err);
	bool first = false, last = false;   /* byte 0 and the last two bytes, each in some part */

	for (int i = 0; i < n; i++) {
		const struct byteranges_range *g = &part[i].range;
		if (g->length_unknown || g->complete != f->len ||
		    memcmp(part[i].data, f->body + g->first, part[i].len) != 0) {
			snprintf(err, sizeof err, "part %d says bytes %llu-%llu of %zu, but its bytes are "
			         "not those of the file", i + 1, (unsigned long long)g->first,
			         (unsigned long long)g->last, f->len);
			n = -1;
			break;
		}
		first = first || g->first == 0;
		last = last || (g->first <= f->len - 2 && g->last == f->len - 1);
	}
	free(body);
	if (n < 0)
		return checks_fail(res, "%s", body == NULL ? "labcheck is out of memory" : err);
	if (!first || !last)
		return checks_fail(res, "Range: %s got %d parts, which leave out bytes that were asked "
		                   "for", value, n);
	return checks_pass(res, "Range: %s got a " MULTIPART " 206 with %d parts, each with its "
	                   "Content-Range and bytes", value, n);
}

enum verdict checks_ranges_multipart(const struct checks_env *env, struct check_result *res)
{
	char value[RANGE_TEXT_MAX];
	struct wire_conn c;
	struct response r;
	enum verdict v;

	if (!file_of(env, res, MULTI_FILE_MIN))
		return res->verdict;
	size_t len = env->t->file.len;
	snprintf(value, sizeof value, "bytes=0-0,%zu-%zu", len - 2, len - 1);
	if (ask_range(env, res, &c, value, &r) != WIRE_OK)
		v = VERDICT_FAIL;
	else if (r.status != 206)
		v = not_partial(res, &r, value, 206);
	else if (is_multipart(&r))
		v = parts(env, res, &r, value);
	else if ((v = one_part(env, res, &r, value, 0, len - 1)) == VERDICT_PASS)
		checks_note(res, "the two ranges came as one part, from the first byte asked for to "
		            "the last (RFC 9110 15.3.7.2 lets a server coalesce them)");
	wire_close(&c);
	return v;
}

enum verdict checks_ranges_unsatisfiable(const struct checks_env *env, struct check_result *res)
{
	char value[RANGE_TEXT_MAX], err[BYTERANGES_ERROR_MAX], shown[CHECKS_TEXT_MAX];
	struct byteranges_range got;
	struct wire_conn c;
	struct response r;
	enum verdict v;

	if (!file_of(env, res, 1))
		return res->verdict;
	size_t len = env->t->file.len;
	snprintf(value, sizeof value, "bytes=%zu-", len);
	int rc = ask_range(env, res, &c, value, &r);
	const struct response_str *cr = rc == WIRE_OK ? response_field(&r, "Content-Range") : NULL;
	if (rc != WIRE_OK)
		v = VERDICT_FAIL;
	else if (r.status == 206)
		v = checks_fail(res, "Range: %s got 206, but it starts at the end of the %zu-byte file: "
		                "no byte of it exists, so the answer is 416 (RFC 9110 14.1.1, "
		                "15.5.17)", value, len);
	else if (r.status != 416)
		v = not_partial(res, &r, value, 416);
	else if (cr == NULL)
		v = checks_fail(res, "the 416 has no Content-Range: bytes */%zu (RFC 9110 15.5.17: a "
		                "SHOULD, which the lab notes' Range chapter takes: the client learns "
		                "the length)", len);
	else if (byteranges_content_range(cr->p, cr->len, &got, err) < 0)
		v = checks_fail(res, "%s", err);
	else if (!got.unsatisfied || got.complete != len)
		v = checks_fail(res, "the 416 has Content-Range: %s; for this file it is bytes */%zu "
		                "(RFC 9110 14.4)", checks_field(&r, "Content-Range", shown), len);
	else
		v = checks_pass(res, "Range: %s got 416 with Content-Range: bytes */%zu", value, len);
	wire_close(&c);
	return v;
}
