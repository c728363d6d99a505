/* gate.c: the file tools judge the real target, not the path as written.
 *
 * Before a read, grep, glob or ls runs, the path is resolved the way the
 * tool will open it (symlinks followed, /proc and /sys magic links
 * never: sandbox_resolve_read) and the policy is asked about both the
 * written and the real path, the stricter answer winning; a secret
 * (util/sensitive.c), reached by any name or a hard link, is refused in
 * every mode; a real target outside the workspace asks.  Writes and
 * edits are judged on the file they really change: a protected folder
 * reached through a symlink asks like the folder itself.  The tools then
 * open what was judged (tool_open_read) and their listings skip what a
 * read would refuse (tool_read_hidden). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tools/internal.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/sensitive.h"
#include "util/xalloc.h"

static bool denied_inode(const struct tool_ctx *ctx, dev_t dev, ino_t ino);

static bool
has_deny_rules(const struct policy *p)
{
	const cJSON *d;
	if (!p || !p->rules)
		return false;
	d = cJSON_GetObjectItemCaseSensitive(p->rules, "deny");
	return cJSON_IsArray(d) && cJSON_GetArraySize(d) > 0;
}

/* policy_check of tool `t` with "path" replaced by `path`. */
static enum policy_decision
check_path(const struct tool_ctx *ctx, const struct tool *t, const cJSON *args,
	   const char *path, struct buf *why)
{
	cJSON *a = args ? cJSON_Duplicate(args, true) : cJSON_CreateObject();
	enum policy_decision d;

	cJSON_DeleteItemFromObjectCaseSensitive(a, "path");
	cJSON_AddStringToObject(a, "path", path);
	d = policy_check(ctx->policy, t->name, t->flags, a,
			 ctx->workspace ? ctx->workspace : "/",
			 ctx->cwd ? ctx->cwd : "/", why);
	cJSON_Delete(a);
	return d;
}

/* Does an allow rule (the user's, or one added by "always" for this
 * session) name this read?  Asked of a copy of the policy that keeps only
 * the allow rules, in read-only mode, for a call flagged as a write:
 * nothing but a matching rule can then answer ALLOW. */
static bool
allowed_by_rule(const struct tool_ctx *ctx, const struct tool *t,
		const char *path)
{
	struct policy tmp;
	const cJSON *allow;
	cJSON *a;
	struct buf why = BUF_INIT;
	bool yes;

	if (!ctx->policy || !ctx->policy->rules)
		return false;
	allow = cJSON_GetObjectItemCaseSensitive(ctx->policy->rules, "allow");
	if (!cJSON_IsArray(allow) || cJSON_GetArraySize(allow) == 0)
		return false;
	policy_init(&tmp, MODE_READ_ONLY);
	tmp.rules = cJSON_CreateObject();
	cJSON_AddItemToObject(tmp.rules, "allow", cJSON_Duplicate(allow, true));
	a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "path", path);
	yes = policy_check(&tmp, t->name, TOOL_WRITES, a,
			   ctx->workspace ? ctx->workspace : "/",
			   ctx->cwd ? ctx->cwd : "/", &why) == POLICY_ALLOW;
	cJSON_Delete(a);
	policy_free(&tmp);
	buf_free(&why);
	return yes;
}

/* Is `real` (canonical) inside the workspace? */
static bool
in_workspace(const struct tool_ctx *ctx, const char *real)
{
	char *ws;
	bool in;

	if (!ctx->workspace)
		return true;
	if (path_is_under(real, ctx->workspace))
		return true;
	ws = realpath(ctx->workspace, NULL);
	in = ws && path_is_under(real, ws);
	free(ws);
	return in;
}

/* A secret by its name, its real name or (a hard link) its inode. */
static bool
secret_target(const char *abs, const char *real, const struct stat *st,
	      const char **what)
{
	if (sensitive_path_secret(abs, what))
		return true;
	if (real && sensitive_path_secret(real, what))
		return true;
	if (st && S_ISREG(st->st_mode) && st->st_nlink > 1 &&
	    sensitive_inode_secret(st->st_dev, st->st_ino)) {
		if (what)
			*what = "a hard link to a credential or key file";
		return true;
	}
	return false;
}

