/* SPDX-License-Identifier: MIT */
/*
 * log: what the servers print. One line per event, written whole under one mutex, so lines
 * from many client threads never interleave. Formats that a student compares with the handout
 * live here: Python's bytes literal (b'a', b'\r\n', b'\xff', b"it's") and http.server's access
 * line ("127.0.0.1 - - [06/Mar/2023 10:03:31] "GET / HTTP/1.1" 200 -").
 *
 * All functions are thread-safe. Output failures (a closed terminal) are ignored.
 */
#ifndef LOG_H
#define LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>


/* -q: when quiet, log_event() and log_access() print nothing; log_error() always prints. */
void log_set_quiet(bool quiet);
bool log_is_quiet(void);

/*
 * The text of an errno value, for log lines: the XSI strerror_r() (thread-safe, unlike strerror),
 * written into buf. Returns buf. Here because a file built with glibc's GNU extensions (compat.c)
 * gets glibc's other strerror_r, which returns a pointer instead of filling buf.
 */
const char *log_strerror(int err, char *buf, size_t len);

/*
 * The one-line reason a library call gives main() to print (net_listen, tls_server_new): like
 * snprintf into err; a short buffer gets the start of the line, since the text is for a human
 * and the caller chose the size. Prints nothing itself.
 */
void log_reason(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One line to stdout (the handout's print()), newline added, flushed at once. */
void log_event(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* One line to stderr: errors and the last line at shutdown. Never silenced by -q. */
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Python's repr() of a bytes object: b'...' normally, b"..." when the data has a ' and no ".
 * Escapes \\ \t \n \r and the quote in use; bytes 0x20-0x7e as themselves; others as \xhh.
 * Writes a NUL-terminated string to out. Returns the length of the full literal (excluding the
 * NUL); if that is >= outlen the output is cut (like snprintf). LOG_REPR_SIZE(n) is always enough.
 */
#define LOG_REPR_SIZE(n) (4 * (size_t)(n) + 4)
size_t log_bytes_repr(char *out, size_t outlen, const void *data, size_t len);

/*
 * The peer as Python prints a socket address tuple: ('127.0.0.1', 8761) for IPv4,
 * ('::1', 8761, 0, 0) for IPv6. Same return contract as log_bytes_repr.
 */
size_t log_peer_tuple(char *out, size_t outlen, const char *host, unsigned port, bool ipv6);

/*
 * Python's repr() of line.split(' ') for web_hello's request print: ['GET', '/', 'HTTP/1.1'].
 * Each element is quoted as Python quotes a str ('' normally, "" when it has ' and no "), with
 * \\, \t, \n, \r and other control bytes escaped (\x00); bytes >= 0x80 are shown as \xhh. Same
 * return contract as log_bytes_repr; LOG_REPR_SIZE(len) + 4 * (spaces + 1) is always enough.
 */
size_t log_split_repr(char *out, size_t outlen, const char *line, size_t len);

/*
 * http.server's log_date_time_string(): "06/Mar/2023 10:03:31", local time. Writes at most
 * outlen bytes with NUL (LOG_DATE_SIZE is enough). Returns the length, or 0 if outlen is too small.
 */
#define LOG_DATE_SIZE 21
size_t log_date_time(char *out, size_t outlen);

/*
 * http.server's log_request(): host - - [date] "request line" status size, to stderr, silenced by
 * -q. The request line is printed with control bytes escaped (\x0a), as http.server does, so a
 * hostile request line cannot forge log lines. size < 0 prints "-".
 */
void log_access(const char *host, const char *request_line, size_t line_len, int status,
                long long size);

/* http.server's log_error(): host - - [date] code 404, message File not found */
void log_access_error(const char *host, int status, const char *message);

/* A line of the access log about a connection, not a request: host - - [date] note. */
void log_access_note(const char *host, const char *note);

#endif
