/* sandbox.c: start a child confined by a sandbox_spec and collect its
 * output.  This is the only place conch forks a child.
 *
 * Shape of a run:
 *   parent   builds the plan (plan.c: roots, secrets, protected paths,
 *            Landlock rules, the seccomp program, a private temp dir, a
 *            pids cgroup when one can be made), forks the keeper, reads
 *            output with a cap, kills the process group on timeout or
 *            cancel, then cleans up.
 *   keeper   new session and process group, parent-death signal,
 *            no_new_privs, stdin /dev/null, every other fd closed; joins
 *            the cgroup; unshares user, mount and (network off) network
 *            namespaces, falling back step by step; becomes a child
 *            subreaper; forks the payload, waits for it, then kills
 *            every process left in the tree (orphans, double-forked and
 *            setsid ones included, come back to the subreaper).
 *   payload  makes protected paths read-only bind mounts, sets rlimits,
 *            enters Landlock (which also scopes its signals and ptrace
 *            to its own domain), loads the seccomp filter, and execs.
 *            With spec->pid_namespace it is PID 1 of a PID namespace
 *            with its own /proc, and its death takes the namespace.
 * A setup failure in the keeper or payload is written to an error pipe;
 * the parent then refuses (C_ERR_PERM) rather than run unconfined. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "util/clock.h"
#include "sandbox/sb-internal.h"
#include "util/log.h"
#include "util/xalloc.h"

#define SB_DEFAULT_MAX_OUTPUT (1u << 20)
#define SB_TAIL_KEEP 16384
#define SB_DEFAULT_SPILL_MAX (64u << 20)
#define SB_DRAIN_MS 100
#define SB_KEEPER_WAIT_MS 2000
#define SB_ERRFD 3

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* Variables passed through to children.  Anything else (API keys, tokens,
 * LD_PRELOAD, BASH_ENV ...) never reaches them. */
static const char *const env_allow[] = {
	"PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE",
	"LC_MESSAGES", "LC_COLLATE", "LC_NUMERIC", "LC_TIME", "TERM", "TZ",
	"SHELL", "COLUMNS", "LINES", NULL,
};

/* What the child needs, prepared before fork. */
struct launch {
	const struct sandbox_spec *spec;
	const char *const *argv;
	char **env;
	const struct sb_plan *plan; /* NULL when spec->off */
	const char *cwd;
	char cg_procs[SB_CGROUPS_MAX][620]; /* cgroup.procs to join, "" if none */
	char uid_map[64], gid_map[64];
	int outfd;
	bool no_ns; /* test-only: behave as on a kernel without namespaces */
};

/* For git_writable runs: git's own ways to run code, off (the
 * environment outranks every config file; a `-c` on git's command line
 * would not, which is why the caller grants these runs only to a bare
 * `git SUBCOMMAND`). */
static const char *const git_env[][2] = {
	{ "core.hooksPath", "/dev/null" },
	{ "core.fsmonitor", "false" },
	{ "core.sshCommand", "false" },
	{ "protocol.allow", "never" },
	{ "credential.helper", "" },
	{ "diff.external", "" },
};