bool
tool_read_hidden(const struct tool_ctx *ctx, const char *abs,
		 const struct stat *lst)
{
	char *real = NULL;
	struct stat st;
	bool hidden = false;

	if (sensitive_path_secret(abs, NULL))
		return true;
	if (lst && S_ISLNK(lst->st_mode)) {
		int fd;
		if (sandbox_resolve_read(abs, &fd, &real, &st, NULL) == C_ERR_PERM)
			return true;
		if (fd >= 0)
			close(fd);
		if (real && secret_target(abs, real, &st, NULL))
			hidden = true;
	} else if (lst && secret_target(abs, NULL, lst, NULL)) {
		hidden = true;
	}
	if (!hidden && has_deny_rules(ctx->policy)) {
		struct buf why = BUF_INIT;
		const struct tool *t = &tool_read;
		const struct stat *fst = real ? &st : lst;
		hidden = check_path(ctx, t, NULL, abs, &why) == POLICY_DENY ||
			 (real && check_path(ctx, t, NULL, real, &why) == POLICY_DENY);
		/* another name (a hard link) of a file a rule hides */
		if (!hidden && fst && S_ISREG(fst->st_mode) && fst->st_nlink > 1)
			hidden = denied_inode(ctx, fst->st_dev, fst->st_ino);
		buf_free(&why);
	}
	free(real);
	return hidden;
}

static enum policy_decision
stricter(enum policy_decision a, enum policy_decision b)
{
	return a > b ? a : b;
}

enum policy_decision
tool_gate(struct tool_ctx *ctx, const struct tool *t, const cJSON *args,
	  char **judged, struct buf *why)
{
	const char *path = jx_str(args, "path");
	char *abs = tool_path(ctx, path), *real = NULL;
	const char *what = NULL;
	struct buf why2 = BUF_INIT;
	enum policy_decision d = POLICY_ALLOW, d2;
	struct stat st;
	int fd = -1;
	enum cerr e;

	*judged = NULL;
	if (t->flags & TOOL_WRITES) {
		struct buf err = BUF_INIT;
		real = tool_real_target(ctx, abs, abs, &err);
		buf_free(&err);
		if (real && sensitive_path_secret(real, &what)) {
			buf_printf(why, "%s of %s changes %s; conch never does",
				   t->name, real, what);
			d = POLICY_DENY;
			goto out;
		}
	} else {
		e = sandbox_resolve_read(abs, &fd, &real, &st, why);
		if (e == C_ERR_PERM) {
			d = POLICY_DENY;
			goto out;
		}
		if (secret_target(abs, e == C_OK ? real : NULL,
				  e == C_OK ? &st : NULL, &what)) {
			buf_printf(why, "%s of %s reads %s; conch never shows it "
				   "to the model", t->name,
				   real ? real : abs, what);
			d = POLICY_DENY;
			goto out;
		}
	}
	if (ctx->policy)
		d = policy_check(ctx->policy, t->name, t->flags, args,
				 ctx->workspace ? ctx->workspace : "/",
				 ctx->cwd ? ctx->cwd : "/", why);
	if (d == POLICY_DENY || !real || strcmp(real, abs) == 0)
		goto real_out;
	/* the real target, judged by the same rules */
	if (ctx->policy) {
		d2 = check_path(ctx, t, args, real, &why2);
		if (d2 > d) {
			buf_reset(why);
			buf_printf(why, "%s (%s leads to %s)", buf_str(&why2), abs,
				   real);
			d = d2;
		}
	}
real_out:
	if (d == POLICY_ALLOW && real && !in_workspace(ctx, real) &&
	    !(t->flags & TOOL_WRITES) && !(ctx->policy && ctx->policy->yes) &&
	    !allowed_by_rule(ctx, t, abs) && !allowed_by_rule(ctx, t, real)) {
		buf_printf(why, "%s of %s, outside the workspace, needs approval",
			   t->name, real);
		d = stricter(d, POLICY_ASK);
	}
	if (d != POLICY_DENY && real)
		*judged = xstrdup(real);
out:
	if (fd >= 0)
		close(fd);
	buf_free(&why2);
	xfree_all(real, abs);
	return d;
}

enum cerr
tool_open_read(const struct tool_ctx *ctx, const char *abs, const char *shown,
	       int flags, int *fd, char **real, struct stat *st,
	       struct buf *out)
{
	struct buf why = BUF_INIT;
	const char *what = NULL;
	int pfd = -1;
	enum cerr e;

