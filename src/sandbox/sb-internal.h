/* sb-internal.h: pieces of the sandbox shared between its own files only
 * (landlock.c, filter.c, probe.c, sandbox.c).  Nothing outside
 * src/sandbox includes this. */
#ifndef CONCH_SB_INTERNAL_H
#define CONCH_SB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sandbox/sandbox.h"
#include "util/buf.h"

/* A NULL-terminated list of owned strings. */
struct sb_list {
	char **v;
	size_t n, cap;
};

void sb_list_add(struct sb_list *l, const char *s);        /* copies s */
bool sb_list_has(const struct sb_list *l, const char *s);  /* an equal string */
void sb_list_take(struct sb_list *l, char *s);             /* takes s */
void sb_list_free(struct sb_list *l);

/* One Landlock path rule: `access` granted beneath `path`. */
struct sb_rule {
	char *path;
	uint64_t access;
	bool dir;      /* a directory when planned (else file rights only) */
};

struct sb_rules {
	struct sb_rule *v;
	size_t n, cap;
};

/* Everything the child needs to confine itself, computed in the parent
 * before fork: the child only opens, mounts and makes syscalls (the
 * parent may have threads, so the child must not allocate). */
struct sb_plan {
	int ll_abi;                  /* Landlock ABI, <= 0 when absent */
	uint64_t handled_fs;         /* access rights this ABI handles */
	bool allow_network;
	bool read_only;              /* grant no write root */
	bool force_split;            /* a protected name is a symlink: use the
				      * entry-by-entry grants even with mounts */
	struct sb_list write_roots;  /* canonical, writable beneath */
	struct sb_list protect;      /* canonical, existing, read-only inside write roots */
	struct sb_list protect_missing; /* canonical, not existing yet, inside
					 * write roots: their parents stay
					 * unchanged (Landlock) */
	struct sb_list placeholders; /* protected names we created empty (removed after) */
	struct sb_list deny_read;    /* canonical, existing secret paths */
	struct sb_list mask;         /* those inside write roots: covered by
				      * /dev/null or an empty read-only tmpfs
				      * in the mount namespace */
	struct sb_list hide;         /* daemon sockets and their dirs, covered
				      * in the mount namespace (network off) */
	char *tmpdir;                /* private temp dir (owned) */
	char *git_dir;               /* git_writable: the .git folder (owned) */
	struct sb_list git_before;   /* names at its top before the run */
	struct sb_list instr_missing; /* AGENTS.md/CLAUDE.md paths from the
				       * roots down to the cwd that did not
				       * exist before the run */
	struct sb_rules common;      /* reads, temp dir, devices */
	struct sb_rules mounted;     /* write roots whole (protect is mounted ro) */
	struct sb_rules split;       /* write roots entry by entry, protect left out */
	void *bpf;                   /* seccomp program exported by libseccomp */
	size_t bpf_len;
	void *bpf_noconnect;         /* the same, also refusing connect(): for
				      * runs where sockets could not be hidden */
	size_t bpf_noconnect_len;
};

/* Landlock access rights. */
#define SB_LL_READ (UINT64_C(1) << 0 | UINT64_C(1) << 2 | UINT64_C(1) << 3)
#define SB_LL_READ_DIR (UINT64_C(1) << 3)

/* Compute the plan for `spec` (creates the private temp dir and the
 * placeholders).  On failure a message is appended to `err`. */
enum cerr sb_plan_build(struct sb_plan *plan, const struct sandbox_spec *spec,
			struct buf *err);
/* After a git_writable run: remove names the command created at the
 * top of .git that git never makes (commondir, config.worktree ...),
 * with a line for each in `note`. */
void sb_git_sweep(const struct sb_plan *plan, struct buf *note);
/* After the run: instruction files the command created where conch
 * reads them are renamed NAME.from-command, a line for each in `note`. */
void sb_instructions_sweep(const struct sb_plan *plan, struct buf *note);
/* After the run: remove the temp dir and empty placeholders. */
void sb_plan_cleanup(struct sb_plan *plan);
void sb_plan_free(struct sb_plan *plan);

/* Fill plan->handled_fs and the three rule lists from the lists above.
 * Runs in the parent. */
void sb_landlock_plan(struct sb_plan *plan);

/* Build the seccomp program into plan->bpf.  Returns 0 or -1 with a
 * message appended to `err`. */
int sb_seccomp_plan(struct sb_plan *plan, struct buf *err);

/* The Landlock ABI the kernel offers (0 or negative when none). */
int sb_landlock_abi(void);

/* In the child: build and enforce the Landlock domain for `plan`.
 * `mounted` says whether protected paths are already read-only bind
 * mounts (then write roots are granted whole); otherwise write roots are
 * granted entry by entry, leaving protected names out.  Returns 0, or -1
 * with a message in `err` (a fixed-size buffer: no allocation). */
int sb_landlock_apply(const struct sb_plan *plan, bool mounted, char *err,
		      size_t errlen);

/* In the child: load plan->bpf (or plan->bpf_noconnect when
 * `no_connect`).  Returns 0 or -1 with `err` set. */
int sb_seccomp_apply(const struct sb_plan *plan, bool no_connect, char *err,
		     size_t errlen);

/* Memory for a whole command tree (cgroup memory.max) and for each
 * process (RLIMIT_AS) unless the spec says otherwise. */
#define SB_DEFAULT_MEM (8ULL << 30)

/* The cgroups made for one run (one per v1 hierarchy, one on v2). */
#define SB_CGROUPS_MAX 2
struct sb_cgroups {
	char dir[SB_CGROUPS_MAX][600];
	int n;
	bool pids;  /* pids.max = max_procs holds */
	bool mem;   /* memory.max (v2) or memory.limit_in_bytes (v1) holds */
};

/* Make the cgroups for one run where this process may: a pids limit of
 * `max_procs` (0: none) and a memory limit of `mem` bytes for the whole
 * tree, swap included where the kernel allows (0: none).  `cg` says what
 * could be had; n == 0 when nothing. */
void sb_cgroup_make(long max_procs, unsigned long long mem,
		    struct sb_cgroups *cg);
/* Remove them once their processes are gone (waits briefly). */
void sb_cgroup_remove(const struct sb_cgroups *cg);

/* True when libseccomp can build and the kernel accepts filters. */
bool sb_seccomp_available(void);

#endif
