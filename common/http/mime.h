/* SPDX-License-Identifier: MIT */
/*
 * mime: the Content-Type for a file name, from a table of the web's common types (the part of
 * Python's mimetypes that a browser needs). Text types carry "; charset=utf-8" where a browser
 * would otherwise guess. Unknown extensions get application/octet-stream, as http.server does.
 */
#ifndef MIME_H
#define MIME_H

#include <stddef.h>

/* The type for name (matched on its last extension, case-insensitively). Never NULL. */
const char *mime_type_for(const char *name, size_t len);

#endif
