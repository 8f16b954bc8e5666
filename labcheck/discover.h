/* SPDX-License-Identifier: MIT */
/*
 * discover: before the checks, find the server and the file they use. A student's server serves
 * whatever it serves, so labcheck asks it: GET the start path (following up to
 * DISCOVER_REDIRECTS_MAX redirects on the same server), then the files its listing links to, in
 * order, until one answers 200 with a body; without such a file, the start page itself is the
 * file. Its body, ETag and Last-Modified become the reference the checks compare with.
 * Only main() calls these, before any check runs.
 */
#ifndef DISCOVER_H
#define DISCOVER_H

#include "target.h"
#include "wire.h"

#define DISCOVER_REDIRECTS_MAX 3     /* redirects followed from the start path */
#define DISCOVER_CANDIDATES_MAX 8    /* files of the listing tried */

/*
 * Discover t's file: file_path when given (--path), else as above. log receives the wire view.
 * Sets t->peer to the first of t's addresses that accepts a connection. Returns 0 when the server
 * answered at all (t->reached), else -1 with t->unreachable set. The outcome for the file, good
 * or bad, is in t->file.
 */
int discover_file(struct target *t, const char *file_path, struct wire_log *log);

/* Free the file's body. */
void discover_free(struct target *t);

#endif
