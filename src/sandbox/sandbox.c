/* sandbox.c: start a child confined by a sandbox_spec and collect its
 * output.  This is the only place conch forks a child.  Stage one of the
 * confinement: own session and process group, parent-death signal,
 * no_new_privs, every inherited fd closed, stdin from /dev/null, an
 * environment from an allowlist, rlimits, and the whole tree killed on
 * timeout or cancel.  Landlock, seccomp and namespaces come with the
 * sandbox issue, in this module. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/xalloc.h"

#define SB_DEFAULT_MAX_OUTPUT (1u << 20)
#define SB_TAIL_KEEP 16384

/* Variables passed through to children.  Anything else (API keys, tokens,
 * LD_PRELOAD, BASH_ENV ...) never reaches them. */
static const char *const env_allow[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE",
	"LC_MESSAGES", "TERM", "TZ", "SHELL", "TMPDIR", "COLUMNS", "LINES",
	NULL,
};

static char **
build_env(const struct sandbox_spec *spec)
{
	size_t n = 0, i;
	char **env = xcalloc(32, sizeof *env);
	for (i = 0; env_allow[i]; i++) {
		const char *v = getenv(env_allow[i]);
		if (v)
			env[n++] = xasprintf("%s=%s", env_allow[i], v);
	}
	if (!getenv("PATH"))
		env[n++] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
	env[n++] = xstrdup("CONCH_SANDBOX=1");
	env[n++] = xstrdup("GIT_TERMINAL_PROMPT=0");
	env[n++] = xstrdup("PAGER=cat");
	env[n++] = xstrdup("GIT_PAGER=cat");
	(void)spec;
	env[n] = NULL;
	return env;
}

static void
free_env(char **env)
{
	size_t i;
	for (i = 0; env[i]; i++)
		free(env[i]);
	free(env);
}

static void
set_limit(int res, rlim_t v)
{
	struct rlimit rl;
	if (getrlimit(res, &rl) == 0) {
		if (rl.rlim_max != RLIM_INFINITY && v > rl.rlim_max)
			v = rl.rlim_max;
		rl.rlim_cur = v;
		if (rl.rlim_max == RLIM_INFINITY || v <= rl.rlim_max)
			rl.rlim_max = v;
		setrlimit(res, &rl);
	}
}

static void
close_fds_from(int lowfd)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lowfd, ~0U, 0) == 0)
		return;
#endif
	for (int fd = lowfd; fd < 1024; fd++)
		close(fd);
}

