// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/http/mime.c: every extension in the table (so an unsorted table, which
 * would break bsearch(), fails here), case-insensitivity, the last-extension rule, and the names
 * that must fall back to application/octet-stream. Where a row differs from Python 3.11's
 * mimetypes.guess_type(), the "why" says so; mime.c explains each difference.
 */
#include "http/mime.h"

#include <check.h>
#include <string.h>

#define OCTET "application/octet-stream"
#define UTF8(t) t "; charset=utf-8"

struct mime_row {
	const char *name;
	const char *want;
	const char *why;
};

static const struct mime_row mime_rows[] = {
	{ "index.html", UTF8("text/html"), "html, charset added" },
	{ "old.htm", UTF8("text/html"), "htm" },
	{ "style.css", UTF8("text/css"), "css" },
	{ "app.js", UTF8("text/javascript"), "js" },
	{ "mod.mjs", UTF8("text/javascript"), "mjs" },
	{ "data.json", "application/json", "json, no charset (RFC 8259)" },
	{ "notes.txt", UTF8("text/plain"), "txt" },
	{ "README.md", UTF8("text/markdown"), "md" },
	{ "table.csv", UTF8("text/csv"), "csv" },
	{ "feed.xml", "application/xml", "xml, as Debian's mime.types" },
	{ "logo.svg", "image/svg+xml", "svg" },
	{ "a.png", "image/png", "png" },
	{ "a.jpg", "image/jpeg", "jpg" },
	{ "a.jpeg", "image/jpeg", "jpeg" },
	{ "a.gif", "image/gif", "gif" },
	{ "a.webp", "image/webp", "webp" },
	{ "a.avif", "image/avif", "avif" },
	{ "favicon.ico", "image/vnd.microsoft.icon", "ico, as Python" },
	{ "a.bmp", "image/bmp", "bmp" },
	{ "doc.pdf", "application/pdf", "pdf" },
	{ "a.zip", "application/zip", "zip" },
	{ "a.gz", "application/gzip", "gz, as http.server's map" },
	{ "a.tar", "application/x-tar", "tar" },
	{ "clip.mp4", "video/mp4", "mp4" },
	{ "clip.webm", "video/webm", "webm" },
	{ "a.ogg", "audio/ogg", "ogg" },
	{ "a.ogv", "video/ogg", "ogv" },
	{ "a.mp3", "audio/mpeg", "mp3" },
	{ "a.wav", "audio/x-wav", "wav, as Python" },
	{ "a.m4a", "audio/mp4", "m4a" },
	{ "app.wasm", "application/wasm", "wasm" },
	{ "f.woff", "font/woff", "woff" },
	{ "f.woff2", "font/woff2", "woff2" },
	{ "f.ttf", "font/ttf", "ttf" },
	{ "f.otf", "font/otf", "otf" },
	{ "echo.c", UTF8("text/plain"), "C source shown, not text/x-csrc" },
	{ "net.h", UTF8("text/plain"), "C header shown, not text/x-chdr" },
	{ "echo.py", UTF8("text/plain"), "Python shown, not text/x-python" },
	{ "run.sh", UTF8("text/plain"), "shell shown, not text/x-sh" },
	{ "INDEX.HTML", UTF8("text/html"), "upper case" },
	{ "Photo.JpG", "image/jpeg", "mixed case" },
	{ "a.tar.gz", "application/gzip", "last extension wins" },
	{ "v1.2.png", "image/png", "dots before the extension" },
	{ "dir/sub/page.css", UTF8("text/css"), "path with folders" },
	{ ".hidden.css", UTF8("text/css"), "leading dot, then an extension" },
	{ ".bashrc", OCTET, "leading dot is not an extension" },
	{ "..x", OCTET, "leading dots are not an extension" },
	{ "README", OCTET, "no extension" },
	{ "file.", OCTET, "empty extension" },
	{ "a..", OCTET, "ends in dots" },
	{ "", OCTET, "empty name" },
	{ "dir.html/readme", OCTET, "the dot is in a folder name" },
	{ "dir.d/.css", OCTET, "dot-file inside a folder" },
	{ "a.nope", OCTET, "unknown extension" },
	{ "a.htmlx", OCTET, "extension prefix is not a match" },
	{ "a.ht", OCTET, "extension suffix is not a match" },
	{ "a.a", OCTET, "before the first row (not in our table)" },
	{ "a.zzz", OCTET, "after the last table row" },
};

START_TEST(test_mime_table)
{
	const struct mime_row *row = &mime_rows[_i];
	const char *got = mime_type_for(row->name, strlen(row->name));

	ck_assert_msg(got != NULL && strcmp(got, row->want) == 0, "row %d \"%s\" (%s): got \"%s\"",
	              _i, row->name, row->why, got ? got : "(null)");
}
END_TEST

struct len_row {
	const char *name;
	size_t len;
	const char *want;
	const char *why;
};

static const struct len_row len_rows[] = {
	{ "a.pngXYZ", 5, "image/png", "only len bytes are read" },
	{ "a.c\0x", 5, OCTET, "NUL inside the extension" },
	{ "a.woff2", 7, "font/woff2", "longest table extension" },
	{ "a.abcdefgh", 10, OCTET, "extension of exactly the limit" },
	{ "a.abcdefghi", 11, OCTET, "extension one over the limit" },
	{ "a.htmlhtmlhtml", 14, OCTET, "long extension with a known prefix" },
	{ NULL, 0, OCTET, "no name at all" },
};

START_TEST(test_mime_limits)
{
	const struct len_row *row = &len_rows[_i];
	const char *got = mime_type_for(row->name, row->len);

	ck_assert_msg(got != NULL && strcmp(got, row->want) == 0, "row %d (%s): got \"%s\"", _i,
	              row->why, got ? got : "(null)");
}
END_TEST

Suite *suite_mime(void);
Suite *suite_mime(void)
{
	Suite *s = suite_create("mime");
	TCase *types = tcase_create("types by last extension");
	TCase *limits = tcase_create("limits");

	tcase_add_loop_test(types, test_mime_table, 0, (int)(sizeof mime_rows / sizeof mime_rows[0]));
	tcase_add_loop_test(limits, test_mime_limits, 0, (int)(sizeof len_rows / sizeof len_rows[0]));
	suite_add_tcase(s, types);
	suite_add_tcase(s, limits);
	return s;
}
