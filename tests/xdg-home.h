/* xdg-home.h: a temporary home for a Check suite: a fresh directory with
 * XDG_DATA_HOME, XDG_CONFIG_HOME and XDG_STATE_HOME pointing into it (as
 * data/, config/ and state/), removed whole afterwards.  Use
 * xdg_home_setup/xdg_home_teardown as a checked fixture; `xdg_home` is
 * the directory. */
#ifndef CONCH_TESTS_XDG_HOME_H
#define CONCH_TESTS_XDG_HOME_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "util/xalloc.h"

static char xdg_home[256];

static inline void
xdg_home_set(const char *var, const char *sub)
{
	char *d = xasprintf("%s/%s", xdg_home, sub);
	setenv(var, d, 1);
	free(d);
}

static inline void
xdg_home_setup(void)
{
	snprintf(xdg_home, sizeof xdg_home, "/tmp/conch-test-home-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(xdg_home));
	xdg_home_set("XDG_DATA_HOME", "data");
	xdg_home_set("XDG_CONFIG_HOME", "config");
	xdg_home_set("XDG_STATE_HOME", "state");
}

static inline void
xdg_home_teardown(void)
{
	char *cmd = xasprintf("rm -rf '%s'", xdg_home);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

#endif
