// SPDX-License-Identifier: MIT
/*
 * mime: Content-Type from a file name (handout Part C: what http.server's guess_type() answers,
 * from Python's mimetypes). One sorted table searched with bsearch(), so adding a type is one
 * line and a lookup costs a few string compares; no locale, no files read at run time.
 *
 * Deliberate differences from Python 3.11's mimetypes.guess_type():
 *   - text types carry "; charset=utf-8" (html, css, js, txt, md, csv), so a browser does not
 *     guess the encoding of a page or a non-ASCII text file (RFC 9110 section 8.3.1);
 *   - source files (c, h, py, sh) are text/plain, not text/x-csrc etc., so a browser shows
 *     them instead of offering a download, which is what a student browsing the lab wants;
 *   - xml is application/xml (RFC 7303; Python's built-in table says text/xml, Debian's
 *     /etc/mime.types application/xml); gz is application/gzip, as http.server's own map says.
 * Left out on purpose: content sniffing, /etc/mime.types, encodings (".tar.gz" is a gzip file).
 */
#include "http/mime.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* The longest extension in the table is "woff2"; anything longer cannot match. */
enum { MIME_EXT_MAX = 8 };

struct mime_entry {
	const char *ext;        /* lower case, no dot */
	const char *type;
};

#define TEXT_UTF8(t) t "; charset=utf-8"

/* Sorted by ext in strcmp() order: bsearch() depends on it (the unit tests look up every row). */
static const struct mime_entry mime_table[] = {
	{ "avif", "image/avif" },
	{ "bmp", "image/bmp" },
	{ "c", TEXT_UTF8("text/plain") },
	{ "css", TEXT_UTF8("text/css") },
	{ "csv", TEXT_UTF8("text/csv") },
	{ "gif", "image/gif" },
	{ "gz", "application/gzip" },
	{ "h", TEXT_UTF8("text/plain") },
	{ "htm", TEXT_UTF8("text/html") },
	{ "html", TEXT_UTF8("text/html") },
	{ "ico", "image/vnd.microsoft.icon" },
	{ "jpeg", "image/jpeg" },
	{ "jpg", "image/jpeg" },
	{ "js", TEXT_UTF8("text/javascript") },
	{ "json", "application/json" },         /* RFC 8259 section 11: no charset parameter */
	{ "m4a", "audio/mp4" },
	{ "md", TEXT_UTF8("text/markdown") },   /* RFC 7763 section 2: charset is required */
	{ "mjs", TEXT_UTF8("text/javascript") },
	{ "mp3", "audio/mpeg" },
	{ "mp4", "video/mp4" },
	{ "ogg", "audio/ogg" },
	{ "ogv", "video/ogg" },
	{ "otf", "font/otf" },
	{ "pdf", "application/pdf" },
	{ "png", "image/png" },
	{ "py", TEXT_UTF8("text/plain") },
	{ "sh", TEXT_UTF8("text/plain") },
	{ "svg", "image/svg+xml" },
	{ "tar", "application/x-tar" },
	{ "ttf", "font/ttf" },
	{ "txt", TEXT_UTF8("text/plain") },
	{ "wasm", "application/wasm" },         /* browsers require it for streaming compilation */
	{ "wav", "audio/x-wav" },
	{ "webm", "video/webm" },
	{ "webp", "image/webp" },
	{ "woff", "font/woff" },
	{ "woff2", "font/woff2" },
	{ "xml", "application/xml" },
	{ "zip", "application/zip" },
};

static const char mime_default[] = "application/octet-stream";

static int compare_ext(const void *key, const void *entry)
{
	return strcmp(key, ((const struct mime_entry *)entry)->ext);
}

/*
 * Where the last extension of name's final component starts (just past its dot), or len if it
 * has none. As Python's os.path.splitext(), leading dots do not start an extension, so
 * ".bashrc" and "..x" have none while ".hidden.css" has "css".
 */
static size_t extension_start(const char *name, size_t len)
{
	size_t ext = len;
	bool named = false;     /* a non-dot byte has been seen in this component */

	for (size_t i = 0; i < len; i++) {
		if (name[i] == '/') {
			ext = len;
			named = false;
		} else if (name[i] == '.') {
			if (named)
				ext = i + 1;
		} else {
			named = true;
		}
	}
	return ext;
}

const char *mime_type_for(const char *name, size_t len)
{
	char ext[MIME_EXT_MAX + 1];
	size_t start = extension_start(name, len);
	size_t n = len - start;

	if (n == 0 || n > MIME_EXT_MAX)
		return mime_default;
	for (size_t i = 0; i < n; i++) {
		char c = name[start + i];
		if (c == '\0')
			return mime_default;    /* "a.c\0x" is not a .c file: no name holds a NUL */
		/* ASCII lower-casing by hand: tolower() depends on the locale. */
		ext[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
	}
	ext[n] = '\0';
	const struct mime_entry *hit = bsearch(ext, mime_table, sizeof mime_table / sizeof mime_table[0],
	                                       sizeof mime_table[0], compare_ext);
	return hit != NULL ? hit->type : mime_default;
}
