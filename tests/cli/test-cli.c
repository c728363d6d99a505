/* Check suite for src/cli (argument parsing, config errors) and
 * src/agent/session.c (crash tolerance, resume). */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/session.h"
#include "cli/cli.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

static int
parse(struct cli_opts *o, const char *first, ...)
{
	char *argv[32];
	int argc = 0, rc;
	va_list ap;
	const char *a;
	argv[argc++] = "conch";
	va_start(ap, first);
	for (a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	argv[argc] = NULL;
	rc = cli_parse(argc, argv, o);
	return rc;
}

START_TEST(args_prompt_and_globals)
{
	struct cli_opts o;
	ck_assert_int_eq(parse(&o, "-p", "do it", "--output-format", "json",
			       "--max-turns", "7", "-m", "openai/gpt-4o",
			       "--fallback", "anthropic/x", "--mode=auto", NULL), 0);
	ck_assert(o.prompt_set);
	ck_assert_str_eq(o.prompt, "do it");
	ck_assert_int_eq(o.format, OUT_JSON);
	ck_assert_int_eq(o.max_turns, 7);
	ck_assert_str_eq(o.model, "openai/gpt-4o");
	ck_assert_uint_eq(o.nfallback, 1);
	ck_assert_str_eq(o.mode, "auto");
	ck_assert_ptr_null(o.cmd);
	cli_opts_free(&o);

	/* -p with no text: from stdin */
	ck_assert_int_eq(parse(&o, "-p", "--output-format", "stream-json", NULL), 0);
	ck_assert(o.prompt_set);
	ck_assert_ptr_null(o.prompt);
	ck_assert_int_eq(o.format, OUT_STREAM_JSON);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "-p", "-", NULL), 0);
	ck_assert_str_eq(o.prompt, "-");
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "-pinline", "-C", "/tmp", "-c", NULL), 0);
	ck_assert_str_eq(o.prompt, "inline");
	ck_assert_str_eq(o.cwd, "/tmp");
	ck_assert(o.cont);
	cli_opts_free(&o);
}
END_TEST

START_TEST(args_subcommand_positions)
{
	struct cli_opts o;
	/* global options before and after a subcommand */
	ck_assert_int_eq(parse(&o, "--mode", "read-only", "tool", "read",
			       "{\"path\":\"x\"}", "--mode", "auto", NULL), 0);
	ck_assert_str_eq(o.cmd, "tool");
	ck_assert_str_eq(o.mode, "auto");
	ck_assert_int_eq(o.argc, 3);
	ck_assert_str_eq(o.argv[0], "tool");
	ck_assert_str_eq(o.argv[1], "read");
	ck_assert_str_eq(o.argv[2], "{\"path\":\"x\"}");
	cli_opts_free(&o);
	/* a subcommand's own short options are left to it */
	ck_assert_int_eq(parse(&o, "model", "run", "f.gguf", "-p", "Once", "-n",
			       "5", "--cwd", "/tmp", NULL), 0);
	ck_assert_str_eq(o.cmd, "model");
	ck_assert(!o.prompt_set);
	ck_assert_int_eq(o.argc, 7);
	ck_assert_str_eq(o.argv[4], "Once");
	ck_assert_str_eq(o.cwd, "/tmp");
	cli_opts_free(&o);
}
END_TEST

START_TEST(args_usage_errors)
{
	struct cli_opts o;
	ck_assert_int_eq(parse(&o, "--bogus", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--mode", "yolo", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--max-turns", "0", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--max-turns", "3x", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--output-format", "xml", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--fallback", "a/b", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "-c", "-r", "id", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "stray", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--model", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "--sandbox", "maybe", NULL), EXIT_USAGE);
	cli_opts_free(&o);
	ck_assert_int_eq(parse(&o, "-cV", NULL), EXIT_USAGE);
	cli_opts_free(&o);
}
END_TEST

static char tmpdir[64];

