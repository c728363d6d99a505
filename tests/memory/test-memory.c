/* Check suite for src/memory: entries, budget, replace/remove, secrets,
 * daily notes, snapshot, the memory tool, concurrent writers, and kill -9
 * during 200 writes. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "memory/memory.h"
#include "tools/tool.h"
#include "util/fsutil.h"
#include "util/jsonx.h"
#include "util/sensitive.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/xdg-home.h"

extern const struct tool tool_memory;


/* invariant: the file splits back into exactly the entries given */
static void
check_entries(const struct mem_store *m, enum mem_target t, size_t want)
{
	char **v;
	size_t n, i;
	ck_assert_int_eq(mem_load(m, t, &v, &n), C_OK);
	ck_assert_uint_eq(n, want);
	for (i = 0; i < n; i++) {
		ck_assert_str_ne(v[i], "");
		ck_assert_ptr_null(strstr(v[i], "\n" MEM_SEP "\n"));
	}
	mem_entries_free(v, n);
}

START_TEST(split_and_join)
{
	size_t n;
	char **v = mem_split("  one\n" MEM_SEP "\ntwo\nlines\r\n" MEM_SEP "\r\n\n"
			     MEM_SEP "\nthree\n", &n);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(v[0], "one");
	ck_assert_str_eq(v[1], "two\nlines");
	ck_assert_str_eq(v[2], "three");
	mem_entries_free(v, n);
	v = mem_split("", &n);
	ck_assert_uint_eq(n, 0);
	mem_entries_free(v, n);
	ck_assert_uint_eq(mem_chars("h\xc3\xa9llo"), 5);
}
END_TEST

START_TEST(add_replace_remove)
{
	struct mem_store m;
	struct buf msg = BUF_INIT;
	mem_open(&m, "/work/proj", 0, 0);
	ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "Build with make -j2", &msg), C_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "MEMORY.md"));
	buf_reset(&msg);
	ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "Tests: make check", &msg), C_OK);
	ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "Style: tabs", &msg), C_OK);
	check_entries(&m, MEM_PROJECT, 3);
	/* adding the same entry again changes nothing */
	ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "Style: tabs", &msg), C_OK);
	check_entries(&m, MEM_PROJECT, 3);
	/* replace needs a unique substring */
	buf_reset(&msg);
	ck_assert_int_eq(mem_replace(&m, MEM_PROJECT, "make", "x", &msg), C_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "matches 2 entries"));
	buf_reset(&msg);
	ck_assert_int_eq(mem_replace(&m, MEM_PROJECT, "nothere", "x", &msg), C_ERR_INVAL);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "no entry"));
	ck_assert_int_eq(mem_replace(&m, MEM_PROJECT, "make check",
				     "Tests: make check (fast)", &msg), C_OK);
	ck_assert_int_eq(mem_remove(&m, MEM_PROJECT, "tabs", &msg), C_OK);
	check_entries(&m, MEM_PROJECT, 2);
	{
		char **v;
		size_t n;
		mem_load(&m, MEM_PROJECT, &v, &n);
		ck_assert_str_eq(v[1], "Tests: make check (fast)");
		mem_entries_free(v, n);
	}
	/* the user file is separate */
	ck_assert_int_eq(mem_add(&m, MEM_USER, "Prefers short answers", &msg), C_OK);
	check_entries(&m, MEM_USER, 1);
	ck_assert_int_eq(mem_add(&m, MEM_USER, "   \n", &msg), C_ERR_INVAL);
	/* an entry cannot smuggle in a separator */
	ck_assert_int_eq(mem_add(&m, MEM_USER, "a\n" MEM_SEP "\nb", &msg), C_ERR_INVAL);
	check_entries(&m, MEM_USER, 1);
	ck_assert_int_eq(mem_clear(&m, MEM_USER), C_OK);
	check_entries(&m, MEM_USER, 0);
	buf_free(&msg);
	mem_close(&m);
}
END_TEST

