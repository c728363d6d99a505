/* Check suite for agent/checkpoint.c outside git (the files kind): before
 * images across turns (the earliest wins), files that did not exist,
 * conflicts with changes made outside conch, undo of a rewind, shell
 * notes, pruning by count, and a log that a crash cut short. */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/checkpoint.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/test-fs.h"

static char root[PATH_MAX], ws[PATH_MAX];

static void
put(const char *rel, const char *text)
{
	test_write_in(ws, rel, text);
}

static char *
get(const char *rel)
{
	return test_read_in(ws, rel);
}

#define HAS(rel, want)                                       \
	do {                                                 \
		char *g_ = get(rel);                         \
		ck_assert_ptr_nonnull(g_);                   \
		ck_assert_str_eq(g_, want);                  \
		free(g_);                                    \
	} while (0)
#define GONE(rel) ck_assert_ptr_null(get(rel))

/* A tool's write, as loop.c wires it: the note, then the change. */
static void
tool_write(struct ckpt *c, const char *rel, const char *text)
{
	char *p = path_join(ws, rel);
	ckpt_note_write(c, p);
	free(p);
	put(rel, text);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static void
setup(void)
{
	char tmpl[] = "/tmp/conch-ckpt-XXXXXX", *state;
	ck_assert_ptr_nonnull(mkdtemp(tmpl));
	snprintf(root, sizeof root, "%s", tmpl);
	snprintf(ws, sizeof ws, "%s/ws", tmpl);
	ck_assert_int_eq(mkdir(ws, 0755), 0);
	state = path_join(root, "state");
	setenv("XDG_STATE_HOME", state, 1);
	free(state);
}

static void
teardown(void)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct ckpt *
open_store(int max_count)
{
	struct ckpt_opts o = { true, max_count, 30 };
	struct buf err = BUF_INIT;
	struct ckpt *c = ckpt_open(ws, "s1", &o, &err);
	ck_assert_msg(c != NULL, "ckpt_open: %s", buf_str(&err));
	ck_assert_ptr_null(c->gitdir); /* not a git work tree */
	buf_free(&err);
	return c;
}

static void
turn(struct ckpt *c, const char *prompt)
{
	struct buf err = BUF_INIT;
	ck_assert_int_eq(ckpt_begin(c, prompt, 0, &err), C_OK);
	buf_free(&err);
}

static void
end(struct ckpt *c)
{
	struct buf err = BUF_INIT;
	ck_assert_int_eq(ckpt_end(c, &err), C_OK);
	buf_free(&err);
}

static size_t
rewind_to(struct ckpt *c, int n, size_t *conflicts)
{
	struct ckpt_plan p;
	struct buf err = BUF_INIT;
	size_t restored = 0;
	ck_assert_int_eq(ckpt_rewind_plan(c, n, &p, &err), C_OK);
	*conflicts = p.nconflicts;
	ckpt_plan_free(&p);
	ck_assert_int_eq(ckpt_rewind(c, n, &restored, &err), C_OK);
	buf_free(&err);
	return restored;
}

START_TEST(earliest_image_wins)
{
	struct ckpt *c;
	size_t conflicts, k;
	put("a.txt", "v0\n");
	c = open_store(100);
	turn(c, "first");
	tool_write(c, "a.txt", "v1\n");
	tool_write(c, "a.txt", "v1b\n"); /* kept once per turn */
	tool_write(c, "new/made.txt", "new\n");
	end(c);
	turn(c, "second");
	tool_write(c, "a.txt", "v2\n");
	end(c);
	ck_assert_uint_eq(c->n, 2);
	ck_assert_uint_eq(c->v[0].nfiles, 2);
	for (k = 0; k < c->v[0].nfiles; k++)
		if (!strcmp(c->v[0].files[k].path, "a.txt")) {
			ck_assert_int_eq(c->v[0].files[k].add, 1);
			ck_assert_int_eq(c->v[0].files[k].del, 1);
		}
	/* before the second turn: what the first left */
	ck_assert_uint_eq(rewind_to(c, 2, &conflicts), 1);
	ck_assert_uint_eq(conflicts, 0);
	HAS("a.txt", "v1b\n");
	HAS("new/made.txt", "new\n");
	/* before the first: the original, and the new file gone */
	ck_assert_uint_eq(rewind_to(c, 1, &conflicts), 2);
	ck_assert_uint_eq(conflicts, 0);
	HAS("a.txt", "v0\n");
	GONE("new/made.txt");
	/* each rewind kept the state it left: undo the last one */
	ck_assert_uint_eq(c->n, 4);
	ck_assert_int_eq(c->v[3].rewind_of, 1);
	rewind_to(c, 4, &conflicts);
	HAS("a.txt", "v1b\n");
	HAS("new/made.txt", "new\n");
	ckpt_close(c);
}
END_TEST

START_TEST(conflicts_and_reload)
{
	struct ckpt *c;
	struct ckpt_plan p;
	struct buf err = BUF_INIT;
	put("a.txt", "v0\n");
	put("b.txt", "b0\n");
	c = open_store(100);
	turn(c, "edit both");
	tool_write(c, "a.txt", "v1\n");
	tool_write(c, "b.txt", "b1\n");
	ckpt_note_shell(c);
	end(c);
	ckpt_close(c);
	/* the user's own change after the turn */
	put("b.txt", "b1 and mine\n");
	c = open_store(100); /* loaded back from the log */
	ck_assert_uint_eq(c->n, 1);
	ck_assert(c->v[0].shell);
	ck_assert_int_eq(ckpt_rewind_plan(c, 1, &p, &err), C_OK);
	ck_assert_uint_eq(p.nchanges, 2);
	ck_assert_uint_eq(p.nconflicts, 1);
	ck_assert_str_eq(p.conflicts[0], "b.txt");
	ck_assert_uint_eq(p.nuncaptured, 1);
	ck_assert_ptr_nonnull(strstr(p.uncaptured[0], "could not be captured"));
	ckpt_plan_free(&p);
	ck_assert_int_eq(ckpt_rewind_plan(c, 7, &p, &err), C_ERR_NOTFOUND);
	buf_free(&err);
	ckpt_close(c);
}
END_TEST

START_TEST(pruned_by_count)
{
	struct ckpt *c;
	int i;
	char name[32];
	put("a.txt", "v0\n");
	c = open_store(3);
	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof name, "v%d\n", i + 1);
		turn(c, "t");
		tool_write(c, "a.txt", name);
		end(c);
	}
	ck_assert_uint_eq(c->n, 3);
	ck_assert_int_eq(c->v[0].n, 4); /* numbers stay stable */
	ck_assert_ptr_null(ckpt_find(c, 1));
	{
		/* the dropped turns' images are gone from the disk */
		char *d = xasprintf("%s/files/1", c->dir);
		ck_assert(!fs_exists(d));
		free(d);
	}
	ckpt_close(c);
}
END_TEST

START_TEST(torn_log)
{
	struct ckpt *c;
	char *log;
	put("a.txt", "v0\n");
	c = open_store(100);
	turn(c, "t");
	tool_write(c, "a.txt", "v1\n");
	end(c);
	log = xasprintf("%s/log.json", c->dir);
	ckpt_close(c);
	/* a log cut short (never by conch: its writes are atomic) is
	 * reported and ignored; new checkpoints still work */
	ck_assert_int_eq(fs_write_atomic(log, "{\"entries\":[", 12, 0600), C_OK);
	free(log);
	c = open_store(100);
	ck_assert_uint_eq(c->n, 0);
	turn(c, "again");
	tool_write(c, "a.txt", "v2\n");
	end(c);
	ck_assert_uint_eq(c->n, 1);
	/* the number was reused: the old turn's images are not mixed in */
	{
		size_t conflicts;
		ck_assert_uint_eq(rewind_to(c, 1, &conflicts), 1);
		HAS("a.txt", "v1\n");
	}
	ckpt_close(c);
}
END_TEST

CHECK_MAIN("checkpoint", .name = "files", .setup = setup,
	.teardown = teardown, .tests = CHECK_TESTS(
	earliest_image_wins, conflicts_and_reload, pruned_by_count,
	torn_log))
