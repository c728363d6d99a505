/* markdown.h: Markdown (and plain text) to attributed, wrapped lines.
 *
 * The renderer knows headings, emphasis (* _ ** __), inline code, fenced
 * code blocks (set apart and never re-wrapped; diff fences coloured),
 * bullet and numbered lists, block quotes, rules, tables (kept verbatim)
 * and links (shown as their text, the target dimmed after it).  Every
 * output line fits in `width` display columns (width.h); control
 * characters are replaced and tabs expanded, so lines may go straight to
 * the terminal. */
#ifndef CONCH_UI_MARKDOWN_H
#define CONCH_UI_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>

enum {
	MD_BOLD = 1 << 0,
	MD_ITALIC = 1 << 1,
	MD_CODE = 1 << 2,      /* inline code */
	MD_HEADING = 1 << 3,
	MD_CODEBLOCK = 1 << 4, /* fenced code */
	MD_LINK = 1 << 5,
	MD_QUOTE = 1 << 6,
	MD_DIM = 1 << 7,
	MD_ADD = 1 << 8,       /* diff: added line */
	MD_DEL = 1 << 9,       /* diff: removed line */
	MD_HUNK = 1 << 10,     /* diff: @@ header */
	MD_BULLET = 1 << 11,   /* list markers */
	MD_USER = 1 << 12,     /* the user's words */
	MD_ERROR = 1 << 13,
	MD_OK = 1 << 14,
};

struct md_span {
	size_t off, len; /* bytes of the line's text */
	unsigned attr;
};

struct md_line {
	char *text; /* owned, NUL-terminated UTF-8 */
	size_t len;
	struct md_span *spans; /* owned; cover text in order */
	size_t nspans;
};

struct md_doc {
	struct md_line *lines; /* owned */
	size_t n, cap;
};

#define MD_DOC_INIT { NULL, 0, 0 }

enum { MDF_ASCII = 1 }; /* md_render flags: ASCII bullets and rules */

/* Render Markdown src[0..n) at `width` columns (>= 1), appending lines to
 * `doc`. */
void md_render(const char *src, size_t n, int width, unsigned flags,
	       struct md_doc *doc);

/* Incremental rendering of a text that only grows (a streamed answer).
 * `st` remembers the last point where the renderer held no state (after
 * a blank line outside code) and how many lines of `doc` came before it;
 * start with { 0, doc->n, false } and pass the same doc, width and
 * flags each time: the lines after that point are rendered again, the
 * ones before it kept. */
struct md_resume {
	size_t off;    /* source bytes rendered for good */
	size_t nlines; /* lines of doc they produced (with what came before) */
	bool any;      /* whether any line came from the source yet */
};
void md_render_inc(const char *src, size_t n, int width, unsigned flags,
		   struct md_doc *doc, struct md_resume *st);

/* Wrap plain text at `width`, keeping its line breaks, with `attr` on the
 * text: at word boundaries when `words`, else at the last column that
 * fits (spacing kept, like a terminal).  `first` prefixes the first line
 * and `rest` the others (both may be NULL; they carry `pattr`). */
void md_wrap(const char *s, size_t n, unsigned attr, int width, bool words,
	     const char *first, const char *rest, unsigned pattr,
	     struct md_doc *doc);

/* Append one line cut to `width` columns, made of `nparts` pieces of text
 * with their attributes. */
void md_line_add(struct md_doc *doc, int width, size_t nparts,
		 const char *const *texts, const unsigned *attrs);

/* The attributes at byte `off` of `l` (0 when past the end). */
unsigned md_attr_at(const struct md_line *l, size_t off);

/* Append `ln`; the doc takes ownership of its text and spans. */
void md_doc_push(struct md_doc *doc, struct md_line *ln);

/* Free every line and leave `doc` empty (reusable). */
void md_doc_free(struct md_doc *doc);

#endif
