/* SPDX-License-Identifier: MIT */
/*
 * trace: the wire view of --trace (issue 4), what a student would otherwise dig out of
 * Wireshark. One block per message on stderr, each line starting with "[conn N]":
 *
 *   [conn 3] opened from 127.0.0.1:54321
 *   [conn 3] request 2 on this connection
 *     GET / HTTP/1.1\r\n
 *     Host: localhost\r\n
 *     \r\n
 *   [conn 3] response
 *     HTTP/1.1 200 OK\r\n
 *     ...
 *   [conn 3] chunk 1a (26 bytes)
 *   [conn 3] closed: Connection: close (last status 200)
 *
 * Bodies are never shown, only their sizes. The engine calls these only when cfg->trace is set,
 * so the normal path costs one branch. Thread-safe: each block is written whole through log's
 * lock, so blocks of different connections never interleave. Output failures are ignored.
 */
#ifndef TRACE_H
#define TRACE_H

#include <stddef.h>
#include <stdint.h>

#include "http/http_response.h"
#include "base/net.h"

void trace_opened(unsigned long conn, const struct net_addr *peer);
void trace_request(unsigned long conn, unsigned long number, const char *head, size_t len);
void trace_response(unsigned long conn, const char *head, size_t len);
/* A chunk size line as written; size 0 is the last chunk. */
void trace_chunk(unsigned long conn, uint64_t size);
/* last_status 0: no response was sent on this connection. */
void trace_closed(unsigned long conn, const char *why, int last_status);
void trace_note(unsigned long conn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* For handlers (ranges served, ...): one note on x's connection if --trace is on, else nothing. */
void trace_exchange(const struct http_exchange *x, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
