/* plan.c: what to confine, computed in the parent before each run.
 *
 * Protected paths inside a writable root (.git, the directory a .git file
 * points to, .conch, .agents, conch's own config/state/data directories,
 * shell start-up files) are made read-only in the child by read-only bind
 * mounts in a private mount namespace.  A bind mount needs something to
 * mount on, so a protected name that does not exist yet at the top of a
 * root (.git, .conch, .agents) gets an empty placeholder directory for
 * the length of the run (removed afterwards if still empty): creating it
 * is then impossible (it exists, read-only, and cannot be renamed or
 * removed as a mount point).  Without a mount namespace the launcher
 * falls back to Landlock alone and grants each root entry by entry,
 * leaving the protected names out; the top of each root is then not
 * writable at all (no new top-level files), which is safe but narrower. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sb-internal.h"
#include "util/fsutil.h"
#include "util/sensitive.h"
#include "util/xalloc.h"

static bool
under_any(const struct sb_list *roots, const char *p)
{
	for (size_t i = 0; i < roots->n; i++)
		if (path_is_under(p, roots->v[i]))
			return true;
	return false;
}

/* Some path of `roots` is under p (or is p). */
static bool
holds_any(const struct sb_list *roots, const char *p)
{
	for (size_t i = 0; i < roots->n; i++)
		if (path_is_under(roots->v[i], p))
			return true;
	return false;
}

/* Canonical form of `p` when it exists, else NULL. */
static char *
canon(const char *p)
{
	char *r = realpath(p, NULL);
	return r;
}

static void
add_secret(struct sb_plan *plan, const char *p)
{
	char *c = canon(p);
	if (!c)
		return;
	/* A secret that holds a write root cannot be cut out of it. */
	if (holds_any(&plan->write_roots, c)) {
		free(c);
		return;
	}
	/* inside a write root: covered in the mount namespace (an empty
	 * file or folder), so the root itself stays writable */
	if (under_any(&plan->write_roots, c) && !sb_list_has(&plan->mask, c))
		sb_list_add(&plan->mask, c);
	sb_list_take(&plan->deny_read, c);
}

/* Cover `p` (when it exists and holds no write root) in the child. */
static void
add_hide(struct sb_plan *plan, const char *p)
{
	char *c = canon(p);
	if (!c)
		return;
	if (holds_any(&plan->write_roots, c) || under_any(&plan->write_roots, c) ||
	    (plan->tmpdir && path_is_under(plan->tmpdir, c)) ||
	    sb_list_has(&plan->hide, c)) {
		free(c);
		return;
	}
	sb_list_take(&plan->hide, c);
}

/* Protect `p` when it exists inside a write root.  Symlinks are resolved:
 * the target is what a write would reach. */
static void
add_protect(struct sb_plan *plan, const char *p)
{
	char *c = canon(p);
	if (c && under_any(&plan->write_roots, c))
		sb_list_take(&plan->protect, c);
	else
		free(c);
}

/* `root`/.git as a file: "gitdir: PATH" (relative to root). */
static void
add_gitfile_target(struct sb_plan *plan, const char *root, const char *gitfile)
{
	struct buf b = BUF_INIT;
	const char *s;
	char *end, *target;

	buf_init(&b, 8192);
	if (fs_read_file(gitfile, 8192, &b) != C_OK)
		goto out;
	s = buf_str(&b);
	if (strncmp(s, "gitdir:", 7) != 0)
		goto out;
	s += 7;
	while (*s == ' ' || *s == '\t')
		s++;
	end = strchr(s, '\n');
	if (end)
		*end = '\0';
	if (end && end > s && end[-1] == '\r')
		end[-1] = '\0';
	target = path_resolve(root, s);
	add_protect(plan, target);
	free(target);
out:
	buf_free(&b);
}

/* A protected path outside the workspace (HOME start-up files, conch's
 * own directories): read-only when it exists; when it does not but would
 * be created inside a write root, its parent is kept from changing
 * (Landlock grants the root around it), so it cannot be created. */