static char **
build_env(const struct sb_plan *plan, const struct sandbox_spec *spec)
{
	size_t n = 0, i, ng = sizeof git_env / sizeof git_env[0];
	char **env = xcalloc(40 + 2 * ng + 8, sizeof *env);
	for (i = 0; env_allow[i]; i++) {
		const char *v = getenv(env_allow[i]);
		if (v)
			env[n++] = xasprintf("%s=%s", env_allow[i], v);
	}
	if (!getenv("PATH"))
		env[n++] = xstrdup("PATH=/usr/local/bin:/usr/bin:/bin");
	if (plan && plan->tmpdir)
		env[n++] = xasprintf("TMPDIR=%s", plan->tmpdir);
	env[n++] = xstrdup("CONCH_SANDBOX=1");
	env[n++] = xstrdup("GIT_TERMINAL_PROMPT=0");
	env[n++] = xstrdup("PAGER=cat");
	env[n++] = xstrdup("GIT_PAGER=cat");
	if (spec->git_writable) {
		env[n++] = xstrdup("GIT_CONFIG_NOSYSTEM=1");
		env[n++] = xstrdup("GIT_EDITOR=false");
		env[n++] = xstrdup("GIT_SEQUENCE_EDITOR=false");
		env[n++] = xasprintf("GIT_CONFIG_COUNT=%zu", ng);
		for (i = 0; i < ng; i++) {
			env[n++] = xasprintf("GIT_CONFIG_KEY_%zu=%s", i, git_env[i][0]);
			env[n++] = xasprintf("GIT_CONFIG_VALUE_%zu=%s", i, git_env[i][1]);
		}
	}
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
	for (int fd = lowfd; fd < 65536; fd++)
		close(fd);
}

/* Report a setup failure to the parent and die.  No allocation. */
__attribute__((noreturn)) static void
child_fail(const char *what, const char *detail)
{
	dprintf(SB_ERRFD, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	_exit(125);
}

static int
write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;
	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* Make `path` a read-only bind mount of itself.  The remount keeps the
 * flags a user namespace may not clear (nosuid, nodev, noexec). */
static int
bind_readonly(const char *path)
{
	/* the mount's own flags, which a read-only remount must keep */
	static const unsigned long keep[][2] = {
		{ ST_NOSUID, MS_NOSUID }, { ST_NODEV, MS_NODEV },
		{ ST_NOEXEC, MS_NOEXEC }, { ST_NOATIME, MS_NOATIME },
		{ ST_NODIRATIME, MS_NODIRATIME }, { ST_RELATIME, MS_RELATIME },
	};
	struct statvfs sv;
	unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY;
	size_t i;

	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0)
		return -1;
	if (statvfs(path, &sv) == 0)
		for (i = 0; i < sizeof keep / sizeof keep[0]; i++)
			if (sv.f_flag & keep[i][0])
				fl |= keep[i][1];
	return mount(NULL, path, NULL, fl, NULL);
}

/* Cover `path` with a read-only bind mount of `src`. */
static int
bind_readonly_from(const char *src, const char *path)
{
	if (mount(src, path, NULL, MS_BIND, NULL) < 0)
		return -1;
	return mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY |
		     MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
}

/* In the payload: the protected paths as read-only mounts.  True when
 * every one of them is. */
static bool
mount_protected(const struct sb_plan *plan)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return false;
	for (size_t i = 0; i < plan->protect.n; i++)
		if (bind_readonly(plan->protect.v[i]) < 0)
			return false;
	/* secrets and read-denied files inside the roots: an empty
	 * read-only folder, or /dev/null for a file */
	for (size_t i = 0; i < plan->mask.n; i++) {
		const char *p = plan->mask.v[i];
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode) ?
		    mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC |
			  MS_RDONLY, "size=4k,mode=0555") < 0 :
		    bind_readonly_from("/dev/null", p) < 0)
			return false;
	}
	/* POSIX shared memory and semaphores, private to this run */
	if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=256m,mode=1777") < 0)
		return false;
	return true;
}

/* In the payload: cover daemon sockets (and secret dirs) with an empty
 * read-only tmpfs, or /dev/null for a single file.  True when all are. */
static bool
mount_hidden(const struct sb_plan *plan)
{
	bool ok = true;
	for (size_t i = 0; i < plan->hide.n; i++) {
		const char *p = plan->hide.v[i];
		struct stat st;
		if (lstat(p, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC |
				  MS_RDONLY, "size=4k,mode=0555") < 0)
				ok = false;
		} else if (mount("/dev/null", p, NULL, MS_BIND, NULL) < 0) {
			ok = false;
		}
	}
	return ok;
}

struct sb_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

