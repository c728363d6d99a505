/* agent-int.h: the agent's state, for src/agent and white-box tests
 * only; front ends see struct agent through agent.h. */
#ifndef CONCH_AGENT_INT_H
#define CONCH_AGENT_INT_H

#include "agent/agent.h"
#include "agent/session.h"
#include "policy/policy.h"
#include "provider/chain.h"
#include "provider/prices.h"
#include "sandbox/sandbox.h"
#include "tools/tool.h"

struct agent {
	struct agent_opts o;
	struct sandbox_spec sandbox; /* o.sandbox's copy: the commands' template */
	struct conv conv;
	struct session *session; /* may be NULL (no session log) */
	struct session *owned;   /* the session agent_clear() or
				  * agent_resume() opened; owned */
	struct chain *own_chain; /* agent_set_model()'s chain; owned */
	struct readset reads;
	struct todo_list todos;
	struct conv_usage usage; /* whole session */
	bool usage_unknown;      /* some turn had no usage */
	int turns;               /* assistant turns this session */
	struct prices *prices;   /* price table; owned */
	struct cost_total cost;  /* whole session */
	char *system;            /* assembled once per session (stable prefix) */
	struct conv_tool_spec *tools;
	size_t ntools;
	struct ckpt *ckpt;       /* checkpoints (rewind); owned; NULL until
				  * the first task that may change files */
	bool ckpt_off;           /* disabled, or failed to open */
};

/* Set up `a` in place (agent_new does this on the heap); agent_release
 * frees what it holds, not `a`. */
void agent_init(struct agent *a, const struct agent_opts *o,
		struct session *session);
void agent_release(struct agent *a);

#endif
