/* Check suite for src/skills and the reflection writer: frontmatter edge
 * cases, discovery precedence and collisions, the disclosure budget,
 * install from folders and archives (hostile ones too), history and undo,
 * the review area, and applying reflection answers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent/mind.h"
#include "skills/skills.h"
#include "tools/tool.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/xdg-home.h"

extern const struct tool tool_skill;

static void
setup(void)
{
	char *d;
	xdg_home_setup();
	d = xasprintf("%s/pkg", xdg_home); /* bundled skills: none unless made */
	setenv("CONCH_PKGDATADIR", d, 1);
	free(d);
	d = xasprintf("%s/pkg/skills", xdg_home);
	fs_mkdir_p(d, 0755);
	free(d);
	d = xasprintf("%s/ws", xdg_home);
	fs_mkdir_p(d, 0755);
	free(d);
}

static char *
ws(void)
{
	return xasprintf("%s/ws", xdg_home);
}

/* Write ROOT/NAME/SKILL.md with `text`. */
static void
put_skill(const char *root, const char *name, const char *text)
{
	char *d = xasprintf("%s/%s", root, name), *p = xasprintf("%s/SKILL.md", d);
	ck_assert_int_eq(fs_mkdir_p(d, 0755), C_OK);
	ck_assert_int_eq(fs_write_atomic(p, text, strlen(text), 0644), C_OK);
	free(p);
	free(d);
}

static char *
simple(const char *name, const char *desc)
{
	return xasprintf("---\nname: %s\ndescription: %s\n---\n\nBody of %s.\n",
			 name, desc, name);
}

/* Write ROOT/NAME/SKILL.md: a valid skill described as `desc`. */
static void
put_simple(const char *root, const char *name, const char *desc)
{
	char *t = simple(name, desc);
	put_skill(root, name, t);
	free(t);
}

/* Run a shell command made with xasprintf and free it. */
static int
sh(char *cmd)
{
	int rc = system(cmd);
	free(cmd);
	return rc;
}

/* ---- parsing ---- */

static enum cerr
parse(const char *text, const char *dir, struct skill *s, struct skill_err *err)
{
	return skill_parse(text, strlen(text), dir, s, err);
}

START_TEST(parse_ok_and_fields_kept)
{
	struct skill s;
	struct skill_err err;
	const char *t =
		"---\nname: pdf-tools\ndescription: >\n  Folded description\n  on two lines.\n"
		"license: MIT\ncompatibility: needs poppler\nmetadata:\n  author: me\n"
		"allowed-tools: [read, grep]\nx-custom: kept\n---\n\n# Body\nText.\n";
	ck_assert_int_eq(parse(t, "pdf-tools", &s, &err), C_OK);
	ck_assert_str_eq(s.name, "pdf-tools");
	ck_assert_str_eq(s.description, "Folded description on two lines.");
	ck_assert_str_eq(s.body, "# Body\nText.\n");
	ck_assert_str_eq(jx_str(s.meta, "x-custom"), "kept");
	ck_assert_str_eq(jx_str(cJSON_GetObjectItem(s.meta, "metadata"), "author"), "me");
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(s.meta, "allowed-tools")));
	skill_free(&s);
}
END_TEST

START_TEST(parse_bom_crlf_literal)
{
	struct skill s;
	struct skill_err err;
	const char *t = "\xEF\xBB\xBF---\r\nname: a1\r\ndescription: |\r\n  line one\r\n"
			"  line two\r\n---\r\nbody\r\n";
	ck_assert_int_eq(parse(t, "a1", &s, &err), C_OK);
	ck_assert_str_eq(s.description, "line one\nline two");
	ck_assert_str_eq(s.body, "body\n");
	skill_free(&s);
	/* quoted strings with escapes */
	ck_assert_int_eq(parse("---\nname: \"q\"\ndescription: 'it''s: fine'\n---\n",
			       "q", &s, &err), C_OK);
	ck_assert_str_eq(s.description, "it's: fine");
	skill_free(&s);
}
END_TEST