/* Processes of this user, system-wide (no allocation). */
static long
count_user_procs(void)
{
	char buf[8192];
	uid_t me = getuid();
	int d = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n, count = 0;

	if (d < 0)
		return 0;
	while ((n = syscall(SYS_getdents64, d, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct sb_dirent64 *de = (struct sb_dirent64 *)(buf + off);
			struct stat st;
			off += de->d_reclen;
			if (de->d_name[0] >= '1' && de->d_name[0] <= '9' &&
			    fstatat(d, de->d_name, &st, 0) == 0 && st.st_uid == me)
				count++;
		}
	}
	close(d);
	return count;
}

static void
apply_limits(const struct sandbox_spec *spec, bool own_userns)
{
	long procs = spec->max_procs > 0 ? spec->max_procs : 256;

	set_limit(RLIMIT_CORE, 0);
	set_limit(RLIMIT_CPU, (rlim_t)(spec->cpu_s > 0 ? spec->cpu_s : 600));
	/* ULLONG_MAX: no address-space limit (sanitizer builds reserve
	 * terabytes of shadow memory) */
	if (spec->mem_bytes != ~0ULL)
		set_limit(RLIMIT_AS, (rlim_t)(spec->mem_bytes ? spec->mem_bytes :
					      SB_DEFAULT_MEM));
	set_limit(RLIMIT_FSIZE, (rlim_t)(spec->fsize_bytes ? spec->fsize_bytes :
					 (1ULL << 30)));
	/* RLIMIT_NPROC counts the user's processes in its user namespace:
	 * in our own, only the command's; without one, all of the user's,
	 * so the command gets `procs` more than are running now */
	if (spec->max_procs >= 0) {
		if (!own_userns)
			procs += count_user_procs();
		set_limit(RLIMIT_NPROC, (rlim_t)procs);
	}
	set_limit(RLIMIT_NOFILE, (rlim_t)(spec->max_files > 0 ? spec->max_files : 1024));
}

/* The payload: never returns. */
__attribute__((noreturn)) static void
payload(const struct launch *L, bool have_mountns, bool have_pidns,
	bool have_userns)
{
	char err[512];
	bool mounted = false, hidden = false;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (L->plan) {
		if (have_mountns && have_pidns)
			mount("proc", "/proc", "proc",
			      MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
		if (have_mountns && mount_protected(L->plan)) {
			hidden = mount_hidden(L->plan);
			mounted = !L->plan->force_split;
		}
	}
	if (chdir(L->cwd) < 0) {
		dprintf(2, "conch: cannot enter %s: %s\n", L->cwd, strerror(errno));
		_exit(126);
	}
	apply_limits(L->spec, have_userns);
	if (L->plan) {
		if (sb_landlock_apply(L->plan, mounted, err, sizeof err) < 0)
			child_fail("write confinement failed", err);
		if (sb_seccomp_apply(L->plan, !hidden, err, sizeof err) < 0)
			child_fail("seccomp filter failed", err);
	}
	execvpe(L->argv[0], (char *const *)L->argv, L->env);
	dprintf(2, "conch: cannot run %s: %s\n", L->argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

/* Without /proc/PID/task/TID/children: find this process's children by
 * their parent pid in /proc/N/stat.  No allocation (the keeper is a fork
 * of a possibly threaded process). */
static void
kill_children_scan(void)
{
	char buf[8192], path[64], st[512];
	pid_t me = getpid();
	int d = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long n;

	if (d < 0)
		return;
	while ((n = syscall(SYS_getdents64, d, buf, sizeof buf)) > 0) {
		for (long off = 0; off < n;) {
			struct sb_dirent64 *de = (struct sb_dirent64 *)(buf + off);
			const char *rp;
			ssize_t r;
			int fd;
			off += de->d_reclen;
			if (de->d_name[0] < '1' || de->d_name[0] > '9')
				continue;
			snprintf(path, sizeof path, "/proc/%.20s/stat", de->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			r = read(fd, st, sizeof st - 1);
			close(fd);
			if (r <= 0)
				continue;
			st[r] = '\0';
			rp = strrchr(st, ')');
			/* ") S PPID ..." */
			if (rp && rp[1] && rp[2] && rp[3] &&
			    strtol(rp + 4, NULL, 10) == (long)me)
				kill((pid_t)strtol(de->d_name, NULL, 10), SIGKILL);
		}
	}
	close(d);
}

/* Kill every child of this process, repeatedly, until none is left (the
 * keeper is a subreaper, so orphans of the tree come back to it). */
static void
reap_all(void)
{
	char path[64], list[4096];
	for (;;) {
		int fd;
		ssize_t n;
		snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)getpid());
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			n = read(fd, list, sizeof list - 1);
			close(fd);
			if (n > 0) {
				char *p = list, *end;
				list[n] = '\0';
				for (;;) {
					long v = strtol(p, &end, 10);
					if (end == p)
						break;
					if (v > 0)
						kill((pid_t)v, SIGKILL);
					p = end;
				}
			}
		} else {
			kill_children_scan();
		}
		if (waitpid(-1, NULL, 0) < 0 && errno == ECHILD)
			break;
	}
}

/* Enter namespaces: user+mount+pid(+net) when unprivileged namespaces
 * work; the same without a user namespace when we hold the privilege;
 * else what can be had alone. */
static void
enter_namespaces(const struct launch *L, bool *mountns, bool *pidns,
		 bool *userns)
{
	int ns = CLONE_NEWNS;
	if (L->spec->pid_namespace)
		ns |= CLONE_NEWPID;
	if (!L->spec->allow_network)
		ns |= CLONE_NEWNET;
	*mountns = *pidns = *userns = false;
	if (L->no_ns)
		return;
	if (unshare(CLONE_NEWUSER | ns) == 0) {
		*userns = true;
		if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT)
			child_fail("user namespace setup failed", strerror(errno));
		if (write_file("/proc/self/uid_map", L->uid_map) < 0 ||
		    write_file("/proc/self/gid_map", L->gid_map) < 0)
			child_fail("user namespace id maps failed", strerror(errno));
		*mountns = true;
		*pidns = (ns & CLONE_NEWPID) != 0;
		return;
	}
	if (unshare(ns) == 0) {
		*mountns = true;
		*pidns = (ns & CLONE_NEWPID) != 0;
		return;
	}
	if (!L->spec->allow_network)
		unshare(CLONE_NEWNET); /* seccomp and Landlock refuse sockets anyway */
	*pidns = (ns & CLONE_NEWPID) && unshare(CLONE_NEWPID) == 0;
	*mountns = unshare(CLONE_NEWNS) == 0;
}

/* The keeper: never returns. */
__attribute__((noreturn)) static void
keeper(const struct launch *L, int errfd)
{
	bool mountns = false, pidns = false, userns = false;
	sigset_t wait_set, old_set;
	int devnull, status = 0;
	pid_t pid;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	set_limit(RLIMIT_CORE, 0);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(L->outfd, 1) < 0 ||
	    dup2(L->outfd, 2) < 0 || dup3(errfd, SB_ERRFD, O_CLOEXEC) < 0)
		_exit(126);
	close_fds_from(SB_ERRFD + 1);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGQUIT, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);

	if (L->plan) {
		for (int k = 0; k < SB_CGROUPS_MAX; k++)
			if (L->cg_procs[k][0])
				write_file(L->cg_procs[k], "0");
		enter_namespaces(L, &mountns, &pidns, &userns);
	}
	if (!pidns)
		prctl(PR_SET_CHILD_SUBREAPER, 1);
	/* SIGUSR1 from the parent: kill the payload (and with it the whole
	 * PID namespace), wait until it is gone, then exit.  Taken with
	 * sigtimedwait, so no handler and no race. */
	sigemptyset(&wait_set);
	sigaddset(&wait_set, SIGUSR1);
	sigaddset(&wait_set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &wait_set, &old_set);
	pid = fork();
	if (pid < 0)
		child_fail("fork failed", strerror(errno));
	if (pid == 0) {
		sigprocmask(SIG_SETMASK, &old_set, NULL);
		payload(L, mountns, pidns, userns);
	}
	/* The keeper holds nothing the parent waits on. */
	dup2(0, 1); /* fd 0 is /dev/null, opened read-write */
	dup2(0, 2);
	close(SB_ERRFD);
	for (;;) {
		struct timespec ts = { 1, 0 };
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid || (w < 0 && errno != EINTR))
			break;
		if (sigtimedwait(&wait_set, NULL, &ts) == SIGUSR1)
			kill(pid, SIGKILL);
	}
	if (!pidns)
		reap_all();
	if (WIFSIGNALED(status)) {
		signal(WTERMSIG(status), SIG_DFL);
		kill(getpid(), WTERMSIG(status));
	}
	_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 125);
}

