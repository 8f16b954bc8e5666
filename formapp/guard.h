/* SPDX-License-Identifier: MIT */
/*
 * guard: what keeps the login from being used against the server or its users. A password hash
 * is slow on purpose (users.h), so a flood of logins is a flood of CPU: only so many hashes run
 * at once (about one per CPU), and a login that cannot start one soon enough is told to come
 * back (503, Retry-After). And a slow hash is only worth it if a password cannot be guessed at
 * the server's full speed: a client address that failed GUARD_FAILURES_MAX logins within
 * GUARD_WINDOW_MS is refused until the window ends (429, Retry-After), without a hash.
 *
 * Counted per address, in a table of fixed size (the oldest address gives its place up), so it
 * costs the same memory whatever clients do. One mutex for each part, held for the count only.
 * Times are passed in (monotonic ms, io_now_ms()), so the rules are testable without sleeping.
 * Thread-safe.
 */
#ifndef GUARD_H
#define GUARD_H

#include <stdbool.h>
#include <stdint.h>

#define GUARD_FAILURES_MAX 5           /* failed logins an address may make in a window */
#define GUARD_WINDOW_MS (60 * 1000)    /* the window, from the first failure */
#define GUARD_ADDRESSES 1024           /* addresses remembered at once */
#define GUARD_HASH_WAIT_MS 2000        /* how long a login waits for a hash to be free */

/* Set how many hashes may run at once (>= 1; 0: one per online CPU). Called once by main(). */
void guard_init(unsigned hashes);

/* Take a place to hash in, waiting at most wait_ms. False: none came free (answer 503). */
bool guard_hash_begin(unsigned wait_ms);
void guard_hash_end(void);

/* Whether address may try to log in at now_ms; when not, *retry_s is the seconds to wait. */
bool guard_login_allowed(const char *address, int64_t now_ms, unsigned *retry_s);

/* After a login from address: a failure counts against it; a success clears its count. */
void guard_login_failed(const char *address, int64_t now_ms);
void guard_login_succeeded(const char *address);

#endif
