// SPDX-License-Identifier: MIT
/*
 * users: checking a login against the users file, and adding a user to it (handout Part A.2:
 * the "POST login.php ... user=philip&pw=123456" step). Passwords are hashed with
 * PBKDF2-HMAC-SHA256 from OpenSSL (users.h gives the line's format and why a slow hash), never
 * stored or logged, and the hashes compared in constant time (CRYPTO_memcmp).
 *
 * Left out on purpose: locking the file against two writers (each addition is one O_APPEND
 * write, which the kernel keeps whole), and other schemes (crypt(3)'s "$y$", "$6$"): their lines
 * are refused, and the user is added again with --add-user.
 */
#include "users.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "base/base64.h"
#include "base/compat.h"
#include "base/io.h"
#include "base/num.h"

#define SCHEME "$pbkdf2-sha256$i="
#define SALT_MIN 8
#define SALT_MAX 64

/* A hash field taken apart. */
struct field {
	unsigned long iterations;
	unsigned char salt[SALT_MAX];
	size_t salt_len;
	unsigned char hash[USERS_HASH_BYTES];
};

/* What an unknown name (or a refused line) is checked against: the cost of a new line, so its
 * check takes as long as a real user's, and a result that is never used. */
static const struct field dummy = { .iterations = USERS_ITERATIONS, .salt_len = USERS_SALT_BYTES };

bool users_name_ok(const char *name, size_t len)
{
	if (len == 0 || len > USERS_NAME_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c < 0x20 || c == 0x7f || c == ':')
			return false;
	}
	return true;
}

/* The whole file as a NUL-terminated malloc'd string; a missing file is empty if missing_ok. */
static char *read_file(const char *path, size_t *len, bool missing_ok)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY), saved;
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	*len = 0;
	if (fd < 0)
		return errno == ENOENT && missing_ok ? calloc(1, 1) : NULL;
	if (fstat(fd, &st) < 0)
		goto done;
	if (!S_ISREG(st.st_mode) || st.st_size > USERS_FILE_MAX) {
		errno = S_ISREG(st.st_mode) ? EFBIG : EINVAL;
		goto done;
	}
	buf = malloc((size_t)st.st_size + 1);
	while (buf != NULL && got < (size_t)st.st_size) {
		ssize_t n = io_read_some(fd, buf + got, (size_t)st.st_size - got);
		if (n == 0)
			break;          /* the file shrank while we read it */
		if (n < 0) {
			free(buf);
			buf = NULL;
		}
		got += n > 0 ? (size_t)n : 0;
	}
	if (buf != NULL) {
		buf[got] = '\0';
		*len = got;
	}
done:
	saved = errno;
	close(fd);
	errno = saved;
	return buf;
}

/* The hash on name's line of text, or NULL. Ends each line it passes with a NUL. */
static const char *find_hash(char *text, const char *name, size_t name_len)
{
	char *line = text;

	while (*line != '\0') {
		char *end = strchr(line, '\n');
		char *next = end != NULL ? end + 1 : line + strlen(line);
		if (end != NULL)
			*end = '\0';
		if (end != NULL && end > line && end[-1] == '\r')
			end[-1] = '\0';
		if (line[0] != '#' && strncmp(line, name, name_len) == 0 && line[name_len] == ':')
			return line + name_len + 1;
		line = next;
	}
	return NULL;
}

/* "$pbkdf2-sha256$i=ITERATIONS$SALT$HASH" taken apart and checked; 0, or -1 for any other text. */
static int parse_field(const char *text, struct field *f)
{
	size_t scheme = sizeof SCHEME - 1;
	const char *iter, *salt, *hash;
	uint64_t n;
	long got;

	if (strncmp(text, SCHEME, scheme) != 0)
		return -1;
	iter = text + scheme;
	salt = strchr(iter, '$');
	hash = salt != NULL ? strchr(salt + 1, '$') : NULL;
	if (hash == NULL ||
	    num_parse_u64(iter, (size_t)(salt - iter), USERS_ITERATIONS_MIN, USERS_ITERATIONS_MAX, &n) < 0)
		return -1;
	f->iterations = (unsigned long)n;
	got = base64_decode(salt + 1, (size_t)(hash - salt - 1), f->salt, sizeof f->salt);
	if (got < SALT_MIN)
		return -1;
	f->salt_len = (size_t)got;
	got = base64_decode(hash + 1, strlen(hash + 1), f->hash, sizeof f->hash);
	return got == USERS_HASH_BYTES ? 0 : -1;
}

