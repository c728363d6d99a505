/* install.c: conch skills install: a skill folder, a folder of skills,
 * or a .tar.gz/.tgz/.zip archive into the installed-skills directory
 * (skills.h).  Split from store.c. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "skills/skills.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

static bool
entry_name_ok(const char *name)
{
	const char *p = name;
	if (!*name || name[0] == '/')
		return false;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t l = slash ? (size_t)(slash - p) : strlen(p);
		if (l == 2 && p[0] == '.' && p[1] == '.')
			return false;
		if (!slash)
			break;
		p = slash + 1;
	}
	return true;
}

/* Run tar or unzip confined to `dir`. */
static enum cerr
run_tool(const char *const argv[], const char *dir, struct buf *out)
{
	struct sandbox_spec spec;
	struct sandbox_result res;
	enum cerr e;
	memset(&spec, 0, sizeof spec);
	memset(&res, 0, sizeof res);
	spec.workspace = dir;
	spec.cwd = dir;
	spec.timeout_ms = 60000;
	spec.max_output = 4u << 20;
	spec.cancel_fd = -1;
	e = sandbox_run(&spec, argv, &res);
	if (!e && (res.exit_code != 0 || res.truncated))
		e = C_ERR_IO;
	buf_adds(out, buf_str(&res.output));
	sandbox_result_free(&res);
	return e;
}

/* List an archive and refuse links, absolute paths and "..". */
static enum cerr
check_archive(const char *file, bool zip, const char *tmp, struct buf *msg)
{
	struct buf names = BUF_INIT, longl = BUF_INIT;
	const char *const tar_n[] = { "tar", "-tzf", file, NULL };
	const char *const tar_l[] = { "tar", "-tvzf", file, NULL };
	const char *const zip_n[] = { "unzip", "-Z1", file, NULL };
	const char *const zip_l[] = { "unzip", "-Z", file, NULL };
	const char *line;
	enum cerr e, listed;


	listed = run_tool(zip ? zip_n : tar_n, tmp, &names);
	if (!listed)
		listed = run_tool(zip ? zip_l : tar_l, tmp, &longl);
	e = C_OK;
	for (line = buf_str(&names); *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		char *nm = xstrndup(line, ll);
		if (!entry_name_ok(nm)) {
			buf_printf(msg, "refused: the archive entry \"%s\" points "
				   "outside its folder\n", nm);
			e = C_ERR_PERM;
		}
		free(nm);
		line += ll + (eol ? 1 : 0);
	}
	for (line = buf_str(&longl); *line;) {
		const char *eol = strchr(line, '\n');
		size_t ll = eol ? (size_t)(eol - line) : strlen(line);
		/* long listings start each entry with its type letter and
		 * permission bits: "lrwxrwxrwx", "hrw-r--r--" */
		if (ll > 10 && strchr("lhcbps", line[0]) && strchr("r-", line[1]) &&
		    strchr("w-", line[2])) {
			buf_printf(msg, "refused: the archive holds a link or special "
				   "file: %.*s\n", (int)ll, line);
			e = C_ERR_PERM;
		}
		line += ll + (eol ? 1 : 0);
	}
	if (!e && listed) {
		buf_printf(msg, "cannot read the archive %s: %.300s%.300s\n", file,
			   buf_str(&names), buf_str(&longl));
		e = listed;
	}
	buf_free(&names);
	buf_free(&longl);
	return e;
}

struct cand {
	char *dir;  /* where it is now */
	char *name; /* its skill name */
};

/* `root` itself is a skill (its folder name may differ from the skill's
 * name, e.g. an archive's top level). */
static enum cerr
collect_root(const char *root, struct cand **out, size_t *nout, struct buf *msg)
{
	struct skill s;
	struct skill_err err;
	enum cerr e = skill_load(root, &s, &err);
	if (e) {
		struct buf b = BUF_INIT;
		char *p = path_join(root, "SKILL.md");
		if (fs_read_file(p, SKILL_FILE_MAX, &b) == C_OK &&
		    skill_parse(buf_str(&b), b.len, NULL, &s, &err) == C_OK)
			e = C_OK;
		else
			buf_printf(msg, "%s:%d: %s\n", p, err.line, err.reason);
		buf_free(&b);
		free(p);
		if (e)
			return e;
	}
	*out = xcalloc(1, sizeof **out);
	(*out)[0].dir = xstrdup(root);
	(*out)[0].name = xstrdup(s.name);
	*nout = 1;
	skill_free(&s);
	return C_OK;
}