static void
setup_home(void)
{
	strcpy(tmpdir, "/tmp/conch-cli-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	setenv("XDG_CONFIG_HOME", tmpdir, 1);
	setenv("XDG_STATE_HOME", tmpdir, 1);
	unsetenv("CONCH_MODEL");
	unsetenv("CONCH_MODE");
	unsetenv("CONCH_MAX_TURNS");
}

static void
write_config(const char *text)
{
	char *dir = xasprintf("%s/conch", tmpdir), *p = xasprintf("%s/config.json", dir);
	ck_assert_int_eq(fs_mkdir_p(dir, 0700), C_OK);
	ck_assert_int_eq(fs_write_atomic(p, text, strlen(text), 0600), C_OK);
	free(dir);
	free(p);
}

START_TEST(config_values_and_errors)
{
	struct config c;
	setup_home();
	/* missing file: defaults */
	ck_assert_int_eq(config_load(&c), 0);
	ck_assert_int_eq(c.mode, MODE_ASK);
	ck_assert_ptr_null(c.model);
	config_free(&c);

	write_config("{\"model\": \"openai/gpt-4o\", \"mode\": \"auto-edit\","
		     " \"max_turns\": 9, \"fallback\": [\"a/b\"],"
		     " \"sandbox\": {\"network\": true}}");
	ck_assert_int_eq(config_load(&c), 0);
	ck_assert_str_eq(c.model, "openai/gpt-4o");
	ck_assert_int_eq(c.mode, MODE_AUTO_EDIT);
	ck_assert_int_eq(c.max_turns, 9);
	ck_assert(c.network);
	ck_assert_int_eq(cJSON_GetArraySize(c.fallback), 1);
	config_free(&c);

	/* environment overrides */
	setenv("CONCH_MODE", "read-only", 1);
	setenv("CONCH_MAX_TURNS", "3", 1);
	ck_assert_int_eq(config_load(&c), 0);
	ck_assert_int_eq(c.mode, MODE_READ_ONLY);
	ck_assert_int_eq(c.max_turns, 3);
	config_free(&c);
	setenv("CONCH_MODE", "nope", 1);
	ck_assert_int_eq(config_load(&c), EXIT_CONFIG);
	config_free(&c);
	unsetenv("CONCH_MODE");
	unsetenv("CONCH_MAX_TURNS");

	/* malformed JSON: exit 3 with path, line and column */
	write_config("{\n  \"model\": \"x\",\n  \"mode\" \"ask\"\n}\n");
	{
		int err[2], saved = dup(2);
		char out[512] = "";
		ssize_t n;
		ck_assert_int_eq(pipe(err), 0);
		dup2(err[1], 2);
		ck_assert_int_eq(config_load(&c), EXIT_CONFIG);
		fflush(stderr);
		dup2(saved, 2);
		close(err[1]);
		n = read(err[0], out, sizeof out - 1);
		ck_assert_int_gt(n, 0);
		out[n] = '\0';
		ck_assert_ptr_nonnull(strstr(out, "config.json:3:"));
		ck_assert_ptr_nonnull(strstr(out, "invalid JSON"));
		close(err[0]);
		close(saved);
	}
	config_free(&c);
	/* wrong types */
	write_config("{\"mode\": 3}");
	ck_assert_int_eq(config_load(&c), EXIT_CONFIG);
	config_free(&c);
	write_config("{\"fallback\": [1]}");
	ck_assert_int_eq(config_load(&c), EXIT_CONFIG);
	config_free(&c);
	write_config("[1, 2]");
	ck_assert_int_eq(config_load(&c), EXIT_CONFIG);
	config_free(&c);
	write_config("{\"max_turns\": -1}");
	ck_assert_int_eq(config_load(&c), EXIT_CONFIG);
	config_free(&c);
}
END_TEST

START_TEST(session_torn_line_and_resume)
{
	struct session *s, *r;
	struct conv c;
	struct conv_msg m;
	enum cerr e;
	cJSON *todos = NULL;
	char *path;
	struct stat st;
	int fd;

	setup_home();
	s = session_create("/work/proj", "scripted/test", &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(e, C_OK);
	conv_msg_init(&m, CONV_USER);
	conv_msg_add_text(&m, "first prompt");
	ck_assert_int_eq(session_append_msg(s, &m), C_OK);
	conv_msg_free(&m);
	conv_msg_init(&m, CONV_ASSISTANT);
	conv_msg_add_text(&m, "answer one");
	ck_assert_int_eq(session_append_msg(s, &m), C_OK);
	conv_msg_free(&m);
	conv_msg_init(&m, CONV_USER);
	conv_msg_add_text(&m, "second prompt that will be torn");
	ck_assert_int_eq(session_append_msg(s, &m), C_OK);
	conv_msg_free(&m);
	path = xstrdup(s->path);
	session_close(s);

	/* a crash cut the last record in the middle */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(truncate(path, st.st_size - 20), 0);

	conv_init(&c);
	r = session_resume("/work/proj", NULL, &c, &todos, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.msgs[0].blocks[0].text, "first prompt");
	ck_assert_str_eq(c.msgs[1].blocks[0].text, "answer one");
	/* appending after the torn line produces a readable file again */
	conv_msg_init(&m, CONV_USER);
	conv_msg_add_text(&m, "third");
	ck_assert_int_eq(session_append_msg(r, &m), C_OK);
	conv_msg_free(&m);
	session_close(r);
	conv_free(&c);
	conv_init(&c);
	r = session_resume("/work/proj", NULL, &c, &todos, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.msgs[2].blocks[0].text, "third");
	session_close(r);
	conv_free(&c);

	/* unknown and malformed ids */
	conv_init(&c);
	ck_assert_ptr_null(session_resume("/work/proj", "nope", &c, &todos, &e));
	ck_assert_int_eq(e, C_ERR_NOTFOUND);
	ck_assert_ptr_null(session_resume("/work/proj", "../../etc", &c, &todos, &e));
	ck_assert_int_eq(e, C_ERR_INVAL);
	ck_assert_ptr_null(session_resume("/work/other", NULL, &c, &todos, &e));
	ck_assert_int_eq(e, C_ERR_NOTFOUND);
	conv_free(&c);
	/* the file is private */
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_int_eq(st.st_mode & 0077, 0);
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	close(fd);
	free(path);
	cJSON_Delete(todos);
}
END_TEST

START_TEST(session_dangling_tool_call_dropped)
{
	struct session *s, *r;
	struct conv c;
	struct conv_msg m;
	enum cerr e;
	setup_home();
	s = session_create("/p", NULL, &e);
	ck_assert_ptr_nonnull(s);
	conv_msg_init(&m, CONV_USER);
	conv_msg_add_text(&m, "go");
	session_append_msg(s, &m);
	conv_msg_free(&m);
	conv_msg_init(&m, CONV_ASSISTANT);
	conv_msg_add_tool_call(&m, "c1", "bash", "{\"command\":\"sleep 100\"}");
	session_append_msg(s, &m);
	conv_msg_free(&m);
	session_close(s);
	/* killed while the tool ran: no result was logged */
	conv_init(&c);
	r = session_resume("/p", NULL, &c, NULL, &e);
	ck_assert_ptr_nonnull(r);
	ck_assert_uint_eq(c.n, 1);
	session_close(r);
	conv_free(&c);
}
END_TEST

CHECK_MAIN("cli", .tests = CHECK_TESTS(
	args_prompt_and_globals, args_subcommand_positions, args_usage_errors,
	config_values_and_errors, session_torn_line_and_resume,
	session_dangling_tool_call_dropped))
