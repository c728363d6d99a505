/* sandbox.h: the only way conch starts a child process.
 *
 * sandbox_run() starts argv confined by `spec` (own session and process
 * group, environment from an allowlist, stdin from /dev/null, rlimits; the
 * sandbox issue adds Landlock, seccomp and namespaces here, in this module
 * only), captures stdout and stderr together, and returns when the child
 * and everything it started are gone. */
#ifndef CONCH_SANDBOX_H
#define CONCH_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "util/buf.h"
#include "util/err.h"

struct sandbox_spec {
	const char *workspace;  /* absolute; writable root */
	const char *cwd;        /* absolute; the child's working directory */
	long timeout_ms;        /* <= 0: no timeout */
	size_t max_output;      /* bytes kept in result->output (head); 0: 1 MiB */
	const char *spill_path; /* if set, the full output is also written here */
	bool allow_network;     /* network inside the sandbox (off by default) */
	bool off;               /* --sandbox off: no confinement (loud) */
	int cancel_fd;          /* readable -> kill the tree; -1 if none */
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

/* Run argv[0] (searched in PATH) with argv.  Returns C_OK when the child
 * ran (whatever its exit status), C_ERR_PERM when the sandbox refuses to
 * run it (message in result->output), C_ERR_IO when it could not start. */
enum cerr sandbox_run(const struct sandbox_spec *spec, const char *const argv[],
		      struct sandbox_result *res);

void sandbox_result_free(struct sandbox_result *res);

#endif