static void
home_protect_one(void *ud, const char *path, bool is_dir)
{
	struct sb_plan *plan = ud;
	char *c;

	(void)is_dir;
	if (fs_exists(path)) {
		add_protect(plan, path);
		return;
	}
	c = path_real_deep(path);
	if (c && under_any(&plan->write_roots, c) && !sb_list_has(&plan->protect_missing, c))
		sb_list_take(&plan->protect_missing, c);
	else
		free(c);
}

/* The parts of a .git folder that make git run code or read config
 * when the user runs it later: read-only even when git may write the
 * object store, index and refs (spec->git_writable).  A missing one
 * gets an empty placeholder folder; new names at the top of .git that
 * git itself never makes (commondir, config.worktree ...) are removed
 * after the run (sandbox_git_sweep). */
static int rm_tree_at(int dfd, const char *name, int depth);

/* Names git itself makes at the top of a .git folder. */
static const char *const git_top_names[] = {
	"HEAD", "ORIG_HEAD", "FETCH_HEAD", "MERGE_HEAD", "MERGE_MSG",
	"MERGE_MODE", "MERGE_RR", "AUTO_MERGE", "CHERRY_PICK_HEAD",
	"REVERT_HEAD", "REBASE_HEAD", "BISECT_LOG", "BISECT_START",
	"BISECT_TERMS", "BISECT_EXPECTED_REV", "BISECT_ANCESTORS_OK",
	"BISECT_NAMES", "COMMIT_EDITMSG", "TAG_EDITMSG", "SQUASH_MSG",
	"index", "packed-refs", "description", "objects", "refs", "logs",
	"branches", "rr-cache", "rebase-merge", "rebase-apply", "sequencer",
	"shallow", "gc.pid", "gc.log", "lfs", NULL,
};

static void
git_snapshot(struct sb_plan *plan, const char *git)
{
	DIR *d = opendir(git);
	struct dirent *de;

	plan->git_dir = xstrdup(git);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL)
		sb_list_add(&plan->git_before, de->d_name);
	closedir(d);
}

void
sb_git_sweep(const struct sb_plan *plan, struct buf *note)
{
	DIR *d;
	struct dirent *de;

	if (!plan->git_dir || !(d = opendir(plan->git_dir)))
		return;
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);
		bool known = sb_list_has(&plan->git_before, n) ||
			     (len > 5 && strcmp(n + len - 5, ".lock") == 0);
		for (size_t k = 0; !known && git_top_names[k]; k++)
			known = strcmp(n, git_top_names[k]) == 0;
		if (known)
			continue;
		rm_tree_at(dirfd(d), n, 0);
		buf_printf(note, "\nconch: removed %s/%s, which the command "
			   "created and git could later read as config or code",
			   plan->git_dir, n);
	}
	closedir(d);
}

static void
protect_git_parts(struct sb_plan *plan, const char *git)
{
	static const char *const dirs[] = { "hooks", "info", "modules",
					    "worktrees", NULL };
	static const char *const files[] = { "config", "config.worktree",
					     "commondir", NULL };
	size_t k;

	git_snapshot(plan, git);
	for (k = 0; dirs[k]; k++) {
		char *p = path_join(git, dirs[k]);
		struct stat st;
		if (lstat(p, &st) < 0 && errno == ENOENT && mkdir(p, 0755) == 0)
			sb_list_add(&plan->placeholders, p);
		if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
			plan->force_split = true;
		add_protect(plan, p);
		free(p);
	}
	for (k = 0; files[k]; k++) {
		char *p = path_join(git, files[k]);
		add_protect(plan, p);
		free(p);
	}
}

#define SB_NESTED_DEPTH 6
#define SB_NESTED_ENTRIES 20000

/* Below the top of a root: nested repositories' .git (git runs their
 * hooks and obeys their config when the user works there) and the
 * AGENTS.md/CLAUDE.md files conch reads from every folder between the
 * git root and the cwd.  A bounded walk; symlinks are not followed. */