START_TEST(parse_errors)
{
	static const struct { const char *text, *dir, *want; int line; } cases[] = {
		{ "no frontmatter\n", "x", "no YAML frontmatter", 1 },
		{ "---\nname: x\ndescription: d\n", "x", "not closed", 1 },
		{ "---\ndescription: d\n---\n", "x", "missing required field \"name\"", 1 },
		{ "---\nname: x\n---\n", "x", "missing required field \"description\"", 1 },
		{ "---\nname: Bad\ndescription: d\n---\n", "Bad", "must be 1-64", 2 },
		{ "---\nname: a--b\ndescription: d\n---\n", "a--b", "must be 1-64", 2 },
		{ "---\nname: -ab\ndescription: d\n---\n", "-ab", "must be 1-64", 2 },
		{ "---\nname: ab-\ndescription: d\n---\n", "ab-", "must be 1-64", 2 },
		{ "---\nname: x\ndescription: d\n---\n", "y", "differs from its directory", 2 },
		{ "---\nname: x\ndescription: \"\"\n---\n", "x", "is empty", 3 },
		{ "---\nname: x\ndescription: [a, b]\n---\n", "x", "must be a string", 3 },
		{ "---\nname: x\ndescription: d\nmetadata: 3\n---\n", "x", "must be a mapping", 4 },
		{ "---\nname: x\ndescription: d\n  bad: indent\n---\n", "x", "YAML", 0 },
		{ "---\n- a\n- b\n---\n", "x", "must be a YAML mapping", 2 },
	};
	size_t i;
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct skill s;
		struct skill_err err;
		ck_assert_msg(parse(cases[i].text, cases[i].dir, &s, &err) != C_OK,
			      "case %zu parsed", i);
		ck_assert_msg(strstr(err.reason, cases[i].want), "case %zu: %s", i,
			      err.reason);
		if (cases[i].line)
			ck_assert_msg(err.line == cases[i].line, "case %zu: line %d",
				      i, err.line);
	}
}
END_TEST

START_TEST(parse_alias_bomb)
{
	struct skill s;
	struct skill_err err;
	const char *t =
		"---\nname: x\ndescription: d\nmetadata:\n"
		"  a: &a [l, l, l, l, l, l, l, l, l, l]\n"
		"  b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"  c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
		"  d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
		"  e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
		"  f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
		"  g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
		"  h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
		"---\n";
	ck_assert_int_eq(parse(t, "x", &s, &err), C_ERR_PARSE);
	ck_assert_ptr_nonnull(strstr(err.reason, "too large"));
}
END_TEST

START_TEST(parse_limits)
{
	struct skill s;
	struct skill_err err;
	char name[70], *t, desc[1100];
	memset(name, 'a', 64);
	name[64] = '\0';
	t = simple(name, "d");
	ck_assert_int_eq(parse(t, name, &s, &err), C_OK);
	skill_free(&s);
	free(t);
	name[64] = 'a';
	name[65] = '\0';
	t = simple(name, "d");
	ck_assert_int_ne(parse(t, name, &s, &err), C_OK);
	free(t);
	memset(desc, 'd', 1024);
	desc[1024] = '\0';
	t = simple("x", desc);
	ck_assert_int_eq(parse(t, "x", &s, &err), C_OK);
	skill_free(&s);
	free(t);
	desc[1024] = 'd';
	desc[1025] = '\0';
	t = simple("x", desc);
	ck_assert_int_ne(parse(t, "x", &s, &err), C_OK);
	ck_assert_ptr_nonnull(strstr(err.reason, "1025"));
	free(t);
	/* render round-trips awkward descriptions */
	t = skill_render("r", "has: colon, \"quotes\" and\nnewline", "b\n");
	ck_assert_int_eq(parse(t, "r", &s, &err), C_OK);
	ck_assert_str_eq(s.description, "has: colon, \"quotes\" and\nnewline");
	skill_free(&s);
	free(t);
}
END_TEST

/* ---- discovery ---- */

