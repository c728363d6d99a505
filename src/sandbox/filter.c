/* filter.c: the seccomp filter, built with libseccomp in the parent and
 * exported as a BPF program, so the child only has to load it.
 *
 * Always: ioctl TIOCSTI and TIOCLINUX (typing into or controlling a
 * terminal) fail with EPERM, and so do the kernel keyring calls, bpf,
 * userfaultfd and perf_event_open.  With the network off: socket() for any
 * family but AF_UNIX fails with EAFNOSUPPORT, and io_uring (which can
 * open sockets without socket()) is unavailable.  Other architectures'
 * syscall tables (i386 socketcall on x86-64) kill the process. */
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sandbox/sb-internal.h"
#include "util/xalloc.h"

#ifndef TIOCSTI
#define TIOCSTI 0x5412
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

static int
build(scmp_filter_ctx ctx, bool allow_network, bool no_connect,
      bool deny_truncate)
{
	int rc = 0;
	/* Landlock before ABI 3 cannot refuse truncate(2) by path outside
	 * the workspace; ftruncate on a descriptor opened for writing stays */
	if (deny_truncate)
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(truncate), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCSTI));
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			       SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, TIOCLINUX));
	/* kernel keyrings (the user's session keys), BPF, userfaultfd and
	 * perf: nothing a build or a test needs, each a known way out */
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(keyctl), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(add_key), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(request_key), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(bpf), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(userfaultfd), 0);
	rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(perf_event_open), 0);
	if (!allow_network) {
		/* NE on the full 64 bits: junk in the high half is refused too. */
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT),
				       SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_NE, AF_UNIX));
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				       SCMP_SYS(io_uring_setup), 0);
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				       SCMP_SYS(io_uring_enter), 0);
		rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
				       SCMP_SYS(io_uring_register), 0);
		/* no mount namespace to hide daemon sockets (docker, dbus,
		 * ssh-agent, X11) behind: no connecting to any */
		if (no_connect)
			rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES),
					       SCMP_SYS(connect), 0);
	}
	return rc;
}

static int
export(bool allow_network, bool no_connect, bool deny_truncate, void **prog,
       size_t *len, struct buf *err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct stat st;
	int fd = -1, rc = -1;

	if (!ctx) {
		buf_printf(err, "seccomp_init failed");
		return -1;
	}
	/* no_new_privs is set by the launcher itself */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (build(ctx, allow_network, no_connect, deny_truncate) != 0) {
		buf_printf(err, "seccomp_rule_add failed");
		goto out;
	}
	fd = memfd_create("conch-bpf", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(ctx, fd) != 0 || fstat(fd, &st) < 0 ||
	    st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter)) {
		buf_printf(err, "cannot export the seccomp program");
		goto out;
	}
	*len = (size_t)st.st_size;
	*prog = xmalloc(*len);
	if (pread(fd, *prog, *len, 0) != (ssize_t)*len) {
		buf_printf(err, "cannot read the seccomp program back");
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	seccomp_release(ctx);
	return rc;
}

int
sb_seccomp_plan(struct sb_plan *plan, struct buf *err)
{
	bool trunc = plan->ll_abi < 3;
	if (export(plan->allow_network, false, trunc, &plan->bpf, &plan->bpf_len,
		   err) < 0)
		return -1;
	return export(plan->allow_network, true, trunc, &plan->bpf_noconnect,
		      &plan->bpf_noconnect_len, err);
}

int
sb_seccomp_apply(const struct sb_plan *plan, bool no_connect, char *err,
		 size_t errlen)
{
	struct sock_fprog prog;
	void *bpf = no_connect ? plan->bpf_noconnect : plan->bpf;
	size_t len = no_connect ? plan->bpf_noconnect_len : plan->bpf_len;

	if (!bpf) {
		snprintf(err, errlen, "no seccomp program");
		return -1;
	}
	prog.len = (unsigned short)(len / sizeof(struct sock_filter));
	prog.filter = bpf;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0) {
		snprintf(err, errlen, "seccomp: %s", strerror(errno));
		return -1;
	}
	return 0;
}

bool
sb_seccomp_available(void)
{
	/* The kernel says EFAULT for a NULL program when filters exist. */
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0) >= 0 &&
	       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, NULL) < 0 &&
	       errno == EFAULT;
}