static enum cerr collect(const char *root, struct cand **out, size_t *nout,
			 struct buf *msg);

/* `root` holds no skill folder: when it holds exactly one folder (an
 * archive's wrapper), look inside that. */
static enum cerr
collect_wrapped(const char *root, struct cand **out, size_t *nout,
		struct buf *msg)
{
	DIR *d = opendir(root);
	struct dirent *de;
	size_t dirs = 0;
	char *only = NULL;
	enum cerr e = C_ERR_NOTFOUND;
	while (d && (de = readdir(d))) {
		char *sub;
		if (de->d_name[0] == '.')
			continue;
		sub = path_join(root, de->d_name);
		if (fs_is_dir(sub) && ++dirs == 1)
			only = sub;
		else
			free(sub);
	}
	if (d)
		closedir(d);
	if (dirs == 1)
		e = collect(only, out, nout, msg);
	free(only);
	if (e && dirs != 1)
		buf_printf(msg, "no skill found in %s (a skill is a folder with "
			   "a SKILL.md)\n", root);
	return e;
}

/* Candidates under `root`: root itself, or its subdirectories (one more
 * level when root holds a single folder without SKILL.md). */
static enum cerr
collect(const char *root, struct cand **out, size_t *nout, struct buf *msg)
{
	char *sk = path_join(root, "SKILL.md");
	struct cand *v = NULL;
	size_t n = 0;
	enum cerr e = C_OK;
	DIR *d;
	struct dirent *de;
	bool here = fs_exists(sk);

	free(sk);
	if (here)
		return collect_root(root, out, nout, msg);
	if (!(d = opendir(root))) {
		buf_printf(msg, "cannot open %s: %s\n", root, strerror(errno));
		return C_ERR_NOTFOUND;
	}
	while ((de = readdir(d))) {
		char *sub;
		struct skill s;
		struct skill_err err;
		if (de->d_name[0] == '.')
			continue;
		sub = path_join(root, de->d_name);
		if (!fs_is_dir(sub)) {
			free(sub);
			continue;
		}
		if (skill_load(sub, &s, &err)) {
			if (err.line || strcmp(err.reason, "no SKILL.md") != 0) {
				buf_printf(msg, "%s/SKILL.md:%d: %s\n", sub, err.line,
					   err.reason);
				e = C_ERR_INVAL;
			}
			free(sub);
			continue;
		}
		v = xreallocarray(v, n + 1, sizeof *v);
		v[n].dir = sub;
		v[n].name = xstrdup(s.name);
		n++;
		skill_free(&s);
	}
	closedir(d);
	*out = v;
	*nout = n;
	if (!e && n == 0)
		return collect_wrapped(root, out, nout, msg);
	/* the invalid ones are reported; the valid ones go on */
	return n ? C_OK : e;
}

static void
cands_free(struct cand *v, size_t n)
{
	size_t i;
	for (i = 0; i < n; i++) {
		xfree_all(v[i].dir, v[i].name);
	}
	free(v);
}

/* Copy candidate `c` into `idir`, replacing an installed one. */
static enum cerr
install_one(const struct cand *c, const char *idir, struct buf *msg,
	    struct buf *errs)
{
	char *dst = path_join(idir, c->name);
	char *tmp = xasprintf("%s/.tmp-%s-%ld", idir, c->name, (long)getpid());
	char *old = xasprintf("%s/.old-%s-%ld", idir, c->name, (long)getpid());
	enum cerr e;
	skills_rm_tree(tmp);
	if (!(e = skills_copy_tree(c->dir, tmp, errs))) {
		bool had = fs_exists(dst);
		if (had && rename(dst, old) < 0)
			e = C_ERR_IO;
		else if (rename(tmp, dst) < 0) {
			e = C_ERR_IO;
			if (had)
				rename(old, dst);
		}
		if (!e) {
			skills_rm_tree(old);
			buf_printf(msg, "installed %s -> %s\n", c->name, dst);
		} else {
			buf_printf(errs, "skipped %s: cannot move it into %s\n",
				   c->name, idir);
		}
	}
	skills_rm_tree(tmp);
	xfree_all(old, tmp, dst);
	return e;
}

