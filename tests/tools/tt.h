/* tt.h: fixtures shared by the tools test suites: a temporary workspace
 * with a session directory beside it, and a tool_ctx over them. */
#ifndef CONCH_TESTS_TT_H
#define CONCH_TESTS_TT_H

#include <check.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/check-run.h"
#include "tests/test-fs.h"
#include "tools/tool.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/str.h"
#include "util/xalloc.h"

struct tt {
	char ws[PATH_MAX];   /* workspace (cwd) */
	char sess[PATH_MAX]; /* session directory */
	struct readset reads;
	struct todo_list todos;
	struct policy pol;
	struct tool_ctx ctx;
};

static inline void
tt_setup(struct tt *t)
{
	char tmpl[] = "/tmp/conch-tt-XXXXXX";
	char *real;

	memset(t, 0, sizeof *t);
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	real = realpath(tmpl, NULL);
	ck_assert_ptr_nonnull(real);
	snprintf(t->ws, sizeof t->ws, "%s/ws", real);
	snprintf(t->sess, sizeof t->sess, "%s/sess", real);
	free(real);
	ck_assert_int_eq(mkdir(t->ws, 0755), 0);
	ck_assert_int_eq(mkdir(t->sess, 0700), 0);
	policy_init(&t->pol, MODE_AUTO);
	t->ctx.workspace = t->ws;
	t->ctx.cwd = t->ws;
	t->ctx.session_dir = t->sess;
	t->ctx.reads = &t->reads;
	t->ctx.todos = &t->todos;
	t->ctx.policy = &t->pol;
	t->ctx.sandbox.workspace = t->ws;
	t->ctx.sandbox.cancel_fd = -1;
	t->ctx.cancel_fd = -1;
}

static inline int
tt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static inline void
tt_teardown(struct tt *t)
{
	char *parent = xstrdup(t->ws);
	*strrchr(parent, '/') = '\0';
	nftw(parent, tt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(parent);
	readset_free(&t->reads);
	todo_list_free(&t->todos);
	policy_free(&t->pol);
}

/* The absolute path of `rel` in the workspace; caller frees. */
static inline char *
tt_path(const struct tt *t, const char *rel)
{
	return path_join(t->ws, rel);
}

/* Write `content` to `rel` (parents created). */
static inline void
tt_put(const struct tt *t, const char *rel, const char *content)
{
	char *p = tt_path(t, rel), *slash;
	FILE *f;
	slash = strrchr(p, '/');
	*slash = '\0';
	ck_assert_int_eq(fs_mkdir_p(p, 0755), C_OK);
	*slash = '/';
	f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	fwrite(content, 1, strlen(content), f);
	fclose(f);
	free(p);
}

/* Write each file of `files`: path and contents pairs, NULL-ended. */
static inline void
tt_put_all(const struct tt *t, const char *const *files)
{
	for (size_t i = 0; files[i]; i += 2)
		tt_put(t, files[i], files[i + 1]);
}

/* tt_tree(t, "a.c", "int a;\n", "sub/b.c", "", ...): write these files. */
#define tt_tree(t, ...) \
	tt_put_all((t), (const char *const []){ __VA_ARGS__, NULL })

/* Make `rel` in the workspace a symlink to `target`. */
static inline void
tt_symlink(const struct tt *t, const char *target, const char *rel)
{
	char *p = tt_path(t, rel);
	ck_assert_int_eq(symlink(target, p), 0);
	free(p);
}

/* Contents of `rel`, or NULL when it cannot be read; caller frees. */
static inline char *
tt_get(const struct tt *t, const char *rel)
{
	return test_read_in(t->ws, rel);
}

/* Run a tool call; returns the result text (caller frees). */
static inline char *
tt_call(struct tt *t, const char *name, const char *json, bool *is_error)
{
	struct buf out = BUF_INIT;
	bool err = false;
	tool_call(&t->ctx, name, json, &out, &err);
	if (is_error)
		*is_error = err;
	return buf_steal(&out);
}

/* Run a call that must succeed; returns its text (caller frees). */
static inline char *
tt_ok(struct tt *t, const char *name, const char *json)
{
	bool err = true;
	char *r = tt_call(t, name, json, &err);
	if (err)
		ck_abort_msg("%s %s failed: %s", name, json, r);
	return r;
}

/* Run a call that must fail; returns its text (caller frees). */
static inline char *
tt_err(struct tt *t, const char *name, const char *json)
{
	bool err = false;
	char *r = tt_call(t, name, json, &err);
	if (!err)
		ck_abort_msg("%s %s should have failed: %s", name, json, r);
	return r;
}

/* Run a call that must fail (`want_err`) or succeed, and check that its
 * text holds each of `needles` (NULL-ended). */
static inline void
tt_expect_has(struct tt *t, const char *name, const char *json, bool want_err,
	      const char *const *needles)
{
	char *r = want_err ? tt_err(t, name, json) : tt_ok(t, name, json);
	for (size_t i = 0; needles[i]; i++)
		ck_assert_msg(strstr(r, needles[i]) != NULL,
			      "%s %s: expected \"%s\" in:\n%s", name, json,
			      needles[i], r);
	free(r);
}

/* tt_ok_has(t, name, json, needle...): a call that must succeed and whose
 * text holds every needle; tt_err_has the same for one that must fail. */
#define tt_ok_has(t, name, json, ...) \
	tt_expect_has((t), (name), (json), false, \
		      (const char *const []){ __VA_ARGS__, NULL })
#define tt_err_has(t, name, json, ...) \
	tt_expect_has((t), (name), (json), true, \
		      (const char *const []){ __VA_ARGS__, NULL })

/* Run a call that must fail (`want_err`) or succeed, and check that its
 * text is `want`. */
static inline void
tt_expect_is(struct tt *t, const char *name, const char *json, bool want_err,
	     const char *want)
{
	char *r = want_err ? tt_err(t, name, json) : tt_ok(t, name, json);
	ck_assert_msg(strcmp(r, want) == 0, "%s %s: got\n%s\nwant\n%s", name,
		      json, r, want);
	free(r);
}
#define tt_ok_is(t, name, json, want) \
	tt_expect_is((t), (name), (json), false, (want))
#define tt_err_is(t, name, json, want) \
	tt_expect_is((t), (name), (json), true, (want))

/* Check that `rel` in the workspace holds exactly `want`. */
static inline void
tt_file_is(const struct tt *t, const char *rel, const char *want)
{
	char *c = tt_get(t, rel);
	ck_assert_msg(c != NULL, "%s cannot be read", rel);
	ck_assert_msg(strcmp(c, want) == 0, "%s holds\n%s\nwant\n%s", rel, c, want);
	free(c);
}

#define tt_has(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) != NULL, \
		      "expected \"%s\" in:\n%s", (needle), (hay))
#define tt_hasnt(hay, needle) \
	ck_assert_msg(strstr((hay), (needle)) == NULL, \
		      "did not expect \"%s\" in:\n%s", (needle), (hay))


#endif
