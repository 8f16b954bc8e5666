/* SPDX-License-Identifier: MIT */
/*
 * wire: labcheck's side of one TCP connection to the server under test, and the wire view of
 * what crossed it. Every operation has a deadline (poll), every buffer a bound, so no server can
 * make labcheck wait or grow without end; and every byte sent and received is written into the
 * check's wire log, CRLFs made visible ("GET / HTTP/1.1\r\n"), as --trace and the notes show them.
 *
 * Error convention: functions return 0 or a negative enum wire_result; c->why then holds one
 * sentence for the student ("no complete answer within 5 s: the body stopped after ..."). A
 * connection and its log belong to one thread.
 */
#ifndef WIRE_H
#define WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "response.h"

#define WIRE_LOG_MAX 32768             /* the wire view kept for one check */
#define WIRE_SHOWN_HEAD_MAX 4096       /* bytes of a head shown in the wire view */
#define WIRE_SHOWN_BODY_MAX 512        /* bytes of a body shown in the wire view */
#define WIRE_WHY_MAX 400               /* the sentence of the last failure */
#define WIRE_PEER_NAME_MAX 320         /* "HOST port N" */
/* Enough for any response the parser can still accept, and the pipelined bytes after it. */
#define WIRE_BUF_MAX (RESPONSE_HEAD_MAX + RESPONSE_BODY_MAX)

/* What a check saw on its connections, as text lines ready to print. */
struct wire_log {
	size_t len;
	bool cut;                 /* the view was longer than WIRE_LOG_MAX */
	int connections;          /* numbers the connections of one check: 1, 2, ... */
	char text[WIRE_LOG_MAX];
};

/* The server's address, found once; every connection of every check goes there. */
struct wire_peer {
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char name[WIRE_PEER_NAME_MAX];   /* "127.0.0.1 port 8000", for messages */
	int timeout_ms;                  /* to connect, and for each response */
};

enum wire_result {
	WIRE_OK = 0,
	WIRE_BAD = -1,          /* the answer broke a rule: c->why is the parser's sentence */
	WIRE_TIMEOUT = -2,      /* no complete answer within the timeout */
	WIRE_CLOSED = -3,       /* the server closed the connection before a complete answer */
	WIRE_FAILED = -4,       /* connect, send or receive failed (refused, reset, ...) */
};

struct wire_conn {
	int fd;
	const struct wire_peer *peer;
	struct wire_log *log;
	int number;                 /* this connection's number in the log */
	char *buf;                  /* received bytes; unread ones are buf[start..end) */
	size_t cap, start, end;
	size_t last;                /* length of the response last returned, dropped at the next */
	bool eof;                   /* the server closed its side (or reset the connection) */
	char why[WIRE_WHY_MAX];
};

/*
 * Connect to peer within its timeout. log receives the connection's view (numbered from 1 in
 * each log). Returns 0, or WIRE_FAILED/WIRE_TIMEOUT with c->why set and c->fd -1; wire_close()
 * is needed (and safe) after either.
 */
int wire_open(struct wire_conn *c, const struct wire_peer *peer, struct wire_log *log);

/* Close the socket and free the buffer (idempotent). */
void wire_close(struct wire_conn *c);

/* Send all of data, logged. Returns 0 or WIRE_FAILED (the server closed or reset first). */
int wire_send(struct wire_conn *c, const void *data, size_t len);

/*
 * Send data in pieces, cut before each offset in cuts[0..ncuts) (ascending, inside data), with
 * TCP_NODELAY and pause_ms between pieces, so each piece leaves in a segment of its own, as the
 * course's graders send. Returns 0 or WIRE_FAILED (the bytes sent so far are in the log).
 */
int wire_send_pieces(struct wire_conn *c, const char *data, size_t len, const size_t *cuts,
                     size_t ncuts, int pause_ms);

/*
 * Read the next final response (1xx interim answers are logged and skipped), parsed with flags
 * (RESPONSE_TO_HEAD for a HEAD request). r's slices point into c's buffer until the next call.
 * Returns WIRE_OK, or WIRE_BAD, WIRE_TIMEOUT, WIRE_CLOSED, WIRE_FAILED with c->why set.
 */
int wire_response(struct wire_conn *c, unsigned flags, struct response *r);

/*
 * After a response: wait until the server closes the connection, or ms pass. Bytes that come
 * meanwhile, and bytes already received after the last response, are unexpected: they are
 * logged and counted. Returns their count; c->eof says whether the server closed (a reset
 * counts as closed).
 */
size_t wire_after(struct wire_conn *c, int ms);

/* src's view at the end of dst's (what does not fit is cut): a thread's view into the check's. */
void wire_append(struct wire_log *dst, const struct wire_log *src);

/* One line of text into the log, such as "(pause 300 ms)". */
void wire_note(struct wire_log *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