/* Every valid candidate is installed; an invalid one (bad SKILL.md, a
 * link inside, a name taken twice, or already installed without
 * `force`) is reported in `errs` and skipped.  --force replaces an
 * installed skill; it never waives validation. */
static enum cerr
install_from(const char *root, bool force, struct buf *msg, struct buf *errs)
{
	struct cand *v = NULL;
	size_t n = 0, i, j, done = 0, skipped = 0;
	char *idir = skills_installed_dir();
	enum cerr e, first = C_OK;
	size_t before = errs->len;

	if ((e = collect(root, &v, &n, errs)))
		goto out;
	/* lines collect() wrote name skills it could not read */
	for (i = before; i < errs->len; i++)
		skipped += errs->p[i] == '\n';
	fs_mkdir_p(idir, 0755);
	for (i = 0; i < n; i++) {
		char *dst = path_join(idir, v[i].name);
		e = C_OK;
		for (j = 0; j < n && !e; j++)
			if (j != i && strcmp(v[i].name, v[j].name) == 0) {
				buf_printf(errs, "skipped %s: two skills named \"%s\" "
					   "(%s and %s)\n", v[i].dir, v[i].name,
					   v[i].dir, v[j].dir);
				e = C_ERR_INVAL;
			}
		if (!e && fs_exists(dst) && !force) {
			buf_printf(errs, "skipped %s: already installed (%s); use "
				   "--force to replace it\n", v[i].name, dst);
			e = C_ERR_EXISTS;
		}
		if (!e)
			e = skills_check_tree(v[i].dir, errs, 0);
		if (!e)
			e = install_one(&v[i], idir, msg, errs);
		free(dst);
		if (e) {
			skipped++;
			if (!first)
				first = e;
		} else {
			done++;
		}
	}
	if (!done)
		e = first ? first : C_ERR_NOTFOUND;
	else
		e = C_OK;
	if (done && skipped)
		buf_printf(msg, "installed %zu skill%s; %zu skipped (see above)\n",
			   done, done == 1 ? "" : "s", skipped);
out:
	cands_free(v, n);
	free(idir);
	return e;
}

enum cerr
skills_install(const char *source, bool force, struct buf *msg,
	       struct buf *errs)
{
	bool zip = str_suffix(source, ".zip");
	bool tgz = str_suffix(source, ".tar.gz") || str_suffix(source, ".tgz");
	char *data, *tmpl, *abs;
	enum cerr e;

	if (!errs)
		errs = msg;
	if (fs_is_dir(source))
		return install_from(source, force, msg, errs);
	if (!zip && !tgz) {
		buf_printf(msg, "%s is neither a folder nor a .tar.gz/.tgz/.zip file\n",
			   source);
		return C_ERR_INVAL;
	}
	if (!fs_exists(source)) {
		buf_printf(msg, "%s does not exist\n", source);
		return C_ERR_NOTFOUND;
	}
	{
		char cwd[4096];
		abs = source[0] == '/' ? xstrdup(source) :
		      path_resolve(getcwd(cwd, sizeof cwd) ? cwd : "/", source);
	}
	data = xdg_dir("data");
	fs_mkdir_p(data, 0700);
	tmpl = xasprintf("%s/tmp-install-XXXXXX", data);
	if (!mkdtemp(tmpl)) {
		buf_printf(msg, "cannot create a temporary folder in %s\n", data);
		e = C_ERR_IO;
		goto out;
	}
	if ((e = check_archive(abs, zip, tmpl, msg)))
		goto out_rm;
	{
		struct buf o = BUF_INIT;
		const char *const tar_x[] = { "tar", "-xzf", abs, "--no-same-owner",
					      "--no-same-permissions", "-C", tmpl, NULL };
		const char *const zip_x[] = { "unzip", "-q", "-o", abs, "-d", tmpl, NULL };
		e = run_tool(zip ? zip_x : tar_x, tmpl, &o);
		if (e)
			buf_printf(msg, "cannot unpack %s: %.300s\n", abs, buf_str(&o));
		buf_free(&o);
		if (e)
			goto out_rm;
	}
	e = install_from(tmpl, force, msg, errs);
out_rm:
	skills_rm_tree(tmpl);
out:
	xfree_all(tmpl, data, abs);
	return e;
}

