/* SPDX-License-Identifier: MIT */
/*
 * The test client shared by check_http_conn.c and check_http_response.c: http_serve_connection()
 * runs on a thread over one end of a socketpair (or an accepted TCP socket), the test is the
 * client on the other end, reads whole responses by their framing, and compares exact bytes.
 * The Date field's value is checked (a valid IMF-fixdate within 10 s of now) and replaced by
 * "X", so expected responses can be written out in full.
 *
 * Functions are static inline: each test file uses the ones it needs.
 */
#ifndef HTTP_HARNESS_H
#define HTTP_HARNESS_H

#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/net_serve.h"
#include "base/stop.h"
#include "http/http_conn.h"
#include "http/http_date.h"
#include "http/http_response.h"
#include "base/io.h"
#include "base/net.h"
#include "base/num.h"

#define HARNESS_READ_MAX (256 * 1024)
#define HARNESS_WAIT_MS 5000        /* longest wait for what must come (a loaded CI box) */
#define HARNESS_NO_RESPONSE "(no complete response: EOF or timeout)"

static struct harness {
	int fd;                      /* the client's end */
	pthread_t thread;
	bool running;
	atomic_bool done;            /* http_serve_connection() returned */
	struct net_client client;
	struct http_config cfg;
	int saved_stderr;            /* while stderr is captured, the original; else -1 */
	FILE *captured;
	bool eof;                    /* the client read EOF */
	size_t len, pos;             /* in[pos..len) not taken yet */
	char in[HARNESS_READ_MAX];
	char resp[HARNESS_READ_MAX];
} h;

static inline void *harness_thread(void *arg)
{
	(void)arg;
	http_serve_connection(&h.client, &h.cfg);
	close(h.client.fd);   /* net's job in the real servers */
	atomic_store(&h.done, true);
	return NULL;
}

/* Per-test state: a SIGPIPE-proof process (as stop_setup makes it) and a config. */
static inline void harness_setup(int (*handle)(struct http_exchange *, void *))
{
	struct sigaction ignore = { .sa_handler = SIG_IGN };
	sigaction(SIGPIPE, &ignore, NULL);
	memset(&h, 0, offsetof(struct harness, in));
	h.fd = -1;
	h.saved_stderr = -1;
	h.cfg = (struct http_config){ .server_name = "test", .head_timeout_ms = 300,
	                              .idle_timeout_ms = 200, .body_timeout_ms = 300,
	                              .send_timeout_ms = 2000, .body_max = 1024, .quiet = true,
	                              .handle = handle };
}

static inline void harness_start_on(int server_fd, int client_fd)
{
	h.fd = client_fd;
	h.client = (struct net_client){ .fd = server_fd, .id = 7,
	                                .peer = { .host = "127.0.0.1", .port = 5555 } };
	ck_assert_int_eq(pthread_create(&h.thread, NULL, harness_thread, NULL), 0);
	h.running = true;
}

static inline void harness_start(void)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	harness_start_on(sv[0], sv[1]);
}

/* The client hangs up (if it has not), and the server thread is waited for. */
static inline void harness_stop(void)
{
	if (h.fd >= 0)
		close(h.fd);
	h.fd = -1;
	if (h.running)
		pthread_join(h.thread, NULL);
	h.running = false;
}

/* Wait up to ms for the server thread to end on its own. */
static inline bool harness_wait_done(int ms)
{
	int64_t deadline = io_now_ms() + ms;
	while (!atomic_load(&h.done) && io_now_ms() < deadline) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	return atomic_load(&h.done);
}

static inline void harness_capture_stderr(void)
{
	h.captured = tmpfile();
	ck_assert_ptr_nonnull(h.captured);
	fflush(stderr);
	h.saved_stderr = dup(2);
	ck_assert_int_ge(dup2(fileno(h.captured), 2), 0);
}

/* What was written to stderr so far (after harness_stop(), all of it). */
static inline const char *harness_stderr(void)
{
	static char text[65536];
	fflush(stderr);
	rewind(h.captured);
	size_t n = fread(text, 1, sizeof text - 1, h.captured);
	text[n] = '\0';
	return text;
}

static inline void harness_teardown(void)
{
	harness_stop();
	if (h.saved_stderr >= 0) {
		dup2(h.saved_stderr, 2);
		close(h.saved_stderr);
	}
	if (h.captured != NULL)
		fclose(h.captured);
}

static inline void harness_send(const void *data, size_t len)
{
	ck_assert_int_eq(io_write_all(h.fd, data, len), (ssize_t)len);
}

static inline void harness_send_text(const char *s)
{
	harness_send(s, strlen(s));
}

/* Sleep ms milliseconds. */
static inline void harness_sleep(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
	nanosleep(&ts, NULL);
}

/* One more read of what the server sent; false at EOF, on error, or past the deadline. */
static inline bool harness_fill(int64_t deadline)
{
	if (h.pos > 0) {
		memmove(h.in, h.in + h.pos, h.len - h.pos);
		h.len -= h.pos;
		h.pos = 0;
	}
	ck_assert_uint_lt(h.len, sizeof h.in);
	ssize_t n = io_read_deadline(h.fd, h.in + h.len, sizeof h.in - h.len, deadline);
	if (n <= 0) {
		h.eof = n == 0;
		return false;
	}
	h.len += (size_t)n;
	return true;
}

