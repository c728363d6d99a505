/* shparse-int.h: what the shell reader (shparse.c) and the wrapper table
 * (shwrap.c) share.  Private to src/policy.  shparse.c calls into
 * shwrap.c; shwrap.c reaches the reader only through the hooks in
 * struct parser. */
#ifndef CONCH_SHPARSE_INT_H
#define CONCH_SHPARSE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "policy/shparse.h"

#define SH_MAX_DEPTH 8

/* A word as read, before unwrapping. */
struct word {
	char *s;
	bool dyn;     /* holds a $-expansion: value known only at run time */
	bool unknown; /* holds a command substitution */
};

struct raw {
	struct word *w;
	size_t n, cap;
	char **redir;
	size_t nredir, credir;
	bool opaque;
};

struct parser {
	/* The reader's entry points the wrapper table calls back (shwrap.c
	 * is below shparse.c): parse `src` as a nested script into p->out,
	 * its commands marked opaque when `opaque`; emit the words
	 * r->w[from..to) as one more command (find -exec). */
	void (*nested)(struct parser *p, const char *src, bool opaque);
	void (*emit_range)(struct parser *p, const struct raw *r, size_t from,
			   size_t to, bool extra_args);
	const char *s;
	size_t i;
	struct sh_script *out;
	int depth;
	bool error;
	bool literal; /* rule patterns: no unwrapping */
};

/* What unwrapping one word decided. */
enum step {
	STEP_NEXT,  /* unwrapped: look at the word at the new index */
	STEP_STOP,  /* this word is the command */
	STEP_EMIT,  /* the command is complete (argv set): emit it */
	STEP_DROP,  /* nothing left to emit (the parts were parsed nested) */
};

/* shwrap.c: word helpers the reader shares */
void sh_strv_add(char ***v, size_t *n, const char *s);
bool sh_is_in(const char *w, const char *const *set);
const char *sh_base_name(const char *s);
bool sh_is_assignment(const char *s);

/* shwrap.c: look at the word at *i in command position. */
enum step sh_unwrap_word(struct parser *p, const struct raw *r, size_t *i,
			 struct sh_cmd *c);
/* After a command is complete: commands it runs from its arguments
 * (find -exec ...), and arguments that make it unmodelled. */
void sh_after_command(struct parser *p, const struct raw *r, size_t i,
		      struct sh_cmd *c);
/* Does the assignment word NAME=value make the shell run code later
 * (BASH_ENV, PS4, PROMPT_COMMAND ...)? */
bool sh_assign_runs_code(const char *w);
/* Keywords that may stand before a command ("then rm x"). */
extern const char *const sh_lead_kw[];

#endif