static int pbkdf2(unsigned char out[USERS_HASH_BYTES], const char *password, size_t password_len,
                  const unsigned char *salt, size_t salt_len, unsigned long iterations)
{
	if (PKCS5_PBKDF2_HMAC(password, (int)password_len, salt, (int)salt_len, (int)iterations,
	                      EVP_sha256(), USERS_HASH_BYTES, out) != 1) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int users_hash_field(char *out, size_t size, const char *password, size_t password_len,
                     const unsigned char *salt, size_t salt_len, unsigned long iterations)
{
	unsigned char hash[USERS_HASH_BYTES];
	char salt_text[BASE64_SIZE(SALT_MAX)], hash_text[BASE64_SIZE(USERS_HASH_BYTES)];

	if (iterations < USERS_ITERATIONS_MIN || iterations > USERS_ITERATIONS_MAX ||
	    salt_len < SALT_MIN || salt_len > SALT_MAX || password_len > USERS_PASSWORD_MAX) {
		errno = EINVAL;
		return -1;
	}
	if (pbkdf2(hash, password, password_len, salt, salt_len, iterations) < 0)
		return -1;
	base64_encode(salt_text, salt, salt_len, false);
	base64_encode(hash_text, hash, sizeof hash, false);
	int n = snprintf(out, size, SCHEME "%lu$%s$%s", iterations, salt_text, hash_text);
	if (n < 0 || (size_t)n >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

/* Whether password hashes to the line's hash. A line that is not of the form still costs one
 * hash (of the dummy), so a refused line takes as long as a real one. */
static bool hash_matches(const char *password, size_t password_len, const char *text)
{
	struct field f;
	unsigned char got[USERS_HASH_BYTES];
	bool usable = text != NULL && parse_field(text, &f) == 0;
	const struct field *use = usable ? &f : &dummy;

	if (pbkdf2(got, password, password_len, use->salt, use->salt_len, use->iterations) < 0)
		return false;
	return usable && CRYPTO_memcmp(got, f.hash, sizeof got) == 0;
}

int users_check(const char *path, const char *name, size_t name_len, const char *password,
                size_t password_len)
{
	size_t len;
	char *text = read_file(path, &len, false);
	const char *hash = NULL;
	bool match;

	if (text == NULL)
		return -1;
	bool usable = users_name_ok(name, name_len) && password_len <= USERS_PASSWORD_MAX &&
	              memchr(password, '\0', password_len) == NULL;
	if (usable)
		hash = find_hash(text, name, name_len);
	match = hash_matches(usable ? password : "", usable ? password_len : 0, hash) && hash != NULL;
	free(text);
	return match ? 1 : 0;
}

/* "name:hash\n", after a '\n' if the file does not end with one. 0, or -1 with errno. */
static int append_line(const char *path, bool newline_first, const char *name, const char *hash)
{
	char line[USERS_NAME_MAX + USERS_FIELD_MAX + 4];
	int n = snprintf(line, sizeof line, "%s%s:%s\n", newline_first ? "\n" : "", name, hash);
	int fd, ret = -1;

	if (n < 0 || (size_t)n >= sizeof line) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return -1;
	if (io_write_all(fd, line, (size_t)n) == n)
		ret = 0;
	if (close(fd) < 0)
		ret = -1;
	return ret;
}

int users_add(const char *path, const char *name, const char *password)
{
	size_t password_len = strlen(password), len;
	unsigned char salt[USERS_SALT_BYTES];
	char hash[USERS_FIELD_MAX];
	char *text;
	int ret = -1;

	if (!users_name_ok(name, strlen(name)) || password_len == 0 ||
	    password_len > USERS_PASSWORD_MAX || strpbrk(password, "\r\n") != NULL) {
		errno = EINVAL;
		return -1;
	}
	text = read_file(path, &len, true);
	if (text == NULL)
		return -1;
	bool newline_first = len > 0 && text[len - 1] != '\n';   /* before find_hash cuts lines */
	if (find_hash(text, name, strlen(name)) != NULL) {
		errno = EEXIST;
		goto done;
	}
	if (compat_random(salt, sizeof salt) == 0 &&
	    users_hash_field(hash, sizeof hash, password, password_len, salt, sizeof salt,
	                     USERS_ITERATIONS) == 0)
		ret = append_line(path, newline_first, name, hash);
done:
	free(text);
	return ret;
}
