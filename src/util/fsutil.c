#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/fsutil.h"
#include "util/xalloc.h"

enum cerr
fs_read_file(const char *path, size_t max, struct buf *out)
{
	enum cerr e = C_OK;
	char chunk[65536];
	size_t total = 0;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? C_ERR_NOTFOUND : C_ERR_IO;
	for (;;) {
		n = read(fd, chunk, sizeof chunk);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			e = C_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		total += (size_t)n;
		if (max && total > max) {
			e = C_ERR_TOOBIG;
			goto out;
		}
		if (buf_add(out, chunk, (size_t)n)) {
			e = out->err;
			goto out;
		}
	}
	if (!out->p)
		buf_add(out, "", 0);
out:
	close(fd);
	return e;
}

int
fs_write_all(int fd, const void *data, size_t len)
{
	const char *p = data;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

enum cerr
fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	enum cerr e = C_ERR_IO;
	char *dir = NULL, *tmp = NULL, *slash;
	struct stat st;
	int fd = -1, dfd, saved;

	if (stat(path, &st) == 0)
		mode = st.st_mode & 07777;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash == dir)
		dir[1] = '\0';
	else if (slash)
		*slash = '\0';
	else {
		free(dir);
		dir = xstrdup(".");
	}
	/* An anonymous file first (O_TMPFILE): a writer killed while
	 * writing leaves nothing; it gets a name only for the rename. */
	fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, mode & 0777);
	if (fd >= 0) {
		char link[64];
		if (fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 ||
		    fsync(fd) < 0)
			goto out_anon;
		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		for (int k = 0; k < 100; k++) {
			free(tmp);
			tmp = xasprintf("%s.tmp.%ld.%d", path, (long)getpid(), k);
			if (linkat(AT_FDCWD, link, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) == 0)
				break;
			if (errno != EEXIST) {
				free(tmp);
				tmp = NULL;
				break;
			}
		}
		if (tmp && access(tmp, F_OK) == 0) {
			close(fd);
			fd = -1;
			goto named;
		}
out_anon:
		saved = errno;
		close(fd);
		fd = -1;
		free(tmp);
		tmp = NULL;
		if (saved == ENOSPC || saved == EDQUOT) {
			errno = saved;
			e = C_ERR_TOOBIG;
			goto out;
		}
		/* no /proc, or a file system without O_TMPFILE: named */
	}
	tmp = xasprintf("%s.tmp.%ld.XXXXXX", path, (long)getpid());
	fd = mkstemp(tmp);
	if (fd < 0)
		goto out;
	if (fchmod(fd, mode) < 0 || fs_write_all(fd, data, len) < 0 ||
	    fsync(fd) < 0)
		goto out_unlink;
	if (close(fd) < 0) {
		fd = -1;
		goto out_unlink;
	}
	fd = -1;
named:
	if (rename(tmp, path) < 0)
		goto out_unlink;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	e = C_OK;
	goto out;
out_unlink:
	saved = errno;
	if (fd >= 0)
		close(fd);
	fd = -1;
	unlink(tmp);
	errno = saved;
	e = (saved == ENOSPC || saved == EDQUOT) ? C_ERR_TOOBIG : C_ERR_IO;
	if (saved == EACCES || saved == EPERM || saved == EROFS)
		e = C_ERR_PERM;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	xfree_all(tmp, dir);
	errno = saved;
	return e;
}

enum cerr
fs_mkdir_p(const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	enum cerr e = C_OK;
	char *s;

	for (s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;
			*s = '\0';
			if (mkdir(p, mode) < 0 && errno != EEXIST) {
				e = errno == EACCES || errno == EROFS ?
					C_ERR_PERM : C_ERR_IO;
				goto out;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	if (!fs_is_dir(path))
		e = C_ERR_IO;
out:
	free(p);
	return e;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

char **
fs_dir_names(DIR *d, bool hidden, size_t *np)
{
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' && (!hidden || strcmp(de->d_name, ".") == 0 ||
					     strcmp(de->d_name, "..") == 0))
			continue;
		names = xgrow(names, n + 2, &cap, 32, sizeof *names); /* and NULL */
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (names) {
		qsort(names, n, sizeof *names, cmp_name);
		names[n] = NULL;
	}
	*np = n;
	return names;
}

bool
fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
fs_exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

char *
path_join(const char *a, const char *b)
{
	size_t la;
	if (b[0] == '/' || !a || !*a)
		return xstrdup(b);
	la = strlen(a);
	while (la > 1 && a[la - 1] == '/')
		la--;
	return xasprintf("%.*s/%s", (int)la, a, b);
}

char *
path_normalize(const char *path)
{
	size_t n = strlen(path);
	char *out = xmalloc(n + 2);
	size_t o = 0;
	const char *p = path;
	bool abs = path[0] == '/';

	if (abs)
		out[o++] = '/';
	while (*p) {
		const char *seg;
		size_t len;
		while (*p == '/')
			p++;
		if (!*p)
			break;
		seg = p;
		while (*p && *p != '/')
			p++;
		len = (size_t)(p - seg);
		if (len == 1 && seg[0] == '.')
			continue;
		if (len == 2 && seg[0] == '.' && seg[1] == '.') {
			/* drop the last segment */
			if (o > (abs ? 1u : 0u)) {
				while (o > 0 && out[o - 1] != '/')
					o--;
				if (o > (abs ? 1u : 0u))
					o--; /* the slash */
				if (abs && o == 0)
					o = 1;
			}
			continue;
		}
		if (o > 0 && out[o - 1] != '/')
			out[o++] = '/';
		memcpy(out + o, seg, len);
		o += len;
	}
	if (o == 0)
		out[o++] = '.';
	out[o] = '\0';
	return out;
}

char *
path_resolve(const char *base, const char *p)
{
	char *j = path_join(base, p), *n;
	n = path_normalize(j);
	free(j);
	return n;
}

bool
path_is_under(const char *path, const char *root)
{
	size_t lr = strlen(root);
	if (lr == 1 && root[0] == '/')
		return path[0] == '/';
	if (strncmp(path, root, lr) != 0)
		return false;
	return path[lr] == '\0' || path[lr] == '/';
}

char *
path_slug(const char *dir)
{
	size_t n = strlen(dir), i, o = 0;
	char *s = xmalloc(n + 2);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)dir[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_') {
			s[o++] = (char)c;
		} else if (o > 0 && s[o - 1] != '-') {
			s[o++] = '-';
		}
	}
	while (o > 0 && s[o - 1] == '-')
		o--;
	if (o == 0)
		s[o++] = '-';
	s[o] = '\0';
	return s;
}

