/* SPDX-License-Identifier: MIT */
/*
 * beneath: open a path inside the served folder, and nowhere else, whatever symbolic links the
 * folder holds. A link that stays inside the folder is followed (www/link-in -> sub); one that
 * is absolute, or climbs out with "..", is refused, as Linux's openat2(RESOLVE_BENEATH) refuses
 * it; so is a path through more than BENEATH_LINKS_MAX links (a loop).
 *
 * beneath_open() asks the kernel to do it in one call (compat_open_beneath: openat2 on Linux 5.6
 * and later, O_RESOLVE_BENEATH on FreeBSD 13); where that call is missing (macOS, PORTABLE=1, an
 * older kernel, a seccomp filter, valgrind) it does beneath_walk(): the path
 * one component at a time with openat(O_NOFOLLOW), each relative to the folder opened before, so
 * no check is ever separate from the open it protects (a realpath() check followed by an open
 * would leave a moment in which a checked folder can be swapped for a link).
 *
 * Error convention: -1 with errno: EXDEV for a path that would leave the folder (what openat2
 * says), ELOOP for too many links, ENAMETOOLONG, or what openat() gave. Thread-safe.
 */
#ifndef BENEATH_H
#define BENEATH_H

#include <stdbool.h>

#define BENEATH_LINKS_MAX 40   /* links followed in one path, as Linux's own limit */

/* Open rel ("" is the folder itself; no leading '/') beneath the folder open at root_fd, with
 * open(2)'s flags. walk_only: skip the kernel's call (the tests make the walk run everywhere). */
int beneath_open(int root_fd, const char *rel, int flags, bool walk_only);

/* The same, always one component at a time with openat(O_NOFOLLOW). */
int beneath_walk(int root_fd, const char *rel, int flags);

#endif
