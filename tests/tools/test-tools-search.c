/* Check suite for src/tools: wildmatch, brace expansion, .gitignore rules,
 * and the glob, grep and ls tools. */
#include "tt.h"

#include <sys/time.h>

#include "tools/gitignore.h"

/* ---- wildmatch ---- */

START_TEST(wildmatch_cases)
{
	static const struct {
		const char *pat, *str;
		bool m;
	} v[] = {
		{ "*.c", "a.c", true },
		{ "*.c", "d/a.c", false },
		{ "**/*.c", "a.c", true },
		{ "**/*.c", "d/e/a.c", true },
		{ "src/**/*.h", "src/x.h", true },
		{ "src/**/*.h", "src/a/b/x.h", true },
		{ "src/**/*.h", "lib/x.h", false },
		{ "src/**", "src/a/b", true },
		{ "src/**", "src", false },
		{ "a?c", "abc", true },
		{ "a?c", "a/c", false },
		{ "[abc]x", "bx", true },
		{ "[!abc]x", "bx", false },
		{ "[a-c]x", "cx", true },
		{ "[a-c]x", "dx", false },
		{ "\\*x", "*x", true },
		{ "\\*x", "ax", false },
		{ "a*b*c", "aXbYc", true },
		{ "a*b*c", "aXbY", false },
		{ "foo", "foo", true },
		{ "foo", "foobar", false },
		{ "[unterminated", "[unterminated", true },
		{ "a**b", "axxb", true },
		{ "a**b", "ax/xb", false },
	};
	size_t i;
	for (i = 0; i < sizeof v / sizeof v[0]; i++)
		ck_assert_msg(wild_match(v[i].pat, v[i].str) == v[i].m,
			      "wild_match(%s, %s) != %d", v[i].pat, v[i].str, v[i].m);
}
END_TEST

/* glob_expand_braces(pattern) gives exactly `want` (NULL-ended), in order. */
static void
expands_to(const char *pattern, const char *const *want)
{
	char **p = glob_expand_braces(pattern);
	size_t i;
	for (i = 0; want[i]; i++) {
		ck_assert_ptr_nonnull(p[i]);
		ck_assert_str_eq(p[i], want[i]);
	}
	ck_assert_ptr_null(p[i]);
	glob_patterns_free(p);
}

START_TEST(braces_expand)
{
	expands_to("**/*.{c,h}", (const char *const []){ "**/*.c", "**/*.h", NULL });
	expands_to("{a,b{1,2}}x", (const char *const []){ "ax", "b1x", "b2x", NULL });
	expands_to("{single}.c", (const char *const []){ "{single}.c", NULL });
}
END_TEST

/* ---- .gitignore ---- */

static bool
ign(struct gitignore *gi, const struct tt *t, const char *rel, bool dir)
{
	char *p = tt_path(t, rel);
	bool r = gi_ignored(gi, p, dir);
	free(p);
	return r;
}

