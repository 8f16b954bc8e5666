// SPDX-License-Identifier: MIT
/*
 * files: fileserver's answer to one request, the job of http.server's SimpleHTTPRequestHandler
 * (handout Part C): the path is decoded and normalised once (url_to_relative_path), opened
 * beneath the served directory so nothing outside it can be reached, and answered with the file,
 * a 301 to the slash form of a directory, its index.html or index.htm, or its listing.
 *
 * Statuses and messages follow http.server's where it has one (404 "File not found", 404 "No
 * permission to list directory"), so the two servers can be compared line by line; a method
 * other than GET, HEAD and OPTIONS is 405 with Allow, where http.server says 501 and closes. Deliberately stricter: a path that climbs above the root, holds a NUL,
 * a backslash or a bad escape is 404 (http.server drops the ".." or serves the odd name), a
 * symbolic link that leads out of the root is 404 (http.server follows it), a FIFO or device
 * is 404 (http.server would wait on the FIFO forever), and Location never starts with "//".
 *
 * A file answers the conditional GET first (304), then its Range (206 or 416, in ranges.c), in
 * the order of RFC 9110 13.2.2.
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/buf.h"
#include "base/compat.h"
#include "beneath.h"
#include "http/http.h"
#include "http/http_date.h"
#include "http/http_error.h"
#include "listing.h"
#include "http/mime.h"
#include "ranges.h"
#include "http/url.h"

/*
 * Every open reads only and never gains a controlling terminal. O_NONBLOCK makes a FIFO in the
 * served directory open at once (a blocking open would wait for a writer forever); fstat() then
 * finds it is not a regular file and it is refused. Reads of regular files ignore O_NONBLOCK.
 */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
/*
 * The methods a static file server has (RFC 9110 9.3): a method HTTP knows but that does not
 * apply here (POST, PUT, DELETE, ...) gets 405 with this list in Allow (15.5.6), and the engine
 * reads and drops its body so the connection goes on; a method nobody knows is 501 (the parser).
 */
#define ALLOWED_METHODS "GET, HEAD, OPTIONS"
/* An ETag: two 64-bit numbers in hex, a '-' and the quotes. */
#define ETAG_MAX 40

/*
 * The one place a failure becomes a status. http.server answers any file it cannot open with
 * 404 "File not found" (an unreadable one too, where EACCES would suggest 403) and a directory it
 * cannot read with 404 "No permission to list directory": followed, so both servers tell a
 * student the same. ENOENT, ENOTDIR, EACCES, EXDEV and ELOOP (openat2()'s refusals), EINVAL
 * (url_to_relative_path's NUL, backslash or bad escape) all land on the 404. Running out of
 * memory or descriptors is the server's trouble, not the path's, and passes when other clients
 * leave: 503 with Retry-After. The connection stays open: asking again on it needs no new
 * descriptor.
 */
static int send_failure(struct http_exchange *x, int err, bool listing)
{
	switch (err) {
	case ENOMEM:
	case EMFILE:
	case ENFILE:
		return http_error_send(x, HTTP_SERVICE_UNAVAILABLE, "Out of resources");
	case E2BIG:
		return http_error_send(x, HTTP_INTERNAL_SERVER_ERROR, "Directory too large to list");
	default:
		return http_error_send(x, HTTP_NOT_FOUND,
		                           listing ? "No permission to list directory" : "File not found");
	}
}

/* True if one of the entity-tags in an If-None-Match value matches etag, by the weak comparison
 * RFC 9110 13.1.2 requires for it (a "W/" prefix is ignored); "*" matches any. */
static bool etag_listed(struct http_str v, const char *etag)
{
	size_t n = strlen(etag), i = 0;

	while (i < v.len) {
		size_t start;
		char end;

		if (v.p[i] == ' ' || v.p[i] == '\t' || v.p[i] == ',') {
			i++;
			continue;
		}
		if (v.p[i] == '*')
			return true;
		if (v.len - i > 2 && v.p[i] == 'W' && v.p[i + 1] == '/')
			i += 2;
		start = i;
		end = v.p[i] == '"' ? '"' : ',';
		for (i++; i < v.len && v.p[i] != end; i++)
			continue;
		if (end == '"' && i < v.len)
			i++;            /* the closing quote belongs to the tag */
		if (i - start == n && memcmp(v.p + start, etag, n) == 0)
			return true;
	}
	return false;
}

