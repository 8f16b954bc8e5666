// SPDX-License-Identifier: MIT
/*
 * beneath: a path opened inside the served folder only (see beneath.h).
 *
 * The walk keeps two things: the folder it stands in (an fd), and the path of that folder from
 * the root as plain names (resolved), never through a link. A component that is a link is read
 * with readlinkat() and its target put in front of what is left of the path. ".." pops the last
 * name of resolved, and the folder is opened again from the root along resolved, with
 * O_NOFOLLOW at every step; so "..", wherever it comes from, can never climb above the root, and
 * a folder swapped for a link meanwhile is refused, not followed.
 *
 * Left out on purpose: RESOLVE_NO_XDEV (mount points inside the folder are followed) and magic
 * links (/proc/self/fd/N): the walk never follows an absolute link, so it cannot meet one.
 */
#include "beneath.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/compat.h"

/* How a folder along the path is opened: to look up names in it, never as a link. */
#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

/* The folder resolved names (a '/'-separated path from the root, "" for the root itself). */
static int open_resolved(int root_fd, const char *resolved)
{
	char name[NAME_MAX + 1];
	int dir = dup(root_fd);

	while (dir >= 0 && *resolved != '\0') {
		size_t n = strcspn(resolved, "/");
		if (n > NAME_MAX) {
			close(dir);
			errno = ENAMETOOLONG;
			return -1;
		}
		memcpy(name, resolved, n);
		name[n] = '\0';
		int next = openat(dir, name, DIR_FLAGS);
		close(dir);
		dir = next;
		resolved += n + (resolved[n] == '/');
	}
	return dir;
}

/* The target of the link name in dir, put in front of rest (the path after name). */
static int splice_link(int dir, const char *name, char *todo, size_t size, const char *rest)
{
	char target[PATH_MAX];
	ssize_t n = readlinkat(dir, name, target, sizeof target - 1);

	if (n < 0)
		return -1;
	target[n] = '\0';
	if (target[0] == '/') {
		errno = EXDEV;   /* an absolute link: refused even when it points back inside */
		return -1;
	}
	char joined[PATH_MAX];
	int len = snprintf(joined, sizeof joined, "%s%s%s", target, *rest ? "/" : "", rest);
	if (len < 0 || (size_t)len >= sizeof joined || (size_t)len >= size) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(todo, joined, (size_t)len + 1);
	return 0;
}

/* Whether fd is a link: only O_PATH | O_NOFOLLOW opens one instead of failing (Linux, FreeBSD). */
static bool is_link(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISLNK(st.st_mode);
}

/* ".." from resolved: drop its last name. Returns -1 (EXDEV) at the root: that leaves it. */
static int pop_name(char *resolved)
{
	char *slash = strrchr(resolved, '/');

	if (resolved[0] == '\0') {
		errno = EXDEV;
		return -1;
	}
	*(slash != NULL ? slash : resolved) = '\0';
	return 0;
}

static int push_name(char *resolved, const char *name)
{
	size_t have = strlen(resolved), n = strlen(name);

	if (have + n + 2 > PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (have > 0)
		resolved[have++] = '/';
	memcpy(resolved + have, name, n + 1);
	return 0;
}

int beneath_walk(int root_fd, const char *rel, int flags)
{
	char todo[PATH_MAX], resolved[PATH_MAX] = "", name[NAME_MAX + 1];
	int links = 0, dir = -1, fd = -1;

	if (strlen(rel) >= sizeof todo) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(todo, rel, strlen(rel) + 1);
	if (todo[0] == '\0')
		return openat(root_fd, ".", flags);
	dir = dup(root_fd);
	while (dir >= 0 && todo[0] != '\0') {
		size_t n = strcspn(todo, "/");
		const char *rest = todo + n + (todo[n] == '/');
		if (n > NAME_MAX) {
			errno = ENAMETOOLONG;
			break;
		}
		memcpy(name, todo, n);
		name[n] = '\0';
		bool last = *rest == '\0';
		if (n == 0 || strcmp(name, ".") == 0) {
			memmove(todo, rest, strlen(rest) + 1);
			if (last)
				fd = openat(dir, ".", flags);
			continue;
		}
		if (strcmp(name, "..") == 0) {
			if (pop_name(resolved) < 0)
				break;
			close(dir);
			dir = open_resolved(root_fd, resolved);
			memmove(todo, rest, strlen(rest) + 1);
			if (last && dir >= 0)
				fd = openat(dir, ".", flags);
			continue;
		}
		int next = openat(dir, name, last ? flags | O_NOFOLLOW : DIR_FLAGS);
		if (next >= 0 && last && !is_link(next)) {
			fd = next;
			break;
		}
		if (next >= 0 && last) {   /* O_PATH opened the link itself: follow it */
			close(next);
			next = -1;
			errno = ELOOP;
		}
		if (next >= 0) {
			close(dir);
			dir = next;
			if (push_name(resolved, name) < 0)
				break;
			memmove(todo, rest, strlen(rest) + 1);
			continue;
		}
		/* O_NOFOLLOW met a link (ELOOP; FreeBSD says EMLINK; O_DIRECTORY may say ENOTDIR):
		 * follow it by hand, from the folder it is in. */
		int err = errno;
		if (err != ELOOP && err != EMLINK && err != ENOTDIR)
			break;
		if (++links > BENEATH_LINKS_MAX) {
			errno = ELOOP;
			break;
		}
		if (splice_link(dir, name, todo, sizeof todo, rest) < 0) {
			if (errno == EINVAL)
				errno = err;   /* not a link after all: openat()'s own error */
			break;
		}
	}
	int saved = errno;
	if (dir >= 0)
		close(dir);
	errno = saved;
	return fd;
}

int beneath_open(int root_fd, const char *rel, int flags, bool walk_only)
{
	int fd;

	if (walk_only)
		return beneath_walk(root_fd, rel, flags);
	fd = compat_open_beneath(root_fd, rel, flags);
	if (fd >= 0 || errno != ENOSYS)
		return fd;
	return beneath_walk(root_fd, rel, flags);
}
