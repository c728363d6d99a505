/* landlock.c: write confinement and secret reads through Landlock.
 *
 * Landlock only grants: a rule on a directory gives its rights to
 * everything beneath it, and nothing can take a right back below.  So to
 * deny reading ~/.ssh while the rest of the filesystem stays readable,
 * and to keep .git read-only inside a writable workspace, the parent
 * computes the complement: starting from the root of a grant, every
 * directory that contains an excluded path is not granted itself; each of
 * its entries is granted instead, except the excluded one, recursing
 * along the path to it.  Symlinks are never granted (their targets are
 * granted where they really live), so a link cannot alias a secret.
 *
 * ABI handling follows the kernel sample's best-effort idea (our own
 * code): handle every right the running ABI knows, and drop from rules
 * the rights it does not know. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sandbox/sb-internal.h"
#include "util/fsutil.h"
#include "util/sensitive.h"
#include "util/xalloc.h"

#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH 1

#define LL_FS_EXECUTE (UINT64_C(1) << 0)
#define LL_FS_WRITE_FILE (UINT64_C(1) << 1)
#define LL_FS_READ_FILE (UINT64_C(1) << 2)
#define LL_FS_MAKE_CHAR (UINT64_C(1) << 6)
#define LL_FS_MAKE_BLOCK (UINT64_C(1) << 11)
#define LL_FS_REFER (UINT64_C(1) << 13)
#define LL_FS_TRUNCATE (UINT64_C(1) << 14)
#define LL_FS_ALL_V1 ((UINT64_C(1) << 13) - 1)
#define LL_FILE_RIGHTS (LL_FS_EXECUTE | LL_FS_WRITE_FILE | LL_FS_READ_FILE | \
			LL_FS_TRUNCATE)
#define LL_NET_BIND_TCP (UINT64_C(1) << 0)
#define LL_NET_CONNECT_TCP (UINT64_C(1) << 1)
#define LL_SCOPE_ABSTRACT_UNIX (UINT64_C(1) << 0)
#define LL_SCOPE_SIGNAL (UINT64_C(1) << 1)

/* Our own copies of the uapi structs, with the fields of newer ABIs (the
 * build machine's headers may be older than the running kernel). */
struct ll_ruleset_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net; /* ABI 4 */
	uint64_t scoped;             /* ABI 6 */
};

struct ll_path_beneath {
	uint64_t allowed_access;
	int32_t parent_fd;
} __attribute__((packed));

int
sb_landlock_abi(void)
{
	long v;
	/* Test-only: pretend the kernel lacks Landlock, to prove that the
	 * launcher then refuses.  It can only make conch stricter. */
	if (getenv("CONCH_SANDBOX_TEST_NO_LANDLOCK"))
		return 0;
	v = syscall(SYS_landlock_create_ruleset, NULL, 0,
		    LL_CREATE_RULESET_VERSION);
	return v < 0 ? 0 : (int)v;
}

void
sb_list_add(struct sb_list *l, const char *s)
{
	sb_list_take(l, xstrdup(s));
}

bool
sb_list_has(const struct sb_list *l, const char *s)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i], s) == 0)
			return true;
	return false;
}

void
sb_list_take(struct sb_list *l, char *s)
{
	l->v = xgrow(l->v, l->n + 2, &l->cap, 8, sizeof *l->v);
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

void
sb_list_free(struct sb_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof *l);
}

static void
rules_add_typed(struct sb_rules *r, const char *path, uint64_t access, bool dir)
{
	r->v = xgrow(r->v, r->n + 1, &r->cap, 32, sizeof *r->v);
	r->v[r->n].path = xstrdup(path);
	r->v[r->n].access = access;
	r->v[r->n].dir = dir;
	r->n++;
}

/* A rule for `path`, typed by what it is now (following symlinks: used
 * for roots that are canonical already). */
static void
rules_add(struct sb_rules *r, const char *path, uint64_t access)
{
	struct stat st;
	rules_add_typed(r, path, access, stat(path, &st) == 0 && S_ISDIR(st.st_mode));
}

static void
rules_free(struct sb_rules *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->v[i].path);
	free(r->v);
	memset(r, 0, sizeof *r);
}

