// SPDX-License-Identifier: MIT
/*
 * discover: find the server's address that answers and the file the checks use (see
 * discover.h). A listing is read the way a browser would follow it, by its href="..." links,
 * which covers http.server's listing, fileserver's and most students' (an <a href> per name).
 *
 * Left out on purpose: parsing HTML properly (a link that is not a plain href="name" or
 * href='name' is skipped), redirects to other servers, and files in sub-folders: the first
 * file of the start page is enough for every check, and --path names any other.
 */
#include "discover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/log.h"
#include "response.h"

#define HREF "href="

/* Connect to the first of t's addresses that accepts, as t->peer. */
static int connect_any(struct target *t, struct wire_log *log, struct wire_conn *c)
{
	int rc = WIRE_FAILED;

	for (int i = 0; i < t->addr_count; i++) {
		t->peer = t->addrs[i];
		rc = wire_open(c, &t->peer, log);
		if (rc == WIRE_OK)
			return rc;
		if (i + 1 < t->addr_count)
			wire_close(c);
	}
	return rc;
}

/* GET path on the open connection c (HTTP/1.1, as a browser asks). */
static int ask(const struct target *t, const char *path, struct wire_conn *c, struct response *r)
{
	char req[TARGET_REQUEST_MAX];
	int n = target_request(t, req, sizeof req, "GET", path, "HTTP/1.1", NULL, 0);

	if (n < 0) {
		log_reason(c->why, sizeof c->why, "the request for %s is too long", path);
		return WIRE_FAILED;
	}
	int rc = wire_send(c, req, (size_t)n);
	return rc == WIRE_OK ? wire_response(c, 0, r) : rc;
}

/* GET path on a new connection, which the caller closes. */
static int get(const struct target *t, const char *path, struct wire_log *log,
               struct wire_conn *c, struct response *r)
{
	r->status = 0;   /* stays 0 when no status line came */
	int rc = wire_open(c, &t->peer, log);
	return rc == WIRE_OK ? ask(t, path, c, r) : rc;
}

/* A field value into out (TARGET_VALIDATOR_MAX bytes), or "" when absent or too long to keep. */
static void copy_value(char *out, const struct response_str *v)
{
	size_t n = v != NULL && v->len < TARGET_VALIDATOR_MAX ? v->len : 0;

	memcpy(out, n > 0 ? v->p : "", n);
	out[n] = '\0';
}

/* What the file's GET gave: its decoded body and validators, or why it cannot serve as one. */
static void keep(struct target_file *f, const char *path, int rc, const struct wire_conn *c,
                 const struct response *r)
{
	snprintf(f->path, sizeof f->path, "%s", path);
	if (rc != WIRE_OK) {
		log_reason(f->why, sizeof f->why, "GET %s failed: %s", path, c->why);
		return;
	}
	if (r->status != 200) {
		log_reason(f->why, sizeof f->why, "GET %s answered %d, not 200", path, r->status);
		return;
	}
	f->body = malloc(r->data_len + 1);
	if (f->body == NULL) {
		log_reason(f->why, sizeof f->why, "labcheck is out of memory");
		return;
	}
	f->chunked = r->framing == RESPONSE_CHUNKED;
	f->len = f->chunked ? response_decode_chunked(r, f->body, r->data_len) : r->body.len;
	if (!f->chunked)
		memcpy(f->body, r->body.p, r->body.len);
	copy_value(f->etag, response_field(r, "ETag"));
	copy_value(f->last_modified, response_field(r, "Last-Modified"));
	f->ok = true;
}

/* The path of a redirect's Location on this same server into out, or false (RFC 9110 10.2.2). */
static bool same_server(const struct target *t, const struct response *r, char *out, size_t cap)
{
	const struct response_str *loc = response_field(r, "Location");
	size_t skip = strlen("http://") + strlen(t->authority);

	if (r->status != 301 && r->status != 302 && r->status != 303 && r->status != 307 &&
	    r->status != 308)
		return false;
	if (loc == NULL || loc->len == 0 || loc->len >= cap)
		return false;
	if (loc->len > skip && strncasecmp(loc->p, "http://", 7) == 0 &&
	    strncasecmp(loc->p + 7, t->authority, strlen(t->authority)) == 0 && loc->p[skip] == '/')
		return (size_t)snprintf(out, cap, "%.*s", (int)(loc->len - skip), loc->p + skip) < cap;
	if (loc->p[0] != '/' || (loc->len > 1 && loc->p[1] == '/'))
		return false;
	return (size_t)snprintf(out, cap, "%.*s", (int)loc->len, loc->p) < cap;
}

