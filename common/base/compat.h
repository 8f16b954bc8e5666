/* SPDX-License-Identifier: MIT */
/*
 * compat: the one place where the suite meets what is not POSIX.1-2008. Every other file is
 * written to POSIX and calls these where it needs a system's own interface; each has a POSIX
 * fallback that keeps the same contract, so the suite builds on Linux, macOS and FreeBSD alike.
 *
 *   call                     Linux                     the fallback (PORTABLE=1; a system without
 *                                                      the call) and what macOS, FreeBSD use
 *   compat_socket/_accept    SOCK_CLOEXEC, accept4     socket/accept, then FD_CLOEXEC (macOS;
 *                                                      FreeBSD: as Linux)
 *   compat_send/_sendmsg     MSG_DONTWAIT, MSG_NOSIGNAL O_NONBLOCK around the call where the
 *                            (and MSG_MORE)            socket blocks (macOS, FreeBSD:
 *                                                      MSG_DONTWAIT); SIGPIPE blocked around it
 *                                                      unless ignored (FreeBSD, recent macOS:
 *                                                      MSG_NOSIGNAL); no "more" (both)
 *   compat_recv              MSG_DONTWAIT              O_NONBLOCK around the call (both: as Linux)
 *   compat_sendfile          sendfile(2)               pread() and one send (both)
 *   compat_open_beneath      openat2(RESOLVE_BENEATH)  ENOSYS, and the caller walks with
 *                                                      openat(O_NOFOLLOW) (macOS; FreeBSD 13:
 *                                                      O_RESOLVE_BENEATH)
 *   compat_o_path            O_PATH                    0: none (macOS; FreeBSD 14: O_PATH)
 *   compat_random            getrandom                 getentropy (both)
 *   compat_thread_batch      SCHED_BATCH               nothing, ENOTSUP (both)
 *   compat_cpu_count         _SC_NPROCESSORS_ONLN      the same (every system has it); else 1
 *   compat_cond_*            CLOCK_MONOTONIC condvars  the default clock (macOS; FreeBSD: as Linux)
 *   compat_exe_path          /proc/self/exe            argv[0] (and PATH) with realpath() (macOS:
 *                                                      _NSGetExecutablePath; FreeBSD:
 *                                                      KERN_PROC_PATHNAME)
 *   compat_mtime             st_mtim                   st_mtim, POSIX's (macOS: st_mtimespec)
 *   compat_dirent_type       d_type                    unknown: the caller stats (both: d_type)
 *   compat_poller_*          epoll                     poll() (both)
 *
 * `make PORTABLE=1` builds with -DCOMPAT_PORTABLE=1: compat.c then takes every fallback even on
 * Linux, so the paths macOS and FreeBSD take are tested here (README.md, "Other systems").
 * compat.c is the only file that names _GNU_SOURCE, __linux__, __APPLE__ or __FreeBSD__.
 *
 * Error convention: -1 with errno, as the system calls they stand for. All are thread-safe
 * (a poller belongs to one thread).
 */
#ifndef COMPAT_H
#define COMPAT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#ifndef COMPAT_PORTABLE
#define COMPAT_PORTABLE 0
#endif

/* What this build uses in place of a fallback, for the tests and the notes (compat_has). */
enum compat_feature {
	COMPAT_ACCEPT4,         /* close-on-exec set in the accept call itself */
	COMPAT_SEND_FLAGS,      /* MSG_DONTWAIT and MSG_NOSIGNAL on each send */
	COMPAT_SEND_MORE,       /* MSG_MORE: a send may wait for the next to fill a packet */
	COMPAT_SENDFILE,        /* the kernel copies a file to a socket */
	COMPAT_OPEN_BENEATH,    /* the kernel keeps an open beneath a folder */
	COMPAT_O_PATH,          /* a folder that cannot be read can still be opened */
	COMPAT_SCHED_BATCH,     /* the SCHED_BATCH thread policy */
	COMPAT_COND_MONOTONIC,  /* condvar deadlines on the monotonic clock */
	COMPAT_EXE_PATH,        /* the system names the running program's file */
	COMPAT_D_TYPE,          /* readdir() tells a folder or a link without a stat */
	COMPAT_EPOLL,           /* the poller is epoll */
	COMPAT_FEATURES
};

/* Whether this build uses the feature (false: its fallback). */
bool compat_has(enum compat_feature f);

/* Its name as above ("accept4", "sendfile", ...), for messages. */
const char *compat_feature_name(enum compat_feature f);

/* ---- sockets ------------------------------------------------------------------------------ */

/* socket(2) whose descriptor is close-on-exec. Returns the fd, or -1 with errno. */
int compat_socket(int domain, int type, int protocol);

/* accept(2) whose new descriptor is close-on-exec. */
int compat_accept(int listen_fd, struct sockaddr *addr, socklen_t *addr_len);

/* compat_send/compat_sendmsg flag: more bytes follow at once, so these may wait to share a
 * packet with them (MSG_MORE). Where the system has no such hint it is ignored. */
#define COMPAT_SEND_MORE_FLAG 1

/*
 * send(2) and sendmsg(2) that never block, whether or not the socket does (a full socket buffer
 * is EAGAIN), and never raise SIGPIPE (a vanished peer is EPIPE). flags: 0 or
 * COMPAT_SEND_MORE_FLAG. Without MSG_DONTWAIT the socket is made non-blocking for the call: so
 * one socket must not be used by two threads at once (none is here).
 */
