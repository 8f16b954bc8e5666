// SPDX-License-Identifier: MIT
/*
 * target: the URL, the address and the request heads of the server under test (see target.h).
 * The URL is read by hand, as RFC 3986 3.2 draws it, rather than by a URL library: it is short,
 * and the errors a student makes with it (https://, user:password@, a missing port colon) each
 * get their own sentence. The discovery of the file the checks use is in discover.c.
 *
 * Left out on purpose: https:// (labcheck speaks plain HTTP; TLS is the servers' --tls-cert
 * exercise, not the student's assignment), proxies, and the URL's query and fragment beyond
 * passing the query on.
 */
#include "target.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/base64.h"
#include "base/num.h"

#define DEFAULT_PORT "80"        /* RFC 9110 4.2.1 */
#define PORT_TEXT_MAX 8
#define BASIC_MAX 512            /* USER:PASS before base64 */

/* A sentence into err (TARGET_ERROR_MAX bytes); returns -1. */
__attribute__((format(printf, 2, 3)))
static int fail(char *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, TARGET_ERROR_MAX, fmt, ap);
	va_end(ap);
	return -1;
}

/* True for bytes a request target may hold as they are: visible ASCII (RFC 9112 3.2). */
static bool visible(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* authority = host [ ":" port ] (RFC 3986 3.2), host an IP-literal in brackets or a name. */
static int split_authority(const char *a, size_t n, char *host, char *port, char *err)
{
	const char *colon;
	size_t hlen;

	if (n > 0 && a[0] == '[') {
		const char *close = memchr(a, ']', n);
		if (close == NULL || (close + 1 < a + n && close[1] != ':'))
			return fail(err, "the IPv6 address in the URL needs its ']' (http://[::1]:8000/)");
		hlen = (size_t)(close - a - 1);
		memcpy(host, a + 1, hlen < TARGET_HOST_MAX ? hlen : 0);
		colon = close + 1 < a + n ? close + 1 : NULL;
	} else {
		colon = memchr(a, ':', n);
		hlen = (size_t)((colon ? colon : a + n) - a);
		memcpy(host, a, hlen < TARGET_HOST_MAX ? hlen : 0);
	}
	if (hlen == 0 || hlen >= TARGET_HOST_MAX)
		return fail(err, "the URL has no host, or one longer than %d bytes", TARGET_HOST_MAX - 1);
	host[hlen] = '\0';
	size_t plen = colon ? (size_t)(a + n - colon - 1) : 0;
	uint64_t number;
	if (colon == NULL) {
		memcpy(port, DEFAULT_PORT, sizeof DEFAULT_PORT);
		return 0;
	}
	if (num_parse_u64(colon + 1, plen, 1, 65535, &number) < 0)
		return fail(err, "the port in the URL must be a number from 1 to 65535");
	snprintf(port, PORT_TEXT_MAX, "%u", (unsigned)number);
	return 0;
}

/* Resolve host and port into t->addrs, each with its name for messages. */
static int resolve(struct target *t, const char *host, const char *port, int timeout_ms,
                   char *err)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
	                          .ai_flags = AI_NUMERICSERV }, *list = NULL;
	char numeric[INET6_ADDRSTRLEN];
	int rc = getaddrinfo(host, port, &hints, &list);

	if (rc != 0)
		return fail(err, "cannot find the address of %s: %s", host, gai_strerror(rc));
	t->addr_count = 0;
	for (struct addrinfo *ai = list; ai && t->addr_count < TARGET_ADDRS_MAX; ai = ai->ai_next) {
		struct wire_peer *p = &t->addrs[t->addr_count];
		if (ai->ai_addrlen > sizeof p->addr ||
		    getnameinfo(ai->ai_addr, ai->ai_addrlen, numeric, sizeof numeric, NULL, 0,
		                NI_NUMERICHOST) != 0)
			continue;
		memcpy(&p->addr, ai->ai_addr, ai->ai_addrlen);
		p->addr_len = ai->ai_addrlen;
		p->timeout_ms = timeout_ms;
		snprintf(p->name, sizeof p->name, "%s port %s", numeric, port);
		t->addr_count++;
	}
	freeaddrinfo(list);
	if (t->addr_count == 0)
		return fail(err, "%s has no address labcheck can use", host);
	t->peer = t->addrs[0];
	return 0;
}