START_TEST(discovery_precedence)
{
	char *w = ws(), *p;
	struct skill_index idx;
	struct buf warn = BUF_INIT;
	const struct skill *s;

	p = xasprintf("%s/.claude/skills", w);
	put_simple(p, "dup", "from claude");
	free(p);
	p = xasprintf("%s/.agents/skills", w);
	put_simple(p, "dup", "from agents");
	put_simple(p, "agents-only", "a");
	free(p);
	p = skills_user_dir();
	put_simple(p, "dup", "from user");
	put_simple(p, "mine", "user skill");
	put_skill(p, "broken", "---\nname: broken\n---\n");
	free(p);
	p = skills_installed_dir();
	put_simple(p, "mine", "installed");
	free(p);
	p = xasprintf("%s/pkg/skills", xdg_home);
	put_simple(p, "mine", "bundled");
	put_simple(p, "bundled-one", "b");
	free(p);

	skills_scan(&idx, w, &warn);
	ck_assert_uint_eq(idx.n, 4);
	s = skills_find(&idx, "dup");
	ck_assert_str_eq(s->description, "from agents");
	ck_assert_int_eq(s->source, SRC_PROJECT);
	s = skills_find(&idx, "mine");
	ck_assert_str_eq(s->description, "user skill");
	ck_assert_int_eq(skills_find(&idx, "bundled-one")->source, SRC_BUNDLED);
	ck_assert_ptr_nonnull(strstr(buf_str(&warn), "broken/SKILL.md:1: missing required"));
	ck_assert_ptr_nonnull(strstr(buf_str(&warn), "skill \"dup\" is also in"));
	ck_assert_ptr_nonnull(strstr(buf_str(&warn), "skill \"mine\" is also in"));
	skills_index_free(&idx);

	/* .conch/skills beats the others */
	p = xasprintf("%s/.conch/skills", w);
	put_simple(p, "dup", "from conch");
	free(p);
	skills_scan(&idx, w, NULL);
	ck_assert_str_eq(skills_find(&idx, "dup")->description, "from conch");
	skills_index_free(&idx);
	buf_free(&warn);
	free(w);
}
END_TEST

START_TEST(disclosure_budget)
{
	struct skill_index idx;
	char *p = skills_user_dir(), *w = ws(), *prompt;
	int i;
	size_t full;
	for (i = 0; i < 30; i++) {
		char name[16], desc[400];
		snprintf(name, sizeof name, "skill-%02d", i);
		memset(desc, 'a' + i % 26, sizeof desc - 1);
		desc[sizeof desc - 1] = '\0';
		put_simple(p, name, desc);
	}
	skills_scan(&idx, w, NULL);
	ck_assert_uint_eq(idx.n, 30);
	prompt = skills_prompt(&idx, 100000);
	full = strlen(prompt);
	ck_assert_ptr_nonnull(strstr(prompt, "skill-29: "));
	free(prompt);
	/* smaller: every name kept, descriptions shortened */
	prompt = skills_prompt(&idx, full / 3);
	ck_assert_uint_le(strlen(prompt), full / 3);
	for (i = 0; i < 30; i++) {
		char name[32];
		snprintf(name, sizeof name, "- skill-%02d: ", i);
		ck_assert_ptr_nonnull(strstr(prompt, name));
	}
	ck_assert_ptr_nonnull(strstr(prompt, "..."));
	free(prompt);
	/* tiny: names dropped, with a count */
	prompt = skills_prompt(&idx, 400);
	ck_assert_uint_le(strlen(prompt), 400);
	ck_assert_ptr_nonnull(strstr(prompt, "more not listed"));
	ck_assert_ptr_nonnull(strstr(prompt, "- skill-00\n"));
	free(prompt);
	skills_index_free(&idx);
	free(p);
	free(w);
}
END_TEST