START_TEST(budget_refuses)
{
	struct mem_store m;
	struct buf msg = BUF_INIT;
	char big[120];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	mem_open(&m, "/work/proj", 100, 200);
	ck_assert_int_eq(mem_add(&m, MEM_USER, big, &msg), C_ERR_TOOBIG);
	ck_assert_ptr_nonnull(strstr(buf_str(&msg), "Consolidate"));
	check_entries(&m, MEM_USER, 0);
	big[80] = '\0';
	ck_assert_int_eq(mem_add(&m, MEM_USER, big, &msg), C_OK);
	/* 80 + separator + 30 > 100 */
	big[30] = '\0';
	big[0] = 'b';
	ck_assert_int_eq(mem_add(&m, MEM_USER, big, &msg), C_ERR_TOOBIG);
	check_entries(&m, MEM_USER, 1);
	/* a replace that shrinks is fine; removes always are */
	ck_assert_int_eq(mem_replace(&m, MEM_USER, "aaaa", "short", &msg), C_OK);
	ck_assert_int_eq(mem_add(&m, MEM_USER, big, &msg), C_OK);
	check_entries(&m, MEM_USER, 2);
	buf_free(&msg);
	mem_close(&m);
}
END_TEST

START_TEST(secrets_refused)
{
	static const char *const bad[] = {
		"key is sk-ant-api03-abcdefghijklmnopqrstuvwxyz012345",
		"-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk=",
		"-----BEGIN RSA PRIVATE KEY-----",
		"AWS AKIAIOSFODNN7EXAMPLE in use",
		"token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
		"export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuv",
		"password: hunter2hunter2hunter2",
		"xoxb-123456789012-abcdefghij",
	};
	static const char *const good[] = {
		"Use make -j2; tests with make check",
		"The API key lives in the ANTHROPIC_API_KEY variable",
		"password prompts are handled by ssh-agent",
		"sk-learn is a Python library",
	};
	struct mem_store m;
	struct buf msg = BUF_INIT;
	size_t i;
	mem_open(&m, "/work/proj", 0, 0);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		buf_reset(&msg);
		ck_assert_msg(sensitive_text_secret(bad[i], NULL), "missed: %s", bad[i]);
		ck_assert_int_eq(mem_add(&m, MEM_PROJECT, bad[i], &msg), C_ERR_INVAL);
		ck_assert_ptr_nonnull(strstr(buf_str(&msg), "secret"));
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ck_assert_msg(!sensitive_text_secret(good[i], NULL), "false hit: %s", good[i]);
	check_entries(&m, MEM_PROJECT, 0);
	/* a replace cannot smuggle one in either */
	ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "fine", &msg), C_OK);
	ck_assert_int_eq(mem_replace(&m, MEM_PROJECT, "fine", bad[0], &msg), C_ERR_INVAL);
	buf_free(&msg);
	mem_close(&m);
}
END_TEST

START_TEST(notes_and_snapshot)
{
	struct mem_store m;
	struct buf msg = BUF_INIT;
	char *snap, *today;
	struct buf b = BUF_INIT;
	mem_open(&m, "/work/proj", 0, 0);
	ck_assert_int_eq(mem_note(&m, "fixed the parser", &msg), C_OK);
	ck_assert_int_eq(mem_note(&m, "added tests", &msg), C_OK);
	today = mem_note_path(&m, time(NULL));
	ck_assert_int_eq(fs_read_file(today, 0, &b), C_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "fixed the parser"));
	ck_assert_ptr_nonnull(strstr(buf_str(&b), "added tests"));
	ck_assert(strstr(buf_str(&b), "fixed") < strstr(buf_str(&b), "added"));
	ck_assert_int_eq(mem_add(&m, MEM_USER, "Name: Ada", &msg), C_OK);
	snap = mem_snapshot(&m);
	ck_assert_ptr_nonnull(strstr(snap, "Name: Ada"));
	ck_assert_ptr_nonnull(strstr(snap, "USER.md, 9/1400 chars"));
	ck_assert_ptr_nonnull(strstr(snap, "MEMORY.md, 0/2200 chars"));
	ck_assert_ptr_nonnull(strstr(snap, "added tests"));
	free(snap);
	free(today);
	buf_free(&b);
	buf_free(&msg);
	mem_close(&m);
}
END_TEST