START_TEST(gitignore_rules)
{
	struct tt t;
	struct gitignore *gi;
	char *sub;
	tt_setup(&t);
	tt_put(&t, ".git/HEAD", "ref\n"); /* a repository root */
	tt_put(&t, ".git/info/exclude", "*.excl\n");
	tt_put(&t, ".gitignore",
	       "# comment\n"
	       "*.o\n"
	       "!keep.o\n"
	       "/top.txt\n"
	       "build/\n"
	       "doc/*.html\n"
	       "**/gen/**\n"
	       "trailing   \n"
	       "\n");
	tt_put(&t, "sub/.gitignore", "*.log\n!important.log\nlocal\n");
	gi = gi_new(t.ws);
	ck_assert(ign(gi, &t, "a.o", false));
	ck_assert(ign(gi, &t, "d/x.excl", false));
	ck_assert(ign(gi, &t, "deep/dir/a.o", false));
	ck_assert(!ign(gi, &t, "keep.o", false));
	ck_assert(ign(gi, &t, "top.txt", false));
	ck_assert(!ign(gi, &t, "sub/top.txt", false));   /* anchored */
	ck_assert(ign(gi, &t, "build", true));
	ck_assert(ign(gi, &t, "x/build", true));
	ck_assert(!ign(gi, &t, "build", false));         /* dir only */
	ck_assert(ign(gi, &t, "doc/a.html", false));
	ck_assert(!ign(gi, &t, "doc/x/a.html", false));
	ck_assert(!ign(gi, &t, "x/doc/a.html", false));
	ck_assert(ign(gi, &t, "gen/a.c", false));
	ck_assert(ign(gi, &t, "x/gen/y/a.c", false));
	ck_assert(ign(gi, &t, "trailing", false));
	ck_assert(ign(gi, &t, ".git", true));
	ck_assert(!ign(gi, &t, "a.log", false));
	/* nested file applies below its directory */
	sub = tt_path(&t, "sub");
	gi_push_dir(gi, sub);
	ck_assert(ign(gi, &t, "sub/a.log", false));
	ck_assert(ign(gi, &t, "sub/x/a.log", false));
	ck_assert(!ign(gi, &t, "sub/important.log", false));
	ck_assert(ign(gi, &t, "sub/local", true));
	ck_assert(ign(gi, &t, "sub/a.o", false));      /* parent rules too */
	gi_pop_dir(gi);
	ck_assert(!ign(gi, &t, "sub/a.log", false));
	gi_free(gi);
	free(sub);
	/* a walk that starts in a subdirectory still sees the root's rules */
	sub = tt_path(&t, "sub");
	gi = gi_new(sub);
	ck_assert(ign(gi, &t, "sub/a.o", false));
	ck_assert(ign(gi, &t, "sub/a.log", false));
	gi_free(gi);
	free(sub);
	tt_teardown(&t);
}
END_TEST

/* ---- glob ---- */

static void
set_mtime(const struct tt *t, const char *rel, long sec)
{
	char *p = tt_path(t, rel);
	struct timeval tv[2] = { { sec, 0 }, { sec, 0 } };
	ck_assert_int_eq(utimes(p, tv), 0);
	free(p);
}

START_TEST(glob_patterns_order_and_ignore)
{
	struct tt t;
	tt_setup(&t);
	tt_tree(&t, ".gitignore", "ignored/\n*.tmp\n", "a.c", "", "src/b.c", "",
		"src/deep/c.c", "", "src/deep/c.h", "", "ignored/d.c", "",
		"src/e.tmp", "", ".git/f.c", "");
	set_mtime(&t, "a.c", 1000);
	set_mtime(&t, "src/b.c", 3000);
	set_mtime(&t, "src/deep/c.c", 2000);
	set_mtime(&t, "src/deep/c.h", 500);
	tt_ok_is(&t, "glob", "{\"pattern\":\"**/*.c\"}",
		 "src/b.c\nsrc/deep/c.c\na.c\n");
	tt_ok_is(&t, "glob", "{\"pattern\":\"*.c\"}", "a.c\n");
	tt_ok_is(&t, "glob", "{\"pattern\":\"src/**/*.{c,h}\"}",
		 "src/b.c\nsrc/deep/c.c\nsrc/deep/c.h\n");
	tt_ok_is(&t, "glob", "{\"pattern\":\"*.c\",\"path\":\"src/deep\"}",
		 "src/deep/c.c\n");
	tt_ok_has(&t, "glob", "{\"pattern\":\"**/*.tmp\"}", "No files match");
	tt_err_has(&t, "glob", "{\"pattern\":\"*\",\"path\":\"a.c\"}",
		   "not a directory");
	tt_teardown(&t);
}
END_TEST

