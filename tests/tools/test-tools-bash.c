/* Check suite for the bash tool: exit status, capture, timeouts that kill
 * the whole process group, head/tail truncation with the full output
 * saved, cancellation. */
#include "tt.h"

#include <errno.h>
#include <signal.h>

START_TEST(bash_exit_status_and_capture)
{
	struct tt t;
	char *r, *want;
	tt_setup(&t);
	tt_ok_is(&t, "bash", "{\"command\":\"echo out; echo err >&2\"}",
		 "out\nerr\n[exit 0]");
	tt_ok_is(&t, "bash", "{\"command\":\"exit 3\"}",
		 "(no output)\n[exit 3]");
	r = tt_ok(&t, "bash", "{\"command\":\"pwd\"}");
	want = xasprintf("%s\n[exit 0]", t.ws);
	ck_assert_str_eq(r, want);
	free(want);
	free(r);
	tt_ok_has(&t, "bash", "{\"command\":\"kill -9 $$\"}",
		  "[killed by signal 9 (SIGKILL)]");
	tt_ok_is(&t, "bash", "{\"command\":\"printf 'no newline'\"}",
		 "no newline\n[exit 0]");
	/* invalid UTF-8 never reaches the model raw */
	tt_ok_is(&t, "bash", "{\"command\":\"printf 'a\\\\377b'\"}",
		 "a\xef\xbf\xbd" "b\n[exit 0]");
	tt_ok_is(&t, "bash", "{\"command\":\"printf 'a\\\\000b'\"}",
		 "a\xef\xbf\xbd" "b\n[exit 0]");
	tt_teardown(&t);
}
END_TEST

/* Is `pid` gone (or a zombie waiting for init)? */
static bool
pid_gone(pid_t pid)
{
	char path[64], buf[256], *p;
	FILE *f;
	size_t n;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return true;
	n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

START_TEST(bash_timeout_kills_group)
{
	struct tt t;
	char *r, *pidtxt;
	long pid;
	int i;
	tt_setup(&t);
	r = tt_err(&t, "bash", "{\"command\":\"sleep 30 & echo $! > bg.pid; "
		   "echo started; sleep 30\",\"timeout_ms\":500}");
	tt_has(r, "started\n");
	tt_has(r, "[timed out after 500 ms; the command and its children "
	       "were killed]");
	free(r);
	pidtxt = tt_get(&t, "bg.pid");
	ck_assert_ptr_nonnull(pidtxt);
	pidtxt[strcspn(pidtxt, "\n")] = '\0';
	ck_assert(str_to_long(pidtxt, &pid));
	free(pidtxt);
	/* SIGKILL was sent to the group; give init a moment to reap */
	for (i = 0; i < 1000 && !pid_gone((pid_t)pid); i++)
		usleep(10000);
	ck_assert_msg(pid_gone((pid_t)pid), "background child %ld survived", pid);
	tt_teardown(&t);
}
END_TEST

START_TEST(bash_truncates_head_and_tail)
{
	struct tt t;
	char *r, *p, *full, *marker, *path, *end;
	long omitted, head_lines = 0, tail_lines = 0;
	struct buf want = BUF_INIT;
	int i;
	tt_setup(&t);
	r = tt_ok(&t, "bash", "{\"command\":\"seq 1 20000\"}");
	ck_assert_uint_le(strlen(r), TOOL_OUTPUT_MAX + 200);
	ck_assert(str_prefix(r, "1\n2\n3\n"));
	tt_has(r, "\n19999\n20000\n[exit 0]\n[full output (108894 bytes): ");
	marker = strstr(r, "[... ");
	ck_assert_ptr_nonnull(marker);
	ck_assert(str_prefix(strstr(r, " lines omitted ...]\n"),
			     " lines omitted ...]\n"));
	omitted = strtol(marker + 5, NULL, 10);
	for (p = r; p < marker; p++)
		head_lines += *p == '\n';
	end = strstr(r, "[exit 0]");
	for (p = strchr(marker, '\n') + 1; p < end; p++)
		tail_lines += *p == '\n';
	ck_assert_int_eq(head_lines + omitted + tail_lines, 20000);
	/* the tail starts on a whole line */
	p = strchr(marker, '\n') + 1;
	ck_assert_int_eq(strtol(p, NULL, 10), 20000 - tail_lines + 1);
	/* the full output is in the session directory */
	path = strstr(r, "[full output (108894 bytes): ") + 29;
	path[strcspn(path, "]")] = '\0';
	ck_assert(str_prefix(path, t.sess));
	tt_has(path, "/bash-1.out");
	{
		struct buf b = BUF_INIT;
		ck_assert_int_eq(fs_read_file(path, 0, &b), C_OK);
		full = buf_steal(&b);
	}
	for (i = 1; i <= 20000; i++)
		buf_printf(&want, "%d\n", i);
	ck_assert_str_eq(full, buf_str(&want));
	free(full);
	free(r);
	/* short output leaves no file behind; the next cut output gets n=2 */
	free(tt_ok(&t, "bash", "{\"command\":\"echo short\"}"));
	tt_ok_has(&t, "bash", "{\"command\":\"seq 1 20000\"}", "/bash-2.out]");
	buf_free(&want);
	tt_teardown(&t);
}
END_TEST

START_TEST(bash_long_single_line)
{
	struct tt t;
	char *r;
	tt_setup(&t);
	t.ctx.session_dir = NULL; /* full output goes to a temp file */
	r = tt_ok(&t, "bash", "{\"command\":\"head -c 100000 /dev/zero | "
		  "tr '\\\\0' x\"}");
	ck_assert_uint_le(strlen(r), TOOL_OUTPUT_MAX + 300);
	tt_has(r, "bytes omitted ...]");
	tt_has(r, "[full output (100000 bytes): ");
	{
		char *path = strstr(r, "[full output (100000 bytes): ") + 29;
		path[strcspn(path, "]")] = '\0';
		ck_assert(fs_exists(path));
		unlink(path);
	}
	free(r);
	tt_teardown(&t);
}
END_TEST

START_TEST(bash_cancel)
{
	struct tt t;
	int pfd[2];
	tt_setup(&t);
	ck_assert_int_eq(pipe(pfd), 0);
	ck_assert_int_eq(write(pfd[1], "x", 1), 1);
	t.ctx.cancel_fd = pfd[0];
	tt_err_has(&t, "bash", "{\"command\":\"sleep 30\"}",
		   "[cancelled by the user]");
	close(pfd[0]);
	close(pfd[1]);
	tt_teardown(&t);
}
END_TEST

CHECK_MAIN("tools-bash", .timeout = 60, .tests = CHECK_TESTS(
	bash_exit_status_and_capture, bash_timeout_kills_group,
	bash_truncates_head_and_tail, bash_long_single_line, bash_cancel))
