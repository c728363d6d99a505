/* Check suite for src/util: buf, fsutil paths, str, jsonx. */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/str.h"
#include "util/sensitive.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

/* invariant: len < cap when allocated, NUL at len */
static void
buf_check(const struct buf *b)
{
	if (b->p) {
		ck_assert_uint_lt(b->len, b->cap);
		ck_assert_int_eq(b->p[b->len], '\0');
	} else {
		ck_assert_uint_eq(b->len, 0);
	}
}

START_TEST(buf_append_and_cap)
{
	struct buf b;
	int i;
	buf_init(&b, 10);
	ck_assert_str_eq(buf_str(&b), "");
	ck_assert_int_eq(buf_adds(&b, "hello"), C_OK);
	buf_check(&b);
	ck_assert_int_eq(buf_printf(&b, "%d", 1234), C_OK);
	buf_check(&b);
	ck_assert_str_eq(buf_str(&b), "hello1234");
	ck_assert_int_eq(buf_adds(&b, "xy"), C_ERR_TOOBIG);
	/* appends after a failure do nothing */
	ck_assert_int_eq(buf_adds(&b, "z"), C_ERR_TOOBIG);
	ck_assert_str_eq(buf_str(&b), "hello1234");
	ck_assert(!buf_ok(&b));
	buf_reset(&b);
	ck_assert(buf_ok(&b));
	for (i = 0; i < 10; i++)
		buf_addc(&b, 'a');
	buf_check(&b);
	ck_assert_uint_eq(b.len, 10);
	buf_truncate(&b, 3);
	ck_assert_str_eq(buf_str(&b), "aaa");
	buf_free(&b);
	buf_init(&b, 0);
	for (i = 0; i < 100000; i++)
		buf_add(&b, "0123456789", 10);
	buf_check(&b);
	ck_assert_uint_eq(b.len, 1000000);
	{
		char *s = buf_steal(&b);
		ck_assert_uint_eq(strlen(s), 1000000);
		free(s);
	}
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
}
END_TEST

START_TEST(paths)
{
	char *p;
	p = path_normalize("/a/./b//c/../d/");
	ck_assert_str_eq(p, "/a/b/d");
	free(p);
	p = path_normalize("/../..");
	ck_assert_str_eq(p, "/");
	free(p);
	p = path_resolve("/w/x", "../y/z");
	ck_assert_str_eq(p, "/w/y/z");
	free(p);
	p = path_resolve("/w", "/abs");
	ck_assert_str_eq(p, "/abs");
	free(p);
	ck_assert(path_is_under("/w/a", "/w"));
	ck_assert(path_is_under("/w", "/w"));
	ck_assert(!path_is_under("/wx", "/w"));
	ck_assert(path_is_under("/anything", "/"));
	p = path_slug("/home/u/my proj");
	ck_assert_str_eq(p, "home-u-my-proj");
	free(p);
	{ /* injective: same slug, different keys; readable prefix */
		char *k1 = path_project_key("/nonexistent-conch/a-b/c");
		char *k2 = path_project_key("/nonexistent-conch/a/b-c");
		ck_assert_str_ne(k1, k2);
		ck_assert(strncmp(k1, "nonexistent-conch-a-b-c-", 24) == 0);
		ck_assert_uint_eq(strlen(k1), 24 + 12);
		free(k1);
		free(k2);
	}
}
END_TEST

START_TEST(atomic_write_keeps_mode)
{
	char dir[] = "/tmp/conch-test-XXXXXX";
	char *f;
	struct buf b = BUF_INIT;
	struct stat st;
	ck_assert_ptr_nonnull(mkdtemp(dir));
	f = path_join(dir, "sub/dir/file");
	ck_assert_int_eq(fs_write_atomic(f, "x", 1, 0644), C_ERR_IO);
	{
		char *d = path_join(dir, "sub/dir");
		ck_assert_int_eq(fs_mkdir_p(d, 0755), C_OK);
		free(d);
	}
	ck_assert_int_eq(fs_write_atomic(f, "one", 3, 0600), C_OK);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0600);
	chmod(f, 0640);
	ck_assert_int_eq(fs_write_atomic(f, "two!", 4, 0600), C_OK);
	ck_assert_int_eq(stat(f, &st), 0);
	ck_assert_int_eq(st.st_mode & 0777, 0640);
	ck_assert_int_eq(fs_read_file(f, 0, &b), C_OK);
	ck_assert_str_eq(buf_str(&b), "two!");
	buf_reset(&b);
	ck_assert_int_eq(fs_read_file(f, 2, &b), C_ERR_TOOBIG);
	buf_free(&b);
	ck_assert_int_eq(fs_read_file("/nonexistent/x", 0, &b), C_ERR_NOTFOUND);
	buf_free(&b);
	unlink(f);
	free(f);
}
END_TEST

