/* sandbox.h: the only way conch starts a child process, and the path
 * and output helpers that keep the tools inside the workspace.
 *
 * sandbox_run() starts argv confined by `spec`: writes only under the
 * workspace roots and a private temp dir (Landlock), with the protected
 * paths of util/sensitive.c (.git and the directory a .git file names,
 * .conch, .agents, .claude, AGENTS.md/CLAUDE.md, conch's own directories,
 * shell and git start-up files) read-only even there (read-only bind
 * mounts in a private mount namespace, or Landlock alone as a fallback;
 * one that does not exist yet inside a root keeps its parent unchanged);
 * secrets and read-denied files unreadable (covered inside the roots);
 * the network off unless allowed (network namespace, a seccomp socket
 * filter, Landlock TCP rules); with it off every unix socket bound
 * outside the workspace (/proc/net/unix) out of reach; memory limited
 * for the whole tree (a cgroup) where one can be made; its own session, no_new_privs, an environment from an
 * allowlist, stdin from /dev/null, rlimits, terminal-injection ioctls
 * refused.  It captures stdout and stderr together and returns when the
 * child and everything it started are gone.  `conch sandbox doctor`
 * (sandbox_doctor) says which mechanism enforces what on this kernel.
 *
 * For the tools: the write and edit tools should open and write files
 * with sandbox_open_beneath() / sandbox_write_beneath() (they refuse
 * symlinks out, "..", hard links, devices and FIFOs, and write via temp +
 * rename in the resolved directory fd, so a symlink swapped in between a
 * check and the write cannot redirect it); front ends pass command output
 * through sensitive_terminal_text() (util/sensitive.h) before showing it. */
#ifndef CONCH_SANDBOX_H
#define CONCH_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "util/buf.h"
#include "util/err.h"

struct sandbox_spec {
	const char *workspace;  /* absolute; writable root */
	const char *cwd;        /* absolute; the child's working directory */
	long timeout_ms;        /* <= 0: no timeout */
	size_t max_output;      /* bytes kept in result->output (head); 0: 1 MiB */
	const char *spill_path; /* if set, the output is also written here, */
	size_t spill_max;       /* up to this many bytes (0: 64 MiB) */
	bool allow_network;     /* network inside the sandbox (off by default) */
	bool off;               /* --sandbox off: no confinement (loud) */
	int cancel_fd;          /* readable -> kill the tree; -1 if none */

	/* Added by the sandbox issue.  Zero/NULL always means the secure
	 * default. */
	const char *const *write_roots; /* more writable roots, NULL-terminated */
	const char *const *deny_read;   /* more unreadable paths (user config) */
	const char *const *protect;     /* more read-only paths inside the roots */
	long cpu_s;                     /* RLIMIT_CPU seconds; 0: 600 */
	unsigned long long mem_bytes;   /* memory for the whole command tree
					 * (cgroup memory.max where one can be
					 * made) and RLIMIT_AS per process;
					 * 0: 8 GiB; ~0ULL: none (ASan builds
					 * need none) */
	unsigned long long fsize_bytes; /* RLIMIT_FSIZE; 0: 1 GiB */
	long max_procs;                 /* processes (RLIMIT_NPROC, and for root
					 * a pids cgroup, whose joining costs
					 * ~8 ms on cgroup v1); 0: 256; < 0: no
					 * process limit (explicit opt-out) */
	long max_files;                 /* RLIMIT_NOFILE; 0: 1024 */
	bool read_only;                 /* no writable roots at all (mode
					 * read-only): only the private temp dir */
	bool git_writable;              /* opt-in, for approved git commands
					 * (add, commit, stash, branch, switch,
					 * restore, tag): the workspace's .git
					 * folder is writable except hooks/,
					 * info/, modules/, worktrees/, config,
					 * config.worktree, commondir; git runs
					 * with hooks, fsmonitor, ssh commands
					 * and external protocols off
					 * (GIT_CONFIG_* in the environment);
					 * call sandbox_git_sweep() after */
	bool pid_namespace;             /* opt-in: the command runs as PID 1 of
					 * a PID namespace ($$ and $! are then
					 * namespace pids, and `kill $$` is
					 * ignored); by default the tree is
					 * held by a subreaper instead */
};

struct sandbox_result {
	int exit_code;      /* exit status, or -1 when killed by a signal */
	int term_signal;    /* signal that ended it, 0 if none */
	bool timed_out;
	bool cancelled;
	bool truncated;     /* output passed max_output */
	size_t total_bytes; /* all bytes the child wrote */
	struct buf output;  /* stdout+stderr interleaved (head up to max_output); caller frees */
	struct buf tail;    /* the last bytes when truncated; caller frees */
};