/* True for an href that names a file here: a path without scheme, query, fragment or "..". */
static bool file_link(const char *v, size_t n)
{
	if (n == 0 || v[n - 1] == '/' || (n > 1 && v[0] == '/' && v[1] == '/'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (v[i] <= ' ' || (unsigned char)v[i] >= 0x7f || strchr(":?#&\"'<>\\", v[i]) != NULL)
			return false;
	for (size_t i = 0; i + 1 < n; i++)
		if (v[i] == '.' && v[i + 1] == '.')
			return false;
	return true;
}

/*
 * The next file link in html[*pos..len), resolved against the folder of base into out (cap
 * bytes). Returns true, or false when there is none left.
 */
static bool next_link(const char *html, size_t len, size_t *pos, const char *base, char *out,
                      size_t cap)
{
	size_t dir = strcspn(base, "?");

	while (dir > 0 && base[dir - 1] != '/')
		dir--;
	for (; *pos + sizeof HREF < len; (*pos)++) {
		const char *v = html + *pos + sizeof HREF;
		char quote = v[-1];
		if (strncasecmp(html + *pos, HREF, sizeof HREF - 1) != 0 || (quote != '"' && quote != '\''))
			continue;
		const char *end = memchr(v, quote, len - (size_t)(v - html));
		if (end == NULL)
			return false;
		*pos = (size_t)(end - html);
		size_t n = (size_t)(end - v);
		if (!file_link(v, n))
			continue;
		int w = v[0] == '/' ? snprintf(out, cap, "%.*s", (int)n, v) :
		        snprintf(out, cap, "%.*s%.*s", (int)dir, base, (int)n, v);
		if (w > 0 && (size_t)w < cap)
			return true;
	}
	return false;
}

/*
 * The first file the start page links to that answers 200 with a body, into t->file; or the
 * first that answers 200 with a broken message, or not in time: that is the student's file
 * too, and the checks will show what is wrong with it. Links that answer 404 are passed over,
 * and so are files longer than labcheck reads (RESPONSE_BODY_MAX): big is not broken.
 */
static bool from_listing(struct target *t, const char *page, size_t len, struct wire_log *log,
                         struct response *r)
{
	char path[TARGET_PATH_MAX];
	size_t pos = 0;

	for (int tried = 0; tried < DISCOVER_CANDIDATES_MAX &&
	     next_link(page, len, &pos, t->start, path, sizeof path); tried++) {
		struct wire_conn c;
		int rc = get(t, path, log, &c, r);
		bool found = rc == WIRE_OK ? r->status == 200 && r->data_len > 0 :
		             rc == WIRE_TIMEOUT || (r->status == 200 && !r->over_limit);
		if (found) {
			keep(&t->file, path, rc, &c, r);
			log_reason(t->file.origin, sizeof t->file.origin, "the first file the page %s links "
			         "to", t->start);
		}
		wire_close(&c);
		if (found)
			return true;
	}
	return false;
}

int discover_file(struct target *t, const char *file_path, struct wire_log *log)
{
	struct wire_conn c = { .fd = -1 };
	struct response r;
	char next[TARGET_PATH_MAX];
	int rc = connect_any(t, log, &c);

	if (rc == WIRE_OK)
		rc = ask(t, t->start, &c, &r);
	for (int hops = 0; rc == WIRE_OK && hops < DISCOVER_REDIRECTS_MAX &&
	     same_server(t, &r, next, sizeof next); hops++) {
		wire_close(&c);
		memcpy(t->start, next, sizeof next);
		rc = get(t, t->start, log, &c, &r);
	}
	t->reached = rc != WIRE_TIMEOUT && c.fd >= 0;
	if (!t->reached) {
		log_reason(t->unreachable, sizeof t->unreachable, "GET %s: %s", t->start, c.why);
		wire_close(&c);
		return -1;
	}
	/* The start page's links, decoded if it came chunked, before its buffer is reused. */
	char *page = rc == WIRE_OK && r.status == 200 && file_path == NULL ? malloc(r.data_len + 1) :
	             NULL;
	size_t len = page == NULL ? 0 : r.framing != RESPONSE_CHUNKED ? r.body.len :
	             response_decode_chunked(&r, page, r.data_len);
	if (page != NULL && r.framing != RESPONSE_CHUNKED)
		memcpy(page, r.body.p, len);
	wire_close(&c);
	bool found = page != NULL && from_listing(t, page, len, log, &r);
	free(page);
	if (!found) {
		const char *path = file_path ? file_path : t->start;
		rc = get(t, path, log, &c, &r);
		keep(&t->file, path, rc, &c, &r);
		log_reason(t->file.origin, sizeof t->file.origin, "%s", file_path ? "named with --path" :
		         "the start page (it links to no file that answers 200)");
		wire_close(&c);
	}
	return 0;
}

void discover_free(struct target *t)
{
	free(t->file.body);
	t->file.body = NULL;
}