START_TEST(glob_caps_results)
{
	struct tt t;
	char name[64], *r, *p;
	size_t lines = 0;
	int i;
	tt_setup(&t);
	for (i = 0; i < 250; i++) {
		snprintf(name, sizeof name, "many/f%03d.txt", i);
		tt_put(&t, name, "");
	}
	r = tt_ok(&t, "glob", "{\"pattern\":\"many/*.txt\"}");
	for (p = r; (p = strchr(p, '\n')); p++)
		lines++;
	ck_assert_uint_eq(lines, 201);
	tt_has(r, "[... 50 more files not shown");
	free(r);
	tt_teardown(&t);
}
END_TEST

/* ---- grep ---- */

static void
grep_tree(struct tt *t)
{
	FILE *f;
	char *p;
	tt_tree(t, ".gitignore", "skip/\n",
		"a.c", "int main(void)\n{\n\treturn FOO;\n}\n",
		"b.h", "#define FOO 1\n#define BAR 2\n");
	tt_put(t, "notes.txt", "one\ntwo\nfoo three\nfour\nfive\nsix\n"
	       "seven\neight\nfoo nine\nten\n");
	tt_put(t, "skip/c.c", "FOO\n");
	p = tt_path(t, "blob.bin");
	f = fopen(p, "wb");
	fwrite("FOO\0\1\2", 1, 6, f);
	fclose(f);
	free(p);
}

START_TEST(grep_modes)
{
	struct tt t;
	tt_setup(&t);
	grep_tree(&t);
	tt_ok_is(&t, "grep", "{\"pattern\":\"FOO\"}", "a.c\nb.h\n");
	tt_ok_is(&t, "grep", "{\"pattern\":\"FOO\",\"output_mode\":\"content\"}",
		 "a.c:3:\treturn FOO;\nb.h:1:#define FOO 1\n");
	tt_ok_is(&t, "grep", "{\"pattern\":\"foo\",\"case_insensitive\":true,"
		 "\"output_mode\":\"count\"}", "a.c:1\nb.h:1\nnotes.txt:2\n");
	tt_ok_is(&t, "grep", "{\"pattern\":\"^#define \\\\w+ \\\\d$\","
		 "\"glob\":\"*.h\",\"output_mode\":\"count\"}", "b.h:2\n");
	tt_ok_is(&t, "grep", "{\"pattern\":\"FOO\",\"glob\":\"*.{c,txt}\"}",
		 "a.c\n");
	tt_ok_is(&t, "grep", "{\"pattern\":\"FOO\",\"path\":\"b.h\","
		 "\"output_mode\":\"content\"}", "b.h:1:#define FOO 1\n");
	tt_ok_has(&t, "grep", "{\"pattern\":\"nothing here\"}", "No matches");
	tt_teardown(&t);
}
END_TEST

START_TEST(grep_context)
{
	struct tt t;
	char *r;
	tt_setup(&t);
	grep_tree(&t);
	r = tt_ok(&t, "grep", "{\"pattern\":\"foo\",\"path\":\"notes.txt\","
		  "\"output_mode\":\"content\",\"context\":1}");
	ck_assert_str_eq(r,
		"notes.txt-2-two\nnotes.txt:3:foo three\nnotes.txt-4-four\n--\n"
		"notes.txt-8-eight\nnotes.txt:9:foo nine\nnotes.txt-10-ten\n");
	free(r);
	/* groups in different files are separated too */
	r = tt_ok(&t, "grep", "{\"pattern\":\"FOO\",\"glob\":\"*.{c,h}\","
		  "\"output_mode\":\"content\",\"context\":1}");
	ck_assert_str_eq(r, "a.c-2-{\na.c:3:\treturn FOO;\na.c-4-}\n--\n"
			 "b.h:1:#define FOO 1\nb.h-2-#define BAR 2\n");
	free(r);
	/* overlapping context merges into one group */
	r = tt_ok(&t, "grep", "{\"pattern\":\"foo\",\"path\":\"notes.txt\","
		  "\"output_mode\":\"content\",\"context\":3}");
	tt_hasnt(r, "--");
	tt_has(r, "notes.txt-1-one\n");
	tt_has(r, "notes.txt-6-six\n");
	tt_has(r, "notes.txt-10-ten\n");
	free(r);
	tt_teardown(&t);
}
END_TEST

