// SPDX-License-Identifier: MIT
/*
 * log: every line the servers print. Each line is built whole in a buffer and leaves in one
 * write(): lines of many client threads never interleave (the kernel keeps a write of up to
 * PIPE_BUF bytes whole among other writes to the same pipe, and a write to a file is whole in
 * the file), a terminal or a test reading the pipe sees each line at once, and no thread waits
 * on a lock to log. The access log is the line of every request, so its cost is per request:
 * the date is formatted once a second per thread, the rest into a stack buffer.
 * The printers reproduce what the handout's Python prints: repr() of bytes (Example 1 and 3),
 * repr() of line.split(' ') (Example 2), and http.server's access and error lines (Part C).
 *
 * Left out on purpose: log levels, files and rotation (the lab prints to the terminal).
 */
#include "base/log.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/buf.h"

/*
 * The longest line, written in one write(): PIPE_BUF, what POSIX guarantees is written whole to a
 * pipe (4096 on Linux). A longer request line in the access log is cut and ends in "..."; any
 * other line is cut short.
 */
#define LINE_MAX_BYTES PIPE_BUF
/* Kept free at the end of an access line for its tail: "\" 431 18446744073709551615\n". */
#define ACCESS_TAIL_MAX 48
/* Set by main() before threads start, read by every thread: atomic, so never a data race. */
static atomic_bool quiet;
static pthread_once_t tz_once = PTHREAD_ONCE_INIT;

void log_set_quiet(bool q)
{
	atomic_store(&quiet, q);
}

bool log_is_quiet(void)
{
	return atomic_load(&quiet);
}

void log_reason(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	if (n < 0 && errlen > 0)
		err[0] = '\0';
}

const char *log_strerror(int err, char *buf, size_t len)
{
	if (len == 0)
		return buf;
	if (strerror_r(err, buf, len) != 0 && snprintf(buf, len, "error %d", err) < 0)
		buf[0] = '\0';
	return buf;
}

/* One line, whole, in one write() where the kernel allows (a signal or a full disk may split
 * it; a failure is ignored: a closed terminal must not stop a server). */
static void write_line(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

__attribute__((format(printf, 2, 0)))
static void vline(FILE *f, const char *fmt, va_list ap)
{
	char line[LINE_MAX_BYTES + 1];
	struct buf b;

	buf_init(&b, line, sizeof line - 1);   /* the last byte is for the newline */
	buf_vprintf(&b, fmt, ap);
	line[b.len] = '\n';
	/* Whatever stdio still holds for this stream goes first (a banner printed with printf). */
	fflush(f);
	write_line(fileno(f), line, b.len + 1);
}

void log_event(const char *fmt, ...)
{
	if (log_is_quiet())
		return;
	va_list ap;
	va_start(ap, fmt);
	vline(stdout, fmt, ap);
	va_end(ap);
}

void log_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vline(stderr, fmt, ap);
	va_end(ap);
}

/* ---- printers: snprintf-like output into a struct buf, which counts what it cannot keep ----- */

/* Python's quote choice (Objects/bytesobject.c, unicodeobject.c): ' unless the text has ' and
 * no ". With both, it keeps ' and escapes it. */
static char choose_quote(const unsigned char *p, size_t len)
{
	bool single = memchr(p, '\'', len) != NULL;
	bool dbl = memchr(p, '"', len) != NULL;
	return single && !dbl ? '"' : '\'';
}

/* One byte as Python's repr() shows it inside a literal quoted with quote: itself (out[0],
 * returning 1) or an escape (\\ \' \t \n \r, else \xhh). Returns the bytes written to out. */
static size_t repr_byte(char out[4], unsigned char c, char quote)
{
	static const char digits[] = "0123456789abcdef";
	out[0] = '\\';
	if (c == '\\' || c == (unsigned char)quote) {
		out[1] = (char)c;
	} else if (c == '\t' || c == '\n' || c == '\r') {
		out[1] = c == '\t' ? 't' : c == '\n' ? 'n' : 'r';
	} else if (c < 0x20 || c >= 0x7f) {
		out[1] = 'x';
		out[2] = digits[c >> 4];
		out[3] = digits[c & 0xf];
		return 4;
	} else {
		out[0] = (char)c;
		return 1;
	}
	return 2;
}

/* The quoted literal. Bytes that stand for themselves go in by runs: a per-byte append made
 * echo's printing of a 2 KiB message five times slower. */
static void put_literal(struct buf *b, const unsigned char *p, size_t len)
{
	char quote = choose_quote(p, len), shown[4];
	size_t run = 0;
	buf_putc(b, quote);
	for (size_t i = 0; i < len; i++) {
		size_t n = repr_byte(shown, p[i], quote);
		if (n == 1)
			continue;
		buf_append(b, p + run, i - run);
		buf_append(b, shown, n);
		run = i + 1;
	}
	buf_append(b, p + run, len - run);
	buf_putc(b, quote);
}

size_t log_bytes_repr(char *out, size_t outlen, const void *data, size_t len)
{
	struct buf b;
	buf_init(&b, out, outlen);
	buf_putc(&b, 'b');
	put_literal(&b, data, len);
	return buf_length(&b);
}

/*
 * Python splits the decoded str; here the bytes are split. For ASCII the output is the same.
 * A byte >= 0x80 is shown as \xhh, where Python would show the decoded character (or fail to
 * decode): the raw byte is what a student debugging the wire wants to see.
 */
