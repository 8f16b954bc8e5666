/* SPDX-License-Identifier: MIT */
/*
 * form: the bodies an HTML form sends (handout "Using flask"): application/x-www-form-urlencoded
 * ("user=philip&pw=123456", WHATWG URL standard 5.1) and multipart/form-data (RFC 7578, framing
 * from RFC 2046 5.1). Both parse into the same list of fields. Pure, allocation-free: field
 * names and values are decoded in place into the caller's buffer and point into it.
 */
#ifndef FORM_H
#define FORM_H

#include <stdbool.h>
#include <stddef.h>

#define FORM_FIELDS_MAX 64           /* more fields: 413 */
#define FORM_BOUNDARY_MAX 70         /* RFC 2046 5.1.1 */
#define FORM_PART_HEAD_MAX 4096      /* the header block of one multipart part */

struct form_field {
	const char *name;      /* NUL-terminated, decoded */
	size_t name_len;
	const char *value;     /* NUL-terminated, decoded; may contain NUL bytes in multipart */
	size_t value_len;
	const char *filename;  /* multipart file parts: the filename parameter, else NULL */
};

struct form {
	size_t count;
	struct form_field fields[FORM_FIELDS_MAX];
};

/*
 * Parse an urlencoded body in place (body is modified; it needs one spare byte at body[len] for
 * a NUL, so the caller allocates len + 1). '+' is a space, %XX a byte; a pair without '=' is a
 * name with an empty value; empty pairs ("a=1&&b=2") are skipped; repeated names are all kept.
 * Returns 0, or -1 with *status 400 (broken % escape) or 413 (over FORM_FIELDS_MAX).
 */
int form_parse_urlencoded(char *body, size_t len, struct form *out, int *status);

/*
 * The boundary parameter of a multipart/form-data Content-Type value (quoted or not), copied
 * into out (FORM_BOUNDARY_MAX + 1 bytes). Returns its length, or -1 if the type is not
 * multipart/form-data or the boundary is missing, empty, too long or has invalid characters.
 */
int form_multipart_boundary(const char *content_type, size_t len, char *out, size_t outlen);

/*
 * Parse a multipart/form-data body in place (needs body[len] spare, like the above). Each part
 * needs a Content-Disposition: form-data; name="..." header; a filename="..." is recorded.
 * Values keep every byte, CRLFs inside included. Returns 0, or -1 with *status 400 (missing
 * final boundary, bad part header, no name) or 413 (too many fields, part head over the limit).
 */
int form_parse_multipart(char *body, size_t len, const char *boundary, struct form *out,
                         int *status);

/* The first field named name, or NULL (the demo's request.form.get('user')). */
const struct form_field *form_get(const struct form *f, const char *name);

#endif
