/* SPDX-License-Identifier: MIT */
/*
 * listing: the directory listing of http.server's list_directory() (handout Part C, "Directory
 * listing for /"), read with readdir(), sorted as Python sorts it, and written as HTML.
 */
#ifndef LISTING_H
#define LISTING_H

#include <stdbool.h>
#include <stddef.h>

#include "http/http_response.h"

/* Bounds on what one listing may hold in memory: entries past the cap fail with E2BIG. */
#define LISTING_ENTRIES_MAX 100000

struct listing;

/*
 * Read the directory open at dir_fd (always closed here, whatever happens) and sort it.
 * Returns the listing (free it with listing_free), or NULL with errno set: EACCES and the like
 * from the directory, ENOMEM, or E2BIG past LISTING_ENTRIES_MAX entries.
 */
struct listing *listing_read(int dir_fd);

/*
 * Answer 200 with the listing as text/html, its title naming url_path (the decoded path, e.g.
 * "/odd names/"; it is HTML-escaped here). buffered: send it with Content-Length (--no-chunked);
 * otherwise the HTML is written as it is generated, chunked to an HTTP/1.1 client and
 * close-delimited to HTTP/1.0. Returns 0, or -1 when the connection failed.
 */
int listing_send(struct http_exchange *x, const struct listing *l, const char *url_path,
                 bool buffered);

void listing_free(struct listing *l);

#endif
