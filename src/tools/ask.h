/* ask.h: what the tools share with the agent and the front ends, with
 * nothing else attached: approval requests and answers, the answer to a
 * plan, the todo list and the set of files read. */
#ifndef CONCH_ASK_H
#define CONCH_ASK_H

#include <stdbool.h>
#include <stddef.h>

/* The set of files read this session (absolute paths). */
struct readset {
	char **paths; /* owned */
	size_t n, cap;
};
void readset_add(struct readset *r, const char *abspath);
bool readset_has(const struct readset *r, const char *abspath);
void readset_free(struct readset *r);

enum todo_status { TODO_PENDING, TODO_IN_PROGRESS, TODO_COMPLETED };
struct todo_item {
	char *content; /* owned */
	enum todo_status status;
};
struct todo_list {
	struct todo_item *items; /* owned */
	size_t n;
};
void todo_list_free(struct todo_list *t);
/* "pending", "in_progress", "completed"; todo_status_parse is the
 * inverse: false (and *st untouched) for NULL or another string. */
const char *todo_status_str(enum todo_status s);
bool todo_status_parse(const char *s, enum todo_status *st);

/* An approval request from the permission layer to the front end. */
struct approval_req {
	const char *tool;
	const char *summary; /* the exact command, or "write PATH" */
	const char *diff;    /* unified diff for edits/writes, or NULL */
	const char *reason;  /* why it asks */
	/* The rule APPROVE_PROJECT would save ("bash(make test *)"), or
	 * NULL when that choice is not offered. */
	const char *project_rule;
	/* APPROVE_UNSANDBOXED is offered (a command, sandbox on). */
	bool can_unsandbox;
};

enum approval {
	APPROVE_ONCE,    /* y */
	APPROVE_SESSION, /* a: add a rule for this session */
	APPROVE_DENY,    /* n */
	APPROVE_PROJECT, /* p: save req->project_rule for this project (user config) */
	APPROVE_UNSANDBOXED, /* u: run this one command outside the sandbox */
};

/* The user's answer to a plan presented with exit_plan. */
enum plan_answer {
	PLAN_APPROVE_ASK,       /* approved: carry it out in mode ask */
	PLAN_APPROVE_AUTO_EDIT, /* approved: carry it out in mode auto-edit */
	PLAN_KEEP,              /* not yet: keep planning (with feedback) */
};

#endif
