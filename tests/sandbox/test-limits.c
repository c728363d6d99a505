/* test-limits.c: issue 10's resource and socket classes against
 * sandbox_run() directly, each attack beside its legitimate twin.
 *   class 6: unix sockets outside the workspace, however named
 *   class 7: memory of the whole tree, the spill file cap, binary output
 *   issue 12: git may write .git (git_writable), never run repo code
 * Cases that need a kernel feature say SKIP and why. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "tests/check-run.h"

static struct sandbox_caps caps;
static char root[64], ws[128], home[128];

static void
setup(void)
{
	snprintf(root, sizeof root, "/tmp/conch-lim-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(ws, sizeof ws, "%s/ws", root);
	snprintf(home, sizeof home, "%s/home", root);
	mkdir(ws, 0755);
	mkdir(home, 0755);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_STATE_HOME");
}

static void
teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", root);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", root);
	free(cmd);
}

static enum cerr
run_spec(const char *cmd, struct sandbox_spec *spec, struct sandbox_result *r)
{
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	spec->workspace = ws;
	spec->cwd = ws;
	spec->cancel_fd = -1;
	if (!spec->timeout_ms)
		spec->timeout_ms = 30000;
	return sandbox_run(spec, argv, r);
}

/* A listening unix socket at `path`; returns the fd. */
static int
listen_at(const char *path)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
	unlink(path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(fd, 8), 0);
	return fd;
}

/* How many lines say "held". */
static int
count_held(const char *s)
{
	int n = 0;
	for (const char *p = s; (p = strstr(p, "held")) != NULL; p += 4)
		n++;
	return n;
}

static bool
have_python(void)
{
	return access("/usr/bin/python3", X_OK) == 0;
}

/* ---- class 6 ------------------------------------------------------------ */

START_TEST(lim_unix_socket_anywhere)
{
	struct sandbox_spec spec;
	struct sandbox_result r;
	char *out_sock = path_join(root, "any-name.sock");
	char *in_sock = path_join(ws, "in.sock");
	char *cmd;
	int a, b;

	if (caps.landlock_abi < 1 || !have_python()) {
		fprintf(stderr, "SKIP %s: no Landlock or python3\n", __func__);
		goto out;
	}
	a = listen_at(out_sock);
	b = listen_at(in_sock);
	cmd = xasprintf("/usr/bin/python3 -c '\n"
			"import socket, sys\n"
			"for p in sys.argv[1:]:\n"
			"    s = socket.socket(socket.AF_UNIX)\n"
			"    try:\n"
			"        s.connect(p); print(\"CONNECTED\", p)\n"
			"    except OSError as e:\n"
			"        print(\"refused\", p)\n' %s %s /proc/%d/root%s",
			out_sock, in_sock, (int)getpid(), out_sock);
	memset(&spec, 0, sizeof spec);
	ck_assert_int_eq(run_spec(cmd, &spec, &r), C_OK);
	{
		char *bad = xasprintf("CONNECTED %s", out_sock);
		char *bad2 = xasprintf("CONNECTED /proc/%d/root", (int)getpid());
		ck_assert_msg(!strstr(buf_str(&r.output), bad),
			      "attack: connected outside\n%s", buf_str(&r.output));
		ck_assert_msg(!strstr(buf_str(&r.output), bad2),
			      "attack: connected via /proc/PID/root\n%s",
			      buf_str(&r.output));
		free(bad);
		free(bad2);
	}
	/* twin: a socket inside the workspace (needs the mount namespace;
	 * without one connect() is refused outright) */
	if (caps.mountns) {
		char *good = xasprintf("CONNECTED %s", in_sock);
		ck_assert_msg(strstr(buf_str(&r.output), good),
			      "twin failed\n%s", buf_str(&r.output));
		free(good);
	}
	sandbox_result_free(&r);
	free(cmd);
	close(a);
	close(b);
out:
	free(out_sock);
	free(in_sock);
}
END_TEST

/* ---- class 7 ------------------------------------------------------------ */

START_TEST(lim_tree_memory)
{
	struct sandbox_spec spec;
	struct sandbox_result r;
	/* five processes of 96 MiB each under a 256 MiB limit: each fits
	 * one process's limit, together they do not */
	const char *hog = "/usr/bin/python3 -c 'import time; b = bytearray(96 << 20); "
		"b[::4096] = b\"x\" * len(b[::4096]); time.sleep(3); print(\"held\")'";
	char *cmd;

	if (caps.landlock_abi < 1 || !have_python() || !caps.cgroup_memory) {
		fprintf(stderr, "SKIP %s: no Landlock, python3 or memory cgroup "
			"(the fallback is RLIMIT_AS per process x RLIMIT_NPROC)\n",
			__func__);
		return;
	}
	cmd = xasprintf("for i in 1 2 3 4 5; do %s & done; wait", hog);
	memset(&spec, 0, sizeof spec);
	spec.mem_bytes = 256ULL << 20;
	ck_assert_int_eq(run_spec(cmd, &spec, &r), C_OK);
	ck_assert_msg(count_held(buf_str(&r.output)) < 5,
		      "attack: five 96 MiB processes held at once\n%s",
		      buf_str(&r.output));
	sandbox_result_free(&r);
	free(cmd);
	/* twin: one of them alone */
	memset(&spec, 0, sizeof spec);
	spec.mem_bytes = 256ULL << 20;
	ck_assert_int_eq(run_spec(hog, &spec, &r), C_OK);
	ck_assert_msg(strstr(buf_str(&r.output), "held"), "twin failed\n%s",
		      buf_str(&r.output));
	sandbox_result_free(&r);
}
END_TEST