START_TEST(utf8)
{
	ck_assert(utf8_valid("h\xc3\xa9llo", 6));
	ck_assert(!utf8_valid("\xc3", 1));
	ck_assert(!utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
	ck_assert(!utf8_valid("\xc0\xaf", 2));     /* overlong */
	/* "aé" cut after the lead byte of é */
	ck_assert_uint_eq(utf8_floor("a\xc3\xa9", 2), 1);
	ck_assert_uint_eq(utf8_floor("a\xc3\xa9", 3), 3);
	ck_assert_uint_eq(utf8_floor("abc", 2), 2);
	ck_assert_uint_eq(utf8_floor("\xe2\x82\xac", 2), 0);
}
END_TEST

START_TEST(numbers_and_counts)
{
	long v;
	ck_assert(str_to_long("42", &v) && v == 42);
	ck_assert(!str_to_long("42x", &v));
	ck_assert(!str_to_long("", &v));
	ck_assert(!str_to_long("99999999999999999999999", &v));
	ck_assert_uint_eq(str_count("abababa", 7, "aba", 3), 2);
	ck_assert_uint_eq(str_count("abc", 3, "", 0), 0);
}
END_TEST

START_TEST(json_errors_and_schema)
{
	int line = 0, col = 0;
	cJSON *v, *schema;
	struct buf err = BUF_INIT;
	const char *bad = "{\n  \"a\": 1,\n  \"b\": ]\n}";
	ck_assert_ptr_null(jx_parse(bad, strlen(bad), &line, &col));
	ck_assert_int_eq(line, 3);
	ck_assert_int_gt(col, 1);
	ck_assert_ptr_null(jx_parse("{} x", 4, &line, &col));
	ck_assert_int_eq(col, 4);

	schema = cJSON_Parse("{\"type\":\"object\",\"properties\":{"
			     "\"path\":{\"type\":\"string\"},"
			     "\"n\":{\"type\":\"integer\",\"minimum\":1},"
			     "\"mode\":{\"type\":\"string\",\"enum\":[\"a\",\"b\"]},"
			     "\"items\":{\"type\":\"array\",\"items\":{\"type\":\"string\"}}},"
			     "\"required\":[\"path\"],\"additionalProperties\":false}");
	v = cJSON_Parse("{\"path\":\"x\",\"n\":2,\"mode\":\"a\",\"items\":[\"q\"]}");
	ck_assert(jx_validate(schema, v, &err));
	cJSON_Delete(v);
	v = cJSON_Parse("{\"n\":2}");
	ck_assert(!jx_validate(schema, v, &err));
	ck_assert_ptr_nonnull(strstr(buf_str(&err), "missing required property \"path\""));
	cJSON_Delete(v);
	buf_reset(&err);
	v = cJSON_Parse("{\"path\":\"x\",\"n\":1.5}");
	ck_assert(!jx_validate(schema, v, &err));
	ck_assert_ptr_nonnull(strstr(buf_str(&err), "arguments.n: expected integer"));
	cJSON_Delete(v);
	buf_reset(&err);
	v = cJSON_Parse("{\"path\":\"x\",\"items\":[1]}");
	ck_assert(!jx_validate(schema, v, &err));
	ck_assert_ptr_nonnull(strstr(buf_str(&err), "arguments.items[0]"));
	cJSON_Delete(v);
	buf_reset(&err);
	v = cJSON_Parse("{\"path\":\"x\",\"zzz\":1}");
	ck_assert(!jx_validate(schema, v, &err));
	ck_assert_ptr_nonnull(strstr(buf_str(&err), "unknown property \"zzz\""));
	cJSON_Delete(v);
	buf_reset(&err);
	v = cJSON_Parse("{\"path\":\"x\",\"mode\":\"c\"}");
	ck_assert(!jx_validate(schema, v, &err));
	ck_assert_ptr_nonnull(strstr(buf_str(&err), "must be one of"));
	cJSON_Delete(v);
	cJSON_Delete(schema);
	buf_free(&err);
}
END_TEST

/* ---- util/sensitive.c and leftovers ---------------------------------- */

START_TEST(sensitive_lists)
{
	char home[] = "/tmp/conch-sens-XXXXXX";
	char *p;
	const char *what = NULL;

	ck_assert_ptr_nonnull(mkdtemp(home));
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	p = path_join(home, ".ssh/id_ed25519");
	ck_assert(sensitive_path_secret(p, &what));
	ck_assert_ptr_nonnull(what);
	free(p);
	p = path_join(home, ".config/conch/config.json");
	ck_assert(sensitive_path_secret(p, NULL));
	free(p);
	p = path_join(home, ".aws/credentials");
	ck_assert(sensitive_path_secret(p, NULL));
	free(p);
	ck_assert(sensitive_path_secret("/proc/self/environ", NULL));
	ck_assert(sensitive_path_secret("/proc/1234/mem", NULL));
	ck_assert(sensitive_path_secret("/proc/thread-self/root", NULL));
	ck_assert(sensitive_path_secret("/etc/shadow", NULL));
	/* twins */
	p = path_join(home, ".sshd_notes");
	ck_assert(!sensitive_path_secret(p, NULL));
	free(p);
	p = path_join(home, "src/app/main.c");
	ck_assert(!sensitive_path_secret(p, NULL));
	free(p);
	ck_assert(!sensitive_path_secret("/proc/cpuinfo", NULL));
	ck_assert(!sensitive_path_secret("/etc/passwd", NULL));

	ck_assert(sensitive_rel_protected(".git/config"));
	ck_assert(sensitive_rel_protected("sub/.git/hooks/pre-commit"));
	ck_assert(sensitive_rel_protected(".claude/skills/x/SKILL.md"));
	ck_assert(sensitive_rel_protected(".agents/skills/x/SKILL.md"));
	ck_assert(sensitive_rel_protected("AGENTS.md"));
	ck_assert(sensitive_rel_protected("docs/CLAUDE.md"));
	ck_assert(!sensitive_rel_protected("src/main.c"));
	ck_assert(!sensitive_rel_protected("AGENTS.md.bak"));
	ck_assert(!sensitive_rel_protected("AGENTS.md/x"));
	ck_assert(!sensitive_rel_protected(".github/workflows/ci.yml"));
	for (size_t i = 0; sensitive_skill_dirs()[i]; i++)
		ck_assert(sensitive_rel_protected(sensitive_skill_dirs()[i]));

	ck_assert(sensitive_text_secret("key sk-ant-abcdefghijklmnopqrstuvwxyz", NULL));
	ck_assert(!sensitive_text_secret("use the sk command to sketch", NULL));
	rmdir(home);
}
END_TEST

START_TEST(sweep_stale_leftovers)
{
	char dir[] = "/tmp/conch-sweep-XXXXXX";
	char *dead, *deadtree, *alive, *fresh, *other, *sub;
	struct timespec old[2] = { { time(NULL) - 7200, 0 }, { time(NULL) - 7200, 0 } };

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dead = xasprintf("%s/conch-bash-4000003-AbCdEf", dir);
	deadtree = xasprintf("%s/.tmp-my-skill-2-4000004", dir);
	alive = xasprintf("%s/conch-bash-%ld-XyZ", dir, (long)getpid());
	fresh = xasprintf("%s/conch-bash-4000005-new", dir);
	other = xasprintf("%s/notes-4000006.txt", dir);
	ck_assert_int_eq(fs_write_atomic(dead, "x", 1, 0600), C_OK);
	ck_assert_int_eq(fs_mkdir_p(deadtree, 0755), C_OK);
	sub = path_join(deadtree, "SKILL.md");
	ck_assert_int_eq(fs_write_atomic(sub, "x", 1, 0600), C_OK);
	ck_assert_int_eq(fs_write_atomic(alive, "x", 1, 0600), C_OK);
	ck_assert_int_eq(fs_write_atomic(fresh, "x", 1, 0600), C_OK);
	ck_assert_int_eq(fs_write_atomic(other, "x", 1, 0600), C_OK);
	utimensat(AT_FDCWD, dead, old, 0);
	utimensat(AT_FDCWD, deadtree, old, 0);
	utimensat(AT_FDCWD, alive, old, 0);
	utimensat(AT_FDCWD, other, old, 0);
	ck_assert_uint_eq(fs_sweep_stale(dir, "conch-bash-", 60), 1);
	ck_assert_uint_eq(fs_sweep_stale(dir, ".tmp-", 60), 1);
	ck_assert(!fs_exists(dead));
	ck_assert(!fs_exists(deadtree));
	ck_assert(fs_exists(alive));  /* its process runs */
	ck_assert(fs_exists(fresh));  /* too new to judge */
	ck_assert(fs_exists(other));  /* not a prefix we sweep */
	/* atomic writes leave no temp file behind */
	{
		DIR *d = opendir(dir);
		struct dirent *de;
		while ((de = readdir(d)) != NULL)
			ck_assert_msg(!strstr(de->d_name, ".tmp."), "left %s", de->d_name);
		closedir(d);
	}
	unlink(alive);
	unlink(fresh);
	unlink(other);
	rmdir(dir);
	free(sub);
	free(dead);
	free(deadtree);
	free(alive);
	free(fresh);
	free(other);
}
END_TEST

/* xfree_all frees every argument, NULL ones included (the ASan build
 * would report a leak). */
START_TEST(free_all)
{
	char *a = xstrdup("a"), *b = NULL, *c = xmalloc(16);
	xfree_all(a, b, c);
	xfree_v(NULL, 0);
}
END_TEST

CHECK_MAIN("util", .tests = CHECK_TESTS(
	buf_append_and_cap, paths, atomic_write_keeps_mode, utf8,
	numbers_and_counts, json_errors_and_schema, sensitive_lists,
	sweep_stale_leftovers, free_all))
