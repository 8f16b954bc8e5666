/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for url_to_relative_path (common/http/url.h). Invariants on success: the result
 * is NUL-terminated at the returned length with no NUL inside, never starts with '/', never has a
 * ".." segment (it cannot leave the served root), and a smaller buffer gives either the same
 * answer or ENAMETOOLONG.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_path(const char *out, int n, size_t cap)
{
	const char *seg = out;

	if ((size_t)n >= cap || out[n] != '\0' || strlen(out) != (size_t)n || out[0] == '/')
		abort();
	for (;;) {
		const char *slash = strchr(seg, '/');
		size_t seglen = slash ? (size_t)(slash - seg) : strlen(seg);

		if (seglen == 2 && seg[0] == '.' && seg[1] == '.')
			abort();
		if (slash == NULL)
			break;
		seg = slash + 1;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char out[8192], small[32];
	bool slash = false, slash2 = false;
	int n = url_to_relative_path((const char *)data, size, out, sizeof(out), &slash);
	int m;

	if (n < -1)
		abort();
	if (n >= 0)
		check_path(out, n, sizeof(out));
	m = url_to_relative_path((const char *)data, size, small, sizeof(small), &slash2);
	if (m >= 0 && (n != m || memcmp(out, small, (size_t)m + 1) != 0 || slash != slash2))
		abort();
	if (m == -1 && n >= 0 && errno != ENAMETOOLONG)
		abort();
	return 0;
}
