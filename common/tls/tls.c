// SPDX-License-Identifier: MIT
/*
 * tls: the server side of HTTPS (handout "Encryption and SSL") with OpenSSL 3: the context that
 * every connection shares (protocol rules, certificate and key, the key log), and the socket BIO
 * through which OpenSSL reaches a client. The connection itself (handshake, reads, writes, file
 * bodies) is in tls_conn.c.
 *
 * How deadlines work: OpenSSL reaches the socket only through the small BIO below, which sends
 * and receives with MSG_DONTWAIT. So SSL_accept, SSL_read and SSL_write never block: when they
 * need the network they report SSL_ERROR_WANT_READ or WANT_WRITE, and tls_conn.c polls for that
 * up to the deadline. A client that stops halfway through a record cannot hold a thread inside
 * OpenSSL.
 *
 * Left out on purpose: client certificates, several certificates by SNI, OCSP stapling, ALPN
 * (there is no HTTP/2 here), kernel TLS, and reloading the certificate without a restart.
 */
#include "tls/tls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "base/compat.h"
#include "base/log.h"

struct tls_server {
	SSL_CTX *ctx;             /* shared by every connection; read-only after tls_server_new */
	BIO_METHOD *bio_method;   /* the non-blocking socket BIO below */
	FILE *keylog;             /* NULL: no key log */
};


/* Why OpenSSL failed, for a human. The first queued error is the cause ("No such file or
 * directory", "no start line"); the later ones only say which functions it passed through. */
static const char *ssl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_error();
	if (ERR_SYSTEM_ERROR(e))
		return log_strerror(ERR_GET_REASON(e), buf, len);
	const char *why = ERR_reason_error_string(e);
	return why != NULL ? why : "unknown OpenSSL error";
}

/* ---- the socket BIO: how OpenSSL reads and writes without ever blocking ---------------------- */

static int bio_fd(BIO *b)
{
	return (int)(intptr_t)BIO_get_data(b);
}

static int bio_write(BIO *b, const char *data, int len)
{
	ssize_t n;
	BIO_clear_retry_flags(b);
	/* Never blocks; a client that left is an EPIPE here, never a SIGPIPE (compat.h). */
	do
		n = compat_send(bio_fd(b), data, (size_t)len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_write(b);
	return (int)n;
}

static int bio_read(BIO *b, char *buf, int len)
{
	ssize_t n;
	BIO_clear_retry_flags(b);
	do
		n = compat_recv(bio_fd(b), buf, (size_t)len, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		BIO_set_retry_read(b);
	if (n == 0)
		BIO_set_flags(b, BIO_FLAGS_IN_EOF);   /* BIO_eof(): OpenSSL tells EOF from errors */
	return (int)n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	(void)num;
	switch (cmd) {
	case BIO_C_GET_FD:   /* SSL_get_fd() */
		if (ptr != NULL)
			*(int *)ptr = bio_fd(b);
		return bio_fd(b);
	case BIO_CTRL_EOF:
		return BIO_test_flags(b, BIO_FLAGS_IN_EOF) != 0;
	case BIO_CTRL_FLUSH:   /* nothing is buffered here */
		return 1;
	default:
		return 0;
	}
}

static BIO_METHOD *bio_method_new(void)
{
	int index = BIO_get_new_index();
	if (index < 0)
		return NULL;
	/* DESCRIPTOR: SSL_get_fd() looks for a BIO of that kind. */
	BIO_METHOD *m = BIO_meth_new(index | BIO_TYPE_SOURCE_SINK | BIO_TYPE_DESCRIPTOR, "socket");
	if (m != NULL && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
	                  !BIO_meth_set_ctrl(m, bio_ctrl))) {
		BIO_meth_free(m);
		m = NULL;
	}
	return m;
}

/* ---- the server context ---------------------------------------------------------------------- */

/*
 * One NSS key log line per call: "CLIENT_RANDOM <client random> <master secret>" for TLS 1.2,
 * five traffic secrets for TLS 1.3. The FILE's own lock keeps the lines of parallel handshakes
 * whole; fflush puts each on disk at once, so Wireshark sees it during a live capture. A failed
 * write (a full disk) loses key log lines, never a connection.
 */
static void keylog_line(const SSL *ssl, const char *line)
{
	struct tls_server *srv = SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl));
	flockfile(srv->keylog);
	fputs(line, srv->keylog);
	fputc('\n', srv->keylog);
	fflush(srv->keylog);
	funlockfile(srv->keylog);
}

/*
 * Whoever reads the key log decrypts every session recorded in it. So it must be a regular file
 * of this user's, reached without a symbolic link (a link planted where the file is expected
 * would send the secrets elsewhere), and readable by its owner alone: also when it existed
 * before, since open()'s mode applies only to a file it creates. O_NONBLOCK: a FIFO without a
 * reader is refused instead of blocking the start. Returns why it is refused, or NULL.
 */
