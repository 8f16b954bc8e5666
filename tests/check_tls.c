// SPDX-License-Identifier: MIT
/*
 * Unit tests for common/tls/tls.c and tls_conn.c. A checked fixture makes a P-256 key and a
 * self-signed certificate for localhost with the OpenSSL API in a mkdtemp directory, a server
 * context with a key log, and a socketpair: sv[0] is the server's socket, sv[1] the client's.
 * The client is OpenSSL itself, verifying the certificate (as its trust anchor) and the name
 * localhost. Handshakes run the server on a thread; afterwards both ends are driven from the
 * test's thread, which also lets a test play a client that stalls or sends raw bytes.
 * The make-cert TCase runs tools/make-cert.sh, from the project root as make runs the tests.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "base/compat.h"
#include "base/io.h"
#include "base/stop.h"
#include "http/https.h"
#include "tls/stream.h"
#include "tls/tls_conn.h"

/* The deadlines tested, and how late a timeout may come on a loaded machine (or valgrind). */
#define DEADLINE_MS 300
#define SLACK_MS 3000
#define PATH_CAP 256

static char dir[PATH_CAP];
static char cert_path[PATH_CAP], key_path[PATH_CAP], keylog_path[PATH_CAP];
static struct tls_server *srv;
static int sv[2] = { -1, -1 };
static char client_keylog[16384];   /* the lines the client's OpenSSL logged, for comparison */
static size_t client_keylog_len;

static void path_in(char *out, const char *name)
{
	int n = snprintf(out, PATH_CAP, "%s/%s", dir, name);
	ck_assert(n > 0 && n < PATH_CAP);
}

static unsigned char pattern_at(uint64_t i)
{
	return (unsigned char)((i * 131u) ^ (i >> 9));
}

/* ---- fixture --------------------------------------------------------------------------------- */

static EVP_PKEY *write_key(const char *path)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(key);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
	return key;
}

/* A self-signed certificate for localhost (CN and subjectAltName), valid for an hour. */
static void write_cert(const char *path, EVP_PKEY *key)
{
	X509 *x = X509_new();
	X509V3_CTX ext_ctx;
	ck_assert_ptr_nonnull(x);
	X509_NAME *name = X509_get_subject_name(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -60);
	X509_gmtime_adj(X509_getm_notAfter(x), 3600);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost",
	                           -1, -1, 0);
	X509_set_issuer_name(x, name);
	X509_set_pubkey(x, key);
	X509V3_set_ctx_nodb(&ext_ctx);
	X509V3_set_ctx(&ext_ctx, x, x, NULL, NULL, 0);
	X509_EXTENSION *san = X509V3_EXT_conf_nid(NULL, &ext_ctx, NID_subject_alt_name,
	                                          "DNS:localhost");
	ck_assert_ptr_nonnull(san);
	X509_add_ext(x, san, -1);
	X509_EXTENSION_free(san);
	ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(PEM_write_X509(f, x), 1);
	fclose(f);
	X509_free(x);
}