/* Offset of needle in p[0..len), or SIZE_MAX. */
static inline size_t harness_find(const char *p, size_t len, const char *needle)
{
	size_t n = strlen(needle);
	for (size_t i = 0; i + n <= len; i++)
		if (memcmp(p + i, needle, n) == 0)
			return i;
	return SIZE_MAX;
}

/* The end of a chunked body that starts at p + i, or 0 while incomplete. */
static inline size_t harness_chunked_end(const char *p, size_t len, size_t i)
{
	for (;;) {
		size_t line = harness_find(p + i, len - i, "\r\n");
		uint64_t size;
		if (line == SIZE_MAX)
			return 0;
		ck_assert_msg(num_parse_hex_u64(p + i, line, UINT64_MAX, &size) == 0,
		              "bad chunk size line: %.*s", (int)line, p + i);
		i += line + 2;
		if (size == 0)
			return len >= i + 2 ? i + 2 : 0;   /* no trailers from this server */
		if (len < i + size + 2)
			return 0;
		ck_assert_msg(memcmp(p + i + size, "\r\n", 2) == 0, "chunk data not followed by CRLF");
		i += size + 2;
	}
}

/* The length of the response at p[0..len), by its framing (RFC 9112 6.3), or 0 if incomplete. */
static inline size_t harness_response_length(const char *p, size_t len, bool no_body)
{
	size_t head = harness_find(p, len, "\r\n\r\n");
	uint64_t cl;
	if (head == SIZE_MAX)
		return 0;
	head += 4;
	uint64_t status = 0;
	ck_assert_int_eq(num_parse_u64(p + 9, 3, 100, 999, &status), 0);   /* "HTTP/1.1 200" */
	if (no_body || status < 200 || status == 204 || status == 304)
		return head;
	size_t at = harness_find(p, head, "\r\nContent-Length: ");
	if (at != SIZE_MAX) {
		const char *v = p + at + 18;
		ck_assert_int_eq(num_parse_u64(v, strcspn(v, "\r"), 0, UINT64_MAX, &cl), 0);
		return len >= head + cl ? head + (size_t)cl : 0;
	}
	if (harness_find(p, head, "\r\nTransfer-Encoding: chunked\r\n") != SIZE_MAX)
		return harness_chunked_end(p, len, head);
	return h.eof ? len : 0;   /* close-delimited */
}

/* Check the Date value and replace it by "X". */
static inline void harness_normalize_date(char *s)
{
	char *d = strstr(s, "\r\nDate: ");
	int64_t t;
	if (d == NULL)
		return;
	d += 8;
	ck_assert_msg(strlen(d) >= 31 && http_date_parse(d, 29, &t) == 0 && d[29] == '\r',
	              "bad Date in %s", s);
	ck_assert_msg(t > (int64_t)time(NULL) - 10 && t < (int64_t)time(NULL) + 10, "Date %lld",
	              (long long)t);
	memmove(d + 1, d + 29, strlen(d + 29) + 1);
	d[0] = 'X';
}

/* The next whole response, Date normalized; HARNESS_NO_RESPONSE if none came in time. */
static inline const char *harness_response(bool no_body)
{
	int64_t deadline = io_now_ms() + HARNESS_WAIT_MS;
	for (;;) {
		size_t n = h.len > h.pos ? harness_response_length(h.in + h.pos, h.len - h.pos, no_body) : 0;
		if (n > 0) {
			memcpy(h.resp, h.in + h.pos, n);
			h.resp[n] = '\0';
			h.pos += n;
			harness_normalize_date(h.resp);
			return h.resp;
		}
		if (h.eof || !harness_fill(deadline)) {
			if (h.eof && h.len > h.pos && harness_response_length(h.in + h.pos, h.len - h.pos,
			                                                      no_body) > 0)
				continue;
			return HARNESS_NO_RESPONSE;
		}
	}
}

/* Everything up to the server's close, Date normalized (for responses cut short or
 * close-delimited). */
static inline const char *harness_until_eof(void)
{
	int64_t deadline = io_now_ms() + HARNESS_WAIT_MS;
	while (!h.eof && harness_fill(deadline))
		continue;
	ck_assert_msg(h.eof, "the server did not close");
	memcpy(h.resp, h.in + h.pos, h.len - h.pos);
	h.resp[h.len - h.pos] = '\0';
	h.pos = h.len;
	harness_normalize_date(h.resp);
	return h.resp;
}

/* The server closed with nothing more to read; returns how long that took, in ms. */
static inline int64_t harness_expect_eof(int timeout_ms)
{
	int64_t start = io_now_ms();
	char c;
	ck_assert_msg(h.pos == h.len, "unexpected bytes: %.*s", (int)(h.len - h.pos), h.in + h.pos);
	if (h.eof)
		return 0;
	ssize_t n = io_read_deadline(h.fd, &c, 1, start + timeout_ms);
	ck_assert_msg(n == 0, "expected EOF, got %zd (errno %d, byte %d)", n, errno, n > 0 ? c : 0);
	h.eof = true;
	return io_now_ms() - start;
}

/* The 200 response of the test handlers: text/plain with body. */
static inline const char *harness_ok(const char *version, const char *body, const char *connection)
{
	static char text[4096];
	snprintf(text, sizeof text,
	         "%s 200 OK\r\nDate: X\r\nServer: test\r\nContent-Type: text/plain\r\n"
	         "Content-Length: %zu\r\n%s\r\n%s", version, strlen(body), connection, body);
	return text;
}

#endif
