/* SPDX-License-Identifier: MIT */
/*
 * target: the server labcheck checks, as the student named it: the URL (http://HOST:PORT/PATH,
 * an IPv6 address in brackets, a name through getaddrinfo), the credentials sent on every
 * request (--basic, --cookie, --header), and the request heads built from them. It also holds
 * what discover.c found: the file the checks use, with its body, ETag and Last-Modified.
 *
 * Error convention: -1 with a sentence in the caller's err buffer (TARGET_ERROR_MAX bytes).
 * Once set up and discovered, a target is read-only and may be shared by threads.
 */
#ifndef TARGET_H
#define TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

#define TARGET_HOST_MAX 256          /* a host name (RFC 1035: 253) or an address */
#define TARGET_PATH_MAX 2048         /* a request target labcheck sends */
#define TARGET_FIELDS_MAX 4096       /* the header lines sent on every request */
#define TARGET_REQUEST_MAX 16384     /* one request head labcheck builds */
#define TARGET_VALIDATOR_MAX 256     /* an ETag or Last-Modified value kept */
#define TARGET_ADDRS_MAX 8           /* addresses of a name tried in turn */
#define TARGET_ERROR_MAX 400

/* The reference file: what the checks request, and what the server said it is. */
struct target_file {
	char path[TARGET_PATH_MAX];
	bool ok;                         /* GET answered 200 with a well-framed body */
	char why[TARGET_ERROR_MAX];      /* when not ok: what went wrong, for the checks */
	char origin[TARGET_ERROR_MAX];   /* how it was chosen, for the report */
	char *body;                      /* its bytes (the target owns them) */
	size_t len;
	bool chunked;                    /* it came chunked, not with Content-Length */
	char etag[TARGET_VALIDATOR_MAX];            /* "" when none */
	char last_modified[TARGET_VALIDATOR_MAX];   /* "" when none */
};

struct target {
	struct wire_peer peer;
	struct wire_peer addrs[TARGET_ADDRS_MAX];   /* what the name resolved to */
	int addr_count;
	char authority[TARGET_HOST_MAX + 8];   /* the Host value: "127.0.0.1:8000", "[::1]:8000" */
	char start[TARGET_PATH_MAX];           /* the URL's path, after redirects: "/" */
	char fields[TARGET_FIELDS_MAX];        /* --basic, --header lines, each ending in CRLF */
	char cookie[TARGET_FIELDS_MAX];        /* --cookie NAME=VALUE, or "" */
	bool reached;                          /* discovery got an answer from the server */
	char unreachable[TARGET_ERROR_MAX];    /* when not reached: why */
	struct target_file file;
};

/*
 * Read url ("http://HOST[:PORT][/PATH]"), resolve HOST, and set up t with a timeout of
 * timeout_ms for every connect and every response. Returns 0, or -1 with err set: not http://,
 * userinfo, a bad port, a name that does not resolve.
 */
int target_init(struct target *t, const char *url, int timeout_ms, char *err);

/*
 * The credentials and fields sent on every request: basic "USER:PASS" (Authorization: Basic),
 * cookie "NAME=VALUE", header "Name: value"; each may be NULL. Returns 0, or -1 with err set
 * for a value that would not make a valid field (RFC 9110 5.5).
 */
int target_credentials(struct target *t, const char *basic, const char *cookie,
                       const char *header, char *err);

/*
 * True for a path labcheck may send as it is (--path, --login, ...): "/" and then visible ASCII
 * only (RFC 9112 3.2; percent-encode the rest), shorter than TARGET_PATH_MAX. A CR or LF in it
 * would end the request line early and make the rest a header field of labcheck's request.
 */
bool target_path_ok(const char *path);

/* Flags for target_request(). */
enum {
	TARGET_NO_HOST = 1,      /* leave the Host field out (the errors.no-host check) */
	TARGET_NO_COOKIE = 2,    /* leave --cookie out: the state checks carry their own */
};

/*
 * "METHOD PATH VERSION\r\nHost: ...\r\n", the every-request fields, fields (header lines each
 * ending in CRLF, or NULL) and the empty line, into out (cap bytes). Returns its length, or -1
 * when it does not fit.
 */
int target_request(const struct target *t, char *out, size_t cap, const char *method,
                   const char *path, const char *version, const char *fields, unsigned flags);

#endif
