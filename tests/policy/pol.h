/* pol.h: the fixture the policy suites share: a struct policy over the
 * workspace WS with HOME at /home/u, rules loaded from JSON text, and the
 * decision for a bash command, one at a time or a list at once. */
#ifndef CONCH_TESTS_POL_H
#define CONCH_TESTS_POL_H

#include <check.h>
#include <stdlib.h>

#include "policy/policy.h"
#include "util/buf.h"

#define WS "/work/proj"

static struct policy pol;

static inline void
pol_setup(void)
{
	policy_init(&pol, MODE_ASK);
	setenv("HOME", "/home/u", 1);
	unsetenv("XDG_CONFIG_HOME");
}

static inline void
pol_teardown(void)
{
	policy_free(&pol);
}

/* Load the rules in `json` (a config object) into pol; they must load. */
static inline void
rules(const char *json)
{
	cJSON *cfg = cJSON_Parse(json);
	struct buf err = BUF_INIT;
	ck_assert_ptr_nonnull(cfg);
	ck_assert_int_eq(policy_load_rules(&pol, cfg, &err), C_OK);
	buf_free(&err);
	cJSON_Delete(cfg);
}

/* pol's decision for running `cmd`; one that is not ALLOW must say why. */
static inline enum policy_decision
bash(const char *cmd)
{
	cJSON *a = cJSON_CreateObject();
	struct buf why = BUF_INIT;
	enum policy_decision d;
	cJSON_AddStringToObject(a, "command", cmd);
	d = policy_check(&pol, "bash", TOOL_RUNS_COMMANDS, a, WS, WS, &why);
	if (d != POLICY_ALLOW)
		ck_assert_msg(why.len > 0, "no reason given for: %s", cmd);
	buf_free(&why);
	cJSON_Delete(a);
	return d;
}

/* Each of `cmds` (NULL-ended) must get decision `want`. */
static inline void
bash_expect(enum policy_decision want, const char *const *cmds)
{
	for (size_t i = 0; cmds[i]; i++) {
		enum policy_decision d = bash(cmds[i]);
		ck_assert_msg(d == want, "bash(\"%s\") == %d, want %d", cmds[i],
			      (int)d, (int)want);
	}
}

/* bash_all(POLICY_ASK, "cmd", ...): each command gets that decision. */
#define bash_all(want, ...) \
	bash_expect((want), (const char *const []){ __VA_ARGS__, NULL })

#endif
