// SPDX-License-Identifier: MIT
/*
 * log: every line the servers print. Each line is written whole under one mutex and flushed, so
 * lines of many client threads never interleave and a test reading the pipe sees them at once.
 * The printers reproduce what the handout's Python prints: repr() of bytes (Example 1 and 3),
 * repr() of line.split(' ') (Example 2), and http.server's access and error lines (Part C).
 *
 * Left out on purpose: log levels, files and rotation (the lab prints to the terminal).
 */
#include "base/log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"

static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
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

__attribute__((format(printf, 2, 0)))
static void vline(FILE *f, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&out_lock);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	fflush(f);
	pthread_mutex_unlock(&out_lock);
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

size_t log_date_time(char *out, size_t outlen)
{
	/* http.server's own English month names, whatever the locale. */
	static const char *const months[12] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
	                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	time_t now = time(NULL);
	pthread_once(&tz_once, tz_init_once);
	if (localtime_r(&now, &tm) == NULL || tm.tm_mon < 0 || tm.tm_mon > 11)
		return 0;
	int n = snprintf(out, outlen, "%02d/%s/%04d %02d:%02d:%02d", tm.tm_mday,
	                 months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
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
static void put_log_safe(FILE *f, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || (c >= 0x7f && c < 0xa0))
			fprintf(f, "\\x%02x", c);
		else if (c == '\\')
			fputs("\\\\", f);
		else if (c >= 0xa0) {
			fputc(0xc0 | (c >> 6), f);
			fputc(0x80 | (c & 0x3f), f);
		} else
			fputc(c, f);
	}
}

void log_access(const char *host, const char *request_line, size_t line_len, int status,
                long long size)
{
	char date[LOG_DATE_SIZE];
	if (log_is_quiet())
		return;
	log_date_time(date, sizeof date);
	pthread_mutex_lock(&out_lock);
	fprintf(stderr, "%s - - [%s] \"", host, date);
	put_log_safe(stderr, request_line, line_len);
	if (size < 0)
		fprintf(stderr, "\" %d -\n", status);
	else
		fprintf(stderr, "\" %d %lld\n", status, size);
	fflush(stderr);
	pthread_mutex_unlock(&out_lock);
}

void log_access_error(const char *host, int status, const char *message)
{
	char date[LOG_DATE_SIZE];
	if (log_is_quiet())
		return;
	log_date_time(date, sizeof date);
	pthread_mutex_lock(&out_lock);
	fprintf(stderr, "%s - - [%s] code %d, message ", host, date, status);
	put_log_safe(stderr, message, strlen(message));
	fputc('\n', stderr);
	fflush(stderr);
	pthread_mutex_unlock(&out_lock);
}
