/* SPDX-License-Identifier: MIT */
/*
 * files: fileserver's request handler, the job of http.server's SimpleHTTPRequestHandler
 * (handout Part C): map the request path into the served directory, and answer with the file,
 * a redirect to the slash form of a directory, its index.html, or its listing.
 */
#ifndef FILES_H
#define FILES_H

#include <limits.h>
#include <stdbool.h>

#include "http/http_response.h"

/* The served directory, opened once by main() and shared read-only by every client thread. */
struct files_root {
	int fd;                   /* O_RDONLY | O_DIRECTORY: every file is opened relative to it */
	bool walk_only;           /* open paths with beneath_walk() even where openat2() works: set
	                             by the environment variable FILESERVER_OPEN=walk, so the tests
	                             check the walk on every machine */
	bool no_chunked;          /* --no-chunked: listings buffered with Content-Length */
};

/* Open dir as the root (no_chunked false; walk_only from FILESERVER_OPEN). Returns 0, or -1 with
 * errno set (ENOENT, ENOTDIR...). */
int files_root_open(struct files_root *root, const char *dir);
void files_root_close(struct files_root *root);

/*
 * The http_config handler (ctx is a const struct files_root *): GET and HEAD of files and
 * directories, OPTIONS (204 with Allow), 405 with Allow for every other method. Returns 0, or -1 when the connection failed.
 * Thread-safe: it keeps no state between calls.
 */
int files_handle(struct http_exchange *x, void *ctx);

#endif