static void write_text(const char *name, const char *text)
{
	char path[PATH_CAP];
	path_in(path, name);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void new_pair(void)
{
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
}

static void setup(void)
{
	char err[256], other[PATH_CAP];
	signal(SIGPIPE, SIG_IGN);   /* the client writes with write(), as stop_setup has it */
	ck_assert(snprintf(dir, sizeof dir, "/tmp/check_tls_XXXXXX") > 0);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	path_in(cert_path, "cert.pem");
	path_in(key_path, "key.pem");
	path_in(keylog_path, "keylog.txt");
	path_in(other, "other-key.pem");
	EVP_PKEY *key = write_key(key_path);
	write_cert(cert_path, key);
	EVP_PKEY_free(key);
	EVP_PKEY_free(write_key(other));
	write_text("garbage.pem", "not a certificate\n");
	srv = tls_server_new(cert_path, key_path, keylog_path, err, sizeof err);
	ck_assert_msg(srv != NULL, "%s", err);
	new_pair();
	client_keylog_len = 0;
}

static void teardown(void)
{
	static const char *const names[] = { "cert.pem", "key.pem", "keylog.txt", "other-key.pem",
	                                     "garbage.pem", "file", "mc/cert.pem", "mc/key.pem",
	                                     "mc" };
	char path[PATH_CAP];
	tls_server_free(srv);
	srv = NULL;
	for (int i = 0; i < 2; i++)
		if (sv[i] >= 0)
			close(sv[i]);
	sv[0] = sv[1] = -1;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		path_in(path, names[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
	rmdir(dir);
}

/* ---- the client (OpenSSL directly) and the server's handshake thread ------------------------- */

static void client_keylog_line(const SSL *ssl, const char *line)
{
	(void)ssl;
	size_t room = sizeof client_keylog - client_keylog_len;
	int n = snprintf(client_keylog + client_keylog_len, room, "%s\n", line);
	ck_assert(n > 0 && (size_t)n < room);
	client_keylog_len += (size_t)n;
}

static SSL_CTX *client_ctx(const char *trust, int min_version, int max_version)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	ck_assert_ptr_nonnull(ctx);
	if (min_version < TLS1_2_VERSION) {
		/* OpenSSL's client itself refuses to offer 1.0 and 1.1 at its default level. */
		SSL_CTX_set_security_level(ctx, 0);
		ck_assert_int_eq(SSL_CTX_set_cipher_list(ctx, "DEFAULT@SECLEVEL=0"), 1);
	}
	ck_assert_int_eq(SSL_CTX_set_min_proto_version(ctx, min_version), 1);
	ck_assert_int_eq(SSL_CTX_set_max_proto_version(ctx, max_version), 1);
	ck_assert_int_eq(SSL_CTX_load_verify_locations(ctx, trust, NULL), 1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_keylog_callback(ctx, client_keylog_line);
	return ctx;
}

struct accept_run {
	struct tls_server *srv;
	void *tls;
	int rc, err;
	bool plain;
};

static void *accept_main(void *arg)
{
	struct accept_run *a = arg;
	a->rc = tls_accept(a->srv, sv[0], io_now_ms() + 10000, &a->tls, &a->plain);
	a->err = errno;
	if (a->rc < 0)
		shutdown(sv[0], SHUT_WR);   /* the client sees EOF, not a hang, whatever happened */
	return NULL;
}

/*
 * Handshake on the pair: tls_accept on a thread, SSL_connect (verifying "localhost") here.
 * Returns the client's SSL or NULL (*reason: the client's OpenSSL reason); *a the server's end.
 */
static SSL *handshake(struct tls_server *server, SSL_CTX *cctx, struct accept_run *a,
                      int *reason)
{
	pthread_t t;
	SSL *ssl = SSL_new(cctx);
	*a = (struct accept_run){ .srv = server };
	ck_assert_ptr_nonnull(ssl);
	ck_assert_int_eq(SSL_set_fd(ssl, sv[1]), 1);
	ck_assert_int_eq(SSL_set1_host(ssl, "localhost"), 1);
	ck_assert_int_eq(pthread_create(&t, NULL, accept_main, a), 0);
	ERR_clear_error();
	int rc = SSL_connect(ssl);
	*reason = rc == 1 ? 0 : ERR_GET_REASON(ERR_peek_error());
	pthread_join(t, NULL);
	if (rc != 1) {
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

/* A connected pair, or the test fails. */
static SSL *connect_ok(SSL_CTX *cctx, void **server_tls)
{
	struct accept_run a;
	int reason;
	SSL *ssl = handshake(srv, cctx, &a, &reason);
	ck_assert_msg(ssl != NULL && a.rc == 0, "handshake: client reason %d, server errno %d",
	              reason, a.err);
	*server_tls = a.tls;
	return ssl;
}

static void server_read_exact(void *tls, unsigned char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = tls_read(tls, buf + got, len - got, io_now_ms() + 5000);
		ck_assert_msg(n > 0, "tls_read: %zd after %zu of %zu bytes", n, got, len);
		got += (size_t)n;
	}
}

static void client_read_exact(SSL *ssl, unsigned char *buf, size_t len)
{
	for (size_t got = 0; got < len;) {
		int n = SSL_read(ssl, buf + got, (int)(len - got));
		ck_assert_msg(n > 0, "SSL_read: %d after %zu of %zu bytes", n, got, len);
		got += (size_t)n;
	}
}

/* ---- handshake ------------------------------------------------------------------------------- */

static const struct version_row {
	int min, max;
	int expect;   /* the version agreed, or 0: refused with a protocol_version alert */
	const char *why;
} version_rows[] = {
	{ TLS1_VERSION, TLS1_VERSION, 0, "TLS 1.0 is retired (RFC 8996)" },
	{ TLS1_1_VERSION, TLS1_1_VERSION, 0, "TLS 1.1 is retired (RFC 8996)" },
	{ TLS1_VERSION, TLS1_1_VERSION, 0, "a client offering only 1.0 and 1.1" },
	{ TLS1_2_VERSION, TLS1_2_VERSION, TLS1_2_VERSION, "TLS 1.2 is accepted" },
	{ TLS1_3_VERSION, TLS1_3_VERSION, TLS1_3_VERSION, "TLS 1.3 is accepted" },
	{ TLS1_VERSION, TLS1_2_VERSION, TLS1_2_VERSION, "an old client that also speaks 1.2" },
	{ TLS1_VERSION, TLS1_3_VERSION, TLS1_3_VERSION, "the best common version wins" },
};

START_TEST(test_versions)
{
	const struct version_row *row = &version_rows[_i];
	struct accept_run a;
	int reason;
	SSL_CTX *cctx = client_ctx(cert_path, row->min, row->max);
	SSL *ssl = handshake(srv, cctx, &a, &reason);
	if (row->expect == 0) {
		ck_assert_msg(ssl == NULL && a.rc == -1 && a.err == EPROTO && !a.plain,
		              "%s: accepted (rc %d errno %d)", row->why, a.rc, a.err);
		ck_assert_msg(reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION,
		              "%s: the client failed for reason %d, not the server's alert",
		              row->why, reason);
	} else {
		ck_assert_msg(ssl != NULL && a.rc == 0, "%s: refused (client reason %d, errno %d)",
		              row->why, reason, a.err);
		ck_assert_msg(SSL_version(ssl) == row->expect, "%s: got %s", row->why,
		              SSL_get_version(ssl));
		ck_assert_int_eq(SSL_get_verify_result(ssl), X509_V_OK);
		tls_close(a.tls);
		SSL_free(ssl);
	}
	SSL_CTX_free(cctx);
}
END_TEST

/* A TLS 1.2 client asking to renegotiate is turned down (SSL_OP_NO_RENEGOTIATION; OpenSSL 3
 * also refuses client-initiated renegotiation by default). */
struct read_run {
	void *tls;
	ssize_t rc;
	int err;
};

static void *read_until_error(void *arg)
{
	struct read_run *r = arg;
	char buf[256];
	while ((r->rc = tls_read(r->tls, buf, sizeof buf, io_now_ms() + 5000)) > 0)
		continue;
	r->err = errno;
	shutdown(sv[0], SHUT_WR);
	return NULL;
}

START_TEST(test_renegotiation_refused)
{
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_2_VERSION, TLS1_2_VERSION);
	struct read_run r = { 0 };
	pthread_t t;
	SSL *ssl = connect_ok(cctx, &r.tls);
	ck_assert_int_eq(pthread_create(&t, NULL, read_until_error, &r), 0);
	ck_assert_int_eq(SSL_renegotiate(ssl), 1);
	ERR_clear_error();
	ck_assert_int_ne(SSL_do_handshake(ssl), 1);
	ck_assert_int_eq(ERR_GET_REASON(ERR_peek_error()), SSL_R_NO_RENEGOTIATION);
	pthread_join(t, NULL);
	ck_assert_msg(r.rc == -1 && r.err == EPROTO, "server read %zd errno %d", r.rc, r.err);
	tls_close(r.tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

START_TEST(test_describe)
{
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	void *tls;
	char text[64], tiny[8];
	SSL *ssl = connect_ok(cctx, &tls);
	ck_assert_int_gt(tls_describe(tls, text, sizeof text), 0);
	ck_assert_msg(strncmp(text, "TLSv1.3 TLS_", 12) == 0, "%s", text);
	ck_assert_int_eq(tls_describe(tls, tiny, sizeof tiny), -1);
	tls_close(tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* stream.c's TLS half: the calls the HTTP code makes (stream_*) go through the connection. */
START_TEST(test_stream_over_tls)
{
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_2_VERSION, TLS1_3_VERSION);
	void *tls;
	unsigned char buf[64];
	char path[PATH_CAP];
	struct stream st;
	struct iovec iov[2] = { { "head ", 5 }, { "body ", 5 } };
	SSL *ssl = connect_ok(cctx, &tls);
	stream_init_plain(&st, sv[0]);
	st.tls = tls;
	st.deadline_ms = io_now_ms() + 5000;
	path_in(path, "file");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "0123456789", 10), 10);
	ck_assert_int_eq(stream_writev_all(&st, iov, 2), 10);
	ck_assert_int_eq(stream_write_all(&st, "more ", 5), 5);
	ck_assert_int_eq(stream_send_file(&st, fd, 3, 4), 4);
	close(fd);
	client_read_exact(ssl, buf, 19);
	ck_assert_msg(memcmp(buf, "head body more 3456", 19) == 0, "%.19s", (char *)buf);
	ck_assert_int_eq(SSL_write(ssl, "ping", 4), 4);
	ck_assert_int_eq(stream_read(&st, buf, sizeof buf), 4);
	ck_assert(memcmp(buf, "ping", 4) == 0);
	tls_close(tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* ---- key log --------------------------------------------------------------------------------- */

static size_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ssize_t n = read(fd, buf, cap - 1);
	ck_assert_int_ge(n, 0);
	close(fd);
	buf[n] = '\0';
	return (size_t)n;
}

static size_t count_lines(const char *text)
{
	size_t n = 0;
	for (const char *p = strchr(text, '\n'); p != NULL; p = strchr(p + 1, '\n'))
		n++;
	return n;
}

/* Every line of want is a whole line of have. */
static void assert_lines_in(const char *want, const char *have)
{
	char line[512];
	for (const char *p = want; *p != '\0';) {
		const char *end = strchr(p, '\n');
		ck_assert_ptr_nonnull(end);
		int n = snprintf(line, sizeof line, "%.*s\n", (int)(end - p), p);
		ck_assert(n > 0 && (size_t)n < sizeof line);
		ck_assert_msg(strstr(have, line) != NULL, "not in the key log: %s", line);
		p = end + 1;
	}
}

/* The hex client random of a session: every NSS key log line names its session by it. */
static void client_random_hex(SSL *ssl, char *out, size_t cap)
{
	unsigned char random[SSL3_RANDOM_SIZE];
	ck_assert_uint_eq(SSL_get_client_random(ssl, random, sizeof random), sizeof random);
	ck_assert_uint_ge(cap, 2 * sizeof random + 1);
	for (size_t i = 0; i < sizeof random; i++)
		snprintf(out + 2 * i, 3, "%02x", random[i]);
}

static const struct keylog_row {
	int version;
	size_t lines;   /* per session */
	const char *label;
	const char *why;
} keylog_rows[] = {
	{ TLS1_2_VERSION, 1, "CLIENT_RANDOM ", "TLS 1.2: the master secret" },
	{ TLS1_3_VERSION, 5, "CLIENT_TRAFFIC_SECRET_0 ", "TLS 1.3: five traffic secrets" },
};

/* Two sessions: the server's file holds exactly the lines the client's OpenSSL derived. */
START_TEST(test_keylog_lines_per_session)
{
	const struct keylog_row *row = &keylog_rows[_i];
	char file[16384], random[2 * SSL3_RANDOM_SIZE + 1];
	struct stat st;
	for (int session = 0; session < 2; session++) {
		SSL_CTX *cctx = client_ctx(cert_path, row->version, row->version);
		void *tls;
		new_pair();
		SSL *ssl = connect_ok(cctx, &tls);
		client_random_hex(ssl, random, sizeof random);
		tls_close(tls);
		SSL_free(ssl);
		SSL_CTX_free(cctx);
		read_file(keylog_path, file, sizeof file);
		ck_assert_msg(strstr(file, random) != NULL, "%s: session %d missing", row->why,
		              session);
	}
	ck_assert_msg(count_lines(file) == 2 * row->lines, "%s: %zu lines:\n%s", row->why,
	              count_lines(file), file);
	ck_assert_uint_eq(count_lines(client_keylog), 2 * row->lines);
	assert_lines_in(client_keylog, file);   /* the same secrets the client derived */
	ck_assert_ptr_nonnull(strstr(file, row->label));
	ck_assert_int_eq(stat(keylog_path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* A second server on the same file appends; lines of both are whole. */
START_TEST(test_keylog_appends)
{
	char err[256], file[16384];
	struct tls_server *second, *servers[3];
	second = tls_server_new(cert_path, key_path, keylog_path, err, sizeof err);
	servers[0] = servers[2] = srv;
	servers[1] = second;
	ck_assert_msg(second != NULL, "%s", err);
	for (int i = 0; i < 3; i++) {
		SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
		struct accept_run a;
		int reason;
		new_pair();
		SSL *ssl = handshake(servers[i], cctx, &a, &reason);
		ck_assert(ssl != NULL && a.rc == 0);
		tls_close(a.tls);
		SSL_free(ssl);
		SSL_CTX_free(cctx);
	}
	tls_server_free(second);
	read_file(keylog_path, file, sizeof file);
	ck_assert_uint_eq(count_lines(file), 15);
	assert_lines_in(client_keylog, file);
}
END_TEST

/*
 * Eight clients at once on the one shared server context, as the thread-per-client servers use
 * it: each session's data is intact and its five key log lines are whole (run under TSan too).
 */
enum { PARALLEL = 8, PARALLEL_BYTES = 3000 };

struct parallel_run {
	int fds[2];
	SSL_CTX *cctx;
	char random[2 * SSL3_RANDOM_SIZE + 1];
	bool server_ok, client_ok;
};

static void *parallel_server(void *arg)
{
	struct parallel_run *p = arg;
	unsigned char buf[PARALLEL_BYTES];
	size_t got = 0;
	void *tls;
	bool plain;
	if (tls_accept(srv, p->fds[0], io_now_ms() + 20000, &tls, &plain) == 0) {
		ssize_t n = 1;
		while (got < sizeof buf && n > 0) {
			n = tls_read(tls, buf + got, sizeof buf - got, io_now_ms() + 20000);
			got += n > 0 ? (size_t)n : 0;
		}
		p->server_ok = got == sizeof buf && tls_write_all(tls, buf, got, NULL) == (ssize_t)got;
		tls_close(tls);
	}
	shutdown(p->fds[0], SHUT_WR);
	return NULL;
}

static void *parallel_client(void *arg)
{
	struct parallel_run *p = arg;
	unsigned char out[PARALLEL_BYTES], in[PARALLEL_BYTES];
	int got = 0, n = 1;
	SSL *ssl = SSL_new(p->cctx);
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = pattern_at(i + (uint64_t)p->fds[1]);
	if (ssl == NULL || SSL_set_fd(ssl, p->fds[1]) != 1 ||
	    SSL_set1_host(ssl, "localhost") != 1 || SSL_connect(ssl) != 1 ||
	    SSL_write(ssl, out, sizeof out) != (int)sizeof out) {
		SSL_free(ssl);
		return NULL;
	}
	while (got < (int)sizeof in && n > 0) {
		n = SSL_read(ssl, in + got, (int)sizeof in - got);
		got += n > 0 ? n : 0;
	}
	p->client_ok = got == (int)sizeof in && memcmp(in, out, sizeof in) == 0;
	client_random_hex(ssl, p->random, sizeof p->random);
	SSL_free(ssl);
	return NULL;
}

START_TEST(test_parallel_sessions)
{
	struct parallel_run runs[PARALLEL];
	pthread_t threads[2 * PARALLEL];
	char file[16384];
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	SSL_CTX_set_keylog_callback(cctx, NULL);   /* client_keylog is for one thread */
	for (int i = 0; i < PARALLEL; i++) {
		runs[i] = (struct parallel_run){ .cctx = cctx };
		ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, runs[i].fds), 0);
		pthread_t *pair = &threads[2 * i];
		ck_assert_int_eq(pthread_create(&pair[0], NULL, parallel_server, &runs[i]), 0);
		ck_assert_int_eq(pthread_create(&pair[1], NULL, parallel_client, &runs[i]), 0);
	}
	for (int i = 0; i < 2 * PARALLEL; i++)
		pthread_join(threads[i], NULL);
	read_file(keylog_path, file, sizeof file);
	ck_assert_uint_eq(count_lines(file), 5 * PARALLEL);
	for (int i = 0; i < PARALLEL; i++) {
		ck_assert_msg(runs[i].server_ok && runs[i].client_ok,
		              "session %d: server %d client %d", i, runs[i].server_ok,
		              runs[i].client_ok);
		size_t lines = 0;
		for (const char *p = strstr(file, runs[i].random); p != NULL;
		     p = strstr(p + 1, runs[i].random)) {
			ck_assert(p[-1] == ' ' && p[2 * SSL3_RANDOM_SIZE] == ' ');
			lines++;
		}
		ck_assert_msg(lines == 5, "session %d: %zu key log lines", i, lines);
		close(runs[i].fds[0]);
		close(runs[i].fds[1]);
	}
	SSL_CTX_free(cctx);
}
END_TEST

/* ---- errors naming the file ------------------------------------------------------------------ */

static const struct error_row {
	const char *cert, *key, *keylog;
	const char *file, *reason;   /* both must appear in the one-line error */
	const char *why;
} error_rows[] = {
	{ "missing.pem", "key.pem", NULL, "missing.pem: ", "No such file", "no certificate file" },
	{ "garbage.pem", "key.pem", NULL, "garbage.pem: ", "no start line", "not PEM" },
	{ "key.pem", "key.pem", NULL, "key.pem: ", "certificate", "a key given as certificate" },
	{ "cert.pem", "missing-key.pem", NULL, "missing-key.pem: ", "No such file", "no key file" },
	{ "cert.pem", "garbage.pem", NULL, "garbage.pem: ", "private key", "not a key" },
	{ "cert.pem", "other-key.pem", NULL, "other-key.pem: ", "mismatch", "another key" },
	{ "cert.pem", "key.pem", "no-dir/keylog", "no-dir/keylog: ", "No such file", "key log" },
};

START_TEST(test_errors_name_the_file)
{
	const struct error_row *row = &error_rows[_i];
	char cert[PATH_CAP], key[PATH_CAP], keylog[PATH_CAP], err[512];
	path_in(cert, row->cert);
	path_in(key, row->key);
	if (row->keylog != NULL)
		path_in(keylog, row->keylog);
	memset(err, 0, sizeof err);
	const char *log = row->keylog != NULL ? keylog : NULL;
	struct tls_server *s = tls_server_new(cert, key, log, err, sizeof err);
	ck_assert_msg(s == NULL, "%s: accepted", row->why);
	ck_assert_msg(strstr(err, row->file) != NULL && strstr(err, row->reason) != NULL,
	              "%s: \"%s\"", row->why, err);
	ck_assert_msg(strchr(err, '\n') == NULL, "%s: not one line: %s", row->why, err);
	ck_assert_int_eq(ERR_peek_error(), 0);   /* nothing left in this thread's error queue */
}
END_TEST

/* ---- plain HTTP and garbage on the TLS port -------------------------------------------------- */

static const struct first_bytes_row {
	const char *bytes;
	size_t len;
	bool plain;
	int err;
	const char *why;
} first_bytes_rows[] = {
#define ROW(s, plain, err, why) { s, sizeof s - 1, plain, err, why }
	ROW("GET / HTTP/1.1\r\n", true, EPROTO, "a browser's http:// request"),
	ROW("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n", true, EPROTO, "a whole request"),
	ROW("POST /login HTTP/1.1\r\n", true, EPROTO, "a form post"),
	ROW("OPTIONS * HTTP/1.1\r\n", true, EPROTO, "asterisk form"),
	ROW("UPDATEREDIRECTREF / HTTP/1.1\r\n", true, EPROTO, "the longest registered method"),
	ROW("get / HTTP/1.1\r\n", false, EPROTO, "methods are case-sensitive: garbage"),
	ROW("GET/ HTTP/1.1\r\n", false, EPROTO, "no SP after the method: garbage"),
	ROW(" GET / HTTP/1.1\r\n", false, EPROTO, "a leading SP: garbage"),
	ROW("GET", false, ETIMEDOUT, "cut before the SP: a TLS record header, incomplete"),
	ROW("hello world\r\n", false, EPROTO, "text that is not HTTP"),
	ROW("\0\0\0\0\0\0\0\0", false, EPROTO, "NUL bytes"),
	ROW("\x16\x03\x01\x00\x05hello", false, EPROTO, "a handshake record holding garbage"),
	ROW("\x17\x03\x03\x00\x05hello", false, EPROTO, "application data before a handshake"),
#undef ROW
};

/* Nothing needs a thread: the bytes are sent first, then the server looks at them. */
START_TEST(test_first_bytes)
{
	const struct first_bytes_row *row = &first_bytes_rows[_i];
	void *tls = &tls;
	bool plain = !row->plain;
	ck_assert_int_eq(write(sv[1], row->bytes, row->len), (ssize_t)row->len);
	errno = 0;
	int rc = tls_accept(srv, sv[0], io_now_ms() + DEADLINE_MS, &tls, &plain);
	ck_assert_msg(rc == -1 && errno == row->err && plain == row->plain && tls == NULL,
	              "%s: rc %d errno %d plain %d", row->why, rc, errno, plain);
	if (row->plain) {   /* nothing was consumed: the request is still there to read */
		char buf[64];
		ck_assert_int_eq(compat_recv(sv[0], buf, sizeof buf, 0), (ssize_t)row->len);
		ck_assert(memcmp(buf, row->bytes, row->len) == 0);
	}
}
END_TEST

START_TEST(test_reject_plain_http)
{
	static const char request[] = "GET / HTTP/1.1\r\nHost: localhost:8000\r\n\r\n";
	char response[2048], *body;
	void *tls;
	bool plain;
	size_t len = 0;
	ssize_t n;
	unsigned long content_length;
	ck_assert_int_eq(write(sv[1], request, sizeof request - 1), sizeof request - 1);
	shutdown(sv[1], SHUT_WR);   /* ends the server's drain at once */
	ck_assert_int_eq(tls_accept(srv, sv[0], io_now_ms() + DEADLINE_MS, &tls, &plain), -1);
	ck_assert(plain);
	https_reject_plain_http(sv[0]);   /* the answer http/https.c gives */
	while ((n = read(sv[1], response + len, sizeof response - 1 - len)) > 0)
		len += (size_t)n;
	response[len] = '\0';
	ck_assert_msg(strncmp(response, "HTTP/1.1 400 Bad Request\r\n", 26) == 0, "%s", response);
	ck_assert_ptr_nonnull(strstr(response, "\r\nContent-Type: text/plain"));
	ck_assert_ptr_nonnull(strstr(response, "\r\nConnection: close\r\n"));
	ck_assert_ptr_nonnull(strstr(response, "\r\nDate: "));
	body = strstr(response, "\r\n\r\n");
	ck_assert_ptr_nonnull(body);
	body += 4;
	ck_assert_int_eq(sscanf(strstr(response, "Content-Length: "), "Content-Length: %lu",
	                        &content_length), 1);
	ck_assert_uint_eq(content_length, strlen(body));
	ck_assert_ptr_nonnull(strstr(body, "https://"));
}
END_TEST

/* ---- data ------------------------------------------------------------------------------------ */

static const size_t round_trip_sizes[] = { 1, 100, 16383, 16384, 16385, 65536 };

START_TEST(test_round_trip)
{
	size_t size = round_trip_sizes[_i];
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_2_VERSION, TLS1_3_VERSION);
	unsigned char *out = malloc(size), *in = malloc(size);
	void *tls;
	ck_assert(out != NULL && in != NULL);
	for (size_t i = 0; i < size; i++)
		out[i] = pattern_at(i + size);
	SSL *ssl = connect_ok(cctx, &tls);
	ck_assert_int_eq(SSL_write(ssl, out, (int)size), (int)size);
	server_read_exact(tls, in, size);
	ck_assert_msg(memcmp(in, out, size) == 0, "%zu bytes client to server", size);
	memset(in, 0, size);
	ck_assert_int_eq(tls_write_all(tls, out, size, NULL), (ssize_t)size);
	client_read_exact(ssl, in, size);
	ck_assert_msg(memcmp(in, out, size) == 0, "%zu bytes server to client", size);
	tls_close(tls);
	ck_assert_int_eq(SSL_read(ssl, in, 1), 0);   /* tls_close sent close_notify */
	ck_assert_int_eq(SSL_get_error(ssl, 0), SSL_ERROR_ZERO_RETURN);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
	free(out);
	free(in);
}
END_TEST

/* One record, read a little at a time, every read with its deadline already past. The first
 * finds the record in the socket: what arrived in time is read however late the thread gets
 * there, as on the plain stream. The rest is in OpenSSL (SSL_pending), not the socket, so later
 * reads return it at once. Only with nothing left does a read time out. */
START_TEST(test_read_pending_without_waiting)
{
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	unsigned char out[100], in[10];
	void *tls;
	for (size_t i = 0; i < sizeof out; i++)
		out[i] = pattern_at(i);
	SSL *ssl = connect_ok(cctx, &tls);
	ck_assert_int_eq(SSL_write(ssl, out, sizeof out), sizeof out);
	for (size_t off = 0; off < sizeof out; off += sizeof in) {
		ck_assert_int_eq(tls_read(tls, in, sizeof in, io_now_ms() - 1), sizeof in);
		ck_assert(memcmp(in, out + off, sizeof in) == 0);
	}
	errno = 0;
	ck_assert_int_eq(tls_read(tls, in, sizeof in, io_now_ms() - 1), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	tls_close(tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* The client ends with close_notify, or just closes TCP (browsers do): both are EOF. */
START_TEST(test_close_is_eof)
{
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_2_VERSION, TLS1_3_VERSION);
	unsigned char buf[16];
	void *tls;
	SSL *ssl = connect_ok(cctx, &tls);
	ck_assert_int_eq(SSL_write(ssl, "bye", 3), 3);
	if (_i == 0)
		ck_assert_int_ge(SSL_shutdown(ssl), 0);
	else
		shutdown(sv[1], SHUT_WR);
	ck_assert_int_eq(tls_read(tls, buf, sizeof buf, io_now_ms() + 5000), 3);
	ck_assert_int_eq(tls_read(tls, buf, sizeof buf, io_now_ms() + 5000), 0);
	tls_close(tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* A head, an empty entry and a short body leave as one record; a big entry arrives intact. */
START_TEST(test_writev_gathers_small_entries)
{
	enum { BIG = 40000 };
	static unsigned char big[BIG], in[BIG];
	char head[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", first[256];
	struct iovec iov[] = { { head, sizeof head - 1 }, { NULL, 0 }, { "hello", 5 },
	                       { big, BIG }, { "tail", 4 } };
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	void *tls;
	size_t small = sizeof head - 1 + 5;
	for (size_t i = 0; i < BIG; i++)
		big[i] = pattern_at(i);
	SSL *ssl = connect_ok(cctx, &tls);
	ck_assert_int_eq(tls_writev_all(tls, iov, 5, NULL), (ssize_t)(small + BIG + 4));
	ck_assert_int_eq(SSL_read(ssl, first, sizeof first), (int)small);   /* one record */
	ck_assert(memcmp(first, head, sizeof head - 1) == 0);
	ck_assert(memcmp(first + sizeof head - 1, "hello", 5) == 0);
	client_read_exact(ssl, in, BIG);
	ck_assert(memcmp(in, big, BIG) == 0);
	client_read_exact(ssl, in, 4);
	ck_assert(memcmp(in, "tail", 4) == 0);
	ck_assert_ptr_eq(iov[0].iov_base, head);   /* the caller's array is not changed */
	ck_assert_uint_eq(iov[3].iov_len, BIG);
	tls_close(tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* The client reads to the end on a thread while the server sends a file, pausing after each
 * record so the server usually finds the socket full: its close_notify then waits for room. */
struct sink {
	SSL *ssl;
	uint64_t start, total;
	bool same, close_notify;
};

static void *sink_main(void *arg)
{
	struct sink *k = arg;
	unsigned char buf[16384];
	int n;
	k->same = true;
	while ((n = SSL_read(k->ssl, buf, sizeof buf)) > 0) {
		for (int i = 0; i < n; i++)
			k->same = k->same &&
			          buf[i] == pattern_at(k->start + k->total + (uint64_t)i);
		k->total += (uint64_t)n;
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	}
	k->close_notify = SSL_get_error(k->ssl, n) == SSL_ERROR_ZERO_RETURN;
	return NULL;
}

static int make_file(uint64_t size)
{
	char path[PATH_CAP];
	unsigned char *data = malloc(size);
	ck_assert_ptr_nonnull(data);
	path_in(path, "file");
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	for (uint64_t i = 0; i < size; i++)
		data[i] = pattern_at(i);
	ck_assert_int_eq(io_write_all(fd, data, size), (ssize_t)size);
	free(data);
	return fd;
}

static const struct send_file_row {
	uint64_t file_size, offset, count;
	ssize_t rc;
	int err;
	uint64_t arrives;
	const char *why;
} send_file_rows[] = {
	{ (1u << 20) + 777, 777, 1u << 20, 1 << 20, 0, 1u << 20, "1 MiB from an offset" },
	{ 1u << 20, 0, 1u << 20, 1 << 20, 0, 1u << 20, "a whole 1 MiB file" },
	{ 20000, 0, 20100, -1, EIO, 20000, "the file shrank: EIO after what there was" },
	{ 20000, 20000, 1, -1, EIO, 0, "an offset at the end" },
	{ 20000, 5, 0, 0, 0, 0, "nothing to send" },
};

START_TEST(test_send_file)
{
	const struct send_file_row *row = &send_file_rows[_i];
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_2_VERSION, TLS1_3_VERSION);
	struct sink k = { .start = row->offset };
	pthread_t t;
	void *tls;
	int fd = make_file(row->file_size);
	k.ssl = connect_ok(cctx, &tls);
	ck_assert_int_eq(io_set_timeouts(sv[0], 0, 20000), 0);   /* a failed sink fails the test */
	ck_assert_int_eq(pthread_create(&t, NULL, sink_main, &k), 0);
	errno = 0;
	ssize_t rc = tls_send_file(tls, fd, (off_t)row->offset, row->count, NULL);
	int err = errno;
	tls_close(tls);   /* the sink may still be reading: close_notify waits for room */
	shutdown(sv[0], SHUT_WR);   /* as the caller's close would: the sink always ends */
	pthread_join(t, NULL);
	ck_assert_msg(rc == row->rc && (rc >= 0 || err == row->err), "%s: rc %zd errno %d",
	              row->why, rc, err);
	ck_assert_msg(k.total == row->arrives && k.same, "%s: %llu bytes arrived, same %d",
	              row->why, (unsigned long long)k.total, k.same);
	ck_assert_msg(k.close_notify, "%s: no close_notify", row->why);
	close(fd);
	SSL_free(k.ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* ---- limits: deadlines and sizes ------------------------------------------------------------- */

static void assert_on_time(int64_t start, int64_t deadline_ms, const char *what)
{
	int64_t now = io_now_ms();
	ck_assert_msg(now >= deadline_ms, "%s: gave up %lld ms early", what,
	              (long long)(deadline_ms - now));
	ck_assert_msg(now < deadline_ms + SLACK_MS, "%s: took %lld ms", what,
	              (long long)(now - start));
}

static const struct stall_row {
	const char *bytes;
	size_t len;
	const char *why;
} stall_rows[] = {
	{ "", 0, "a client that connects and says nothing" },
	{ "\x16", 1, "one byte of a record header" },
	{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, "a ClientHello cut short" },
};

START_TEST(test_stalled_handshake_dropped_at_deadline)
{
	const struct stall_row *row = &stall_rows[_i];
	void *tls = &tls;
	bool plain = true;
	ck_assert_int_eq(write(sv[1], row->bytes, row->len), (ssize_t)row->len);
	int64_t start = io_now_ms(), deadline = start + DEADLINE_MS;
	errno = 0;
	ck_assert_int_eq(tls_accept(srv, sv[0], deadline, &tls, &plain), -1);
	ck_assert_msg(errno == ETIMEDOUT, "%s: errno %d", row->why, errno);
	ck_assert(tls == NULL && !plain);
	assert_on_time(start, deadline, row->why);
}
END_TEST

/* Closed before a handshake, with or without a few bytes first: ECONNRESET, at once. */
START_TEST(test_closed_before_handshake)
{
	const struct stall_row *row = &stall_rows[_i];
	void *tls;
	bool plain;
	ck_assert_int_eq(write(sv[1], row->bytes, row->len), (ssize_t)row->len);
	close(sv[1]);
	sv[1] = -1;
	int64_t start = io_now_ms();
	errno = 0;
	ck_assert_int_eq(tls_accept(srv, sv[0], start + 20000, &tls, &plain), -1);
	ck_assert_msg(errno == ECONNRESET, "%s: errno %d", row->why, errno);
	ck_assert_int_lt(io_now_ms() - start, 10000);   /* not at the deadline */
}
END_TEST

/* After the handshake: silence, or a record header with part of its body, both stop the read at
 * its deadline (OpenSSL never waits inside recv() for the rest of a record). */
START_TEST(test_read_deadline)
{
	static const char partial[] = "\x17\x03\x03\x00\x40" "0123456789";
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	char buf[64];
	void *tls;
	SSL *ssl = connect_ok(cctx, &tls);
	if (_i == 1)
		ck_assert_int_eq(write(sv[1], partial, sizeof partial - 1), sizeof partial - 1);
	int64_t start = io_now_ms(), deadline = start + DEADLINE_MS;
	errno = 0;
	ck_assert_int_eq(tls_read(tls, buf, sizeof buf, deadline), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	assert_on_time(start, deadline, _i == 1 ? "a partial record" : "silence");
	tls_close(tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* A client that stops reading: the write fails after the socket's send timeout, and the close
 * that follows (its close_notify finds no room) gives up soon. */
START_TEST(test_send_timeout)
{
	enum { TOTAL = 8 << 20 };
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	unsigned char *data = calloc(1, TOTAL);
	void *tls;
	ck_assert_ptr_nonnull(data);
	SSL *ssl = connect_ok(cctx, &tls);
	ck_assert_int_eq(io_set_timeouts(sv[0], 0, DEADLINE_MS), 0);
	int64_t start = io_now_ms();
	errno = 0;
	ck_assert_int_eq(tls_write_all(tls, data, TOTAL, NULL), -1);
	ck_assert_int_eq(errno, ETIMEDOUT);
	assert_on_time(start, start + DEADLINE_MS, "a client that stopped reading");
	start = io_now_ms();
	tls_close(tls);
	ck_assert_int_lt(io_now_ms() - start, SLACK_MS);   /* a second for room at most */
	SSL_free(ssl);
	SSL_CTX_free(cctx);
	free(data);
}
END_TEST

/* A client that vanished: EPIPE or ECONNRESET, never SIGPIPE (the default action restored). */
START_TEST(test_write_to_closed_client)
{
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	static unsigned char data[1 << 20];
	void *tls;
	SSL *ssl = connect_ok(cctx, &tls);
	signal(SIGPIPE, SIG_DFL);
	close(sv[1]);
	sv[1] = -1;
	errno = 0;
	ck_assert_int_eq(tls_write_all(tls, data, sizeof data, NULL), -1);
	ck_assert_msg(errno == EPIPE || errno == ECONNRESET, "errno %d", errno);
	tls_close(tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

START_TEST(test_size_limits)
{
	SSL_CTX *cctx = client_ctx(cert_path, TLS1_3_VERSION, TLS1_3_VERSION);
	char buf[1];
	void *tls;
	int fd = make_file(10);
	SSL *ssl = connect_ok(cctx, &tls);
	errno = 0;
	ck_assert_int_eq(tls_read(tls, buf, 0, io_now_ms() + 100), -1);
	ck_assert_int_eq(errno, EINVAL);   /* 0 would look like EOF */
	ck_assert_int_eq(tls_write_all(tls, buf, 0, NULL), 0);
	ck_assert_int_eq(tls_send_file(tls, fd, -1, 1, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(tls_send_file(tls, fd, 0, (uint64_t)SSIZE_MAX + 1, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_int_eq(tls_write_all(tls, buf, (size_t)SSIZE_MAX + 1, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	struct iovec iov[2] = { { buf, (size_t)SSIZE_MAX }, { buf, 1 } };
	ck_assert_int_eq(tls_writev_all(tls, iov, 2, NULL), -1);
	ck_assert_int_eq(errno, EINVAL);
	tls_close(NULL);   /* ignored */
	tls_close(tls);
	close(fd);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
}
END_TEST

/* ---- tools/make-cert.sh ---------------------------------------------------------------------- */

static int run_make_cert(const char *args)
{
	char cmd[2 * PATH_CAP];
	ck_assert_msg(access("tools/make-cert.sh", X_OK) == 0,
	              "tools/make-cert.sh not found: run from the project root (as make does)");
	int n = snprintf(cmd, sizeof cmd, "tools/make-cert.sh %s %s/mc >/dev/null 2>&1", args, dir);
	ck_assert(n > 0 && (size_t)n < sizeof cmd);
	int status = system(cmd);
	ck_assert(status != -1 && WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* It makes a key the server accepts and a certificate for localhost, 127.0.0.1 and ::1; it
 * refuses to overwrite them without --force. */
START_TEST(test_make_cert_script)
{
	char cert[PATH_CAP], key[PATH_CAP], err[256], before[4096], after[4096];
	struct stat st;
	path_in(cert, "mc/cert.pem");
	path_in(key, "mc/key.pem");
	ck_assert_int_eq(run_make_cert(""), 0);
	struct tls_server *made = tls_server_new(cert, key, NULL, err, sizeof err);
	ck_assert_msg(made != NULL, "%s", err);
	ck_assert_int_eq(stat(key, &st), 0);
	ck_assert_int_eq(st.st_mode & 0077, 0);   /* the key is its owner's only */
	FILE *f = fopen(cert, "r");
	ck_assert_ptr_nonnull(f);
	X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	ck_assert_ptr_nonnull(x);
	ck_assert_int_eq(X509_check_host(x, "localhost", 0, 0, NULL), 1);
	ck_assert_int_eq(X509_check_ip_asc(x, "127.0.0.1", 0), 1);
	ck_assert_int_eq(X509_check_ip_asc(x, "::1", 0), 1);
	ck_assert_int_eq(X509_check_host(x, "example.com", 0, 0, NULL), 0);
	X509_free(x);
	SSL_CTX *cctx = client_ctx(cert, TLS1_3_VERSION, TLS1_3_VERSION);
	struct accept_run a;
	int reason;
	SSL *ssl = handshake(made, cctx, &a, &reason);
	ck_assert_msg(ssl != NULL && a.rc == 0, "client reason %d", reason);
	tls_close(a.tls);
	SSL_free(ssl);
	SSL_CTX_free(cctx);
	tls_server_free(made);
	read_file(cert, before, sizeof before);
	ck_assert_int_ne(run_make_cert(""), 0);
	read_file(cert, after, sizeof after);
	ck_assert_str_eq(before, after);
	ck_assert_int_eq(run_make_cert("--force"), 0);
	read_file(cert, after, sizeof after);
	ck_assert_str_ne(before, after);
}
END_TEST

Suite *suite_tls(void);
Suite *suite_tls(void)
{
	Suite *s = suite_create("tls");
	struct {
		const char *name;
		TCase *tc;
	} cases[] = {
		{ "handshake", NULL }, { "key log", NULL }, { "errors", NULL },
		{ "first bytes", NULL }, { "data", NULL }, { "limits", NULL },
		{ "make-cert", NULL },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cases[i].tc = tcase_create(cases[i].name);
		tcase_add_checked_fixture(cases[i].tc, setup, teardown);
		tcase_set_timeout(cases[i].tc, 60);   /* handshakes under valgrind are slow */
		suite_add_tcase(s, cases[i].tc);
	}
#define N(rows) (int)(sizeof rows / sizeof rows[0])
	tcase_add_loop_test(cases[0].tc, test_versions, 0, N(version_rows));
	tcase_add_test(cases[0].tc, test_renegotiation_refused);
	tcase_add_test(cases[0].tc, test_describe);
	tcase_add_test(cases[4].tc, test_stream_over_tls);
	tcase_add_loop_test(cases[1].tc, test_keylog_lines_per_session, 0, N(keylog_rows));
	tcase_add_test(cases[1].tc, test_keylog_appends);
	tcase_add_test(cases[1].tc, test_parallel_sessions);
	tcase_add_loop_test(cases[2].tc, test_errors_name_the_file, 0, N(error_rows));
	tcase_add_loop_test(cases[3].tc, test_first_bytes, 0, N(first_bytes_rows));
	tcase_add_test(cases[3].tc, test_reject_plain_http);
	tcase_add_loop_test(cases[4].tc, test_round_trip, 0, N(round_trip_sizes));
	tcase_add_test(cases[4].tc, test_read_pending_without_waiting);
	tcase_add_loop_test(cases[4].tc, test_close_is_eof, 0, 2);
	tcase_add_test(cases[4].tc, test_writev_gathers_small_entries);
	tcase_add_loop_test(cases[4].tc, test_send_file, 0, N(send_file_rows));
	tcase_add_loop_test(cases[5].tc, test_stalled_handshake_dropped_at_deadline, 0,
	                    N(stall_rows));
	tcase_add_loop_test(cases[5].tc, test_closed_before_handshake, 0, N(stall_rows));
	tcase_add_loop_test(cases[5].tc, test_read_deadline, 0, 2);
	tcase_add_test(cases[5].tc, test_send_timeout);
	tcase_add_test(cases[5].tc, test_write_to_closed_client);
	tcase_add_test(cases[5].tc, test_size_limits);
	tcase_add_test(cases[6].tc, test_make_cert_script);
#undef N
	return s;
}
