/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for cookie_parse (common/http/cookie.h). Invariants: at most max cookies; every
 * name and value lies inside the header value; names are never empty; with a smaller max the
 * parser returns a prefix of the same list and says that some were left out.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/cookie.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool inside(const char *p, size_t n, const char *base, size_t size)
{
	return p >= base && p <= base + size && n <= (size_t)(base + size - p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cookie all[COOKIE_MAX], few[2];
	const char *h = (const char *)data;
	bool more = false, more2 = false;
	size_t n = cookie_parse(h, size, all, COOKIE_MAX, &more);
	size_t m;

	if (n > COOKIE_MAX)
		abort();
	for (size_t i = 0; i < n; i++) {
		if (all[i].name_len == 0 || !inside(all[i].name, all[i].name_len, h, size) ||
		    !inside(all[i].value, all[i].value_len, h, size))
			abort();
	}
	m = cookie_parse(h, size, few, 2, &more2);
	if (m > 2 || m != (n < 2 ? n : 2) || (n > 2 && !more2))
		abort();
	for (size_t i = 0; i < m; i++) {
		if (few[i].name != all[i].name || few[i].name_len != all[i].name_len ||
		    few[i].value != all[i].value || few[i].value_len != all[i].value_len)
			abort();
	}
	return 0;
}
