/* SPDX-License-Identifier: MIT */
/*
 * ranges: fileserver's answer to a Range request (handout Part A.1 "Partial Content", RFC 9110
 * section 14): whether the Range applies (If-Range), and the 206 or 416 that answers it.
 */
#ifndef RANGES_H
#define RANGES_H

#include <stdint.h>

#include "http/http_response.h"
#include "http/range.h"

/* The ranges a 206 sends, decided before its head is started. */
struct ranges {
	int count;                                /* 1: a single part; more: multipart/byteranges */
	struct range r[RANGE_MAX];
	char boundary[RANGE_BOUNDARY_LEN + 1];    /* set for multipart only */
};

/*
 * What a GET or HEAD of a file of size bytes gets for its Range and If-Range fields, the
 * file's validators being etag (as sent in ETag) and mtime (as Last-Modified): HTTP_OK when
 * there is no Range or it is to be ignored (send the whole file), HTTP_PARTIAL_CONTENT with
 * *out filled, or HTTP_RANGE_NOT_SATISFIABLE. Call it once the conditional GET gave 200.
 * With --trace, says why a Range was ignored.
 */
int ranges_plan(struct http_exchange *x, uint64_t size, const char *etag, int64_t mtime,
                struct ranges *out);

/*
 * Finish the response started with the status ranges_plan() returned (206 or 416): its
 * Content-Type and Content-Range, its head, and the bytes of the file open at fd, whose media
 * type is type. Returns 0, or -1 when the connection failed.
 */
int ranges_send(struct http_exchange *x, int fd, uint64_t size, const char *type,
                const struct ranges *plan);

#endif
