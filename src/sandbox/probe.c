/* probe.c: what the running kernel offers, and `conch sandbox doctor`. */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sandbox/sandbox.h"
#include "sandbox/sb-internal.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

#ifndef SYS_openat2
#define SYS_openat2 437
#endif

enum { P_USERNS = 1, P_MOUNTNS = 2, P_NETNS = 4, P_PIDNS = 8 };

/* In a throwaway child: which namespaces can be made, with a user
 * namespace first (unprivileged), else directly (privileged). */
static int
probe_ns(void)
{
	int status = 0, bits = 0;
	pid_t pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		int r = 0;
		if (unshare(CLONE_NEWUSER) == 0)
			r |= P_USERNS;
		if (unshare(CLONE_NEWNS) == 0)
			r |= P_MOUNTNS;
		if (unshare(CLONE_NEWNET) == 0)
			r |= P_NETNS;
		if (unshare(CLONE_NEWPID) == 0)
			r |= P_PIDNS;
		_exit(r);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status))
		bits = WEXITSTATUS(status);
	return bits;
}

static bool
probe_openat2(void)
{
	struct open_how how;
	long fd;
	memset(&how, 0, sizeof how);
	how.flags = O_PATH | O_CLOEXEC;
	how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
	fd = syscall(SYS_openat2, AT_FDCWD, ".", &how, sizeof how);
	if (fd < 0)
		return false;
	close((int)fd);
	return true;
}

void
sandbox_probe(struct sandbox_caps *caps)
{
	struct sb_cgroups cg;
	int ns;

	memset(caps, 0, sizeof *caps);
	caps->landlock_abi = sb_landlock_abi();
	/* the launcher's test-only switch: report what it will then use */
	ns = getenv("CONCH_SANDBOX_TEST_NO_NAMESPACES") ? 0 : probe_ns();
	caps->userns = ns & P_USERNS;
	caps->mountns = ns & P_MOUNTNS;
	caps->netns = ns & P_NETNS;
	caps->pidns = ns & P_PIDNS;
	caps->seccomp = sb_seccomp_available();
	caps->openat2 = probe_openat2();
	caps->root = geteuid() == 0;
	sb_cgroup_make(8, 64ULL << 20, &cg);
	caps->cgroup_pids = cg.pids;
	caps->cgroup_memory = cg.mem;
	sb_cgroup_remove(&cg);
}

static void
row(struct buf *out, const char *prop, const char *mech, const char *missing)
{
	buf_printf(out, "  %-20s %s\n", prop, mech);
	if (missing && *missing)
		buf_printf(out, "  %-20s   missing: %s\n", "", missing);
}

/* Run `true` confined in a scratch workspace: proves the launcher works
 * end to end here. */
static bool
self_test(struct buf *out)
{
	struct sandbox_spec spec;
	struct sandbox_result res;
	const char *argv[] = { "/bin/sh", "-c", "exit 0", NULL };
	char tmpl[] = "/tmp/conch-doctor-XXXXXX";
	enum cerr e;
	bool ok;

	if (!mkdtemp(tmpl)) {
		buf_printf(out, "self-test: cannot make a scratch dir: %s\n",
			   strerror(errno));
		return false;
	}
	memset(&spec, 0, sizeof spec);
	spec.workspace = tmpl;
	spec.cwd = tmpl;
	spec.timeout_ms = 10000;
	spec.cancel_fd = -1;
	e = sandbox_run(&spec, argv, &res);
	ok = e == C_OK && res.exit_code == 0;
	if (ok)
		buf_printf(out, "self-test: a confined command ran: ok\n");
	else
		buf_printf(out, "self-test: FAILED (%s) %s\n", cerr_str(e),
			   buf_str(&res.output));
	sandbox_result_free(&res);
	rmdir(tmpl);
	return ok;
}