/*
 * The status of a GET or HEAD of a regular file: 304 when the client's copy is current, else
 * 200. RFC 9110 13.2.2 orders the checks: If-None-Match first, and when it is present
 * If-Modified-Since is not looked at (13.1.3). Range and If-Range (206, 416) come after these,
 * for a 200 only: a Range never turns a 304 into a 206.
 */
static int file_status(const struct http_request *req, const struct stat *st, const char *etag)
{
	const struct http_str *since_field = http_header_get(req, "If-Modified-Since");
	bool has_inm = false;
	int64_t since;

	for (size_t i = 0; i < req->header_count; i++) {
		if (!http_str_ieq(req->headers[i].name, "If-None-Match"))
			continue;
		if (etag_listed(req->headers[i].value, etag))
			return HTTP_NOT_MODIFIED;
		has_inm = true;
	}
	if (!has_inm && since_field != NULL &&
	    http_date_parse(since_field->p, since_field->len, &since) == 0 &&
	    (int64_t)st->st_mtime <= since)
		return HTTP_NOT_MODIFIED;
	return HTTP_OK;
}

/* Head and body of a regular file, open at fd; name gives its type. */
static int send_file(struct http_exchange *x, int fd, const struct stat *st, const char *name)
{
	char etag[ETAG_MAX], modified[HTTP_DATE_SIZE];
	struct timespec mtime = compat_mtime(st);
	uint64_t mtime_ns = (uint64_t)mtime.tv_sec * 1000000000u + (uint64_t)mtime.tv_nsec;
	uint64_t size = (uint64_t)st->st_size;
	const char *type = mime_type_for(name, strlen(name));
	struct ranges ranges;
	int status;

	/* Size and modification time in nanoseconds: a change of either changes the tag. The
	 * two numbers fit ETAG_MAX whatever their value. */
	snprintf(etag, sizeof etag, "\"%jx-%jx\"", (uintmax_t)mtime_ns, (uintmax_t)size);
	http_date(modified, sizeof modified, (int64_t)st->st_mtime);
	status = file_status(x->req, st, etag);
	if (status == HTTP_OK)
		status = ranges_plan(x, size, etag, (int64_t)st->st_mtime, &ranges);
	http_response_start(x, status);
	if (status == HTTP_OK)
		http_response_header(x, "Content-Type", "%s", type);
	http_response_header(x, "Last-Modified", "%s", modified);
	http_response_header(x, "ETag", "%s", etag);
	if (status == HTTP_NOT_MODIFIED) {       /* no content, so no framing (RFC 9110 15.4.5) */
		if (http_response_send_head(x, HTTP_BODY_UNKNOWN, false) < 0)
			return -1;
		return http_response_end(x);
	}
	/* RFC 9110 14.3: tells a client (a video player) that it may ask for ranges. */
	http_response_header(x, "Accept-Ranges", "bytes");
	if (status != HTTP_OK)
		return ranges_send(x, fd, size, type, &ranges);
	if (http_response_send_head(x, (int64_t)size, true) < 0 ||
	    http_response_file(x, fd, 0, size) < 0)
		return -1;
	return http_response_end(x);
}

/* http.server's redirect "doing basically what apache does": 301 to the slash form, query kept.
 * Location is made from the normalised path, so it starts with exactly one '/' (a "//host"
 * Location would send the browser to another site: the open redirect of CVE-2021-28861). */
static int redirect_to_slash(struct http_exchange *x, const char *rel)
{
	char location[HTTP_RESPONSE_HEAD_MAX];
	struct buf b;
	const char *query;
	size_t query_len;

	url_query(x->req->path.p, x->req->path.len, &query, &query_len);
	buf_init(&b, location, sizeof location);
	buf_putc(&b, '/');
	url_encode_path(&b, rel, strlen(rel));
	if (rel[0] != '\0')
		buf_putc(&b, '/');
	if (query_len > 0) {
		buf_putc(&b, '?');
		buf_append(&b, query, query_len);
	}
	http_response_start(x, HTTP_MOVED_PERMANENTLY);
	if (buf_truncated(&b) || http_response_header(x, "Location", "%s", location) < 0)
		return http_error_send(x, HTTP_URI_TOO_LONG, "Redirect target too long");
	if (http_response_send_head(x, 0, false) < 0)
		return -1;
	return http_response_end(x);
}