START_TEST(tool_memory_exec)
{
	struct tool_ctx ctx;
	struct buf out = BUF_INIT;
	cJSON *args;
	cJSON *schema = cJSON_Parse(tool_memory.schema);
	struct mem_store m;
	memset(&ctx, 0, sizeof ctx);
	ctx.workspace = "/work/proj";
	ctx.cwd = "/work/proj";
	ck_assert_ptr_nonnull(schema);
	ck_assert_str_eq(tool_memory.name, "memory");
	args = cJSON_Parse("{\"action\":\"add\",\"target\":\"user\",\"content\":\"likes tea\"}");
	ck_assert(jx_validate(schema, args, &out));
	ck_assert_int_eq(tool_memory.exec(&ctx, args, &out), C_OK);
	cJSON_Delete(args);
	args = cJSON_Parse("{\"action\":\"add\",\"content\":\"uses meson\"}");
	ck_assert_int_eq(tool_memory.exec(&ctx, args, &out), C_OK);
	cJSON_Delete(args);
	args = cJSON_Parse("{\"action\":\"remove\",\"old_text\":\"nope\"}");
	buf_reset(&out);
	ck_assert_int_ne(tool_memory.exec(&ctx, args, &out), C_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "no entry"));
	cJSON_Delete(args);
	/* a budget from the config */
	{
		char *cfgdir = xasprintf("%s/config/conch", xdg_home), *p;
		fs_mkdir_p(cfgdir, 0700);
		p = xasprintf("%s/config.json", cfgdir);
		fs_write_atomic(p, "{\"memory\":{\"project_chars\":20}}", 31, 0600);
		free(p);
		free(cfgdir);
	}
	args = cJSON_Parse("{\"action\":\"add\",\"content\":\"a long entry over twenty\"}");
	buf_reset(&out);
	ck_assert_int_eq(tool_memory.exec(&ctx, args, &out), C_ERR_TOOBIG);
	cJSON_Delete(args);
	mem_open(&m, "/work/proj", 0, 0);
	check_entries(&m, MEM_USER, 1);
	check_entries(&m, MEM_PROJECT, 1);
	mem_close(&m);
	cJSON_Delete(schema);
	buf_free(&out);
}
END_TEST

START_TEST(concurrent_writers)
{
	enum { KIDS = 4, EACH = 25 };
	struct mem_store m;
	pid_t kids[KIDS];
	int k, st;
	mem_open(&m, "/work/proj", 100000, 100000);
	for (k = 0; k < KIDS; k++) {
		kids[k] = fork();
		ck_assert_int_ge(kids[k], 0);
		if (kids[k] == 0) {
			struct buf msg = BUF_INIT;
			int i;
			for (i = 0; i < EACH; i++) {
				char e[64];
				snprintf(e, sizeof e, "writer %d entry %d", k, i);
				if (mem_add(&m, MEM_PROJECT, e, &msg))
					_exit(1);
				buf_reset(&msg);
			}
			_exit(0);
		}
	}
	for (k = 0; k < KIDS; k++) {
		ck_assert_int_eq(waitpid(kids[k], &st, 0), kids[k]);
		ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	check_entries(&m, MEM_PROJECT, KIDS * EACH); /* nothing lost */
	mem_close(&m);
}
END_TEST

/* Fault injection: a write that fails half way (the file size limit)
 * leaves the old file whole and reports the failure. */
START_TEST(failed_write_keeps_old)
{
	struct mem_store m;
	struct buf msg = BUF_INIT, before = BUF_INIT, after = BUF_INIT;
	pid_t kid;
	int st;
	mem_open(&m, "/work/proj", 0, 0);
	ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "first entry that is kept", &msg), C_OK);
	ck_assert_int_eq(fs_read_file(m.project_path, 0, &before), C_OK);
	kid = fork();
	ck_assert_int_ge(kid, 0);
	if (kid == 0) {
		struct rlimit rl = { 40, 40 };
		char big[300];
		memset(big, 'z', sizeof big - 1);
		big[sizeof big - 1] = '\0';
		signal(SIGXFSZ, SIG_IGN);
		setrlimit(RLIMIT_FSIZE, &rl);
		buf_reset(&msg);
		_exit(mem_add(&m, MEM_PROJECT, big, &msg) == C_OK ? 1 :
		      strstr(buf_str(&msg), "cannot write") ? 0 : 2);
	}
	ck_assert_int_eq(waitpid(kid, &st, 0), kid);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "status %d", st);
	ck_assert_int_eq(fs_read_file(m.project_path, 0, &after), C_OK);
	ck_assert_str_eq(buf_str(&after), buf_str(&before));
	/* and the next writer sweeps the temp file the failure left */
	ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "second", &msg), C_OK);
	check_entries(&m, MEM_PROJECT, 2);
	buf_free(&msg);
	buf_free(&before);
	buf_free(&after);
	mem_close(&m);
}
END_TEST

