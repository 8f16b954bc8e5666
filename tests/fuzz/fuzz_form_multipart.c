/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for form_multipart_boundary and form_parse_multipart (common/http/form.h). The
 * input up to its first LF is a Content-Type value, the rest the body; when the type has no
 * valid boundary, "XyZ" is used so the body parser is always exercised. Invariants: a boundary
 * is 1..FORM_BOUNDARY_MAX bytes and NUL-terminated; at most FORM_FIELDS_MAX fields, each
 * NUL-terminated inside the body buffer; a failure says 400 or 413.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_field(const struct form_field *x, const char *buf, size_t size)
{
	const char *end = buf + size;

	if (x->name < buf || x->name + x->name_len > end || x->value < buf ||
	    x->value + x->value_len > end || x->name[x->name_len] != '\0' ||
	    x->value[x->value_len] != '\0' || strlen(x->name) != x->name_len)
		abort();
	if (x->filename != NULL && (x->filename < buf || x->filename >= end))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct form f;
	char boundary[FORM_BOUNDARY_MAX + 1];
	const uint8_t *nl = memchr(data, '\n', size);
	size_t tlen = nl ? (size_t)(nl - data) : size;
	size_t blen = nl ? size - tlen - 1 : 0;
	char *body = malloc(blen + 1);
	int status = 0, b;

	if (body == NULL)
		abort();
	b = form_multipart_boundary((const char *)data, tlen, boundary, sizeof(boundary));
	if (b == 0 || b > FORM_BOUNDARY_MAX || (b > 0 && strlen(boundary) != (size_t)b))
		abort();
	if (b < 0)
		memcpy(boundary, "XyZ", 4);
	if (blen > 0)
		memcpy(body, nl + 1, blen);
	if (form_parse_multipart(body, blen, boundary, &f, &status) != 0) {
		if (status != 400 && status != 413)
			abort();
	} else {
		if (f.count > FORM_FIELDS_MAX)
			abort();
		for (size_t i = 0; i < f.count; i++)
			check_field(&f.fields[i], body, blen + 1);
	}
	free(body);
	return 0;
}