/* index.html, then index.htm, as http.server looks for them. Returns 1 when neither is a
 * regular file, else the answer's return. */
static int send_index(struct http_exchange *x, const struct files_root *root, const char *rel)
{
	static const char *const names[] = { "index.html", "index.htm" };
	char path[PATH_MAX];
	struct stat st;

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		int n = snprintf(path, sizeof path, "%s%s%s", rel, rel[0] != '\0' ? "/" : "", names[i]);
		int fd = n > 0 && (size_t)n < sizeof path ? beneath_open(root->fd, path, OPEN_FLAGS, root->walk_only) : -1;
		int ret = 1;

		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
			ret = send_file(x, fd, &st, path);
		close(fd);
		if (ret != 1)
			return ret;
	}
	return 1;
}

/* A directory open at fd (closed here): redirect, index, or listing. */
static int send_directory(struct http_exchange *x, const struct files_root *root, int fd,
                          const char *rel, bool slash)
{
	char url_path[PATH_MAX + 2];
	struct listing *l;
	int ret = 1;

	if (!slash)
		ret = redirect_to_slash(x, rel);
	else
		ret = send_index(x, root, rel);
	if (ret != 1) {
		close(fd);
		return ret;
	}
	l = listing_read(fd);           /* fails with EBADF on an O_PATH fd: unreadable */
	if (l == NULL)
		return send_failure(x, errno, true);
	snprintf(url_path, sizeof url_path, "/%s%s", rel, rel[0] != '\0' ? "/" : "");
	ret = listing_send(x, l, url_path, root->no_chunked);
	listing_free(l);
	return ret;
}

/* OPTIONS, for a path or for the server as a whole ("OPTIONS *"): what may be asked here
 * (RFC 9110 9.3.7), with no content. */
static int send_options(struct http_exchange *x)
{
	http_response_start(x, HTTP_NO_CONTENT);
	if (http_response_header(x, "Allow", ALLOWED_METHODS) < 0 ||
	    http_response_send_head(x, HTTP_BODY_UNKNOWN, false) < 0)
		return -1;
	return http_response_end(x);
}

int files_handle(struct http_exchange *x, void *ctx)
{
	const struct files_root *root = ctx;
	const struct http_request *req = x->req;
	char rel[PATH_MAX];
	bool slash = false, readable;
	struct stat st;
	int fd, ret;

	if (req->method == HTTP_OPTIONS)
		return send_options(x);
	if (req->method != HTTP_GET && req->method != HTTP_HEAD)
		return http_error_send_allow(x, ALLOWED_METHODS);
	if (url_to_relative_path(req->path.p, req->path.len, rel, sizeof rel, &slash) < 0)
		return send_failure(x, errno, false);
	fd = beneath_open(root->fd, rel, OPEN_FLAGS, root->walk_only);
	readable = fd >= 0;
	/* Unreadable, yet a directory still redirects or has an index: opened without reading it
	 * (O_PATH). A system without such a flag (macOS, PORTABLE=1) answers it 404. */
	if (fd < 0 && errno == EACCES && compat_o_path() != 0)
		fd = beneath_open(root->fd, rel, compat_o_path() | O_CLOEXEC, root->walk_only);
	if (fd < 0)
		return send_failure(x, errno, false);
	if (fstat(fd, &st) < 0) {
		ret = send_failure(x, errno, false);
	} else if (S_ISDIR(st.st_mode)) {
		return send_directory(x, root, fd, rel, slash);
	} else if (S_ISREG(st.st_mode) && readable && !slash) {
		ret = send_file(x, fd, &st, rel);
	} else {
		/* A FIFO, device or socket; an unreadable file; "file/" (http.server: Issue17324). */
		ret = http_error_send(x, HTTP_NOT_FOUND, "File not found");
	}
	close(fd);
	return ret;
}

int files_root_open(struct files_root *root, const char *dir)
{
	const char *open_mode = getenv("FILESERVER_OPEN");

	root->no_chunked = false;
	root->walk_only = open_mode != NULL && strcmp(open_mode, "walk") == 0;
	root->fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (root->fd >= 0)
		return 0;
	files_root_close(root);
	return -1;
}

void files_root_close(struct files_root *root)
{
	int saved = errno;

	if (root->fd >= 0)
		close(root->fd);
	root->fd = -1;
	errno = saved;
}