/* The file holds entries "w0".."wN" in order; true when it is whole. */
static bool
whole(const struct mem_store *m, size_t *count)
{
	char **v;
	size_t n, i;
	bool ok = true;
	if (mem_load(m, MEM_PROJECT, &v, &n))
		return false;
	for (i = 0; i < n; i++) {
		char want[96];
		snprintf(want, sizeof want, "w%zu %s", i,
			 "padding padding padding padding padding padding");
		if (strcmp(v[i], want) != 0)
			ok = false;
	}
	mem_entries_free(v, n);
	*count = n;
	return ok;
}

START_TEST(kill9_torture)
{
	struct mem_store m;
	size_t done = 0;
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	int rounds = 0;
	mem_open(&m, "/work/proj", 1u << 20, 1u << 20);
	while (done < 200 && rounds < 2000) {
		pid_t kid = fork();
		ck_assert_int_ge(kid, 0);
		if (kid == 0) {
			struct buf msg = BUF_INIT;
			size_t i;
			whole(&m, &i);
			for (; i < 200; i++) {
				char e[96];
				snprintf(e, sizeof e, "w%zu %s", i,
					 "padding padding padding padding padding padding");
				if (mem_add(&m, MEM_PROJECT, e, &msg))
					_exit(1);
				buf_reset(&msg);
			}
			_exit(0);
		}
		{
			/* a window that grows with the rounds, so that slow
			 * (sanitizer) builds make progress too */
			long us = (long)(rand_r(&seed) % (unsigned)(3000 + rounds * 100));
			struct timespec ts = { us / 1000000, (us % 1000000) * 1000L };
			int st;
			nanosleep(&ts, NULL);
			kill(kid, SIGKILL);
			waitpid(kid, &st, 0);
			ck_assert(!WIFEXITED(st) || WEXITSTATUS(st) == 0);
		}
		ck_assert_msg(whole(&m, &done), "torn or lost entries after a kill");
		rounds++;
	}
	ck_assert_uint_eq(done, 200);
	{
		/* the next write sweeps the temp files killed writers left */
		struct buf msg = BUF_INIT;
		char *dir = xstrdup(m.project_path), *cmd;
		*strrchr(dir, '/') = '\0';
		ck_assert_int_eq(mem_add(&m, MEM_PROJECT, "after", &msg), C_OK);
		cmd = xasprintf("test -z \"$(ls '%s' | grep tmp)\"", dir);
		ck_assert_msg(system(cmd) == 0, "temp files left in %s", dir);
		free(cmd);
		free(dir);
		buf_free(&msg);
	}
	fprintf(stderr, "kill9_torture: 200 writes survived %d kill -9 rounds\n",
		rounds);
	mem_close(&m);
}
END_TEST

CHECK_MAIN("memory", .timeout = 120, .setup = xdg_home_setup,
	.teardown = xdg_home_teardown, .tests = CHECK_TESTS(
	split_and_join, add_replace_remove, budget_refuses, secrets_refused,
	notes_and_snapshot, tool_memory_exec, concurrent_writers,
	failed_write_keeps_old, kill9_torture))
