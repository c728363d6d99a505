/* fsutil.h: whole-file reads, atomic writes, directories and XDG paths. */
#ifndef CONCH_FSUTIL_H
#define CONCH_FSUTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/err.h"

/* Read the whole file at `path` into `out` (appended).  Fails with
 * C_ERR_TOOBIG past `max` bytes (0: the buffer's own cap), C_ERR_NOTFOUND
 * when it does not exist, C_ERR_IO otherwise (errno kept). */
enum cerr fs_read_file(const char *path, size_t max, struct buf *out);

/* Write `len` bytes to `path` atomically: an anonymous file in the same
 * directory (O_TMPFILE, named "<path>.tmp.PID.N" only for the rename;
 * a named temp file where the file system lacks O_TMPFILE), fsync,
 * rename, fsync of the directory.  A reader sees the old
 * file or the new one, never a torn one.  `mode` is used when the file is
 * new; an existing file keeps its mode.  errno is kept on failure. */
enum cerr fs_write_atomic(const char *path, const void *data, size_t len,
			  mode_t mode);

/* write(2) all `len` bytes, retrying on EINTR and short writes; 0 or -1
 * with errno set. */
int fs_write_all(int fd, const void *data, size_t len);

/* Create `path` and missing parents with `mode`; existing is fine. */
enum cerr fs_mkdir_p(const char *path, mode_t mode);

bool fs_is_dir(const char *path);
/* The names in the open directory d, which is closed: sorted bytewise,
 * without "." and "..", nor any other name starting with '.' unless
 * `hidden`; NULL-terminated, *np of them, NULL when there are none.
 * Free with strv_free(v, *np) (util/str.h). */
char **fs_dir_names(DIR *d, bool hidden, size_t *np);
bool fs_exists(const char *path);

/* "a" + "/" + "b" without doubling slashes; an absolute b is returned as
 * is.  Caller frees. */
char *path_join(const char *a, const char *b);

/* Lexically normalise an absolute path: collapse "//", ".", "..".
 * Caller frees. */
char *path_normalize(const char *path);

/* Resolve `p` against `base` (if relative) and normalise.  Caller frees. */
char *path_resolve(const char *base, const char *p);

/* True when `path` equals `root` or lies below it (both normalised). */
bool path_is_under(const char *path, const char *root);
/* `p` (absolute) with its deepest existing ancestor resolved by
 * realpath(3) and the rest kept: where a path that does not exist yet
 * would be created.  Caller frees; NULL when not even "/" resolves. */
char *path_real_deep(const char *p);

/* A filesystem-safe slug for a project directory, e.g.
 * "/home/u/src/app" -> "home-u-src-app".  Caller frees. */
char *path_slug(const char *dir);

/* The key of a project directory under conch's state and data dirs: the
 * readable slug (cut to 48 bytes) plus "-" and 12 hex digits of a 64-bit
 * FNV-1a hash of the real path (realpath(3) when it resolves, else `dir`
 * as given), so two directories never share a key although their slugs
 * match ("/tmp/a-b/c" and "/tmp/a/b-c").  Caller frees. */
char *path_project_key(const char *dir);

/* XDG base directories with their defaults, plus "/conch".  Each returns a
 * new string; caller frees.  which: "config", "state", "data", "cache". */
char *xdg_dir(const char *which);

/* Remove what dead processes left in `dir`: entries named PREFIX...-PID
 * (PID followed by '-', '.' or the end, e.g. ".tmp-NAME-1234",
 * "edit-NAME-1234.md", "conch-bash-1234-Ab12Cd") whose PID no longer
 * runs, owned by this user and not changed for `min_age_s` seconds;
 * folders go whole.  A process in another PID namespace sharing `dir`
 * looks dead: the age keeps its fresh files.  Returns how many went. */
size_t fs_sweep_stale(const char *dir, const char *prefix, long min_age_s);

/* The git root above `dir` (a directory holding .git), or NULL. */
char *fs_find_git_root(const char *dir);

#endif
