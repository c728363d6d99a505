/* beneath.c: open and write files beneath a workspace without ever
 * leaving it, for the write and edit tools (which run in conch itself,
 * outside the launcher's confinement).
 *
 * Every component is opened relative to the previous directory fd with
 * openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS), or
 * openat(O_NOFOLLOW) where openat2 is missing; ".." is refused.  A
 * symlink swapped in after a check cannot redirect anything: the next
 * step works on the fd already held, and the final write is a rename of
 * a temp file made in that directory fd, which replaces a name, never
 * follows it. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

static int
open_comp(int dirfd, const char *name, int flags, mode_t mode)
{
	struct open_how how;
	long fd;

	memset(&how, 0, sizeof how);
	how.flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC);
	if (flags & O_CREAT)
		how.mode = mode;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = syscall(SYS_openat2, dirfd, name, &how, sizeof how);
	if (fd >= 0 || (errno != ENOSYS && errno != EPERM))
		return (int)fd;
	/* no openat2 (or a seccomp policy refusing it): one component,
	 * no symlink followed, is just as tight */
	return openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode);
}

static enum cerr
map_errno(int err, const char *rel, struct buf *why)
{
	const char *msg = NULL; /* NULL: strerror's */
	enum cerr e = C_ERR_PERM;
	switch (err) {
	case ENOENT:
		msg = "no such file or directory";
		e = C_ERR_NOTFOUND;
		break;
	case ELOOP:
	case EXDEV:
	case ENOTDIR:
		msg = "a path component is a symlink or not a directory; refusing "
		      "to leave the workspace";
		break;
	case ENXIO:
		msg = "not a regular file";
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		break;
	default:
		e = C_ERR_IO;
		break;
	}
	if (why)
		buf_printf(why, "%s: %s", rel, msg ? msg : strerror(err));
	return e;
}

/* `relpath` relative to `root`: absolute paths must lie under root. */
static char *
relative_to(const char *root, const char *relpath, struct buf *why)
{
	char *nroot, *npath, *rel = NULL;
	if (relpath[0] != '/')
		return xstrdup(relpath);
	nroot = path_normalize(root);
	npath = path_normalize(relpath);
	if (path_is_under(npath, nroot)) {
		const char *r = npath + strlen(nroot);
		while (*r == '/')
			r++;
		rel = xstrdup(*r ? r : ".");
	} else if (why) {
		buf_printf(why, "%s is outside the workspace %s", relpath, root);
	}
	xfree_all(nroot, npath);
	return rel;
}

enum cerr
sandbox_open_parent_beneath(const char *root, const char *relpath,
			    bool mkdirs, int *dirfdp, const char **base,
			    struct buf *why)
{
	char *rel = NULL, *p, *slash;
	enum cerr e = C_OK;
	int cur;
	size_t off;

	*dirfdp = -1;
	cur = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cur < 0)
		return map_errno(errno, root, why);
	rel = relative_to(root, relpath, why);
	if (!rel) {
		e = C_ERR_PERM;
		goto out;
	}
	slash = strrchr(rel, '/');
	off = slash ? (size_t)(slash - rel) + 1 : 0;
	{
		size_t lp = strlen(relpath), lb = strlen(rel + off);
		if (lb > lp || strcmp(relpath + lp - lb, rel + off) != 0) {
			if (why)
				buf_printf(why, "%s: unsupported path form", relpath);
			e = C_ERR_INVAL;
			goto out;
		}
		*base = relpath + lp - lb;
	}
	if (slash)
		*slash = '\0';
	for (p = slash ? rel : NULL; p && *p;) {
		char *comp = p, *next = strchr(p, '/');
		int fd;
		if (next)
			*next++ = '\0';
		p = next;
		if (!*comp || strcmp(comp, ".") == 0)
			continue;
		if (strcmp(comp, "..") == 0) {
			if (why)
				buf_printf(why, "%s: \"..\" is not allowed", relpath);
			e = C_ERR_PERM;
			goto out;
		}
		if (mkdirs && mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
			e = map_errno(errno, relpath, why);
			goto out;
		}
		fd = open_comp(cur, comp, O_RDONLY | O_DIRECTORY, 0);
		if (fd < 0) {
			e = map_errno(errno, relpath, why);
			goto out;
		}
		close(cur);
		cur = fd;
	}
	if (strcmp(*base, "..") == 0) {
		if (why)
			buf_printf(why, "%s: \"..\" is not allowed", relpath);
		e = C_ERR_PERM;
		goto out;
	}
	*dirfdp = cur;
	cur = -1;
