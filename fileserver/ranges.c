// SPDX-License-Identifier: MIT
/*
 * ranges: fileserver's partial content (handout Part A.1 "Partial Content", RFC 9110 section
 * 14). A video player seeking, or `curl -C -` resuming a download, asks for a slice of a file;
 * one range is answered with 206 and a Content-Range, several with one 206 whose body is
 * multipart/byteranges (each part with its own Content-Type and Content-Range), none that
 * overlaps the file with 416. common/http/range.c reads the Range field; this file decides whether
 * it applies (If-Range) and writes the answer, every byte straight from the file by sendfile().
 *
 * The multipart body's length is computed before anything is sent, so it goes out with
 * Content-Length like any file, never chunked.
 */
#include "ranges.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "base/buf.h"
#include "base/compat.h"
#include "http/http.h"
#include "http/http_conn.h"
#include "http/http_date.h"
#include "http/http_error.h"
#include "http/trace.h"

/*
 * The request's Range field, or NULL without one. Range is not a list (RFC 9110 14.2): two of
 * them cannot be combined into one valid value (5.3), so they are ignored like a bad one.
 */
static const struct http_str *range_field(const struct http_request *req)
{
	const struct http_str *found = NULL;

	for (size_t i = 0; i < req->header_count; i++) {
		if (!http_str_ieq(req->headers[i].name, "Range"))
			continue;
		if (found != NULL)
			return NULL;
		found = &req->headers[i].value;
	}
	return found;
}

/*
 * RFC 9110 13.1.5: with If-Range, the Range applies only if the client's copy is the current
 * file, so the slices it asks for fit the bytes it has. An entity-tag must match strongly
 * (8.8.3.2: the same opaque-tag, neither weak, so a "W/" tag never does). A date must be
 * exactly the Last-Modified value sent, and a strong validator (8.8.2.2): a file modified in
 * the current second may change again within it, so its date is not trusted until that second
 * is over (the ETag, in nanoseconds, has no such gap). Anything else does not match.
 */
static bool if_range_holds(const struct http_request *req, const char *etag, int64_t mtime)
{
	const struct http_str *v = http_header_get(req, "If-Range");
	char modified[HTTP_DATE_SIZE];
	size_t n;

	if (v == NULL)
		return true;
	if (v->len > 0 && v->p[0] == '"')
		return v->len == strlen(etag) && memcmp(v->p, etag, v->len) == 0;
	n = http_date(modified, sizeof modified, mtime);
	return n > 0 && v->len == n && memcmp(v->p, modified, n) == 0 && mtime < (int64_t)time(NULL);
}

