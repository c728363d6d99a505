/* tool-ls.c: list a directory with types and sizes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/gitignore.h"
#include "tools/internal.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/xalloc.h"

#define LS_MAX_ENTRIES 500

static void
put_entry(struct buf *out, const char *path, const char *name)
{
	struct stat st;
	if (lstat(path, &st) < 0)
		return;
	if (S_ISDIR(st.st_mode)) {
		buf_printf(out, "dir  %s/\n", name);
	} else if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(path, target, sizeof target - 1);
		target[n > 0 ? n : 0] = '\0';
		buf_printf(out, "link %s -> %s\n", name, target);
	} else if (S_ISREG(st.st_mode)) {
		buf_printf(out, "file %s  %lld\n", name, (long long)st.st_size);
	} else {
		buf_printf(out, "other %s\n", name);
	}
}

enum cerr
tool_ls_exec(struct tool_ctx *ctx, const cJSON *args, struct buf *out)
{
	char *abs = tool_path(ctx, jx_str(args, "path"));
	char *shown = tool_display_path(ctx, abs);
	struct gitignore *gi = NULL;
	char **names = NULL;
	size_t n = 0, i, shown_n = 0, ignored = 0;
	struct stat st;
	enum cerr e = C_OK;
	DIR *d = NULL;
	char *real = NULL;
	int fd = -1;

	e = tool_open_read(ctx, abs, shown, O_RDONLY | O_DIRECTORY, &fd, &real,
			   &st, out);
	if (e == C_ERR_NOTFOUND) {
		buf_printf(out, "%s does not exist. Check the path.", shown);
		goto out;
	}
	if (e != C_OK)
		goto out;
	if (!S_ISDIR(st.st_mode)) {
		put_entry(out, real, shown);
		goto out;
	}
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		buf_printf(out, "Cannot list %s: %s.", shown, strerror(errno));
		e = errno == EACCES ? C_ERR_PERM : C_ERR_IO;
		goto out;
	}
	fd = -1;
	names = fs_dir_names(d, true, &n);
	d = NULL;
	gi = gi_new(real);
	for (i = 0; i < n; i++) {
		char *p = path_join(real, names[i]);
		struct stat lst;
		if (lstat(p, &lst) < 0 || tool_read_hidden(ctx, p, &lst)) {
			/* what a read would refuse is not listed either */
		} else if (gi_ignored(gi, p, fs_is_dir(p))) {
			ignored++;
		} else if (shown_n < LS_MAX_ENTRIES) {
			put_entry(out, p, names[i]);
			shown_n++;
		} else {
			shown_n++;
		}
		free(p);
	}
	if (shown_n > LS_MAX_ENTRIES)
		buf_printf(out, "[... %zu more entries not shown]\n",
			   shown_n - LS_MAX_ENTRIES);
	if (!shown_n)
		buf_printf(out, "(%s is empty)\n", shown);
	if (ignored)
		buf_printf(out, "[%zu ignored entries hidden (.git, .gitignore)]\n",
			   ignored);
out:
	if (d)
		closedir(d);
	strv_free(names, n);
	gi_free(gi);
	if (fd >= 0)
		close(fd);
	xfree_all(real, shown, abs);
	return e;
}