out:
	if (cur >= 0)
		close(cur);
	free(rel);
	return e;
}

/* The file behind fd may be written by a tool: a regular file with one
 * link (or a directory when asked for one). */
static enum cerr
check_file(int fd, bool want_dir, const char *rel, struct buf *why)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return map_errno(errno, rel, why);
	if (want_dir && S_ISDIR(st.st_mode))
		return C_OK;
	if (!S_ISREG(st.st_mode)) {
		if (why)
			buf_printf(why, "%s: not a regular file (device, FIFO, socket "
				   "or directory); refused", rel);
		return C_ERR_PERM;
	}
	if (st.st_nlink > 1) {
		if (why)
			buf_printf(why, "%s: has %lu hard links; refusing to write "
				   "through a hard link", rel,
				   (unsigned long)st.st_nlink);
		return C_ERR_PERM;
	}
	return C_OK;
}

enum cerr
sandbox_open_beneath(const char *root, const char *relpath, int flags,
		     mode_t mode, int *fdp, struct buf *why)
{
	const char *base;
	int dfd = -1, fd = -1, fl;
	enum cerr e;

	*fdp = -1;
	e = sandbox_open_parent_beneath(root, relpath, false, &dfd, &base, why);
	if (e != C_OK)
		return e;
	if (!*base)
		base = ".";
	/* No O_TRUNC until the checks pass; O_NONBLOCK so a FIFO cannot
	 * block the open. */
	fl = (flags & ~O_TRUNC) | O_NONBLOCK;
	fd = open_comp(dfd, base, fl, mode);
	if (fd < 0) {
		e = map_errno(errno, relpath, why);
		goto out;
	}
	e = check_file(fd, (flags & O_DIRECTORY) != 0, relpath, why);
	if (e != C_OK)
		goto out;
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if ((flags & O_TRUNC) && ftruncate(fd, 0) < 0) {
		e = map_errno(errno, relpath, why);
		goto out;
	}
	*fdp = fd;
	fd = -1;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return e;
}

enum cerr
sandbox_write_beneath(const char *root, const char *relpath, const void *data,
		      size_t len, mode_t mode, bool mkdirs, struct buf *why)
{
	const char *base;
	char tmp[64];
	struct stat st;
	struct timespec ts;
	int dfd = -1, fd = -1, i;
	enum cerr e;

	e = sandbox_open_parent_beneath(root, relpath, mkdirs, &dfd, &base, why);
	if (e != C_OK)
		return e;
	if (!*base || strcmp(base, ".") == 0) {
		if (why)
			buf_printf(why, "%s: not a file name", relpath);
		e = C_ERR_INVAL;
		goto out;
	}
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode)) {
			if (why)
				buf_printf(why, "%s is a symlink; refusing to write "
					   "through it", relpath);
			e = C_ERR_PERM;
			goto out;
		}
		if (!S_ISREG(st.st_mode) || st.st_nlink > 1) {
			if (why)
				buf_printf(why, "%s: %s; refused", relpath,
					   S_ISREG(st.st_mode) ? "has hard links" :
					   "not a regular file");
			e = C_ERR_PERM;
			goto out;
		}
		mode = st.st_mode & 07777;
	} else if (errno != ENOENT) {
		e = map_errno(errno, relpath, why);
		goto out;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	for (i = 0; i < 100 && fd < 0; i++) {
		snprintf(tmp, sizeof tmp, ".conch-tmp-%ld-%lx", (long)getpid(),
			 (unsigned long)(ts.tv_nsec + i * 7919L));
		fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
			    O_CLOEXEC, mode & 0777);
		if (fd < 0 && errno != EEXIST) {
			e = map_errno(errno, relpath, why);
			goto out;
		}
	}
	if (fd < 0) {
		e = C_ERR_IO;
		goto out;
	}
	if (fs_write_all(fd, data, len) < 0 || fchmod(fd, mode) < 0 ||
	    fsync(fd) < 0 || close(fd) < 0) {
		fd = -1;
		e = map_errno(errno, relpath, why);
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) < 0) {
		e = map_errno(errno, relpath, why);
		unlinkat(dfd, tmp, 0);
		goto out;
	}
	fsync(dfd);
	e = C_OK;