/* Run argv[0] (searched in PATH) with argv.  Unless spec->off, the child
 * is confined (see src/sandbox/sandbox.c for the shape); when write
 * confinement (Landlock) cannot be had the run is refused: C_ERR_PERM
 * with a message naming why and `conch sandbox doctor`.  (Test-only:
 * CONCH_SANDBOX_TEST_NO_LANDLOCK in conch's environment makes it behave
 * as if Landlock were missing.)  Returns C_OK when the child
 * ran (whatever its exit status), C_ERR_PERM when the sandbox refuses to
 * run it (message in result->output), C_ERR_IO when it could not start. */
enum cerr sandbox_run(const struct sandbox_spec *spec, const char *const argv[],
		      struct sandbox_result *res);

void sandbox_result_free(struct sandbox_result *res);

/* ---- What the kernel offers ------------------------------------------ */

struct sandbox_caps {
	int landlock_abi;   /* 0: no Landlock */
	bool userns;        /* unprivileged user namespaces work */
	bool mountns;       /* a mount namespace (read-only bind mounts) */
	bool netns;         /* a network namespace */
	bool pidns;         /* a PID namespace */
	bool seccomp;       /* seccomp filters load */
	bool cgroup_pids;   /* a pids cgroup can be made for each run */
	bool cgroup_memory; /* a memory limit for the whole tree (cgroup) */
	bool openat2;       /* openat2() with RESOLVE_BENEATH */
	bool root;          /* running as uid 0 */
};

/* Probe the running kernel (forks once to try namespaces). */
void sandbox_probe(struct sandbox_caps *caps);

/* Append the `conch sandbox doctor` report to `out`: each property, the
 * mechanism that enforces it here, and what is missing.  Returns true
 * when sandboxed commands can run (write confinement available). */
bool sandbox_doctor(struct buf *out);

/* ---- Paths beneath a workspace for the write/edit tools --------------- */

/* Open `relpath` (relative, or absolute under `root`) beneath the
 * directory `root` without ever leaving it: no "..", no symlink in any
 * component (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS,
 * or a component walk with O_NOFOLLOW where openat2 is missing).  The
 * final file, when it exists, must be a regular file (or a directory when
 * `flags` has O_DIRECTORY) with st_nlink == 1; devices, FIFOs, sockets
 * and hard-linked files are refused.  O_CLOEXEC|O_NOFOLLOW are added.
 * On C_OK *fd is the open descriptor (caller closes).  C_ERR_PERM for an
 * escape or a refused file type (message in `why` if not NULL),
 * C_ERR_NOTFOUND, C_ERR_IO otherwise. */
enum cerr sandbox_open_beneath(const char *root, const char *relpath,
			       int flags, mode_t mode, int *fd,
			       struct buf *why);

/* Open the directory that will hold `relpath` beneath `root` (creating
 * missing directories with 0755 when `mkdirs`), with the same rules.  On
 * C_OK *dirfd is that directory and *base points into relpath at the
 * last component. */
enum cerr sandbox_open_parent_beneath(const char *root, const char *relpath,
				      bool mkdirs, int *dirfd,
				      const char **base, struct buf *why);

/* Atomically replace or create `relpath` beneath `root` with data[0..len):
 * resolve the parent directory as above, refuse a final component that is
 * a symlink, hard-linked, or not a regular file, write a temp file in
 * that directory fd, fsync, renameat over the name, fsync the directory.
 * An existing file keeps its mode; a new one gets `mode`.  Same errors as
 * sandbox_open_beneath. */
enum cerr sandbox_write_beneath(const char *root, const char *relpath,
				const void *data, size_t len, mode_t mode,
				bool mkdirs, struct buf *why);
/* Remove `relpath` beneath `root`, never through a symlink (C_OK when it
 * is gone already); the message names it in `err`. */
enum cerr sandbox_unlink_beneath(const char *root, const char *relpath,
				 struct buf *err);
/* Set the permission bits of the regular file `relpath` beneath `root`
 * (best effort: nothing is reported). */
void sandbox_chmod_beneath(const char *root, const char *relpath, mode_t mode);

/* ---- Reads anywhere for the file tools -------------------------------- */

/* Resolve `path` (absolute) the way a file tool's read must: ordinary
 * symlinks are followed, but never a /proc or /sys magic link
 * (openat2 RESOLVE_NO_MAGICLINKS; without openat2 a lexical check of
 * /proc/PID/{root,cwd,fd,exe,...}).  On C_OK, *fd is an O_PATH
 * descriptor of the target (caller closes), *real its absolute path as
 * the kernel names it (caller frees), *st its stat: the caller judges
 * *real and then reads through sandbox_reopen(*fd), so what is read is
 * what was judged.  C_ERR_PERM for a magic link or loop (message in
 * `why`), C_ERR_NOTFOUND, C_ERR_IO. */
enum cerr sandbox_resolve_read(const char *path, int *fd, char **real,
			       struct stat *st, struct buf *why);

/* Open the file behind an O_PATH descriptor with `flags` (O_RDONLY,
 * O_DIRECTORY ...); -1 with errno on failure. */
int sandbox_reopen(int pathfd, int flags);

#endif