int target_init(struct target *t, const char *url, int timeout_ms, char *err)
{
	static const char scheme[] = "http://";
	char host[TARGET_HOST_MAX], port[PORT_TEXT_MAX];

	memset(t, 0, sizeof *t);
	if (strncasecmp(url, "https://", 8) == 0)
		return fail(err, "labcheck speaks plain HTTP only; give the server's http:// URL");
	if (strncasecmp(url, scheme, sizeof scheme - 1) != 0)
		return fail(err, "the URL must start with http:// (for example http://127.0.0.1:8000/)");
	const char *a = url + sizeof scheme - 1;
	size_t alen = strcspn(a, "/?#"), plen = strcspn(a + alen, "#");
	if (memchr(a, '@', alen) != NULL)
		return fail(err, "no user:password@ in the URL: give --basic USER:PASS instead");
	if (split_authority(a, alen, host, port, err) < 0)
		return -1;
	if (plen + 2 > sizeof t->start || !visible(a + alen, plen))
		return fail(err, "the URL's path must be visible ASCII (percent-encode the rest) and "
		            "shorter than %d bytes", TARGET_PATH_MAX - 1);
	snprintf(t->start, sizeof t->start, "%s%.*s", a[alen] == '/' ? "" : "/", (int)plen, a + alen);
	if (alen >= sizeof t->authority)
		return fail(err, "the URL's host and port are too long");
	memcpy(t->authority, a, alen);   /* the Host field is the URL's authority (RFC 9110 7.2) */
	t->authority[alen] = '\0';
	return resolve(t, host, port, timeout_ms, err);
}

bool target_path_ok(const char *path)
{
	size_t n = strlen(path);
	return path[0] == '/' && n < TARGET_PATH_MAX && visible(path, n);
}

/* True when s can be a field value as it is: no CR, LF, NUL or other control (RFC 9110 5.5). */
static bool field_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
			return false;
	return true;
}

/* Append one line to buf (cap bytes); -1 when it does not fit. */
__attribute__((format(printf, 3, 4)))
static int add_line(char *buf, size_t cap, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(buf + used, cap - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - used) {
		buf[used] = '\0';
		return -1;
	}
	return 0;
}

int target_credentials(struct target *t, const char *basic, const char *cookie,
                       const char *header, char *err)
{
	char encoded[BASE64_SIZE(BASIC_MAX)];
	size_t colon = header ? strcspn(header, ":") : 0;

	if (basic != NULL && (strchr(basic, ':') == NULL || strlen(basic) > BASIC_MAX))
		return fail(err, "--basic takes USER:PASS (at most %d bytes)", BASIC_MAX);
	if ((cookie && (!field_text(cookie) || strchr(cookie, '=') == NULL || strchr(cookie, ';'))))
		return fail(err, "--cookie takes one NAME=VALUE, without ';' or control bytes");
	const char *space = header ? strpbrk(header, " \t") : NULL;
	if (header && (!field_text(header) || colon == 0 || header[colon] != ':' ||
	               (space != NULL && space < header + colon)))
		return fail(err, "--header takes 'Name: value', a name without spaces before its colon");
	if (basic != NULL) {
		base64_encode(encoded, (const unsigned char *)basic, strlen(basic), true);
		if (add_line(t->fields, sizeof t->fields, "Authorization: Basic %s\r\n", encoded) < 0)
			return fail(err, "--basic is too long");
	}
	if (header != NULL && add_line(t->fields, sizeof t->fields, "%s\r\n", header) < 0)
		return fail(err, "--header is too long");
	if (cookie != NULL && add_line(t->cookie, sizeof t->cookie, "Cookie: %s\r\n", cookie) < 0)
		return fail(err, "--cookie is too long");
	return 0;
}

int target_request(const struct target *t, char *out, size_t cap, const char *method,
                   const char *path, const char *version, const char *fields, unsigned flags)
{
	int n = snprintf(out, cap, "%s %s %s\r\n%s%s%s%s%s%s\r\n", method, path, version,
	                 flags & TARGET_NO_HOST ? "" : "Host: ",
	                 flags & TARGET_NO_HOST ? "" : t->authority,
	                 flags & TARGET_NO_HOST ? "" : "\r\n", t->fields,
	                 flags & TARGET_NO_COOKIE ? "" : t->cookie, fields ? fields : "");
	return n < 0 || (size_t)n >= cap ? -1 : n;
}