out:
	if (fd >= 0)
		close(fd);
	close(dfd);
	return e;
}

/* ---- Reads anywhere: the real target, no magic link ------------------- */

/* Without openat2: does the lexical path go through a /proc magic link
 * (/proc/PID/{root,cwd,exe,fd,map_files}, and the same under task/TID)? */
static bool
lexical_magic(const char *path)
{
	static const char *const magic[] = { "root", "cwd", "exe", "fd",
					     "map_files", "ns", NULL };
	const char *s;

	if (strncmp(path, "/proc/", 6) != 0)
		return false;
	for (s = path + 6; *s; ) {
		size_t n = strcspn(s, "/");
		for (size_t i = 0; magic[i]; i++)
			if (strlen(magic[i]) == n && strncmp(s, magic[i], n) == 0)
				return true;
		s += n;
		while (*s == '/')
			s++;
	}
	return false;
}

enum cerr
sandbox_resolve_read(const char *path, int *fd, char **real, struct stat *st,
		     struct buf *why)
{
	struct open_how how;
	char link[64], target[PATH_MAX];
	ssize_t n;
	long r;

	*fd = -1;
	*real = NULL;
	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_NO_MAGICLINKS;
	r = syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof how);
	if (r < 0 && (errno == ENOSYS || errno == EPERM)) {
		if (lexical_magic(path)) {
			errno = ELOOP;
		} else {
			r = open(path, O_PATH | O_CLOEXEC);
		}
	}
	if (r < 0) {
		int err = errno;
		if (err == ELOOP) {
			if (why)
				buf_printf(why, "%s goes through a symlink loop or a "
					   "/proc magic link (root, cwd, fd, exe), "
					   "which file tools never follow", path);
			return C_ERR_PERM;
		}
		return map_errno(err, path, why);
	}
	*fd = (int)r;
	if (fstat(*fd, st) < 0) {
		enum cerr e = map_errno(errno, path, why);
		close(*fd);
		*fd = -1;
		return e;
	}
	snprintf(link, sizeof link, "/proc/self/fd/%d", *fd);
	n = readlink(link, target, sizeof target - 1);
	if (n > 0 && target[0] == '/') {
		target[n] = '\0';
		*real = xstrdup(target);
	} else {
		*real = realpath(path, NULL); /* no /proc: the same walk */
		if (!*real) {
			close(*fd);
			*fd = -1;
			return map_errno(errno, path, why);
		}
	}
	return C_OK;
}

int
sandbox_reopen(int pathfd, int flags)
{
	char link[64];
	snprintf(link, sizeof link, "/proc/self/fd/%d", pathfd);
	return open(link, (flags & ~O_CREAT) | O_CLOEXEC);
}

enum cerr
sandbox_unlink_beneath(const char *root, const char *rel, struct buf *err)
{
	int dfd = -1;
	const char *base;
	struct buf why = BUF_INIT;
	enum cerr e = sandbox_open_parent_beneath(root, rel, false, &dfd, &base,
						  &why);
	if (e == C_ERR_NOTFOUND) {
		e = C_OK; /* gone already */
	} else if (e != C_OK) {
		buf_printf(err, "cannot remove %s: %s", rel, buf_str(&why));
	} else if (unlinkat(dfd, base, 0) != 0 && errno != ENOENT) {
		buf_printf(err, "cannot remove %s: %s", rel, strerror(errno));
		e = C_ERR_IO;
	}
	if (dfd >= 0)
		close(dfd);
	buf_free(&why);
	return e;
}

void
sandbox_chmod_beneath(const char *root, const char *rel, mode_t mode)
{
	int fd = -1;
	struct stat st;
	if (sandbox_open_beneath(root, rel, O_RDONLY, 0, &fd, NULL) != C_OK)
		return;
	if (fstat(fd, &st) == 0 && (st.st_mode & 07777) != (mode & 07777) &&
	    fchmod(fd, mode & 07777) != 0) {
		/* the contents are restored; the mode is best effort */
	}
	close(fd);
}