static void
protect_nested(struct sb_plan *plan, const char *root, const char *dir,
	       int depth, size_t *seen)
{
	const char *const *files = sensitive_instruction_files();
	DIR *d;
	struct dirent *de;

	if (depth > SB_NESTED_DEPTH || !(d = opendir(dir)))
		return;
	while ((de = readdir(d)) != NULL && *seen < SB_NESTED_ENTRIES) {
		const char *n = de->d_name;
		struct stat st;
		char *p;
		bool instr = false;

		if (strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
			continue;
		(*seen)++;
		for (size_t k = 0; files[k] && !instr; k++)
			instr = strcmp(n, files[k]) == 0;
		if (depth == 0 && (instr || strcmp(n, ".git") == 0))
			continue; /* the top: plan_protect's own business */
		if (!instr && strcmp(n, ".git") != 0 &&
		    de->d_type != DT_DIR && de->d_type != DT_UNKNOWN)
			continue;
		p = path_join(dir, n);
		if (lstat(p, &st) < 0) {
			free(p);
			continue;
		}
		if (strcmp(n, ".git") == 0) {
			if (S_ISREG(st.st_mode))
				add_gitfile_target(plan, dir, p);
			if (S_ISLNK(st.st_mode))
				plan->force_split = true;
			if (S_ISDIR(st.st_mode) || S_ISLNK(st.st_mode))
				add_protect(plan, p);
			else
				sb_list_add(&plan->protect, p);
		} else if (instr && S_ISREG(st.st_mode)) {
			sb_list_add(&plan->protect, p);
		} else if (S_ISDIR(st.st_mode) && strcmp(n, "node_modules") != 0) {
			protect_nested(plan, root, p, depth + 1, seen);
		}
		free(p);
	}
	closedir(d);
}

/* Instruction files that do not exist yet in the folders conch reads
 * them from (each root down to the cwd): a bind mount needs something
 * to cover and an empty placeholder file would show in git status, so
 * what a command creates there is set aside after the run instead
 * (sb_instructions_sweep). */
static void
note_missing_instructions(struct sb_plan *plan, const char *cwd)
{
	const char *const *files = sensitive_instruction_files();
	char *c = cwd ? canon(cwd) : NULL;

	for (size_t i = 0; c && i < plan->write_roots.n; i++) {
		const char *root = plan->write_roots.v[i];
		char *dir;
		if (!path_is_under(c, root))
			continue;
		dir = xstrdup(c);
		for (;;) {
			char *slash;
			for (size_t k = 0; files[k]; k++) {
				char *p = path_join(dir, files[k]);
				struct stat st;
				if (lstat(p, &st) < 0 && errno == ENOENT)
					sb_list_take(&plan->instr_missing, p);
				else
					free(p);
			}
			if (strcmp(dir, root) == 0)
				break;
			slash = strrchr(dir, '/');
			if (!slash || slash == dir)
				break;
			*slash = '\0';
		}
		free(dir);
	}
	free(c);
}

void
sb_instructions_sweep(const struct sb_plan *plan, struct buf *note)
{
	for (size_t i = 0; i < plan->instr_missing.n; i++) {
		const char *p = plan->instr_missing.v[i];
		struct stat st;
		char *aside;
		if (lstat(p, &st) < 0)
			continue;
		aside = xasprintf("%s.from-command", p);
		if (rename(p, aside) == 0)
			buf_printf(note, "\nconch: the command created %s, which conch "
				   "reads as instructions; it was moved to %s. Write "
				   "instruction files with the write tool, which asks "
				   "the user.", p, aside);
		else
			unlink(p);
		free(aside);
	}
}

static void
plan_protect(struct sb_plan *plan, const struct sandbox_spec *spec)
{
	const char *const *dirs = sensitive_protected_dirs();
	const char *const *files = sensitive_instruction_files();
	size_t i, nroots = plan->write_roots.n;

	for (i = 0; i < nroots; i++) {
		const char *root = plan->write_roots.v[i];
		for (size_t k = 0; dirs[k]; k++) {
			char *p = path_join(root, dirs[k]);
			struct stat st;
			if (lstat(p, &st) < 0) {
				if (errno == ENOENT && mkdir(p, 0755) == 0)
					sb_list_add(&plan->placeholders, p);
			} else if (strcmp(dirs[k], ".git") == 0 && S_ISREG(st.st_mode)) {
				add_gitfile_target(plan, root, p);
			}
			/* the name itself (a .git file) and whatever it
			 * resolves to; a symlink cannot be mounted over, so
			 * with one the run takes the entry-by-entry grants,
			 * which keep the link itself in place */
			if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
				plan->force_split = true;
			if (lstat(p, &st) == 0 && !S_ISDIR(st.st_mode) &&
			    !S_ISLNK(st.st_mode))
				sb_list_add(&plan->protect, p);
			else if (spec->git_writable && i == 0 &&
				 strcmp(dirs[k], ".git") == 0 &&
				 lstat(p, &st) == 0 && S_ISDIR(st.st_mode) &&
				 !sb_list_has(&plan->placeholders, p))
				protect_git_parts(plan, p);
			else
				add_protect(plan, p);
			free(p);
		}
		/* instruction files: read-only when present (an empty
		 * placeholder file would show in git status and shadow
		 * nothing useful; see sensitive.h) */
		for (size_t k = 0; files[k]; k++) {
			char *p = path_join(root, files[k]);
			struct stat st;
			if (lstat(p, &st) == 0 && S_ISLNK(st.st_mode))
				plan->force_split = true;
			add_protect(plan, p);
			free(p);
		}
	}
	for (i = 0; i < nroots; i++) {
		size_t seen = 0;
		protect_nested(plan, plan->write_roots.v[i],
			       plan->write_roots.v[i], 0, &seen);
	}
	note_missing_instructions(plan, spec->cwd ? spec->cwd : spec->workspace);
	sensitive_each_home_protected(home_protect_one, plan);
	for (i = 0; spec->protect && spec->protect[i]; i++)
		add_protect(plan, spec->protect[i]);
}

static void
secret_one(void *ud, const char *path)
{
	add_secret(ud, path);
}

static void
plan_secrets(struct sb_plan *plan, const struct sandbox_spec *spec)
{
	/* the root-only files matter only to a root run */
	sensitive_each_secret(geteuid() == 0, secret_one, plan);
	for (size_t i = 0; spec->deny_read && spec->deny_read[i]; i++)
		add_secret(plan, spec->deny_read[i]);
}

#define SB_UNIX_SOCKETS_MAX 4096

/* Every pathname unix socket bound on this host's network namespace
 * (/proc/net/unix), whatever its name: with the network off none outside
 * the workspace can be reached.  A listener that binds after this scan
 * is not covered (see `conch sandbox doctor`). */
static void
plan_hide_sockets(struct sb_plan *plan)
{
	FILE *f = fopen("/proc/net/unix", "re");
	char *line = NULL;
	size_t cap = 0, n = 0;
	ssize_t len;

	if (!f)
		return;
	/* "Num RefCount Protocol Flags Type St Inode Path" */
	while ((len = getline(&line, &cap, f)) > 0 && n < SB_UNIX_SOCKETS_MAX) {
		char *path = line;
		/* the path is the eighth field; an abstract one starts
		 * with '@' and is scoped by Landlock instead */
		for (int field = 0; field < 7 && *path; field++) {
			path += strspn(path, " ");
			path += strcspn(path, " \n");
		}
		path += strspn(path, " ");
		if (*path != '/')
			continue;
		path[strcspn(path, "\n")] = '\0';
		add_hide(plan, path);
		n++;
	}
	free(line);
	fclose(f);
}

/* Daemon sockets a confined command must not reach with the network
 * off: container engines (root in all but name), the session bus (which
 * starts programs), X11 and Wayland (keystrokes into the desktop), the
 * ssh and gpg agents, systemd's private socket. */
static void
plan_hide(struct sb_plan *plan)
{
	static const char *const paths[] = {
		"/run/docker.sock", "/var/run/docker.sock", "/run/podman",
		"/run/containerd", "/run/dbus", "/run/systemd/private",
		"/tmp/.X11-unix", "/tmp/.ICE-unix", "/run/libvirt",
		"/run/snapd.socket", "/run/snapd-snap.socket", "/run/screen",
		"/var/snap/lxd/common/lxd", "/var/lib/incus", "/run/crio",
		"/run/k3s", NULL,
	};
	const char *ssh = getenv("SSH_AUTH_SOCK");
	char rundir[64];
	size_t i;

	if (plan->allow_network)
		return;
	snprintf(rundir, sizeof rundir, "/run/user/%u", (unsigned)getuid());
	for (i = 0; paths[i]; i++)
		add_hide(plan, paths[i]);
	add_hide(plan, rundir);
	/* folders of per-user servers that take commands (tmux runs
	 * whatever a client sends): hidden whole, so a server started
	 * after this plan is out of reach too */
	snprintf(rundir, sizeof rundir, "/tmp/tmux-%u", (unsigned)getuid());
	add_hide(plan, rundir);
	if (ssh && ssh[0] == '/')
		add_hide(plan, ssh);
	for (i = 0; i < plan->deny_read.n; i++)
		add_hide(plan, plan->deny_read.v[i]);
	plan_hide_sockets(plan);
}

static enum cerr
plan_tmpdir(struct sb_plan *plan, struct buf *err)
{
	const char *base = getenv("TMPDIR");
	char *tmpl, *c;

	if (!base || base[0] != '/' || !fs_is_dir(base))
		base = "/tmp";
	{
		/* the PID in the name lets the next start remove a dir
		 * that a killed conch left (fs_sweep_stale) */
		char name[64];
		snprintf(name, sizeof name, "conch-sb-%ld-XXXXXX", (long)getpid());
		tmpl = path_join(base, name);
	}
	if (!mkdtemp(tmpl)) {
		buf_printf(err, "cannot create a private temp dir in %s: %s", base,
			   strerror(errno));
		free(tmpl);
		return C_ERR_IO;
	}
	c = canon(tmpl);
	free(tmpl);
	plan->tmpdir = c;
	return c ? C_OK : C_ERR_IO;
}

enum cerr
sb_plan_build(struct sb_plan *plan, const struct sandbox_spec *spec,
	      struct buf *err)
{
	char *ws;
	size_t i;

	memset(plan, 0, sizeof *plan);
	plan->allow_network = spec->allow_network;
	plan->read_only = spec->read_only;
	plan->ll_abi = sb_landlock_abi();
	if (!spec->workspace || spec->workspace[0] != '/' ||
	    !(ws = canon(spec->workspace))) {
		buf_printf(err, "the workspace %s is not an existing absolute directory",
			   spec->workspace ? spec->workspace : "(none)");
		return C_ERR_INVAL;
	}
	if (strcmp(ws, "/") == 0) {
		buf_printf(err, "refusing / as the workspace");
		free(ws);
		return C_ERR_PERM;
	}
	sb_list_take(&plan->write_roots, ws);
	for (i = 0; spec->write_roots && spec->write_roots[i]; i++) {
		char *r = canon(spec->write_roots[i]);
		if (r && strcmp(r, "/") != 0)
			sb_list_take(&plan->write_roots, r);
		else
			free(r);
	}
	if (plan_tmpdir(plan, err) != C_OK)
		return C_ERR_IO;
	plan_secrets(plan, spec);
	plan_protect(plan, spec);
	plan_hide(plan);
	sb_landlock_plan(plan);
	if (sb_seccomp_plan(plan, err) < 0)
		return C_ERR_IO;
	return C_OK;
}

static int
rm_tree_at(int dfd, const char *name, int depth)
{
	struct stat st;
	int fd, rc = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dfd, name, 0);
	if (depth > 256)
		return -1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		struct dirent *de;
		if (!d) {
			close(fd);
			return -1;
		}
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			if (rm_tree_at(dirfd(d), de->d_name, depth + 1) < 0)
				rc = -1;
		}
		closedir(d);
	}
	if (unlinkat(dfd, name, AT_REMOVEDIR) < 0)
		rc = -1;
	return rc;
}

void
sb_plan_cleanup(struct sb_plan *plan)
{
	/* placeholders: only if still empty (rmdir refuses otherwise) */
	for (size_t i = 0; i < plan->placeholders.n; i++)
		rmdir(plan->placeholders.v[i]);
	if (plan->tmpdir)
		rm_tree_at(AT_FDCWD, plan->tmpdir, 0);
}
