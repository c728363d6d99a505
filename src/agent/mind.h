/* mind.h: what makes conch better with use (issue 4): the memory and
 * skills sections of the system prompt, compaction of a long context
 * (compact.c) and the reflection after a task that writes skills
 * (reflect.c).  The loop and the front ends call these hooks; all the
 * logic lives here and in src/memory and src/skills.
 *
 * Settings come from the user config (agent_opts.config, may be NULL):
 *   "context_window": tokens of the model's window (default 200000)
 *   "memory":     {"user_chars": 1400, "project_chars": 2200}
 *   "skills":     {"auto_write": "on"|"review"|"off"}
 *   "compaction": {"enabled": true, "threshold": 0.8, "reserve_tokens": 0,
 *                  "keep_recent": 4}
 * Compaction starts at threshold * window, or window - reserve_tokens when
 * that is lower. */
#ifndef CONCH_MIND_H
#define CONCH_MIND_H

#include <stdbool.h>
#include <stddef.h>

#include "agent/agent-int.h"
#include "skills/skills.h"
#include "util/buf.h"

#define MIND_DEFAULT_WINDOW 200000L

/* Append the memory snapshot (frozen for the session) and the skill index
 * (within about 2% of the window) to a->system.  Invalid skills are
 * reported on stderr and skipped. */
void agent_mind_init(struct agent *a);

/* Settings from a config root (NULL: defaults). */
long mind_window(const cJSON *cfg);
enum skills_mode mind_auto_write(const cJSON *cfg);

/* A plain-text digest of messages [from, to) of `c` for a summary or a
 * reflection turn: texts, tool calls with their arguments and results, cut
 * to about `cap` bytes (head and tail kept). */
void mind_digest(const struct conv *c, size_t from, size_t to, size_t cap,
		 struct buf *out);

/* Provider events for the silent turns (flush, summary, reflection):
 * nothing streamed, but the user's cancel stops them. */
void mind_events(const struct agent *a, struct provider_events *pev);

/* A side call outside the conversation (summary, reflection): one user
 * message `text` under `system`, no tools.  On success `msg` holds the
 * answer (caller frees) and its usage is added to the session's; on
 * failure perr says why (msg is still initialised). */
enum cerr mind_ask(struct agent *a, const char *system, const char *text,
		   struct conv_msg *msg, struct provider_error *perr);

/* The tool context of a's calls (agent.c): its workspace, session, policy,
 * sandbox and checkpoints, and ev's approval callbacks (ev may be NULL:
 * no one to ask).  Every tool call of the agent runs through it and
 * tool_call_parsed(). */
void agent_tool_ctx(struct agent *a, const struct agent_events *ev,
		    struct tool_ctx *ctx);

/* Estimated tokens of the next request (system, tools, messages). */
long agent_context_tokens(const struct agent *a);

/* Before a model call: when the estimate passes the threshold, run the
 * pre-compaction memory flush, then compact.  Failures keep the context
 * and tell the user through ev->notice. */
void agent_compact_maybe(struct agent *a, const struct agent_events *ev);

/* The provider reported a context overflow (C_ERR_CONTEXT): flush and
 * compact; true when the context shrank and the turn may be retried. */
bool agent_compact_overflow(struct agent *a, const struct agent_events *ev);


/* After a task (agent_task() calls it): when a->o.reflect is set, skills.auto_write is not off
 * and the task finished (headless, or any task that used tools), one
 * reflection turn with prompts/skill-writer.md may create or patch a
 * skill in the user skills directory (or stage it for review).  What
 * happened is told through ev->notice; its usage through ev->turn_end.
 * Never changes the task's outcome. */
void agent_reflect(struct agent *a, const struct agent_result *task,
		   const struct agent_events *ev);

/* Apply a reflection answer (the JSON object the model gave) with
 * `idx` as the current skills.  `msg` says what happened.  Exposed for
 * tests. */
enum cerr mind_apply_reflection(const cJSON *ans, const struct skill_index *idx,
				const char *workspace, const char *session,
				enum skills_mode mode, struct buf *msg);

#endif