char *
path_project_key(const char *dir)
{
	char *real = realpath(dir, NULL), *slug, *key;
	const char *use = real ? real : dir;
	uint64_t h = 14695981039346656037ULL;
	const unsigned char *p;
	size_t n;

	for (p = (const unsigned char *)use; *p; p++) {
		h ^= *p;
		h *= 1099511628211ULL;
	}
	slug = path_slug(use);
	n = strlen(slug);
	if (n > 48) /* keep the tail: the project's own name is there */
		memmove(slug, slug + n - 48, 49);
	key = xasprintf("%s-%012llx", slug,
			(unsigned long long)(h & 0xffffffffffffULL));
	xfree_all(slug, real);
	return key;
}

char *
xdg_dir(const char *which)
{
	const char *env = NULL, *home = getenv("HOME"), *def = NULL;
	if (!home || !*home)
		home = "/tmp";
	if (strcmp(which, "config") == 0) {
		env = getenv("XDG_CONFIG_HOME");
		def = ".config";
	} else if (strcmp(which, "state") == 0) {
		env = getenv("XDG_STATE_HOME");
		def = ".local/state";
	} else if (strcmp(which, "data") == 0) {
		env = getenv("XDG_DATA_HOME");
		def = ".local/share";
	} else {
		env = getenv("XDG_CACHE_HOME");
		def = ".cache";
	}
	if (env && env[0] == '/')
		return xasprintf("%s/conch", env);
	return xasprintf("%s/%s/conch", home, def);
}

char *
fs_find_git_root(const char *dir)
{
	char *cur = xstrdup(dir);
	for (;;) {
		char *g = path_join(cur, ".git");
		bool found = fs_exists(g);
		char *slash;
		free(g);
		if (found)
			return cur;
		slash = strrchr(cur, '/');
		if (!slash || slash == cur) {
			free(cur);
			return NULL;
		}
		*slash = '\0';
	}
}

/* ---- leftovers of dead processes ---------------------------------------- */

static void
rm_tree_at(int dfd, const char *name, int depth)
{
	struct stat st;
	int fd;
	DIR *d;
	struct dirent *de;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return;
	if (!S_ISDIR(st.st_mode) || depth > 64) {
		unlinkat(dfd, name, 0);
		return;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && (d = fdopendir(fd)) != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
				rm_tree_at(dirfd(d), de->d_name, depth + 1);
		closedir(d);
	} else if (fd >= 0) {
		close(fd);
	}
	unlinkat(dfd, name, AT_REMOVEDIR);
}

size_t
fs_sweep_stale(const char *dir, const char *prefix, long min_age_s)
{
	size_t plen = strlen(prefix), n = 0;
	time_t now = time(NULL);
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;
	struct dirent *de;

	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		const char *s = de->d_name;
		struct stat st;
		char *end;
		long pid;

		if (strncmp(s, prefix, plen) != 0)
			continue;
		/* PREFIX anything-PID then '-', '.' or the end: the last
		 * run of digits that follows a '-' */
		end = NULL;
		pid = 0;
		for (const char *q = s + plen; *q; q++) {
			if ((q == s + plen || q[-1] == '-') && *q >= '1' && *q <= '9') {
				char *e;
				long v = strtol(q, &e, 10);
				if (*e == '\0' || *e == '-' || *e == '.') {
					pid = v;
					end = e;
				}
			}
		}
		if (!end || pid <= 0 || pid > 4194304)
			continue;
		if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue; /* alive (or not ours to know) */
		if (fstatat(dirfd(d), s, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    st.st_uid != geteuid() || now - st.st_mtime < min_age_s)
			continue;
		rm_tree_at(dirfd(d), s, 0);
		n++;
	}
	closedir(d);
	return n;
}

/* `p` with its deepest existing ancestor resolved and the rest kept:
 * where a path that does not exist yet would be created.  Caller frees;
 * NULL when not even "/" resolves. */
char *
path_real_deep(const char *p)
{
	char *probe = xstrdup(p), *real = NULL, *out;
	size_t cut = strlen(p);

	for (;;) {
		real = realpath(probe, NULL);
		if (real || cut <= 1)
			break;
		while (cut > 1 && probe[cut - 1] != '/')
			cut--;
		if (cut > 1)
			cut--;
		probe[cut] = '\0';
	}
	free(probe);
	if (!real)
		return NULL;
	if (!p[cut]) {
		out = real;
	} else {
		out = path_join(real, p + cut + (p[cut] == '/'));
		free(real);
	}
	return out;
}
