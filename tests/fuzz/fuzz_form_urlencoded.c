/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for form_parse_urlencoded (common/http/form.h). Invariants: at most
 * FORM_FIELDS_MAX fields, each NUL-terminated inside the buffer; a failure says 400 or 413; and
 * the fields, percent-encoded again and joined with '&', parse back to the same fields.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/form.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t encode(char *out, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			out[k++] = (char)c;
		} else {
			out[k++] = '%';
			out[k++] = hex[c >> 4];
			out[k++] = hex[c & 15];
		}
	}
	return k;
}

static void check_fields(const struct form *f, const char *buf, size_t size)
{
	if (f->count > FORM_FIELDS_MAX)
		abort();
	for (size_t i = 0; i < f->count; i++) {
		const struct form_field *x = &f->fields[i];

		if (x->name < buf || x->name + x->name_len > buf + size ||
		    x->value < buf || x->value + x->value_len > buf + size ||
		    x->name[x->name_len] != '\0' || x->value[x->value_len] != '\0')
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct form f, g;
	char *buf = malloc(size + 1), *enc = malloc(3 * size + 2 * FORM_FIELDS_MAX + 1);
	size_t k = 0;
	int status = 0;

	if (buf == NULL || enc == NULL)
		abort();
	memcpy(buf, data, size);
	if (form_parse_urlencoded(buf, size, &f, &status) != 0) {
		if (status != 400 && status != 413)
			abort();
		goto out;
	}
	check_fields(&f, buf, size + 1);
	for (size_t i = 0; i < f.count; i++) {
		if (i > 0)
			enc[k++] = '&';
		k += encode(enc + k, f.fields[i].name, f.fields[i].name_len);
		enc[k++] = '=';
		k += encode(enc + k, f.fields[i].value, f.fields[i].value_len);
	}
	if (form_parse_urlencoded(enc, k, &g, &status) != 0 || g.count != f.count)
		abort();
	for (size_t i = 0; i < f.count; i++) {
		const struct form_field *a = &f.fields[i], *b = &g.fields[i];

		if (a->name_len != b->name_len || a->value_len != b->value_len ||
		    memcmp(a->name, b->name, a->name_len) != 0 ||
		    memcmp(a->value, b->value, a->value_len) != 0)
			abort();
	}
out:
	free(buf);
	free(enc);
	return 0;
}