START_TEST(skill_tool_describes)
{
	struct tool_ctx ctx;
	struct buf out = BUF_INIT;
	char *p = skills_user_dir(), *t = simple("doc-it", "Document"), *f;
	cJSON *args;
	put_skill(p, "doc-it", t);
	f = xasprintf("%s/doc-it/scripts", p);
	fs_mkdir_p(f, 0755);
	free(f);
	f = xasprintf("%s/doc-it/scripts/run.sh", p);
	fs_write_atomic(f, "echo\n", 5, 0755);
	memset(&ctx, 0, sizeof ctx);
	ctx.workspace = xdg_home;
	ctx.cwd = xdg_home;
	args = cJSON_Parse("{\"name\":\"doc-it\"}");
	ck_assert_int_eq(tool_skill.exec(&ctx, args, &out), C_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "Body of doc-it."));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), f));
	cJSON_Delete(args);
	buf_reset(&out);
	args = cJSON_Parse("{\"name\":\"nope\"}");
	ck_assert_int_ne(tool_skill.exec(&ctx, args, &out), C_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "- doc-it: Document"));
	cJSON_Delete(args);
	buf_free(&out);
	free(f);
	free(t);
	free(p);
}
END_TEST

/* ---- install ---- */

static char *
make_src(const char *sub, const char *name)
{
	char *root = xasprintf("%s/src/%s", xdg_home, sub), *t = simple(name, "installable");
	put_skill(root, name, t);
	free(t);
	return root;
}

START_TEST(install_dirs)
{
	struct buf msg = BUF_INIT;
	char *root = make_src("many", "one"), *single, *idir = skills_installed_dir();
	char *t = simple("two", "second"), *p;
	put_skill(root, "two", t);
	free(t);
	ck_assert_int_eq(skills_install(root, false, &msg, NULL), C_OK);
	p = xasprintf("%s/one/SKILL.md", idir);
	ck_assert(fs_exists(p));
	free(p);
	p = xasprintf("%s/two/SKILL.md", idir);
	ck_assert(fs_exists(p));
	free(p);
	/* no overwrite without force */
	buf_reset(&msg);
	single = xasprintf("%s/one", root);
	ck_assert_int_eq(skills_install(single, false, &msg, NULL), C_ERR_EXISTS);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "--force"));
	ck_assert_int_eq(skills_install(single, true, &msg, NULL), C_OK);
	/* an invalid skill is skipped and reported; the valid ones install,
	 * and --force does not waive validation */
	put_skill(root, "three", "---\nname: wrong\ndescription: d\n---\n");
	buf_reset(&msg);
	{
		struct buf errs = BUF_INIT;
		ck_assert_int_eq(skills_install(root, true, &msg, &errs), C_OK);
		ck_assert_ptr_nonnull(strstr(buf_str(&errs), "differs from its directory"));
		ck_assert_ptr_nonnull(strstr(buf_str(&msg), "installed one"));
		ck_assert_ptr_nonnull(strstr(buf_str(&msg), "1 skipped"));
		buf_free(&errs);
	}
	p = xasprintf("%s/three", idir);
	ck_assert(!fs_exists(p));
	free(p);
	/* only invalid ones: an error */
	{
		char *bad = xasprintf("%s/src/bad", xdg_home);
		put_skill(bad, "four", "---\nname: other\ndescription: d\n---\n");
		buf_reset(&msg);
		ck_assert_int_ne(skills_install(bad, true, &msg, NULL), C_OK);
		free(bad);
	}
	/* symlinks inside a source folder are refused */
	p = xasprintf("%s/src/ln", xdg_home);
	put_simple(p, "linky", "l");
	ck_assert_int_eq(sh(xasprintf("ln -s /etc/passwd '%s/linky/passwd'", p)), 0);
	buf_reset(&msg);
	ck_assert_int_eq(skills_install(p, false, &msg, NULL), C_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "symbolic link"));
	free(p);
	ck_assert_int_eq(skills_remove("one", &msg), C_OK);
	ck_assert_int_eq(skills_remove("one", &msg), C_ERR_NOTFOUND);
	buf_free(&msg);
	free(single);
	free(root);
	free(idir);
}
END_TEST