/* Keep the head in res->output and a rolling tail in res->tail. */
static void
collect(struct sandbox_result *res, size_t max, const char *p, size_t n,
	int spill, size_t spill_max)
{
	size_t room = res->output.len < max ? max - res->output.len : 0;
	size_t take = n < room ? n : room;
	if (spill >= 0 && res->total_bytes < spill_max) {
		/* the spill file keeps the first spill_max bytes and says
		 * so; a flood cannot fill the disk */
		size_t keep = spill_max - res->total_bytes;
		ssize_t w = write(spill, p, n < keep ? n : keep);
		(void)w;
		if (n >= keep) {
			char note[96];
			int k = snprintf(note, sizeof note, "\n[conch: output past "
					 "%zu bytes not kept]\n", spill_max);
			w = write(spill, note, (size_t)k);
		}
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

static void
refuse(struct sandbox_result *res, const char *why)
{
	buf_printf(&res->output,
		   "conch: sandbox refused to run the command: %s.\n"
		   "Run `conch sandbox doctor` to see what this machine offers; "
		   "`--sandbox off` runs commands unconfined (not recommended).\n",
		   why);
}

static void
read_errpipe(int fd, struct buf *out)
{
	char chunk[1024];
	ssize_t n;
	while ((n = read(fd, chunk, sizeof chunk)) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			buf_add(out, chunk, (size_t)n);
}

/* After the output ended (EOF), the command may still be finishing, e.g.
 * tar reaping gzip after closing stdout: wait for the keeper (which
 * waits for the payload, then kills what is left of the tree), within
 * the deadline and the user's patience.  Then, or at once when already
 * `killed`, ask the keeper to kill and reap, and wait a bounded time.
 * Returns whether the keeper was reaped (status in *status). */
static bool
finish(const struct sandbox_spec *spec, pid_t pid, long deadline, bool killed,
       int *status, struct sandbox_result *res)
{
	bool exited = false;
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);

	while (!exited && !killed) {
		struct pollfd pf[2];
		nfds_t n = 0;
		long left = deadline ? deadline - clock_mono_ms() : -1;
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid) {
			exited = true;
			break;
		}
		if (w < 0 && errno != EINTR)
			break;
		if (deadline && left <= 0) {
			res->timed_out = true;
			break;
		}
		if (pidfd >= 0) {
			pf[n].fd = pidfd; /* readable once the keeper exits */
			pf[n++].events = POLLIN;
		}
		if (spec->cancel_fd >= 0) {
			pf[n].fd = spec->cancel_fd;
			pf[n++].events = POLLIN;
		}
		if (poll(pf, n, pidfd >= 0 ? (left < 0 ? -1 : (int)left) :
			 (left < 0 || left > 10 ? 10 : (int)left)) > 0 &&
		    spec->cancel_fd >= 0 && (pf[n - 1].revents & POLLIN)) {
			res->cancelled = true;
			break;
		}
	}
	if (!exited) {
		long until = clock_mono_ms() + SB_KEEPER_WAIT_MS;
		struct timespec ts = { 0, 200000 };
		kill(pid, SIGUSR1);
		while (!exited && clock_mono_ms() < until) {
			pid_t w = waitpid(pid, status, WNOHANG);
			if (w == pid) {
				exited = true;
			} else if (w < 0 && errno != EINTR) {
				break;
			} else if (pidfd >= 0) {
				struct pollfd pf = { pidfd, POLLIN, 0 };
				long left = until - clock_mono_ms();
				poll(&pf, 1, left > 0 ? (int)left : 0);
			} else {
				nanosleep(&ts, NULL);
			}
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	return exited;
}

/* Pump output until EOF, timeout or cancel; returns the keeper's status. */
static int
pump(const struct sandbox_spec *spec, pid_t pid, int rfd, int spill,
     struct sandbox_result *res)
{
	size_t max = spec->max_output ? spec->max_output : SB_DEFAULT_MAX_OUTPUT;
	long deadline = spec->timeout_ms > 0 ? clock_mono_ms() + spec->timeout_ms : 0;
	bool eof = false, killed = false, exited = false;
	long drain_until = 0;
	int status = 0;

	while (!eof) {
		struct pollfd fds[2];
		int nfds = 1, timeout = -1, r;
		fds[0].fd = rfd;
		fds[0].events = POLLIN;
		if (spec->cancel_fd >= 0 && !killed) {
			fds[1].fd = spec->cancel_fd;
			fds[1].events = POLLIN;
			nfds = 2;
		}
		if (deadline && !killed) {
			long left = deadline - clock_mono_ms();
			timeout = left < 0 ? 0 : (int)left;
		}
		/* Once the keeper is gone, drain briefly (bounded), then stop. */
		if (!exited) {
			if (waitpid(pid, &status, WNOHANG) == pid) {
				exited = true;
				drain_until = clock_mono_ms() + SB_DRAIN_MS;
			} else if (timeout < 0 || timeout > 50) {
				timeout = 50;
			}
		}
		if (exited) {
			long left = drain_until - clock_mono_ms();
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
		if (deadline && !killed && clock_mono_ms() >= deadline) {
			res->timed_out = true;
			kill(pid, SIGUSR1);
			killed = true;
			if (exited)
				drain_until = clock_mono_ms() + SB_DRAIN_MS;
		}
		if (nfds == 2 && (fds[1].revents & POLLIN)) {
			res->cancelled = true;
			kill(pid, SIGUSR1);
			killed = true;
		}
		if (r > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
			char chunk[16384];
			ssize_t n = read(rfd, chunk, sizeof chunk);
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				eof = true;
			else
				collect(res, max, chunk, (size_t)n, spill,
					spec->spill_max ? spec->spill_max :
					SB_DEFAULT_SPILL_MAX);
		}
	}
	if (!exited)
		exited = finish(spec, pid, deadline, killed, &status, res);
	/* the last resort if the keeper did not answer */
	kill(-pid, SIGKILL);
	if (!exited)
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	return status;
}

enum cerr
sandbox_run(const struct sandbox_spec *spec, const char *const argv[],
	    struct sandbox_result *res)
{
	struct sb_plan plan;
	struct launch L;
	struct buf why = BUF_INIT;
	int pfd[2] = { -1, -1 }, efd[2] = { -1, -1 }, spill = -1, status;
	struct sb_cgroups cg = { 0 };
	enum cerr e = C_ERR_IO;
	bool planned = false;
	pid_t pid;

	memset(res, 0, sizeof *res);
	memset(&L, 0, sizeof L);
	memset(&plan, 0, sizeof plan);
	buf_init(&res->output, 0);
	buf_init(&res->tail, 0);
	res->exit_code = -1;
	if (!argv || !argv[0])
		return C_ERR_INVAL;

	if (spec->off) {
		log_warn("--sandbox off: running `%s` UNCONFINED (no Landlock, "
			 "seccomp or namespaces)", argv[0]);
	} else {
		buf_init(&why, 4096);
		e = sb_plan_build(&plan, spec, &why);
		planned = true;
		if (e == C_OK && plan.ll_abi < 1) {
			buf_printf(&why, "write confinement needs Landlock, which this "
				   "kernel does not offer (not built in, or not in the "
				   "lsm= boot list)");
			e = C_ERR_PERM;
		}
		if (e != C_OK) {
			refuse(res, buf_str(&why));
			e = e == C_ERR_INVAL ? C_ERR_INVAL : C_ERR_PERM;
			goto out;
		}
		L.plan = &plan;
		/* The whole tree's memory (memory.max), and for root, whom
		 * RLIMIT_NPROC does not bind, its process count (pids.max),
		 * in a cgroup made for this run where this process may make
		 * one; otherwise RLIMIT_AS per process and RLIMIT_NPROC bound
		 * the tree to their product. */
		sb_cgroup_make(geteuid() == 0 && spec->max_procs >= 0 ?
			       (spec->max_procs > 0 ? spec->max_procs : 256) : 0,
			       spec->mem_bytes == ~0ULL ? 0 :
			       spec->mem_bytes ? spec->mem_bytes : SB_DEFAULT_MEM,
			       &cg);
		for (int k = 0; k < cg.n; k++)
			snprintf(L.cg_procs[k], sizeof L.cg_procs[k],
				 "%s/cgroup.procs", cg.dir[k]);
	}
	e = C_ERR_IO;
	L.spec = spec;
	L.argv = argv;
	/* Test-only: the fallback path of kernels without user namespaces
	 * (Landlock entry-by-entry grants, subreaper, no network namespace);
	 * every property still holds, by other mechanisms. */
	L.no_ns = getenv("CONCH_SANDBOX_TEST_NO_NAMESPACES") != NULL;
	L.cwd = spec->cwd ? spec->cwd : (spec->workspace ? spec->workspace : "/");
	snprintf(L.uid_map, sizeof L.uid_map, "%u %u 1", (unsigned)getuid(),
		 (unsigned)getuid());
	snprintf(L.gid_map, sizeof L.gid_map, "%u %u 1", (unsigned)getgid(),
		 (unsigned)getgid());
	if (pipe2(pfd, O_CLOEXEC) < 0 || pipe2(efd, O_CLOEXEC) < 0)
		goto out;
	L.outfd = pfd[1];
	if (spec->spill_path)
		spill = open(spec->spill_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			     0600);
	L.env = build_env(L.plan, spec);
	pid = fork();
	if (pid < 0)
		goto out;
	if (pid == 0)
		keeper(&L, efd[1]);
	close(pfd[1]);
	pfd[1] = -1;
	close(efd[1]);
	efd[1] = -1;
	setpgid(pid, pid); /* the keeper does setsid(); this closes the race */

	status = pump(spec, pid, pfd[0], spill, res);
	buf_reset(&why);
	read_errpipe(efd[0], &why);
	if (why.len) {
		buf_reset(&res->output);
		buf_reset(&res->tail);
		res->truncated = false;
		refuse(res, buf_str(&why));
		e = C_ERR_PERM;
		goto out;
	}
	if (WIFEXITED(status))
		res->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->term_signal = WTERMSIG(status);
	e = C_OK;
out:
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	if (efd[0] >= 0)
		close(efd[0]);
	if (efd[1] >= 0)
		close(efd[1]);
	if (spill >= 0)
		close(spill);
	if (L.env)
		free_env(L.env);
	sb_cgroup_remove(&cg);
	if (planned) {
		sb_plan_cleanup(&plan); /* placeholders first */
		sb_git_sweep(&plan, &res->output);
		sb_instructions_sweep(&plan, &res->output);
		sb_plan_free(&plan);
	}
	buf_free(&why);
	return e;
}

void
sandbox_result_free(struct sandbox_result *res)
{
	buf_free(&res->output);
	buf_free(&res->tail);
}