/* 128 random bits in hex: a boundary no file will hold by chance, as RFC 2046 5.1.1 needs. */
static int make_boundary(char out[RANGE_BOUNDARY_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char bits[RANGE_BOUNDARY_LEN / 2];

	if (compat_random(bits, sizeof bits) < 0)
		return -1;
	for (size_t i = 0; i < sizeof bits; i++) {
		out[2 * i] = hex[bits[i] >> 4];
		out[2 * i + 1] = hex[bits[i] & 0xf];
	}
	out[RANGE_BOUNDARY_LEN] = '\0';
	return 0;
}

int ranges_plan(struct http_exchange *x, uint64_t size, const char *etag, int64_t mtime,
                struct ranges *out)
{
	const struct http_str *range = range_field(x->req);

	/* RFC 9110 14.2: range handling is defined for GET only, and a server MUST ignore Range on
	 * any other method. So a HEAD with Range gets the 200 head of the whole file. */
	if (range == NULL || x->req->method != HTTP_GET)
		return HTTP_OK;
	if (!if_range_holds(x->req, etag, mtime)) {
		trace_exchange(x, "Range ignored: If-Range is not the current ETag or date, "
		                  "so the whole file is sent");
		return HTTP_OK;
	}
	out->count = range_parse(range->p, range->len, size, out->r);
	if (out->count == RANGE_UNSATISFIABLE) {
		trace_exchange(x, "no range satisfiable in a file of %" PRIu64 " bytes: 416", size);
		return HTTP_RANGE_NOT_SATISFIABLE;
	}
	/* RFC 9110 14.2: a server may always ignore a Range, and must for an unknown unit. */
	if (out->count == RANGE_IGNORE || (out->count > 1 && make_boundary(out->boundary) < 0)) {
		trace_exchange(x, "Range ignored (not bytes, bad syntax, over %d ranges or "
		                  "overlapping), so the whole file is sent", RANGE_MAX);
		return HTTP_OK;
	}
	return HTTP_PARTIAL_CONTENT;
}

/* --trace: "ranges served: 200-1000, 2000-6576, 19000-47021 of 47022 bytes". */
static void trace_ranges(struct http_exchange *x, const struct ranges *p, uint64_t size)
{
	char list[RANGE_MAX * 44];   /* ", " and two 20-digit numbers with '-' for each */
	struct buf b;

	if (!x->cfg->trace)
		return;
	buf_init(&b, list, sizeof list);
	for (int i = 0; i < p->count; i++)
		buf_printf(&b, "%s%" PRIu64 "-%" PRIu64, i > 0 ? ", " : "", p->r[i].first, p->r[i].last);
	trace_exchange(x, "%s %s%s of %" PRIu64 " bytes%s", p->count > 1 ? "ranges served:" :
	               "range served:", list, buf_truncated(&b) ? " ..." : "", size,
	               p->count > 1 ? ", as multipart/byteranges" : "");
}

/*
 * RFC 9110 14.6: each part is a head (boundary, Content-Type, Content-Range) and its bytes; a
 * close delimiter ends the body. Head, part heads and file bytes leave corked together.
 */
static int send_multipart(struct http_exchange *x, int fd, uint64_t size, const char *type,
                          const struct ranges *p)
{
	char head[RANGE_PART_HEAD_MAX];
	int64_t total = range_multipart_length(p->r, p->count, p->boundary, type, size);
	int len;

	if (total < 0)
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, "Media type too long");
	http_response_header(x, "Content-Type", "multipart/byteranges; boundary=%s", p->boundary);
	if (http_response_send_head(x, total, true) < 0)
		return -1;
	for (int i = 0; i < p->count; i++) {
		const struct range *r = &p->r[i];
		/* The lengths were all measured above with these same arguments: len > 0. */
		len = range_part_head(head, sizeof head, p->boundary, type, r, size);
		if (http_response_body(x, head, (size_t)len) < 0 ||
		    http_response_file(x, fd, (off_t)r->first, r->last - r->first + 1) < 0)
			return -1;
	}
	len = range_multipart_tail(head, sizeof head, p->boundary);
	if (http_response_body(x, head, (size_t)len) < 0)
		return -1;
	return http_response_end(x);
}

int ranges_send(struct http_exchange *x, int fd, uint64_t size, const char *type,
                const struct ranges *plan)
{
	const struct range *r = &plan->r[0];
	char value[72];

	if (x->status == HTTP_RANGE_NOT_SATISFIABLE) {
		/* RFC 9110 15.5.17: the current length, so the client can ask again. */
		range_content_range(value, sizeof value, NULL, size);
		http_response_header(x, "Content-Range", "%s", value);
		if (http_response_send_head(x, 0, false) < 0)
			return -1;
		return http_response_end(x);
	}
	trace_ranges(x, plan, size);
	if (plan->count > 1)
		return send_multipart(x, fd, size, type, plan);
	range_content_range(value, sizeof value, r, size);
	http_response_header(x, "Content-Type", "%s", type);
	http_response_header(x, "Content-Range", "%s", value);
	if (http_response_send_head(x, (int64_t)(r->last - r->first + 1), true) < 0 ||
	    http_response_file(x, fd, (off_t)r->first, r->last - r->first + 1) < 0)
		return -1;
	return http_response_end(x);
}
