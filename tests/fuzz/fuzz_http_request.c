/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for http_parse_request (common/http.h). Beyond "no crash" it checks that the
 * head length never exceeds the input, and that a complete head, parsed again on its own bytes,
 * gives the same length (the parser must not look past the empty line that ends it).
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/types.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req;
	ssize_t n = http_parse_request((const char *)data, size, &req);

	if (n < -2 || n == 0 || (n > 0 && (size_t)n > size))
		abort();
	if (n > 0 && http_parse_request((const char *)data, (size_t)n, &req) != n)
		abort();
	if (n == -1 && req.error == 0)
		abort();   /* an error must say which status to answer */
	return 0;
}