static const char *keylog_refusal(int fd, int open_errno, char *why, size_t len)
{
	struct stat st;

	if (fd < 0 && open_errno == ELOOP)
		return "it is a symbolic link";
	if (fd < 0 && (open_errno == EISDIR || open_errno == ENXIO))
		return "not a regular file";
	if (fd < 0)
		return log_strerror(open_errno, why, len);
	if (fstat(fd, &st) < 0 || fchmod(fd, 0600) < 0)
		return log_strerror(errno, why, len);
	if (!S_ISREG(st.st_mode))
		return "not a regular file";
	if (st.st_uid != geteuid())
		return "owned by another user";
	return NULL;
}

static bool start_keylog(struct tls_server *srv, const char *path, char *err, size_t errlen)
{
	char why[128];
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
	              0600);
	const char *refusal = keylog_refusal(fd, errno, why, sizeof why);

	srv->keylog = refusal == NULL ? fdopen(fd, "a") : NULL;
	if (srv->keylog == NULL) {
		log_reason(err, errlen, "%s: cannot use it as the TLS key log: %s", path,
		           refusal ? refusal : log_strerror(errno, why, sizeof why));
		if (fd >= 0)
			close(fd);
		return false;
	}
	SSL_CTX_set_app_data(srv->ctx, srv);
	SSL_CTX_set_keylog_callback(srv->ctx, keylog_line);
	return true;
}

/*
 * TLS 1.2 ciphers: ECDHE key exchange only, for forward secrecy (a key stolen later does not
 * decrypt today's captures; RSA key exchange and AES128-SHA would allow that), and AEAD ciphers
 * only (no CBC with HMAC, the mode that Lucky 13 and its kin attacked); AES-GCM first, then
 * ChaCha20 (RFC 9325 4.2). TLS 1.3's suites are all of this kind, and keep OpenSSL's defaults.
 */
#define TLS12_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20"

/*
 * TLS 1.2 and 1.3 only: RFC 8996 retires 1.0 and 1.1. The server's order of ciphers wins over
 * the client's, so a client cannot steer to the weakest one both accept. No compression (the
 * CRIME attack reads secrets from compressed sizes), no renegotiation (RFC 5746's attack, and a
 * client could make the server redo expensive handshakes). An EOF without close_notify is an
 * EOF: browsers do it all the time, and HTTP's own framing (Content-Length, the last chunk)
 * detects a cut-short message (RFC 9112 9.8).
 */
static bool set_rules(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                         SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_set_cipher_list(ctx, TLS12_CIPHERS) != 1)
		return false;
	/* Read what the socket has, not a record's 5-byte header and then its body: one recv()
	 * per request instead of two. SSL_read() returns what it kept before it asks the socket. */
	SSL_CTX_set_read_ahead(ctx, 1);
	return SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) == 1 &&
	       SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1;
}

static bool load_keys(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t errlen)
{
	char why[128];
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		log_reason(err, errlen, "%s: cannot load the TLS certificate: %s", cert,
		        ssl_reason(why, sizeof why));
		return false;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
		log_reason(err, errlen, "%s: cannot load the TLS private key for %s: %s", key, cert,
		        ssl_reason(why, sizeof why));
		return false;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		log_reason(err, errlen, "%s: not the private key of the certificate in %s", key, cert);
		return false;
	}
	return true;
}

struct tls_server *tls_server_new(const char *cert_file, const char *key_file,
                                  const char *keylog_file, char *err, size_t errlen)
{
	char why[128];
	struct tls_server *srv = calloc(1, sizeof *srv);
	if (srv == NULL) {
		log_reason(err, errlen, "TLS: out of memory");
		return NULL;
	}
	ERR_clear_error();
	srv->ctx = SSL_CTX_new(TLS_server_method());
	srv->bio_method = bio_method_new();
	if (srv->ctx == NULL || srv->bio_method == NULL || !set_rules(srv->ctx)) {
		log_reason(err, errlen, "TLS: cannot set up OpenSSL: %s", ssl_reason(why, sizeof why));
		goto fail;
	}
	if (!load_keys(srv->ctx, cert_file, key_file, err, errlen))
		goto fail;
	if (keylog_file != NULL && !start_keylog(srv, keylog_file, err, errlen))
		goto fail;
	ERR_clear_error();
	return srv;
fail:
	ERR_clear_error();
	tls_server_free(srv);
	return NULL;
}

void tls_server_free(struct tls_server *srv)
{
	if (srv == NULL)
		return;
	SSL_CTX_free(srv->ctx);
	BIO_meth_free(srv->bio_method);
	if (srv->keylog != NULL)
		fclose(srv->keylog);
	free(srv);
}

/* ---- a connection ---------------------------------------------------------------------------- */

void *tls_connection_new(struct tls_server *srv, int fd)
{
	SSL *ssl = SSL_new(srv->ctx);
	BIO *bio = BIO_new(srv->bio_method);
	if (ssl == NULL || bio == NULL) {
		SSL_free(ssl);
		BIO_free(bio);
		return NULL;
	}
	BIO_set_data(bio, (void *)(intptr_t)fd);
	BIO_set_init(bio, 1);
	SSL_set_bio(ssl, bio, bio);   /* the SSL owns the BIO now; the fd stays the caller's */
	SSL_set_accept_state(ssl);
	return ssl;
}