void
sb_plan_free(struct sb_plan *plan)
{
	sb_list_free(&plan->write_roots);
	sb_list_free(&plan->protect);
	sb_list_free(&plan->protect_missing);
	sb_list_free(&plan->mask);
	sb_list_free(&plan->git_before);
	sb_list_free(&plan->instr_missing);
	free(plan->git_dir);
	sb_list_free(&plan->placeholders);
	sb_list_free(&plan->deny_read);
	sb_list_free(&plan->hide);
	free(plan->tmpdir);
	rules_free(&plan->common);
	rules_free(&plan->mounted);
	rules_free(&plan->split);
	xfree_all(plan->bpf, plan->bpf_noconnect);
	memset(plan, 0, sizeof *plan);
}


/* Some path of `l` lies strictly below `dir`. */
static bool
list_has_below(const struct sb_list *l, const char *dir)
{
	size_t dl = strlen(dir);
	for (size_t i = 0; i < l->n; i++) {
		const char *p = l->v[i];
		if (strcmp(dir, "/") == 0) {
			if (p[0] == '/' && p[1])
				return true;
		} else if (strncmp(p, dir, dl) == 0 && p[dl] == '/') {
			return true;
		}
	}
	return false;
}

static void
complement(struct sb_rules *out, const char *dir, uint64_t access,
	   uint64_t ancestor, const struct sb_list *ex, int depth)
{
	DIR *d;
	struct dirent *de;

	if (ancestor)
		rules_add_typed(out, dir, ancestor, true);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		unsigned char type = de->d_type;
		char *child;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = strcmp(dir, "/") == 0 ? xasprintf("/%s", de->d_name) :
			path_join(dir, de->d_name);
		if (type == DT_UNKNOWN) {
			struct stat st;
			type = lstat(child, &st) < 0 ? DT_LNK :
				S_ISDIR(st.st_mode) ? DT_DIR :
				S_ISLNK(st.st_mode) ? DT_LNK : DT_REG;
		}
		/* symlinks are never granted: their targets are, where
		 * they really live */
		if (sb_list_has(ex, child) || type == DT_LNK) {
			free(child);
			continue;
		}
		if (type == DT_DIR && list_has_below(ex, child) && depth < 64)
			complement(out, child, access, ancestor, ex, depth + 1);
		else
			rules_add_typed(out, child, access, type == DT_DIR);
		free(child);
	}
	closedir(d);
}

/* Grant `access` beneath `path` except the paths in `ex`; directories on
 * the way to an excluded path get only `ancestor`. */
static void
grant(struct sb_rules *out, const char *path, uint64_t access,
      uint64_t ancestor, const struct sb_list *ex)
{
	if (sb_list_has(ex, path))
		return;
	if (list_has_below(ex, path))
		complement(out, path, access, ancestor, ex, 0);
	else
		rules_add(out, path, access);
}

static uint64_t
handled_fs_for(int abi)
{
	uint64_t h = LL_FS_ALL_V1;
	if (abi >= 2)
		h |= LL_FS_REFER;
	if (abi >= 3)
		h |= LL_FS_TRUNCATE;
	return h;
}

void
sb_landlock_plan(struct sb_plan *plan)
{
	static const char *const devices[] = {
		"/dev/null", "/dev/zero", "/dev/full", "/dev/random",
		"/dev/urandom", "/dev/tty", NULL,
	};
	struct sb_list split_ex = { 0 }, read_ex = { 0 }, mount_ex = { 0 };
	uint64_t all = handled_fs_for(plan->ll_abi);
	size_t i;

	plan->handled_fs = all;
	/* handled but never granted: device nodes (a block device made in
	 * the workspace would read the raw disk) */
	all &= ~(LL_FS_MAKE_CHAR | LL_FS_MAKE_BLOCK);
	/* /dev holds raw disks (the secrets' bytes, for root): only the
	 * harmless devices below are granted */
	for (i = 0; i < plan->deny_read.n; i++)
		sb_list_add(&read_ex, plan->deny_read.v[i]);
	sb_list_add(&read_ex, "/dev");
	grant(&plan->common, "/", SB_LL_READ, SB_LL_READ_DIR, &read_ex);
	sb_list_free(&read_ex);
	rules_add(&plan->common, "/dev", SB_LL_READ_DIR);
	/* a private /dev/shm is mounted in the mount namespace */
	rules_add(&plan->mounted, "/dev/shm", all);
	if (plan->tmpdir)
		rules_add(&plan->common, plan->tmpdir, all);
	for (i = 0; devices[i]; i++)
		rules_add(&plan->common, devices[i],
			  LL_FS_READ_FILE | LL_FS_WRITE_FILE);

	for (i = 0; i < plan->deny_read.n; i++)
		sb_list_add(&split_ex, plan->deny_read.v[i]);
	for (i = 0; i < plan->protect.n; i++)
		sb_list_add(&split_ex, plan->protect.v[i]);
	for (i = 0; i < plan->protect_missing.n; i++) {
		sb_list_add(&split_ex, plan->protect_missing.v[i]);
		sb_list_add(&mount_ex, plan->protect_missing.v[i]);
	}
	for (i = 0; i < plan->write_roots.n; i++) {
		const char *const *names = sensitive_protected_dirs();
		for (size_t k = 0; names[k]; k++)
			sb_list_take(&split_ex, path_join(plan->write_roots.v[i], names[k]));
		names = sensitive_instruction_files();
		for (size_t k = 0; names[k]; k++)
			sb_list_take(&split_ex, path_join(plan->write_roots.v[i], names[k]));
	}
	for (i = 0; i < plan->write_roots.n && !plan->read_only; i++) {
		/* The whole root when protected paths are read-only mounts
		 * and secrets inside it are covered (plan->mask); only a
		 * protected path that does not exist yet keeps its parent
		 * unchanged. */
		grant(&plan->mounted, plan->write_roots.v[i], all, 0,
		      &mount_ex);
		/* Without mounts: entry by entry; directories on the way to a
		 * protected path (the roots themselves) can be read but not
		 * changed, so nothing new can be created beside .git. */
		grant(&plan->split, plan->write_roots.v[i], all, 0, &split_ex);
	}
	sb_list_free(&split_ex);
	sb_list_free(&mount_ex);
}