START_TEST(install_archives)
{
	struct buf msg = BUF_INIT;
	char *root = make_src("arch", "packed"), *tgz, *zip, *p, *idir = skills_installed_dir();
	if (system("command -v tar >/dev/null && command -v zip >/dev/null && "
		   "command -v unzip >/dev/null") != 0)
		return; /* tools absent: nothing to test */
	tgz = xasprintf("%s/packed.tar.gz", xdg_home);
	zip = xasprintf("%s/packed.zip", xdg_home);
	ck_assert_int_eq(sh(xasprintf("cd '%s' && tar -czf ../../packed.tar.gz packed", root)), 0);
	ck_assert_msg(skills_install(tgz, false, &msg, NULL) == C_OK, "%s", buf_str(&msg));
	p = xasprintf("%s/packed/SKILL.md", idir);
	ck_assert_msg(fs_exists(p), "%s", buf_str(&msg));
	ck_assert_int_eq(skills_remove("packed", &msg), C_OK);
	ck_assert_int_eq(sh(xasprintf("cd '%s' && zip -qr ../../packed.zip packed", root)), 0);
	buf_reset(&msg);
	ck_assert_int_eq(skills_install(zip, false, &msg, NULL), C_OK);
	ck_assert_msg(fs_exists(p), "%s", buf_str(&msg));
	free(p);
	buf_free(&msg);
	free(tgz);
	free(zip);
	free(root);
	free(idir);
}
END_TEST

/* Hostile archives are made with Python's tarfile/zipfile. */
START_TEST(install_hostile)
{
	static const char *const kinds[] = { "dotdot", "abs", "symlink", "hardlink",
					     "zipdotdot", "ziplink" };
	struct buf msg = BUF_INIT;
	char *script, *escape = xasprintf("%s/escaped", xdg_home);
	size_t i;
	if (system("test -x /usr/bin/python3") != 0)
		return;
	script = xasprintf(
		"cd '%s' && /usr/bin/python3 - <<'EOF'\n"
		"import io, tarfile, zipfile\n"
		"sk = b'---\\nname: evil\\ndescription: d\\n---\\nbody\\n'\n"
		"def tar(name, members):\n"
		"    with tarfile.open(name, 'w:gz') as t:\n"
		"        for m, data in members:\n"
		"            if data is not None: m.size = len(data)\n"
		"            t.addfile(m, io.BytesIO(data) if data is not None else None)\n"
		"def reg(n):\n"
		"    return tarfile.TarInfo(n)\n"
		"tar('dotdot.tar.gz', [(reg('evil/SKILL.md'), sk), (reg('evil/../../escaped'), b'x')])\n"
		"tar('abs.tar.gz', [(reg('evil/SKILL.md'), sk), (reg('/tmp/conch-abs-escape'), b'x')])\n"
		"l = tarfile.TarInfo('evil/link'); l.type = tarfile.SYMTYPE; l.linkname = '/etc'\n"
		"tar('symlink.tar.gz', [(reg('evil/SKILL.md'), sk), (l, None)])\n"
		"h = tarfile.TarInfo('evil/hard'); h.type = tarfile.LNKTYPE; h.linkname = 'evil/SKILL.md'\n"
		"tar('hardlink.tar.gz', [(reg('evil/SKILL.md'), sk), (h, None)])\n"
		"with zipfile.ZipFile('zipdotdot.zip', 'w') as z:\n"
		"    z.writestr('evil/SKILL.md', sk); z.writestr('evil/../../escaped', b'x')\n"
		"with zipfile.ZipFile('ziplink.zip', 'w') as z:\n"
		"    z.writestr('evil/SKILL.md', sk)\n"
		"    zi = zipfile.ZipInfo('evil/link'); zi.create_system = 3\n"
		"    zi.external_attr = (0o120777 << 16); z.writestr(zi, '/etc')\n"
		"EOF\n", xdg_home);
	ck_assert_int_eq(system(script), 0);
	free(script);
	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
		char *f = xasprintf("%s/%s.%s", xdg_home, kinds[i],
				    strncmp(kinds[i], "zip", 3) ? "tar.gz" : "zip");
		char *inst = skills_installed_dir(), *evil = xasprintf("%s/evil", inst);
		buf_reset(&msg);
		ck_assert_msg(skills_install(f, false, &msg, NULL) != C_OK, "%s installed",
			      kinds[i]);
		ck_assert_msg(strstr(buf_str(&msg), "refused"), "%s: %s", kinds[i],
			      buf_str(&msg));
		ck_assert(!fs_exists(evil));
		ck_assert(!fs_exists(escape));
		ck_assert(!fs_exists("/tmp/conch-abs-escape"));
		free(evil);
		free(inst);
		free(f);
	}
	buf_free(&msg);
	free(escape);
}
END_TEST

