/* cgroup.c: the cgroups of one run: a memory limit for the whole
 * command tree and, for root (whom RLIMIT_NPROC does not bind), a
 * process limit.  cgroup v2 where this process may make a child of its
 * own group (root, or a delegated tree), the v1 memory and pids
 * hierarchies otherwise; nothing where neither can be had, and the
 * launcher falls back to rlimits (see `conch sandbox doctor`). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sandbox/sb-internal.h"

/* Make a child cgroup of `parent` and write `file` = `val` (and, when
 * `file2`, `file2` = `val2`, which may fail); true with its path in
 * `out` when the first write held. */
static bool
cg_child(const char *parent, const char *file, const char *val,
	 const char *file2, const char *val2, char *out, size_t outlen)
{
	char tmpl[600], path[700];
	int fd;
	bool ok;

	if ((size_t)snprintf(tmpl, sizeof tmpl, "%.500s/conch-sb-XXXXXX",
			     parent) >= sizeof tmpl || !mkdtemp(tmpl))
		return false;
	snprintf(path, sizeof path, "%s/%s", tmpl, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && dprintf(fd, "%s", val) > 0;
	if (fd >= 0)
		close(fd);
	if (!ok) {
		rmdir(tmpl);
		return false;
	}
	if (file2) {
		snprintf(path, sizeof path, "%s/%s", tmpl, file2);
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd >= 0) {
			if (dprintf(fd, "%s", val2) < 0)
				(void)0; /* memory.swap.max is optional */
			close(fd);
		}
	}
	snprintf(out, outlen, "%.500s", tmpl);
	return true;
}

void
sb_cgroup_make(long max_procs, unsigned long long mem, struct sb_cgroups *cg)
{
	char line[512], cand[700], pids[32], bytes[32];
	FILE *f = fopen("/proc/self/cgroup", "re");

	memset(cg, 0, sizeof *cg);
	if (!f)
		return;
	snprintf(pids, sizeof pids, "%ld", max_procs);
	snprintf(bytes, sizeof bytes, "%llu", mem);
	while (fgets(line, sizeof line, f) && cg->n < SB_CGROUPS_MAX) {
		char *rel = strrchr(line, ':'), *nl;
		char *slot = cg->dir[cg->n];
		size_t sl = sizeof cg->dir[cg->n];
		if (!rel)
			continue;
		*rel++ = '\0';
		if ((nl = strchr(rel, '\n')) != NULL)
			*nl = '\0';
		if (strstr(line, ":pids") && max_procs > 0 && !cg->pids) {
			snprintf(cand, sizeof cand, "/sys/fs/cgroup/pids%s", rel);
			if (cg_child(cand, "pids.max", pids, NULL, NULL, slot, sl))
				cg->pids = true, cg->n++;
		} else if (strstr(line, ":memory") && mem && !cg->mem) {
			/* cgroup v1 */
			snprintf(cand, sizeof cand, "/sys/fs/cgroup/memory%s", rel);
			if (cg_child(cand, "memory.limit_in_bytes", bytes,
				     "memory.memsw.limit_in_bytes", bytes, slot, sl))
				cg->mem = true, cg->n++;
		} else if (strncmp(line, "0:", 2) == 0) {
			/* cgroup v2: one group for both, each where the
			 * parent delegates it */
			bool p = false, m = false;
			snprintf(cand, sizeof cand, "/sys/fs/cgroup%s", rel);
			if (mem && !cg->mem &&
			    cg_child(cand, "memory.max", bytes, "memory.swap.max",
				     "0", slot, sl))
				m = true;
			if (m && max_procs > 0 && !cg->pids) {
				char pf[700];
				int fd;
				snprintf(pf, sizeof pf, "%s/pids.max", slot);
				fd = open(pf, O_WRONLY | O_CLOEXEC);
				p = fd >= 0 && dprintf(fd, "%s", pids) > 0;
				if (fd >= 0)
					close(fd);
			} else if (!m && max_procs > 0 && !cg->pids) {
				p = cg_child(cand, "pids.max", pids, NULL, NULL,
					     slot, sl);
			}
			if (m || p) {
				cg->mem |= m;
				cg->pids |= p;
				cg->n++;
			}
		}
	}
	fclose(f);
}

void
sb_cgroup_remove(const struct sb_cgroups *cg)
{
	struct timespec ts = { 0, 2000000 };
	for (int k = 0; k < cg->n; k++)
		for (int i = 0; cg->dir[k][0] && i < 50; i++) {
			if (rmdir(cg->dir[k]) == 0 || errno != EBUSY)
				break;
			nanosleep(&ts, NULL);
		}
}
