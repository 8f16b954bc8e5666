/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for template_render (formapp/template.h). The first input byte picks the
 * output size (1..256, or 64 KiB when it is 0), the rest is the template. The output buffer is
 * allocated to exactly that size, so ASan sees any write past it. Invariants: success returns
 * a length below the buffer size with a NUL there; failure sets ENAMETOOLONG or EINVAL.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "formapp/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct template_var vars[] = {
	{"user", "philip"},
	{"name", "<b>\"Tom\" & 'Jerry'</b>"},
	{"body", "<p>trusted</p>"},
	{"empty", ""},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap;
	char *out;
	int n;

	if (size < 1)
		return 0;
	cap = data[0] == 0 ? 65536 : data[0];
	out = malloc(cap);
	if (out == NULL)
		abort();
	errno = 0;
	n = template_render((const char *)data + 1, size - 1, vars, sizeof(vars) / sizeof(vars[0]),
	                    out, cap);
	if (n < -1 || (n >= 0 && ((size_t)n >= cap || out[n] != '\0')))
		abort();
	if (n == -1 && errno != ENAMETOOLONG && errno != EINVAL)
		abort();
	free(out);
	return 0;
}