	*fd = -1;
	*real = NULL;
	e = sandbox_resolve_read(abs, &pfd, real, st, &why);
	if (e == C_ERR_NOTFOUND)
		goto out;
	if (e != C_OK) {
		buf_printf(out, "Cannot open %s: %s.", shown,
			   why.p ? buf_str(&why) : cerr_str(e));
		goto out;
	}
	if (secret_target(abs, *real, st, &what) ||
	    tool_read_hidden(ctx, *real, st)) {
		buf_printf(out, "Permission denied: %s is %s, which conch never "
			   "reads.", shown, what ? what : "denied by a rule");
		e = C_ERR_PERM;
		goto out;
	}
	/* what runs is what was judged: a symlink swapped since the
	 * policy looked at it cannot lead somewhere else outside */
	if (ctx->judged && strcmp(ctx->judged, *real) != 0 &&
	    !in_workspace(ctx, *real)) {
		buf_printf(out, "Permission denied: %s changed since it was "
			   "approved (it now leads to %s).", shown, *real);
		e = C_ERR_PERM;
		goto out;
	}
	if (!S_ISDIR(st->st_mode) &&
	    (!S_ISREG(st->st_mode) || (flags & O_DIRECTORY)))
		goto out; /* the caller says what it is; nothing opened */
	*fd = sandbox_reopen(pfd, flags);
	if (*fd < 0) {
		buf_printf(out, "Cannot open %s: %s.", shown, strerror(errno));
		e = errno == EACCES ? C_ERR_PERM : C_ERR_IO;
	}
out:
	if (pfd >= 0)
		close(pfd);
	if (e != C_OK) {
		free(*real);
		*real = NULL;
	}
	buf_free(&why);
	return e;
}

/* ---- read deny rules inside the sandbox -------------------------------- */

#define DENY_SCAN_MAX 50000
#define DENY_SCAN_DEPTH 24
#define DENY_LIST_MAX 1000

struct deny_scan {
	const struct tool_ctx *ctx;
	char **v;
	size_t n, seen;
	bool by_inode;      /* second pass: names of the inodes in ino[] */
	struct { dev_t dev; ino_t ino; } ino[64];
	size_t nino;
};

static bool
scan_inode_hit(const struct deny_scan *s, const struct stat *st)
{
	for (size_t i = 0; i < s->nino; i++)
		if (s->ino[i].dev == st->st_dev && s->ino[i].ino == st->st_ino)
			return true;
	return false;
}

static void
deny_scan_dir(struct deny_scan *s, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL && s->seen < DENY_SCAN_MAX &&
	       s->n < DENY_LIST_MAX) {
		struct stat st;
		char *p;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".git") == 0)
			continue;
		s->seen++;
		p = path_join(dir, de->d_name);
		if (lstat(p, &st) < 0 || S_ISLNK(st.st_mode)) {
			free(p);
			continue;
		}
		if (s->by_inode ? S_ISREG(st.st_mode) && scan_inode_hit(s, &st) :
		    tool_read_hidden(s->ctx, p, NULL)) {
			if (!s->by_inode && S_ISREG(st.st_mode) && st.st_nlink > 1 &&
			    s->nino < sizeof s->ino / sizeof s->ino[0]) {
				s->ino[s->nino].dev = st.st_dev;
				s->ino[s->nino].ino = st.st_ino;
				s->nino++;
			}
			s->v = xreallocarray(s->v, s->n + 2, sizeof *s->v);
			s->v[s->n++] = p;
			s->v[s->n] = NULL;
			continue;
		}
		if (S_ISDIR(st.st_mode) && depth < DENY_SCAN_DEPTH)
			deny_scan_dir(s, p, depth + 1);
		free(p);
	}
	closedir(d);
}

char **
tool_denied_files(const struct tool_ctx *ctx)
{
	struct deny_scan s;
	char *ws;

	if (!has_deny_rules(ctx->policy) || !ctx->workspace)
		return NULL;
	memset(&s, 0, sizeof s);
	s.ctx = ctx;
	ws = realpath(ctx->workspace, NULL);
	if (ws) {
		deny_scan_dir(&s, ws, 0);
		if (s.nino) {
			/* their other names (hard links) are hidden too */
			s.by_inode = true;
			s.seen = 0;
			deny_scan_dir(&s, ws, 0);
		}
	}
	free(ws);
	return s.v;
}

/* Is (dev, ino) a file that a read deny rule hides in the workspace? */
static bool
denied_inode(const struct tool_ctx *ctx, dev_t dev, ino_t ino)
{
	struct deny_scan s;
	char *ws;
	bool hit = false;

	if (!ctx->workspace || !(ws = realpath(ctx->workspace, NULL)))
		return false;
	memset(&s, 0, sizeof s);
	s.ctx = ctx;
	deny_scan_dir(&s, ws, 0);
	for (size_t i = 0; i < s.nino && !hit; i++)
		hit = s.ino[i].dev == dev && s.ino[i].ino == ino;
	tool_denied_free(s.v);
	free(ws);
	return hit;
}

void
tool_denied_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}
