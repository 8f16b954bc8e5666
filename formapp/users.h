/* SPDX-License-Identifier: MIT */
/*
 * users: formapp's users file, the server side of the handout's login ("user=philip&pw=123456").
 * One "name:hash" line per user, the hash made by crypt(3) from Debian's libcrypt with a random
 * salt (yescrypt, "$y$", as /etc/shadow holds them), so the file never holds a password and two
 * users with the same password get different lines. Empty lines and lines starting with '#' are
 * comments. The file is read at each check, so a user added while the server runs can log in.
 *
 * Error convention: -1 with errno. Thread-safe (crypt_r with a buffer per call).
 */
#ifndef USERS_H
#define USERS_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_NAME_MAX 64                /* bytes; formapp keeps the name in its session */
#define USERS_PASSWORD_MAX 511           /* bytes (libxcrypt: 512 with the NUL); longer: refused */
#define USERS_FILE_MAX (1024 * 1024)     /* a larger users file is refused (EFBIG) */

/* 1 to USERS_NAME_MAX bytes, none of them ':' (the separator), a control byte or DEL. */
bool users_name_ok(const char *name, size_t len);

/*
 * Whether name[0..name_len) may log in with password[0..password_len) (both from a form: any
 * bytes, NULs included, which never match). Returns 1 yes, 0 no (unknown name, wrong password,
 * a name or password that no line could match), or -1 with errno when the file cannot be read.
 * An unknown name costs one hash like a known one, so the time taken does not tell which names
 * exist.
 */
int users_check(const char *path, const char *name, size_t name_len, const char *password,
                size_t password_len);

/*
 * Append "name:hash" for a new user to the file (created with mode 0600 if missing). Returns 0,
 * or -1 with errno EINVAL (a name users_name_ok refuses; an empty password, one with a NUL, CR or
 * LF, or one longer than USERS_PASSWORD_MAX), EEXIST (the name has a line already), or the errno
 * of reading, hashing or writing.
 */
int users_add(const char *path, const char *name, const char *password);

#endif