ssize_t compat_send(int fd, const void *buf, size_t len, int flags);
ssize_t compat_sendmsg(int fd, const struct msghdr *msg, int flags);

/* recv(2) that never blocks (EAGAIN when nothing is there); flags as POSIX's (MSG_PEEK). */
ssize_t compat_recv(int fd, void *buf, size_t len, int flags);

/*
 * Linux's sendfile(2): up to count bytes of file_fd from *offset to the socket, *offset moved
 * past what was sent. Returns that count (fewer than asked when the socket buffer filled), 0 at
 * the end of the file, or -1 with errno (EAGAIN: the socket is full and non-blocking). The
 * fallback reads with pread() and sends without blocking; what did not fit is read again next
 * time. SIGPIPE: see compat_send (Linux's sendfile raises it: ignore it, as stop_setup does).
 */
ssize_t compat_sendfile(int sock, int file_fd, off_t *offset, size_t count);

/* ---- files -------------------------------------------------------------------------------- */

/*
 * openat(dir_fd, path, flags), where the kernel itself refuses a path that would leave the
 * folder (an absolute path or link, ".." above it): Linux's openat2(RESOLVE_BENEATH |
 * RESOLVE_NO_MAGICLINKS), FreeBSD's O_RESOLVE_BENEATH. Such a path is EXDEV. Returns -1 with
 * ENOSYS where the system cannot (macOS, PORTABLE=1, an old kernel, valgrind): the caller then
 * walks the path itself (fileserver/beneath.c).
 */
int compat_open_beneath(int dir_fd, const char *path, int flags);

/* The open(2) flag that opens a file or folder without reading it (O_PATH), enough for fstat()
 * and as the folder of an openat(); 0 where the system has none. */
int compat_o_path(void);

/* The modification time of st, to the nanosecond where the system keeps it. */
struct timespec compat_mtime(const struct stat *st);

/* What readdir() said an entry is, where it says it (d_type); else COMPAT_DT_UNKNOWN, and the
 * caller asks fstatat(). */
enum { COMPAT_DT_UNKNOWN, COMPAT_DT_DIR, COMPAT_DT_LNK, COMPAT_DT_OTHER };
struct dirent;
int compat_dirent_type(const struct dirent *d);

/*
 * The absolute path of the running program's file, into buf of size bytes: from the system
 * where it tells (Linux /proc/self/exe, macOS _NSGetExecutablePath, FreeBSD KERN_PROC_PATHNAME),
 * else from argv0 made absolute with realpath(), looked up in PATH when it has no '/'. Returns 0,
 * or -1 with errno (ENOENT: not found; ENAMETOOLONG).
 */
int compat_exe_path(char *buf, size_t size, const char *argv0);

/* ---- randomness, threads ------------------------------------------------------------------ */

/* len bytes from the kernel's CSPRNG (getrandom, else getentropy), waiting only until it is
 * seeded at boot. Returns 0, or -1 with errno EIO. */
int compat_random(void *buf, size_t len);

/*
 * Put the calling thread under Linux's SCHED_BATCH policy at priority 0 (no privilege needed):
 * a thread woken by its client waits for the running one to block instead of preempting it.
 * Returns 0, or -1 with errno (ENOTSUP where there is no such policy; nothing changes).
 */
int compat_thread_batch(void);

/* Whether the calling thread runs under SCHED_BATCH (false where there is none). */
bool compat_thread_is_batch(void);

/* The CPUs online (sysconf(_SC_NPROCESSORS_ONLN), which every system here has but POSIX does
 * not name); 1 where it cannot tell. */
unsigned compat_cpu_count(void);

/* pthread_cond_init() of a condvar whose timed waits use the monotonic clock, which a change of
 * the date does not move, where the system lets a condvar choose (pthread_condattr_setclock);
 * else the default clock (macOS). Returns 0 or an error number, as pthread_cond_init. */
int compat_cond_init(pthread_cond_t *cond);

/* The absolute time ms from now on the clock of compat_cond_init's condvars, for
 * pthread_cond_timedwait(). */
struct timespec compat_cond_deadline(unsigned ms);

/* ---- a poller: many sockets, one thread (the benchmark tools) ------------------------------- */

#define COMPAT_POLL_IN 1u
#define COMPAT_POLL_OUT 2u
#define COMPAT_POLL_ERR 4u   /* an error or hang-up: reported whether asked for or not */

struct compat_event {
	void *data;              /* what compat_poller_set was given for the fd */
	unsigned events;         /* COMPAT_POLL_* */
};

struct compat_poller;

/* epoll on Linux; poll() over an array elsewhere (fine for the few thousand fds of a bench).
 * Returns NULL with errno. */
struct compat_poller *compat_poller_new(void);

/* Watch fd for events (level-triggered; data comes back with them): add it (EEXIST if watched
 * already), or change what is watched (ENOENT if not). Remove a fd before closing it: a closed
 * fd would stay in poll()'s array. 0, or -1 with errno. */
int compat_poller_add(struct compat_poller *p, int fd, unsigned events, void *data);
int compat_poller_modify(struct compat_poller *p, int fd, unsigned events, void *data);
int compat_poller_remove(struct compat_poller *p, int fd);

/* Wait up to timeout_ms (-1: no limit) for events; at most max go to out. Returns their count,
 * 0 on timeout, or -1 with errno (EINTR). */
int compat_poller_wait(struct compat_poller *p, struct compat_event *out, int max,
                       int timeout_ms);

void compat_poller_free(struct compat_poller *p);

#endif
