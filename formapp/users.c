// SPDX-License-Identifier: MIT
/*
 * users: checking a login against the users file, and adding a user to it (handout Part A.2:
 * the "POST login.php ... user=philip&pw=123456" step). Passwords are hashed with crypt_r()
 * (the thread-safe crypt; its 32 KiB work area is allocated per call) and never stored or
 * logged. Hashes are compared in constant time.
 *
 * Left out on purpose: locking the file against two writers (each addition is one O_APPEND
 * write, which the kernel keeps whole), and rate limiting of failed logins.
 */
#include "users.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/io.h"

/* What an unknown name is checked against: a yescrypt hash of a random password with the
 * default cost, so it takes as long as a real user's check and never matches. */
static const char dummy_hash[] =
	"$y$j9T$/Sku5FGwJOra6GSQd5OGr/$c/y13HBfcVeQPyHMNN5JhkEPc6JOURONYsVZouYOlv5";

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

/* Equal strings, in a time that depends on their lengths only. */
static bool same_text(const char *a, const char *b)
{
	size_t n = strlen(a);
	unsigned char diff = 0;

	if (n != strlen(b))
		return false;
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return diff == 0;
}

/* Whether hashing password with hash as the setting (its method and salt) gives hash again. */
static bool hash_matches(const char *password, const char *hash)
{
	struct crypt_data *data = calloc(1, sizeof *data);
	const char *out = data != NULL ? crypt_r(password, hash, data) : NULL;
	bool match = out != NULL && out[0] != '*' && same_text(out, hash);

	free(data);
	return match;
}

int users_check(const char *path, const char *name, size_t name_len, const char *password,
                size_t password_len)
{
	char copy[USERS_PASSWORD_MAX + 1] = "";
	size_t len;
	char *text = read_file(path, &len, false);
	const char *hash = NULL;
	bool match;

	if (text == NULL)
		return -1;
	if (users_name_ok(name, name_len) && password_len <= USERS_PASSWORD_MAX &&
	    memchr(password, '\0', password_len) == NULL) {
		memcpy(copy, password, password_len);
		copy[password_len] = '\0';
		hash = find_hash(text, name, name_len);
	}
	match = hash_matches(copy, hash != NULL ? hash : dummy_hash) && hash != NULL;
	free(text);
	return match ? 1 : 0;
}

/* "name:hash\n", after a '\n' if the file does not end with one. 0, or -1 with errno. */
static int append_line(const char *path, bool newline_first, const char *name, const char *hash)
{
	char line[USERS_NAME_MAX + CRYPT_OUTPUT_SIZE + 4];
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
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *data = NULL;
	const char *hash;
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
	data = calloc(1, sizeof *data);
	if (data == NULL || crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof salt) == NULL)
		goto done;
	hash = crypt_r(password, salt, data);
	if (hash == NULL || hash[0] == '*') {
		errno = EINVAL;
		goto done;
	}
	ret = append_line(path, newline_first, name, hash);
done:
	free(text);
	free(data);
	return ret;
}