/* ---- history, undo, review, reflection ---- */

static char *
user_text(const char *name)
{
	char *d = skills_user_dir(), *p = xasprintf("%s/%s/SKILL.md", d, name);
	struct buf b = BUF_INIT;
	char *r = NULL;
	if (fs_read_file(p, 0, &b) == C_OK)
		r = buf_steal(&b);
	buf_free(&b);
	free(p);
	free(d);
	return r;
}

START_TEST(write_history_undo)
{
	struct buf msg = BUF_INIT;
	char *v1 = simple("hist", "version one"), *v2 = simple("hist", "version two");
	char *cur;
	ck_assert_int_eq(skills_write("hist", v1, "create", "s1", false, &msg), C_OK);
	ck_assert_int_eq(skills_write("hist", v2, "patch", "s2", false, &msg), C_OK);
	cur = user_text("hist");
	ck_assert_str_eq(cur, v2);
	free(cur);
	ck_assert_int_eq(skills_undo("hist", &msg), C_OK);
	cur = user_text("hist");
	ck_assert_str_eq(cur, v1);
	free(cur);
	ck_assert_int_eq(skills_undo("hist", &msg), C_OK);
	ck_assert_ptr_null(user_text("hist"));
	buf_reset(&msg);
	ck_assert_int_eq(skills_undo("hist", &msg), C_ERR_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "nothing to undo"));
	/* invalid or secret text is never written */
	ck_assert_int_ne(skills_write("hist", "---\nname: other\ndescription: d\n---\n",
				      "create", NULL, false, &msg), C_OK);
	free(v1);
	v1 = simple("hist", "uses key sk-ant-abcdefghijklmnopqrstuvwxyz1234");
	ck_assert_int_eq(skills_write("hist", v1, "create", NULL, false, &msg), C_ERR_INVAL);
	ck_assert_ptr_null(user_text("hist"));
	buf_free(&msg);
	free(v1);
	free(v2);
}
END_TEST

/* Apply the reflection answer `json` (it must parse) in `mode` for
 * workspace `w`; returns mind_apply_reflection's result. */
static enum cerr
reflect(const struct skill_index *idx, const char *w, enum skills_mode mode,
	struct buf *msg, const char *json)
{
	cJSON *a = cJSON_Parse(json);
	enum cerr e;
	ck_assert_ptr_nonnull(a);
	e = mind_apply_reflection(a, idx, w, "s", mode, msg);
	cJSON_Delete(a);
	return e;
}