START_TEST(lim_spill_capped)
{
	struct sandbox_spec spec;
	struct sandbox_result r;
	char *spill = path_join(root, "spill.out");
	struct stat st;

	if (caps.landlock_abi < 1) {
		fprintf(stderr, "SKIP %s: no Landlock\n", __func__);
		free(spill);
		return;
	}
	memset(&spec, 0, sizeof spec);
	spec.spill_path = spill;
	spec.spill_max = 1u << 20;
	spec.max_output = 4096;
	/* 8 MiB of output into a 1 MiB spill cap */
	ck_assert_int_eq(run_spec("head -c 8388608 /dev/zero | tr '\\0' x",
				  &spec, &r), C_OK);
	ck_assert_int_eq(stat(spill, &st), 0);
	ck_assert_msg(st.st_size <= (1 << 20) + 256, "spill grew to %lld",
		      (long long)st.st_size);
	ck_assert_uint_eq(r.total_bytes, 8388608);
	sandbox_result_free(&r);
	/* twin: a small output is kept whole */
	memset(&spec, 0, sizeof spec);
	spec.spill_path = spill;
	spec.spill_max = 1u << 20;
	ck_assert_int_eq(run_spec("echo small", &spec, &r), C_OK);
	ck_assert_int_eq(stat(spill, &st), 0);
	ck_assert_int_eq(st.st_size, 6);
	sandbox_result_free(&r);
	free(spill);
}
END_TEST

/* ---- git_writable ------------------------------------------------------ */

static int
sh_in(const char *dir, const char *cmd)
{
	char *full = xasprintf("cd '%s' && %s >/dev/null 2>&1", dir, cmd);
	int rc = system(full);
	free(full);
	return rc;
}

START_TEST(lim_git_writable)
{
	struct sandbox_spec spec;
	struct sandbox_result r;
	char *p, *hook_ran;

	if (caps.landlock_abi < 1 || !caps.mountns ||
	    access("/usr/bin/git", X_OK) != 0) {
		fprintf(stderr, "SKIP %s: no Landlock, mount namespace or git\n",
			__func__);
		return;
	}
	ck_assert_int_eq(sh_in(ws, "git init -q . && git config user.email a@b "
			       "&& git config user.name A && echo one > f.txt && "
			       "printf '#!/bin/sh\\ntouch hook-ran\\n' > "
			       ".git/hooks/pre-commit && chmod +x .git/hooks/pre-commit"),
			 0);
	/* twin: add and commit work, and the repository's hook does not run */
	memset(&spec, 0, sizeof spec);
	spec.git_writable = true;
	ck_assert_int_eq(run_spec("git add f.txt && git commit -q -m first",
				  &spec, &r), C_OK);
	ck_assert_msg(r.exit_code == 0, "commit failed\n%s", buf_str(&r.output));
	sandbox_result_free(&r);
	ck_assert_int_eq(sh_in(ws, "git log --oneline | grep -q first"), 0);
	hook_ran = path_join(ws, "hook-ran");
	ck_assert_msg(!fs_exists(hook_ran), "a hook ran");
	/* attacks from a command that may write .git */
	memset(&spec, 0, sizeof spec);
	spec.git_writable = true;
	ck_assert_int_eq(run_spec(
		"echo 'touch pwned' >> .git/hooks/pre-commit; "
		"printf '[core]\\n\\tfsmonitor = ./x\\n' >> .git/config; "
		"git config core.fsmonitor ./x; "
		"mkdir -p evil && printf '[core]\\n\\thooksPath = evil\\n' > evil/config; "
		"echo \"$PWD/evil\" > .git/commondir; echo x > .git/config.worktree; "
		"git -c core.hooksPath=evil commit -q --allow-empty -m x; "
		"GIT_CONFIG_COUNT=0 git commit -q --allow-empty -m y; true",
		&spec, &r), C_OK);
	sandbox_result_free(&r);
	p = path_join(ws, ".git/commondir");
	ck_assert_msg(!fs_exists(p), ".git/commondir was left");
	free(p);
	p = path_join(ws, ".git/config.worktree");
	ck_assert_msg(!fs_exists(p), ".git/config.worktree was left");
	free(p);
	ck_assert_int_eq(sh_in(ws, "grep -q pwned .git/hooks/pre-commit"), 256);
	ck_assert_int_eq(sh_in(ws, "grep -q fsmonitor .git/config"), 256);
	ck_assert(!fs_exists(hook_ran));
	/* without the grant .git stays read-only as a whole */
	memset(&spec, 0, sizeof spec);
	ck_assert_int_eq(run_spec("git commit -q --allow-empty -m z", &spec, &r),
			 C_OK);
	ck_assert_int_ne(r.exit_code, 0);
	sandbox_result_free(&r);
	free(hook_ran);
}
END_TEST

int
main(void)
{
	sandbox_probe(&caps);
	return check_run_case("sandbox-limits", .name = "core", .timeout = 60,
		.setup = setup, .teardown = teardown,
		.tests = CHECK_TESTS(lim_unix_socket_anywhere, lim_tree_memory,
			lim_spill_capped, lim_git_writable));
}
