/* SPDX-License-Identifier: MIT */
/*
 * users: formapp's users file, the server side of the handout's login ("user=philip&pw=123456").
 * One line per user, never the password itself:
 *
 *   name:$pbkdf2-sha256$i=ITERATIONS$SALT$HASH
 *
 * HASH is PBKDF2-HMAC-SHA256 (RFC 8018 5.2) of the password with SALT, ITERATIONS times; SALT
 * (16 random bytes from users_add, 8 to 64 accepted) and HASH (32 bytes) are written in base64
 * without padding, alphabet A-Z a-z 0-9 + / (RFC 4648 4): the PHC string format, which Python's
 * hashlib.pbkdf2_hmac() and passlib can check. The same on every system, through OpenSSL, where
 * crypt(3) means yescrypt on Debian and DES on macOS. Two users with one password get different
 * lines (the salt), and each guess at a stolen file costs ITERATIONS HMACs.
 *
 * Why a slow hash: whoever copies the file can try passwords offline as fast as the hash allows.
 * USERS_ITERATIONS makes each try cost 30 to 40 ms of one CPU here (a Debian 12 VM with 2
 * shared cores: a login with curl took 27 to 33 ms, Python's hashlib.pbkdf2_hmac 40 ms): a login
 * waits that long, and formapp/guard.c runs at most one hash per CPU at once, so a flood of
 * logins cannot take every CPU. No memory cost (scrypt's) on purpose: a login's memory stays
 * bounded at a few hundred bytes.
 *
 * Empty lines and lines starting with '#' are comments. A line whose hash is not of this form
 * (another scheme, iterations outside USERS_ITERATIONS_MIN..MAX, bad base64, a locked "!") is
 * refused, never trusted: it matches no password. The file is read at each check, so a user added
 * while the server runs can log in.
 *
 * Error convention: -1 with errno. Thread-safe.
 */
#ifndef USERS_H
#define USERS_H

#include <stdbool.h>
#include <stddef.h>

#define USERS_NAME_MAX 64                /* bytes; formapp keeps the name in its session */
#define USERS_PASSWORD_MAX 511           /* bytes; longer: refused */
#define USERS_ITERATIONS 100000          /* PBKDF2 iterations of a new line: 30-40 ms */
#define USERS_ITERATIONS_MIN 1000        /* a line with fewer is refused: too cheap to guess */
#define USERS_ITERATIONS_MAX 10000000    /* or more: one login must not hold a CPU for seconds */
#define USERS_SALT_BYTES 16              /* of a new line; 8 to 64 are accepted */
#define USERS_HASH_BYTES 32              /* SHA-256's output */
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

/* The hash field of a line, "$pbkdf2-sha256$i=ITERATIONS$SALT$HASH", at most this long. */
#define USERS_FIELD_MAX 160

/*
 * The hash field for password[0..password_len) with salt[0..salt_len) and iterations, into out
 * (size bytes; USERS_FIELD_MAX is enough). users_add uses it with a random salt, the tests with a
 * known one. Returns 0, or -1 with errno EINVAL (iterations or salt length outside the bounds),
 * ENAMETOOLONG (out too small) or EIO (OpenSSL failed).
 */
int users_hash_field(char *out, size_t size, const char *password, size_t password_len,
                     const unsigned char *salt, size_t salt_len, unsigned long iterations);

/*
 * Append "name:hash" for a new user to the file (created with mode 0600 if missing), with
 * USERS_ITERATIONS and a salt of USERS_SALT_BYTES from the kernel's random source. Returns 0,
 * or -1 with errno EINVAL (a name users_name_ok refuses; an empty password, one with a NUL, CR or
 * LF, or one longer than USERS_PASSWORD_MAX), EEXIST (the name has a line already), or the errno
 * of reading, hashing or writing.
 */
int users_add(const char *path, const char *name, const char *password);

#endif
