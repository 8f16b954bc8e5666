/* SPDX-License-Identifier: MIT */
/*
 * template: the smallest part of Jinja that the pages need. "{{ name }}" is replaced by the
 * value of variable name, HTML-escaped (as Flask's autoescape does); "{{ name|safe }}" inserts
 * trusted markup as it is. Nothing else: no loops, no conditions. An unknown variable renders
 * as empty text (Jinja's default). Pure; the caller owns every buffer.
 */
#ifndef TEMPLATE_H
#define TEMPLATE_H

#include <stddef.h>

#define TEMPLATE_NAME_MAX 64
#define TEMPLATE_FILE_MAX (1024 * 1024)   /* template_load refuses bigger files (EFBIG) */

struct template_var {
	const char *name;
	const char *value;   /* NUL-terminated */
};

/*
 * Render tpl[0..len) with vars into out. Returns the length written (NUL-terminated), or -1 with
 * errno ENAMETOOLONG when out is too small, EINVAL for an unterminated "{{" or a bad name.
 */
int template_render(const char *tpl, size_t len, const struct template_var *vars, size_t nvars,
                    char *out, size_t outlen);

/*
 * Load a template file into a malloc'd NUL-terminated buffer (*len set; the caller frees it),
 * with Jinja's line ends: CRLF and CR read as LF, and the file's last line end dropped.
 * NULL with errno: open(2)'s, EISDIR or EINVAL (not a regular file), EFBIG, ENOMEM.
 */
char *template_load(const char *path, size_t *len);

#endif