/* In the child: never returns. */
static void
child_exec(const struct sandbox_spec *spec, const char *const argv[],
	   int outfd, char **env)
{
	int devnull;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	devnull = open("/dev/null", O_RDONLY);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(outfd, 1) < 0 ||
	    dup2(outfd, 2) < 0)
		_exit(126);
	close_fds_from(3);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_FSIZE, (rlim_t)4 << 30);
	set_limit(RLIMIT_NOFILE, 1024);
	set_limit(RLIMIT_AS, (rlim_t)8 << 30);
	if (spec->cwd && chdir(spec->cwd) < 0) {
		dprintf(2, "conch: cannot enter %s: %s\n", spec->cwd, strerror(errno));
		_exit(126);
	}
	execvpe(argv[0], (char *const *)argv, env);
	dprintf(2, "conch: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static long
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Keep the head in res->output and a rolling tail in res->tail. */
static void
collect(struct sandbox_result *res, size_t max, const char *p, size_t n,
	int spill)
{
	size_t room = res->output.len < max ? max - res->output.len : 0;
	size_t take = n < room ? n : room;
	if (spill >= 0) {
		ssize_t w = write(spill, p, n);
		(void)w;
	}
	res->total_bytes += n;
	if (take)
		buf_add(&res->output, p, take);
	if (take < n) {
		res->truncated = true;
		buf_add(&res->tail, p + take, n - take);
		if (res->tail.len > 2 * SB_TAIL_KEEP) {
			size_t drop = res->tail.len - SB_TAIL_KEEP;
			memmove(res->tail.p, res->tail.p + drop, SB_TAIL_KEEP);
			buf_truncate(&res->tail, SB_TAIL_KEEP);
		}
	}
}

enum cerr
sandbox_run(const struct sandbox_spec *spec, const char *const argv[],
	    struct sandbox_result *res)
{
	size_t max = spec->max_output ? spec->max_output : SB_DEFAULT_MAX_OUTPUT;
	long deadline = spec->timeout_ms > 0 ? now_ms() + spec->timeout_ms : 0;
	int pfd[2] = { -1, -1 }, spill = -1, status = 0;
	char **env = NULL;
	bool eof = false, killed = false, exited = false;
	long drain_until = 0;
	enum cerr e = C_ERR_IO;
	pid_t pid;

	memset(res, 0, sizeof *res);
	buf_init(&res->output, 0);
	buf_init(&res->tail, 0);
	res->exit_code = -1;
	if (!argv || !argv[0])
		return C_ERR_INVAL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		goto out;
	if (spec->spill_path)
		spill = open(spec->spill_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0600);
	env = build_env(spec);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0)
		child_exec(spec, argv, pfd[1], env);
	close(pfd[1]);
	pfd[1] = -1;
	setpgid(pid, pid); /* the child does setsid(); this closes the race */

	while (!eof) {
		struct pollfd fds[2];
		int nfds = 1, timeout = -1, r;
		fds[0].fd = pfd[0];
		fds[0].events = POLLIN;
		if (spec->cancel_fd >= 0 && !killed) {
			fds[1].fd = spec->cancel_fd;
			fds[1].events = POLLIN;
			nfds = 2;
		}
		if (deadline && !killed) {
			long left = deadline - now_ms();
			timeout = left < 0 ? 0 : (int)left;
		}
		/* Watch the direct child: once it is gone, drain briefly, then
		 * the group goes (a background job must not hold us). */
		if (!exited) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				exited = true;
				drain_until = now_ms() + 100;
			} else if (timeout < 0 || timeout > 50) {
				timeout = 50;
			}
		}
		if (exited) {
			long left = drain_until - now_ms();
			if (left <= 0)
				break;
			if (timeout < 0 || timeout > left)
				timeout = (int)left;
		}
		r = poll(fds, (nfds_t)nfds, timeout);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (r == 0 && deadline && !killed && now_ms() >= deadline) {
			res->timed_out = true;
			kill(-pid, SIGKILL);
			killed = true;
			continue;
		}
		if (nfds == 2 && (fds[1].revents & POLLIN)) {
			res->cancelled = true;
			kill(-pid, SIGKILL);
			killed = true;
		}
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			char chunk[16384];
			ssize_t n = read(pfd[0], chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				eof = true;
			else
				collect(res, max, chunk, (size_t)n, spill);
		}
	}
	/* Output ended (EOF) but the direct child may still be finishing,
	 * e.g. tar reaping gzip after closing stdout: wait for it, within the
	 * deadline and the user's patience, before the group goes. */
	while (!exited && !killed) {
		struct pollfd cfd = { .fd = spec->cancel_fd, .events = POLLIN };
		if (waitpid(pid, &status, WNOHANG) == pid) {
			exited = true;
			break;
		}
		if (deadline && now_ms() >= deadline) {
			res->timed_out = true;
			break;
		}
		if (spec->cancel_fd >= 0 && poll(&cfd, 1, 10) > 0) {
			res->cancelled = true;
			break;
		}
		if (spec->cancel_fd < 0)
			poll(NULL, 0, 10);
	}
	/* Nothing of the group survives the command. */
	kill(-pid, SIGKILL);
	if (!exited)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	if (WIFEXITED(status)) {
		res->exit_code = WEXITSTATUS(status);
	} else if (WIFSIGNALED(status)) {
		res->term_signal = WTERMSIG(status);
	}
	e = C_OK;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (spill >= 0)
		close(spill);
	if (env)
		free_env(env);
	return e;
}

void
sandbox_result_free(struct sandbox_result *res)
{
	buf_free(&res->output);
	buf_free(&res->tail);
}