static int
add_rules(int rs, const struct sb_rules *r, uint64_t handled, char *err,
	  size_t errlen)
{
	for (size_t i = 0; i < r->n; i++) {
		struct ll_path_beneath pb;
		long rc;
		/* O_NOFOLLOW: an entry swapped for a symlink since the plan
		 * grants the link itself, which gives nothing */
		int fd = open(r->v[i].path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue; /* gone since the plan: nothing to grant */
		pb.allowed_access = r->v[i].access & handled;
		if (!r->v[i].dir)
			pb.allowed_access &= LL_FILE_RIGHTS;
		pb.parent_fd = fd;
		rc = pb.allowed_access ?
			syscall(SYS_landlock_add_rule, rs, LL_RULE_PATH_BENEATH, &pb, 0) : 0;
		if (rc < 0 && errno == EINVAL && r->v[i].dir) {
			/* no longer a directory: file rights only */
			pb.allowed_access &= LL_FILE_RIGHTS;
			rc = pb.allowed_access ? syscall(SYS_landlock_add_rule, rs,
							  LL_RULE_PATH_BENEATH, &pb, 0) : 0;
		}
		if (rc < 0) {
			snprintf(err, errlen, "landlock_add_rule(%s): %s",
				 r->v[i].path, strerror(errno));
			close(fd);
			return -1;
		}
		close(fd);
	}
	return 0;
}

int
sb_landlock_apply(const struct sb_plan *plan, bool mounted, char *err,
		  size_t errlen)
{
	struct ll_ruleset_attr attr;
	size_t size = sizeof attr.handled_access_fs;
	int rs, rc = -1;

	if (plan->ll_abi < 1) {
		snprintf(err, errlen, "Landlock is not available");
		return -1;
	}
	memset(&attr, 0, sizeof attr);
	attr.handled_access_fs = plan->handled_fs;
	if (plan->ll_abi >= 4) {
		size = offsetof(struct ll_ruleset_attr, scoped);
		if (!plan->allow_network)
			attr.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
	}
	if (plan->ll_abi >= 6) {
		size = sizeof attr;
		attr.scoped = LL_SCOPE_SIGNAL;
		if (!plan->allow_network)
			attr.scoped |= LL_SCOPE_ABSTRACT_UNIX;
	}
	rs = (int)syscall(SYS_landlock_create_ruleset, &attr, size, 0);
	if (rs < 0) {
		snprintf(err, errlen, "landlock_create_ruleset: %s", strerror(errno));
		return -1;
	}
	if (add_rules(rs, &plan->common, plan->handled_fs, err, errlen) < 0 ||
	    add_rules(rs, mounted ? &plan->mounted : &plan->split,
		      plan->handled_fs, err, errlen) < 0)
		goto out;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    syscall(SYS_landlock_restrict_self, rs, 0) < 0) {
		snprintf(err, errlen, "landlock_restrict_self: %s", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	close(rs);
	return rc;
}
