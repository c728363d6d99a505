/* transcript.h: what the pairing session shows, kept once as text, and
 * its rendering to attributed lines at a given width.
 *
 * Each entry stores its text once.  Rendered lines are a cache: a front
 * end asks for an entry's line count (cheap once computed) and, for the
 * entries on screen only, its lines; ent_drop_doc() frees a rendering
 * that went off screen, so memory follows the text, not the renderings. */
#ifndef CONCH_UI_TRANSCRIPT_H
#define CONCH_UI_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "ui/markdown.h"
#include "util/buf.h"

enum ent_kind {
	ENT_USER,   /* text: the message */
	ENT_ASSIST, /* text: Markdown */
	ENT_THINK,  /* text: thinking */
	ENT_TOOL,   /* name, args, result */
	ENT_NOTICE, /* text */
	ENT_ERROR,  /* text */
	ENT_TODO,   /* text: lines "S content", S one of ' ', '>', 'x' */
	ENT_SHELL,  /* text: command; result: output */
	ENT_INFO,   /* text: plain lines (help, cost) */
};

/* Tool output kept for display. */
#define ENT_RESULT_MAX (64u << 10)

struct ent {
	enum ent_kind kind;
	struct buf text;
	char *id, *name, *args; /* tools; owned */
	struct buf result;      /* tools and shell; capped at ENT_RESULT_MAX */
	bool done, is_error, expanded, interrupted;
	char *note;             /* assistant: why its text was discarded; owned */
	char *diff;             /* tools: the change a write/edit made; owned */
	char *verdict;          /* tools: why a command failed ("exit 2"); owned */
	long ms;
	int status;             /* shell exit status */
	/* render cache */
	int cw;                 /* width of nlines/doc; 0: stale */
	size_t nlines;
	bool have_doc;
	struct md_doc doc;
	struct md_resume inc;   /* assistant text: incremental rendering */
	int inc_w;              /* width of doc when have_doc */
};

struct transcript {
	struct ent **v; /* owned */
	size_t n, cap;
	unsigned flags; /* MDF_* */
};

/* An empty transcript rendering with md_render flags `flags`. */
void ts_init(struct transcript *t, unsigned flags);
void ts_free(struct transcript *t);
/* Drop every entry (pointers to them become invalid). */
void ts_clear(struct transcript *t);
/* A new empty entry at the end; owned by the transcript. */
struct ent *ts_add(struct transcript *t, enum ent_kind k);
/* A new entry holding `text`. */
struct ent *ts_add_text(struct transcript *t, enum ent_kind k, const char *text);

/* The entry changed: forget its rendering.  An assistant entry whose text
 * only grew keeps the lines before its last finished block. */
void ent_touch(struct ent *e);
/* The entry's text was replaced, not appended to: forget everything. */
void ent_reset(struct ent *e);
/* Its height at `width` (renders once per change or width). */
size_t ent_lines(struct transcript *t, struct ent *e, int width);
/* Its lines at `width`; valid until the entry changes or is dropped. */
const struct md_doc *ent_doc(struct transcript *t, struct ent *e, int width);
/* Free the rendered lines, keeping the height. */
void ent_drop_doc(struct ent *e);

/* A finished tool call: set e->verdict from its result when it ran a
 * command that failed (exit status not 0, a signal, a timeout). */
void ent_tool_verdict(struct ent *e);

/* Lines a unified diff adds and removes (file headers not counted). */
void ts_diff_counts(const char *diff, size_t *add, size_t *del);

/* The "key argument" of a tool call for its one-line summary
 * (command, path, pattern, ...); caller frees. */
char *ent_tool_key(const char *args);

#endif