START_TEST(reflection_apply)
{
	struct skill_index idx;
	struct buf msg = BUF_INIT;
	char *w = ws(), *bund = xasprintf("%s/pkg/skills", xdg_home), *t, *cur, *p;
	enum cerr e;

	put_simple(bund, "bundled-x", "bundled one");
	p = xasprintf("%s/bundled-x/notes.md", bund);
	fs_write_atomic(p, "n\n", 2, 0644);
	free(p);
	skills_scan(&idx, w, NULL);
	/* none */
	e = reflect(&idx, w, SKILLS_AUTO_ON, &msg, "{\"action\":\"none\"}");
	ck_assert_int_eq(e, C_OK);
	/* create */
	e = reflect(&idx, w, SKILLS_AUTO_ON, &msg,
		    "{\"action\":\"create\",\"name\":\"run-tests\",\"description\":"
		    "\"How to run tests\",\"body\":\"1. make check\\n\"}");
	ck_assert_int_eq(e, C_OK);
	cur = user_text("run-tests");
	ck_assert_ptr_nonnull(cur);
	ck_assert_ptr_nonnull(strstr(cur, "1. make check"));
	free(cur);
	/* creating an existing one is refused: patch instead */
	e = reflect(&idx, w, SKILLS_AUTO_ON, &msg,
		    "{\"action\":\"create\",\"name\":\"bundled-x\",\"description\":"
		    "\"d\",\"body\":\"b\"}");
	ck_assert_int_eq(e, C_ERR_EXISTS);
	/* one-off paths and bad names are refused */
	t = xasprintf("{\"action\":\"create\",\"name\":\"p\",\"description\":\"d\","
		      "\"body\":\"cd %s/src\"}", w);
	e = reflect(&idx, w, SKILLS_AUTO_ON, &msg, t);
	ck_assert_int_eq(e, C_ERR_INVAL);
	free(t);
	e = reflect(&idx, w, SKILLS_AUTO_ON, &msg,
		    "{\"action\":\"create\",\"name\":\"Bad_Name\",\"description\":"
		    "\"d\",\"body\":\"b\"}");
	ck_assert_int_ne(e, C_OK);
	/* a patch to a bundled skill makes a user copy with its files */
	e = reflect(&idx, w, SKILLS_AUTO_ON, &msg,
		    "{\"action\":\"patch\",\"name\":\"bundled-x\",\"old\":\"Body of "
		    "bundled-x.\",\"new\":\"Better body.\"}");
	ck_assert_int_eq(e, C_OK);
	cur = user_text("bundled-x");
	ck_assert_ptr_nonnull(strstr(cur, "Better body."));
	free(cur);
	p = xasprintf("%s/bundled-x/SKILL.md", bund);
	t = NULL;
	{
		struct buf b = BUF_INIT;
		fs_read_file(p, 0, &b);
		ck_assert_ptr_nonnull(strstr(buf_str(&b), "Body of bundled-x."));
		buf_free(&b);
	}
	free(p);
	{
		char *ud = skills_user_dir();
		p = xasprintf("%s/bundled-x/notes.md", ud);
		ck_assert(fs_exists(p));
		free(p);
		free(ud);
	}
	/* a patch whose old text is absent or repeated is refused */
	skills_index_free(&idx);
	skills_scan(&idx, w, NULL);
	ck_assert_int_eq(skills_find(&idx, "bundled-x")->source, SRC_USER);
	buf_reset(&msg);
	e = reflect(&idx, w, SKILLS_AUTO_ON, &msg,
		    "{\"action\":\"patch\",\"name\":\"run-tests\",\"old\":\"zzz\","
		    "\"new\":\"x\"}");
	ck_assert_int_eq(e, C_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "occurs 0 times"));
	/* undo of the bundled patch removes the user copy */
	ck_assert_int_eq(skills_undo("bundled-x", &msg), C_OK);
	ck_assert_ptr_null(user_text("bundled-x"));
	/* review mode stages; approve writes; reject drops */
	e = reflect(&idx, w, SKILLS_AUTO_REVIEW, &msg,
		    "{\"action\":\"create\",\"name\":\"staged\",\"description\":"
		    "\"d\",\"body\":\"b\"}");
	ck_assert_int_eq(e, C_OK);
	ck_assert_ptr_null(user_text("staged"));
	buf_reset(&msg);
	skills_pending_list(&msg);
	ck_assert_str_eq(buf_str(&msg), "staged\n");
	ck_assert_int_eq(skills_approve("staged", &msg), C_OK);
	cur = user_text("staged");
	ck_assert_ptr_nonnull(cur);
	free(cur);
	ck_assert_int_eq(skills_reject("staged", &msg), C_ERR_NOTFOUND);
	/* off writes nothing */
	e = reflect(&idx, w, SKILLS_AUTO_OFF, &msg,
		    "{\"action\":\"create\",\"name\":\"off-one\",\"description\":"
		    "\"d\",\"body\":\"b\"}");
	ck_assert_int_eq(e, C_OK);
	ck_assert_ptr_null(user_text("off-one"));
	skills_index_free(&idx);
	buf_free(&msg);
	free(bund);
	free(w);
}
END_TEST

CHECK_MAIN("skills", .timeout = 60, .setup = setup,
	.teardown = xdg_home_teardown, .tests = CHECK_TESTS(
	parse_ok_and_fields_kept, parse_bom_crlf_literal, parse_errors,
	parse_limits, parse_alias_bomb, discovery_precedence, disclosure_budget,
	skill_tool_describes, install_dirs, install_archives, install_hostile,
	write_history_undo, reflection_apply))
