/* SPDX-License-Identifier: MIT */
/*
 * session: formapp's table of logged-in sessions (handout "Example: Typical use of Session id":
 * "The web app then creates a session in memory and returns a session ID"). An id is 128 bits
 * from the kernel's random source (compat_random: getrandom or getentropy), written as 32
 * lowercase hex digits; the table maps it to what the server keeps for that session: the user,
 * the login time, a request counter.
 *
 * Only ids this table issued are ever found: a client that makes one up, or keeps one after
 * logout or expiry, gets ENOENT, so a session id can be neither chosen (fixation) nor revived.
 * One mutex guards the table and is held around each table operation only (no I/O under it).
 * A session expires after idle_ms without a request; at the size cap, expired sessions are
 * dropped first, then the one unused for longest. Times are passed in (monotonic milliseconds,
 * io_now_ms()), which keeps the expiry rules testable without sleeping.
 *
 * Error convention: -1 with errno set. All functions are thread-safe.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stddef.h>
#include <stdint.h>

#define SESSION_ID_BYTES 16                    /* 128 bits, as OWASP asks at the least */
#define SESSION_ID_LEN (2 * SESSION_ID_BYTES)  /* in hex */
#define SESSION_USER_MAX 64                    /* bytes of a user name */
#define SESSION_OWNER_MAX 64                   /* bytes of a client address ("::ffff:10.0.0.7") */

/* A copy of what the table keeps for one session, for the page that shows it. */
struct session_info {
	char user[SESSION_USER_MAX + 1];
	int64_t login_time;    /* unix seconds (wall clock) */
	uint64_t requests;     /* requests made with this id, the current one included */
};

struct session_table;

/*
 * A table of at most max sessions (max >= 1) that expire after idle_ms, of which one client
 * address holds at most per_owner (>= 1). NULL with errno.
 */
struct session_table *session_table_new(size_t max, size_t per_owner, int64_t idle_ms);
void session_table_free(struct session_table *t);

/*
 * A new session for user, logged in from the client address owner, made at now_ms. When owner
 * holds per_owner sessions already, the one of them unused for longest ends; when the table is
 * full, expired sessions end, else the one unused for longest. Writes the id (SESSION_ID_LEN hex
 * digits and a NUL) to id. Returns 0, or -1 with errno ENAMETOOLONG (user or owner too long),
 * EIO (no random bytes from the kernel) or EEXIST (the random id is taken: with 128 bits, never
 * in practice).
 */
int session_create(struct session_table *t, const char *user, const char *owner, int64_t now_ms,
                   char id[SESSION_ID_LEN + 1]);

/*
 * Find the session with id[0..len) (from a client: any bytes), count one request and restart its
 * idle time, and copy it to *out (may be NULL). Returns 0, or -1 with errno ENOENT: not an id this
 * table issued, removed, or expired (an expired session is removed here).
 */
int session_touch(struct session_table *t, const char *id, size_t len, int64_t now_ms,
                  struct session_info *out);

/* Remove the session with id[0..len) (logout). Returns 0, or -1 with errno ENOENT. */
int session_remove(struct session_table *t, const char *id, size_t len);

/* Sessions in the table now, expired ones not yet removed included. */
size_t session_count(struct session_table *t);

#endif