bool
sandbox_doctor(struct buf *out)
{
	struct sandbox_caps c;
	struct utsname u;
	char mech[512];
	bool ns_mount, ok;

	sandbox_probe(&c);
	ns_mount = c.mountns;
	if (uname(&u) == 0)
		buf_printf(out, "kernel: %s %s %s; running as uid %u%s\n", u.sysname,
			   u.release, u.machine, (unsigned)geteuid(),
			   c.root ? " (root)" : "");
	buf_printf(out, "Landlock: %s", c.landlock_abi > 0 ? "ABI " : "absent");
	if (c.landlock_abi > 0)
		buf_printf(out, "%d", c.landlock_abi);
	buf_printf(out, "; user namespaces: %s; mount ns: %s; network ns: %s; "
		   "PID ns: %s; seccomp: %s; pids cgroup: %s; memory cgroup: %s; "
		   "openat2: %s\n\n",
		   c.userns ? "yes" : "no", c.mountns ? "yes" : "no",
		   c.netns ? "yes" : "no", c.pidns ? "yes" : "no",
		   c.seccomp ? "yes" : "no", c.cgroup_pids ? "yes" : "no",
		   c.cgroup_memory ? "yes" : "no", c.openat2 ? "yes" : "no");
	buf_printf(out, "property             mechanism here\n");

	/* three tiers each: full, partial (what is missing), none */
	{
		static const char *const writes[3][2] = {
			{ "Landlock: workspace roots and a private temp dir only", NULL },
			{ "Landlock: workspace roots and a private temp dir only; "
			  "truncate(2) by path refused by seccomp",
			  "Landlock ABI 3 (truncate rights)" },
			{ "NONE: sandboxed commands are refused",
			  "Landlock (CONFIG_SECURITY_LANDLOCK=y and landlock in lsm=)" },
		};
		static const char *const protect[3][2] = {
			{ "read-only bind mounts in a private mount namespace (.git, .git "
			  "file target, .conch, .agents, .claude, AGENTS.md/CLAUDE.md "
			  "(present: read-only; created by a command on the way to the "
			  "cwd: set aside after the run), nested repositories' .git and "
			  "AGENTS.md (bounded walk), conch dirs, HOME start-up files; "
			  "empty placeholder folders for missing names; a missing HOME "
			  "file inside the workspace: its parent kept unchanged by "
			  "Landlock)", NULL },
			{ "Landlock entry-by-entry grants (top of the workspace not "
			  "writable: no new top-level files)",
			  "a mount namespace (user namespaces or root)" },
			{ "NONE", "Landlock" },
		};
		int ll = c.landlock_abi > 0 ? 1 : 2;
		int w = c.landlock_abi >= 3 ? 0 : ll, p = ll == 1 && ns_mount ? 0 : ll;
		row(out, "writes confined", writes[w][0], writes[w][1]);
		row(out, "protected paths", protect[p][0], protect[p][1]);
	}
	row(out, "secret reads", c.landlock_abi > 0 ? "Landlock: the secret list "
	    "of util/sensitive.c (ssh, gpg, cloud and tool credentials, conch's "
	    "config), user-added paths, raw devices (and for root shadow files, "
	    "ssh host keys) left out of read grants; covered too in the mount "
	    "namespace" : "NONE", c.landlock_abi > 0 ? NULL : "Landlock");
	row(out, "read deny rules", c.landlock_abi > 0 ? (ns_mount ? "files a "
	    "read(...) deny rule hides: covered by /dev/null in the mount "
	    "namespace" : "files a read(...) deny rule hides: left out of "
	    "Landlock grants (their folders lose write access)") : "NONE",
	    c.landlock_abi > 0 ? NULL : "Landlock");

	snprintf(mech, sizeof mech, "%s%s%s",
		 c.netns ? "network namespace" : "",
		 c.seccomp ? (c.netns ? " + seccomp socket-family filter" :
			      "seccomp socket-family filter") : "",
		 c.landlock_abi >= 4 ? " + Landlock TCP bind/connect" : "");
	row(out, "network off", mech[0] ? mech : "NONE",
	    !c.netns ? "network namespace" : (c.landlock_abi < 4 ?
					       "Landlock ABI 4 TCP rules" : NULL));
	row(out, "unix sockets", ns_mount ? "network off: every pathname socket "
	    "bound at start (/proc/net/unix) outside the workspace, and docker, "
	    "podman, dbus, X11, ssh-agent, /run/user/UID, covered in the mount "
	    "namespace; /proc/PID/root refused by Landlock's ptrace scope; "
	    "abstract sockets: network namespace" :
	    "seccomp: connect() refused while the network is off",
	    ns_mount ? "listeners bound after the command starts are not "
	    "covered" : "a mount namespace (then workspace sockets work)");
	row(out, "process tree", "subreaper + kill loop, process group kill"
	    " (PID namespace on request)", NULL);
	row(out, "process count", c.root ? (c.cgroup_pids ? "pids cgroup per "
	    "run (root is exempt from RLIMIT_NPROC)" : "NONE (root is exempt "
	    "from RLIMIT_NPROC)") : "RLIMIT_NPROC",
	    c.root && !c.cgroup_pids ? "a writable pids cgroup" : NULL);
	row(out, "terminal injection", c.seccomp ? "seccomp: ioctl TIOCSTI, "
	    "TIOCLINUX refused; no tty inherited; sensitive_terminal_text() for "
	    "display" : "no tty inherited; sensitive_terminal_text() for display", c.seccomp ? NULL : "seccomp");
	row(out, "signals out", c.landlock_abi >= 6 ? "Landlock signal and "
	    "ptrace scope" : "Landlock ptrace scope only", c.landlock_abi >= 6 ?
	    NULL : "Landlock ABI 6 (signal scoping) or a PID namespace");
	row(out, "tree memory", c.cgroup_memory ? "memory cgroup per run: one "
	    "limit for the whole command tree" : "FALLBACK: RLIMIT_AS per process "
	    "x the process limit", c.cgroup_memory ? NULL : "a writable "
	    "cgroup with the memory controller (root, or a delegated v2 tree)");
	row(out, "resources", "rlimits CPU, AS, FSIZE, NPROC, NOFILE; no core "
	    "dumps; output capped for the model after encoding; spill file "
	    "capped (64 MiB)", NULL);
	row(out, "file tools", c.openat2 ? "read/grep/glob/ls judge the real "
	    "target: openat2 RESOLVE_NO_MAGICLINKS, secrets refused by any "
	    "name or hard link, listings skip them" : "read/grep/glob/ls judge "
	    "realpath(); /proc/PID magic links refused by name",
	    c.openat2 ? NULL : "openat2 (Linux 5.6)");
	row(out, "leftovers", "atomic writes through O_TMPFILE; temp files of "
	    "dead conch processes swept at start", NULL);
	row(out, "environment", "allowlist (no keys, tokens, LD_PRELOAD, "
	    "BASH_ENV); stdin /dev/null; fds closed; no_new_privs", NULL);
	row(out, "edit/write paths", c.openat2 ? "openat2 RESOLVE_BENEATH|"
	    "RESOLVE_NO_SYMLINKS; nlink/type checks; temp + rename" :
	    "O_NOFOLLOW component walk; nlink/type checks; temp + rename",
	    c.openat2 ? NULL : "openat2 (Linux 5.6)");
	buf_printf(out, "\n");
	ok = c.landlock_abi > 0;
	if (ok)
		ok = self_test(out);
	buf_printf(out, "verdict: %s\n", ok ? "sandboxed commands run confined" :
		   "sandboxed commands are REFUSED here (fail closed); "
		   "`--sandbox off` runs them unconfined");
	return ok;
}