size_t log_split_repr(char *out, size_t outlen, const char *line, size_t len)
{
	struct buf b;
	const unsigned char *p = (const unsigned char *)line;
	const unsigned char *end = p + len;
	buf_init(&b, out, outlen);
	buf_putc(&b, '[');
	for (;;) {
		const unsigned char *space = memchr(p, ' ', (size_t)(end - p));
		const unsigned char *stop = space ? space : end;
		put_literal(&b, p, (size_t)(stop - p));
		if (space == NULL)
			break;
		buf_puts(&b, ", ");
		p = space + 1;
	}
	buf_putc(&b, ']');
	return buf_length(&b);
}

size_t log_peer_tuple(char *out, size_t outlen, const char *host, unsigned port, bool ipv6)
{
	/* Python's IPv6 tuple is (host, port, flowinfo, scope_id); accepted peers have 0, 0. */
	int n = snprintf(out, outlen, "('%s', %u%s)", host, port, ipv6 ? ", 0, 0" : "");
	if (n < 0) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

/* localtime_r() need not read TZ (POSIX), so tzset() runs once before its first use. */
static void tz_init_once(void)
{
	tzset();
}

/* This thread's last formatted date: a server logs many lines a second, and localtime_r() is
 * slow (glibc takes a lock in it). */
static _Thread_local struct {
	time_t second;
	char text[LOG_DATE_SIZE];
} date_cache;

size_t log_date_time(char *out, size_t outlen)
{
	/* http.server's own English month names, whatever the locale. */
	static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t now = time(NULL);
	int n;

	if (now != date_cache.second || date_cache.text[0] == '\0') {
		pthread_once(&tz_once, tz_init_once);
		if (localtime_r(&now, &tm) == NULL || tm.tm_mon < 0 || tm.tm_mon > 11)
			return 0;
		n = snprintf(date_cache.text, sizeof date_cache.text, "%02d/%s/%04d %02d:%02d:%02d",
		             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
		             tm.tm_sec);
		if (n < 0 || (size_t)n >= sizeof date_cache.text)
			return 0;
		date_cache.second = now;
	}
	n = snprintf(out, outlen, "%s", date_cache.text);
	if (n < 0 || (size_t)n >= outlen) {
		if (outlen > 0)
			out[0] = '\0';
		return 0;
	}
	return (size_t)n;
}

/*
 * http.server's log_message() translates the message with _control_char_table: code points
 * 0x00-0x1f and 0x7f-0x9f become \xhh and a backslash becomes \\ (Debian's Python 3.11 and
 * upstream 3.12), so a request line cannot forge a log line or a terminal escape. It decodes
 * the request as ISO-8859-1, so bytes 0xa0-0xff print as those characters, here in UTF-8.
 */
static void put_log_safe(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || (c >= 0x7f && c < 0xa0)) {
			char esc[4] = { '\\', 'x', hex[c >> 4], hex[c & 0xf] };
			buf_append(b, esc, sizeof esc);
		} else if (c == '\\') {
			buf_puts(b, "\\\\");
		} else if (c >= 0xa0) {
			char utf8[2] = { (char)(0xc0 | (c >> 6)), (char)(0x80 | (c & 0x3f)) };
			buf_append(b, utf8, sizeof utf8);
		} else {
			buf_putc(b, (char)c);
		}
	}
}

/*
 * "HOST - - [DATE] " then what, escaped, cut with "..." where the line would pass
 * LINE_MAX_BYTES, then the tail (at most ACCESS_TAIL_MAX bytes, newline included), in one write.
 */
static void access_line(const char *host, const char *what, size_t len, const char *tail)
{
	char line[LINE_MAX_BYTES + 1], date[LOG_DATE_SIZE];
	struct buf b;
	size_t tail_len = strlen(tail);

	log_date_time(date, sizeof date);
	buf_init(&b, line, sizeof line - ACCESS_TAIL_MAX);
	buf_printf(&b, "%s - - [%s] ", host, date);
	put_log_safe(&b, what, len);
	if (buf_truncated(&b) && b.len > 3) {
		buf_rewind(&b, b.len - 3);
		buf_puts(&b, "...");
	}
	memcpy(line + b.len, tail, tail_len);
	write_line(STDERR_FILENO, line, b.len + tail_len);
}

void log_access(const char *host, const char *request_line, size_t line_len, int status,
                long long size)
{
	char quoted[LINE_MAX_BYTES + 2], tail[ACCESS_TAIL_MAX];

	if (log_is_quiet())
		return;
	if (line_len > LINE_MAX_BYTES)
		line_len = LINE_MAX_BYTES;   /* it would be cut anyway */
	quoted[0] = '"';
	memcpy(quoted + 1, request_line, line_len);
	if (size < 0)
		snprintf(tail, sizeof tail, "\" %d -\n", status);
	else
		snprintf(tail, sizeof tail, "\" %d %lld\n", status, size);
	access_line(host, quoted, line_len + 1, tail);
}

void log_access_error(const char *host, int status, const char *message)
{
	char what[LINE_MAX_BYTES];
	int n;

	if (log_is_quiet())
		return;
	n = snprintf(what, sizeof what, "code %d, message %s", status, message);
	access_line(host, what, n < 0 ? 0 : (size_t)n < sizeof what ? (size_t)n : sizeof what - 1,
	            "\n");
}

void log_access_note(const char *host, const char *note)
{
	if (!log_is_quiet())
		access_line(host, note, strlen(note), "\n");
}