START_TEST(grep_errors_and_caps)
{
	struct tt t;
	struct buf b = BUF_INIT;
	char *r;
	int i;
	tt_setup(&t);
	tt_err_has(&t, "grep", "{\"pattern\":\"foo(\"}",
		   "Invalid regex", "missing closing parenthesis", "offset 4");
	tt_err_has(&t, "grep", "{\"pattern\":\"x\",\"path\":\"nowhere\"}",
		   "does not exist");
	for (i = 0; i < 1000; i++)
		buf_printf(&b, "match %d\n", i);
	tt_put(&t, "many.txt", buf_str(&b));
	r = tt_ok(&t, "grep", "{\"pattern\":\"match\",\"output_mode\":\"content\"}");
	tt_has(r, "many.txt:1:match 0\n");
	tt_hasnt(r, "match 999\n");
	tt_has(r, "[output capped: 1000 matching lines in 1 files");
	ck_assert_uint_le(strlen(r), TOOL_OUTPUT_MAX);
	free(r);
	/* a long line shows a window around the match */
	buf_reset(&b);
	for (i = 0; i < 5000; i++)
		buf_addc(&b, 'x');
	buf_adds(&b, "NEEDLE");
	for (i = 0; i < 5000; i++)
		buf_addc(&b, 'y');
	tt_put(&t, "min.js", buf_str(&b));
	r = tt_ok(&t, "grep", "{\"pattern\":\"NEEDLE\",\"output_mode\":\"content\"}");
	tt_has(r, "min.js:1:...");
	tt_has(r, "xNEEDLEy");
	ck_assert_uint_lt(strlen(r), 400);
	free(r);
	buf_free(&b);
	tt_teardown(&t);
}
END_TEST

/* ---- ls ---- */

START_TEST(ls_lists_types_sizes)
{
	struct tt t;
	char *r, *p;
	tt_setup(&t);
	tt_tree(&t, ".gitignore", "*.o\n", "b.txt", "12345", "a.o", "x",
		"dir/x", "", ".git/HEAD", "ref\n");
	tt_symlink(&t, "b.txt", "link");
	r = tt_ok(&t, "ls", "{}");
	ck_assert_str_eq(r, "file .gitignore  4\nfile b.txt  5\ndir  dir/\n"
			 "link link -> b.txt\n"
			 "[2 ignored entries hidden (.git, .gitignore)]\n");
	free(r);
	tt_ok_is(&t, "ls", "{\"path\":\"dir\"}", "file x  0\n");
	tt_put(&t, "empty/.keep", "");
	p = tt_path(&t, "empty/.keep");
	unlink(p);
	free(p);
	tt_ok_has(&t, "ls", "{\"path\":\"empty\"}", "is empty");
	for (int i = 0; i < 510; i++) {
		char name[32];
		snprintf(name, sizeof name, "big/f%03d", i);
		tt_put(&t, name, "");
	}
	r = tt_ok(&t, "ls", "{\"path\":\"big\"}");
	tt_has(r, "file f499  0\n[... 10 more entries not shown]\n");
	tt_hasnt(r, "f500");
	free(r);
	tt_err_has(&t, "ls", "{\"path\":\"missing\"}", "does not exist");
	tt_teardown(&t);
}
END_TEST

CHECK_MAIN("tools-search", .timeout = 60, .tests = CHECK_TESTS(
	wildmatch_cases, braces_expand, gitignore_rules,
	glob_patterns_order_and_ignore, glob_caps_results, grep_modes,
	grep_context, grep_errors_and_caps, ls_lists_types_sizes))
