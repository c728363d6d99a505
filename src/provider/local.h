/* local.h: the built-in runtime (src/llm) as a provider.
 *
 * provider_local_open() loads a GGUF file and keeps one context (KV
 * cache) for it.  Each chat call renders the conversation through the
 * model's chat template, reuses the cached prefix of the previous call
 * (only new tokens are evaluated), streams text and thinking through the
 * events, checks for cancellation between tokens, and parses the reply
 * into text, thinking and tool_call blocks.  When tools are offered, a
 * grammar (local-grammar.h) keeps each tool call well-formed from the
 * moment the model opens one, or from the first token when a tool call
 * is required.
 *
 * The conv-facing glue (rendering, parsing) is exported for tests. */
#ifndef CONCH_PROVIDER_LOCAL_H
#define CONCH_PROVIDER_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "conv/conv.h"
#include "llm/template.h"
#include "provider/provider.h"
#include "util/buf.h"

/* Open the model at `path`, or the file that the config's
 * providers.local.models maps the name `path` to; "default", unless
 * mapped there, is the bundled model (local_bundled_path()).  A model
 * whose GGUF carries "conch.system_prompt" (one trained for conch) gets
 * that system prompt instead of the agent's, no tool descriptions in the
 * prompt, and greedy sampling unless "temperature" is configured.  `cfg` is the config's
 * "providers" object (may be NULL); its "local" object may set "models"
 * ({"name": "/path/to/file.gguf", ...}) and: "ctx" (context tokens, default
 * the model's training context capped at 4096), "temperature", "top_k",
 * "top_p", "min_p", "repeat_penalty", "seed", "max_tokens" (default 1024),
 * "threads" (default: the online CPUs, at most 8)
 * and "template" ("chatml", "llama3", "mistral", "gemma", "phi3") to
 * override detection.  NULL with err filled (C_ERR_BADREQ: the file cannot
 * be used, naming it) on failure. */
struct provider *provider_local_open(const char *path, const cJSON *cfg,
				     struct provider_error *err);

/* The bundled model's file name under $(pkgdatadir)/models. */
#define LOCAL_BUNDLED_FILE "conch-default.gguf"

/* The bundled model's path: under $CONCH_PKGDATADIR/models when that is
 * set (and only there), else the installed data directory, else the
 * source tree.  NULL when it is in none of them.  Free it. */
char *local_bundled_path(void);

/* How a family writes tool calls. */
enum local_tool_style {
	LOCAL_TOOLS_HERMES, /* <tool_call>{"name":..., "arguments":...}</tool_call> */
	LOCAL_TOOLS_LLAMA3, /* a bare {"name":..., "parameters":...} reply */
};

enum local_tool_style local_tool_style(enum llm_tmpl fam);

/* Render system prompt, tools and conversation for family `fam`, ending
 * with the opening of the assistant turn.  With compact_tools, tool
 * descriptions are left out (names and schemas stay).  Markup ranges go
 * to `markup` (for llm_tokenize_marked). */
enum cerr local_render(enum llm_tmpl fam, const char *system, const struct conv *c,
		       const struct conv_tool_spec *tools, size_t ntools,
		       bool compact_tools, struct buf *out, struct llm_spans *markup);

/* Parse a complete reply into blocks appended to `out`: <think> sections
 * become thinking blocks, tool calls tool_call blocks (ids "call_N" from
 * *next_id), the rest text.  A call that is not valid JSON stays text.
 * Returns the number of tool calls. */
size_t local_parse_reply(enum llm_tmpl fam, const char *text, size_t n,
			 struct conv_msg *out, unsigned *next_id);
/* After calls that failed, what a model trained for conch answers:
 * when a call since the user's words returned an error, and the last
 * results are no clean success (an error, or a command's "[exit N]"
 * with N not 0), each failure, plainly ("The read call failed: File not
 * found: src/x.c. ...").  Its training has no failed call: a lost model
 * answered one with an empty fence as if it had worked, or ran wc on the
 * missing file and said it had 1 line.  False, `say` untouched, when no
 * call failed or a later one went well. */
struct conv;
bool local_failed_calls(const struct conv *c, struct buf *say);
/* Has the reply r[0..n) written prose: anything but blanks and whole
 * Hermes calls?  A model trained for conch never opens a call after
 * prose (its replies are one or the other): one lost in a long list
 * opened a write there. */
bool local_reply_has_prose(const char *r, size_t n);

/* An edit call (of m) whose text to replace stands more than once in its
 * file (relative to cwd) gets replace_all: what a model trained for
 * conch learned to do and cannot see, as it edits without reading the
 * file first; the edit tool would refuse the call. */
void local_complete_edits(const char *cwd, struct conv_msg *m);

struct llm_vocab;
struct llm_tokens;
/* The prompt t (of text[0..n), tokenized with v) as a model trained for
 * conch reads names best: a token that is one of its own words (the
 * sorted `words`, GGUF conch.free_words: "model", "list") and that names
 * a path in the conversation (next to a '/', or before a '.' and a
 * letter) becomes the pieces of its two halves, after the system prompt
 * (which ends at the first end token).  Such a piece is one the model
 * writes as prose and copies badly as a name; split, it copies it as it
 * copies names it never saw.  Returns how many tokens were split. */
size_t local_split_own_words(const struct llm_vocab *v, char *const *words, size_t nwords,
			     const char *text, size_t n, struct llm_tokens *t);

/* The copy constraint of conch-trained models (local-copy.c): what a
 * reply may write, given the conversation. */
struct local_copy {
	struct buf nums;   /* "\n" + each digit run held + "\n" (empty: off) */
	size_t entries;    /* how many entries the last tool result lists */
	struct buf text;   /* the user's words, tool results and earlier calls */
	char **held;       /* the words of `text`, sorted, each once (owned) */
	size_t nheld;
	char **free;       /* the model's own words, sorted (borrowed) */
	size_t nfree;
	bool words;        /* the word rule is on (the model has free words) */
	bool letters;      /* the free words hold single letters ... */
	bool answer;       /* ... and the reply is in an answer (the caller's) */
	size_t last;       /* where the last tool result starts in `text` */
	char **paths;      /* the names a path argument may take, sorted (owned) */
	size_t npaths;
	char **files;      /* those that look like files (LOCAL_ARG_DEST) */
	size_t nfiles;
	char **real;       /* those that exist where the tools run, or that the
			    * user's words give as paths (local_copy_where) */
	size_t nreal;
	char **regs;       /* of those, the files (not directories) */
	size_t nregs;
	char **dirs;       /* and the directories that exist */
	size_t ndirs;
	char **there;      /* and the files that exist */
	size_t nthere;
	bool named;        /* some name but "." is in `real` */
	bool asked;        /* the request names a directory that is there */
	size_t ask;        /* where the request (the last user text) starts in said */
	char **segs;       /* the parts of names between '/'s (LOCAL_ARG_GLOB) */
	size_t nsegs;
	char **lines;      /* the tool results' lines, and what follows the
			    * first tab of each, sorted (the fence rule) */
	size_t nlines;
	struct buf said;   /* the user's words */
	struct buf results; /* the tool results */
	char **quoted;     /* the texts the user's words quote, sorted (owned) */
	char **qnext;      /* pairs of strings: a line of "one / two", the next
			    * (owned); nqnext counts the strings */
	char **ffree;      /* the model's own command fields, sorted (borrowed) */
	size_t nffree;
	size_t nqnext;
	size_t nquoted;
	char **cmds;       /* the commands the calls ran, in order (owned) */
	size_t ncmds;
	char **exts;       /* the names' extensions in the tree where the
			    * tools run, without the '.', sorted, each once
			    * (local_copy_where; owned) */
	size_t nexts;
	char *dir;         /* where the tools run (local_copy_where; owned) */
	/* the edit being written (local_copy_edit): its file's path and
	 * text, when that is a regular file there, and the text it
	 * replaces, once that is written (all owned) */
	char *edit_path;
	struct buf edit_text;
	bool edit_known;
	char *edit_old;
};
/* The set for a request; `free_words` (sorted with local_copy_sort, may
 * be NULL: no word rule) must outlive it. */
void local_copy_init(struct local_copy *cp, const struct conv *c,
		     char *const *free_words, size_t nfree);
void local_copy_free(struct local_copy *cp);
/* The fields the model's commands use without copying them (GGUF key
 * conch.free_fields, sorted; must outlive cp): turns LOCAL_ARG_CMD on. */
void local_copy_fields(struct local_copy *cp, char *const *fields, size_t n);
/* The directory the tools resolve relative paths in (NULL: unknown).
 * Path arguments are then held to the names that exist there, or that
 * the user's words give as paths (with a '/' or a '.' inside: a file
 * that is to be made or that is missing): a small model writes "ls
 * enumerate" for "enumerate the entries of model".  For the path of
 * a call (not a command's or a pattern's), off when no name but "."
 * exists or is given, so that "list foo" for a missing foo still names
 * foo. */
void local_copy_where(struct local_copy *cp, const char *dir);
void local_copy_sort(char **words, size_t n);
/* The edit call being written (path NULL: none): the file at path,
 * where the tools run, and the text it replaces (NULL: not written
 * yet).  Then the text to replace must stand in the file, and the
 * text to put in is not that text (LOCAL_ARG_SEEN, LOCAL_ARG_NEW). */
void local_copy_edit(struct local_copy *cp, const char *path, const char *old);
/* The same for the reply written so far, r[0..rlen): the edit its last,
 * open call writes, if any (its path and old_string once closed). */
void local_copy_edit_from(struct local_copy *cp, const char *r, size_t rlen);
/* May piece[0..plen) follow reply[0..rlen)?  `end`: the reply ends after
 * it (the runs it leaves open must be complete). */
bool local_copy_ok(const struct local_copy *cp, const char *reply, size_t rlen,
		   const char *piece, size_t plen, bool end);
/* The same in two steps, for a whole vocabulary against one reply: the
 * runs open at the end of the reply, found once (local_copy_at), then
 * each piece after them. */
struct local_copy_tail {
	char num[32], word[64];
	size_t nn, wn;
	bool esc;  /* the reply ends in an escape's backslash */
	bool lone; /* the word (or, with none, the next) begins after a blank */
	/* the reply's last line, as the item rule reads it: its first two
	 * bytes, how far it is, and, in an item, its first field so far */
	char lead[2], item[256];
	size_t col, in;
	unsigned char imode;
	/* inside a fenced block ("```" lines), the line so far (fln past
	 * the buffer: too long to check) */
	bool fence;
	char fl[256];
	size_t fln;
};
void local_copy_at(const char *reply, size_t rlen, struct local_copy_tail *at);
/* local_copy_ok_at also holds an answer's list items to what lists
 * copy: the first field of a line that begins "- " (up to a blank, ':'
 * ...) is a name the conversation holds (as LOCAL_ARG_PATH): "- m
 * no/x.rb" was how a small model dropped out of "- model/x.rb".  And
 * what an answer fences is what the tools returned: each line inside
 * "```" lines is a line of a tool result, or what follows the first tab
 * of one (read's numbered lines): " M /plan.rb" was how it dropped out
 * of git's " M model/plan.rb". */
bool local_copy_ok_at(const struct local_copy *cp, const struct local_copy_tail *at,
		      const char *piece, size_t plen, bool end);
/* Where the reply is copying: the longest tail of reply[0..rlen) (at
 * least LOCAL_FOLLOW_MIN bytes) that the conversation holds, and what
 * follows it there, at up to `max` places (distinct), each up to
 * LOCAL_FOLLOW_LEN bytes, NUL-terminated.  Only a continuation that goes
 * on with a word (a word character, or one of " /._-" and then one) is
 * kept: the copy goes on inside a name or a phrase, never across the
 * layout of a tool result.  Returns how many. */
#define LOCAL_FOLLOW_MIN 3
#define LOCAL_FOLLOW_LEN 63
size_t local_copy_follow(const struct local_copy *cp, const char *reply, size_t rlen,
			 char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max);
/* Where a list copied from a tool result goes on: when the reply has
 * just begun a line with nothing but the bullet of the line before ("- ",
 * or none), and that line's text stands in the conversation as a whole
 * field (between blanks or line ends), what stands at the same column of
 * the conversation's next line there -- the next name of a listing, the
 * next line of a file.  Same output as local_copy_follow. */
size_t local_copy_next_line(const struct local_copy *cp, const char *reply, size_t rlen,
			    char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max);
/* Where a list copied from the last tool result begins: when the reply
 * has just begun a line with a bullet ("-", "- ") under a line without
 * one, or as its first line, each field (what follows the line start or a run of blanks) of
 * the result's first line, with what the bullet still lacks.  Same
 * output as local_copy_follow. */
size_t local_copy_first_item(const struct local_copy *cp, const char *reply, size_t rlen,
			     char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max);
/* Would piece[0..plen) after reply[0..rlen) end the reply with a text of
 * LOCAL_REPEAT_MIN to LOCAL_REPEAT_MAX bytes written twice in a row?  A
 * lost model loops ("in model: 0 text files in model: 0 text files");
 * an answer's prose never repeats itself so (what it fences may: a file
 * can hold a line twice). */
#define LOCAL_REPEAT_MIN 12
#define LOCAL_REPEAT_MAX 96
bool local_copy_repeats(const char *reply, size_t rlen, const char *piece, size_t plen);
/* A list the reply copies from the conversation, an entry a line (what
 * ls, glob or grep return), and the reply's current line (it starts at
 * *ls): when the line before is an item ("- " and an entry), the items
 * that may stand on the current line -- "- " and the entry of the next
 * line, at the same column (local_copy_next_line), or, for an item with
 * more than its entry ("- a.md: 3 lines" of wc's "3 a.md"), when the
 * current line is an item too, "- " and the next entry to begin it
 * (*first is set); else, when the
 * current line begins "- ", the items that may begin a list ("- " and a
 * field of the last result's first line, local_copy_first_item), and
 * *first is set.  Returns how many; none when the line before is no
 * such item, or its entry the last. */
#define LOCAL_LIST_MAX 8
size_t local_copy_list_items(const struct local_copy *cp, const char *reply, size_t rlen,
			     size_t *ls, char (*items)[LOCAL_FOLLOW_LEN + 1], bool *first);
/* The numbers an answer may write where the model begins one with a
 * digit the conversation holds no number of: the held numbers (the
 * last result's count of entries among them), each with `lead` (the
 * blank the model's piece begins with, or "").  Same output as
 * local_copy_follow. */
size_t local_copy_numbers(const struct local_copy *cp, const char *lead,
			  char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max);
/* Where a glob or a command writes a file kind (a glob's last part
 * "*.y", find's "-name '*.y"), the rest of each extension the tree has that begins so
 * ("ml" where there are .yml files): the user's "YAML" names .yml or
 * .yaml, and the model cannot see which the tree has.  None where the
 * letters so far are one already, or begin none.  Same output as
 * local_copy_follow. */
size_t local_copy_ext_next(const struct local_copy *cp, const char *reply, size_t rlen,
			   char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max);
/* The lines of a range the request gives, "from line a to line b"
 * ("lines a-b", "lines a through b"): where a read call has written its
 * "offset" as a number of the request and its "limit" is begun, the
 * rest of b - a + 1, b being the request's next number after a and no
 * smaller (the model writes a limit of 1 for a phrasing it never saw).
 * The request's numbers hold each such count.  Same output as
 * local_copy_follow (one text at most). */
size_t local_copy_range_limit(const struct local_copy *cp, const char *reply, size_t rlen,
			      char (*out)[LOCAL_FOLLOW_LEN + 1]);
/* The fields of the request after the text an edit replaces (once that
 * is written: local_copy_edit_from), where its new text most often
 * stands ("so that each becomes exit_code"), though not always ("use
 * hd instead of once"): for the new text's start, within the follow
 * margin.  Same output as local_copy_follow. */
size_t local_copy_new_after(const struct local_copy *cp, char (*out)[LOCAL_FOLLOW_LEN + 1],
			    size_t max);
/* What an answer's inline code span (after an opening '`' on a line
 * that is no fence) goes on with: a span is a command a call ran
 * ("`ls man` printed:"), so, while the span so far begins one, the rest
 * of it, then the closing '`'.  Same output as local_copy_follow. */
size_t local_copy_code_span(const struct local_copy *cp, const char *reply, size_t rlen,
			    char (*out)[LOCAL_FOLLOW_LEN + 1], size_t max);
/* Where a command's operands copied from the last tool result go on
 * ("wc -l a.yml b.yml" after glob's "a.yml\nb.yml\nc.yml"): when the
 * command so far, cmd[0..n), ends in a field that is a whole line of
 * that result, a blank and the next line; when the field before its
 * current one is, the rest of the next line; never an entry the command
 * has given.  Same output as
 * local_copy_follow (one text at most). */
size_t local_copy_next_operand(const struct local_copy *cp, const char *cmd, size_t n,
			       char (*out)[LOCAL_FOLLOW_LEN + 1]);
/* The first entry of the last tool result, when that lists names (two
 * lines or more, none with a blank, but conch's notes): where a
 * command's file operands begin (local_arg_first_file), as a list
 * does, with it.  Same output as local_copy_follow (one text at most). */
size_t local_copy_first_entry(const struct local_copy *cp, char (*out)[LOCAL_FOLLOW_LEN + 1]);
/* Does a command whose field v[0..n) begins at cmd[fs] end its copy of
 * the last tool result's entries there: v is its last line, and the
 * field before the line before it? */
bool local_copy_last_operand(const struct local_copy *cp, const char *cmd, size_t fs,
			     const char *v, size_t n);
/* Has the reply just begun a line, and has a line of it been an item
 * ("- " and a field up to a blank or a ':') that is the last tool
 * result's last entry (its last line but conch's notes and wc's total)?
 * The list is done: no line after it is an item (a lost model went on
 * "- src/agent/checkpoint.c files in ...", or began the list again). */
bool local_copy_list_done(const struct local_copy *cp, const char *reply, size_t rlen);
/* Where a fence that copies the last tool result goes on: when the
 * reply is inside a fence whose lines so far are the result's first (a
 * read's lines without their numbers, a command's output; conch's notes
 * and trailing blank lines left out), and its current line begins the
 * next, the rest of that line and its '\n' (or the first
 * LOCAL_FOLLOW_LEN bytes).  An answer's fence copies a result whole: the
 * model closed one after the first indented line of a file.  Same
 * output as local_copy_follow (one text at most). */
size_t local_copy_fence_next(const struct local_copy *cp, const char *reply, size_t rlen,
			     char (*out)[LOCAL_FOLLOW_LEN + 1]);
/* Is the reply's current line such an item, with an entry after it (the
 * list may not end there)? */
bool local_copy_list_goes_on(const struct local_copy *cp, const char *reply, size_t rlen);
/* May the current line, line[0..ln), go on with piece[0..pn) (`end`: and
 * end there; a '\n' in the piece ends it too) as one of items[0..n)?
 * An item is "- " and the first field of its entry, whole ("- beta.h" of
 * "beta.h  55", ls's name and size); a `first` item begins so, and
 * ends there or goes on after a ':' ("- a.md: 3 lines"). */
bool local_copy_item_fits(char (*items)[LOCAL_FOLLOW_LEN + 1], size_t n, bool first,
			  const char *line, size_t ln, const char *piece, size_t pn, bool end);
/* Would piece[0..plen) (`end`: or the end of the reply) end a list item
 * ("- " and what follows, to the end of its line) that the reply has
 * written before, whole?  The names an answer lists are each another; a
 * lost model goes round its list again. */
bool local_copy_item_again(const char *reply, size_t rlen, const char *piece, size_t plen,
			   bool end);

/* The rule for an argument's string value, byte by byte:
 *   - LOCAL_ARG_PATH, the path of a file or directory: one of the names
 *     the user's words and the tool results hold.  A name is a field of
 *     that text between blanks, quotes, backquotes, brackets, ',', ';',
 *     ':' and '|', without a trailing '.', '?' or '!', and without a
 *     '\\'; a listing's "dir/" also gives "dir", and "." is always one.
 *     The words of a quoted text with a blank in it ('Save "a list of
 *     ideas" as ideas.md') are what to write, not where: they give none.
 *     With local_copy_where, only those that exist or are given.
 *   - LOCAL_ARG_DEST, the path of a file to write: only a name with a
 *     '.' or '/' in it, or one that is a whole line of a tool result
 *     ("AUTHORS" found by glob), unless the conversation holds none;
 *     then as LOCAL_ARG_PATH (without local_copy_where).  When the user
 *     quotes nothing (nothing to write), not a file that is there.  And
 *     a name the user's words give as a field: a small model lost in a
 *     long listing wrote "compact.md", a name it read there.
 *   - LOCAL_ARG_FILE, the path of a file to read: with
 *     local_copy_where, a name of a file that exists or is given; else
 *     as LOCAL_ARG_DEST without its last rule.  LOCAL_ARG_EDIT, the file
 *     an edit changes: as LOCAL_ARG_FILE, and one the user's words name.
 *   - LOCAL_ARG_FACT, a fact to remember (memory's content, old_text):
 *     a part of the user's words from a word's start to a word's end
 *     (a lost model saved what it made up).
 *   - LOCAL_ARG_GLOB, a glob pattern: parts between '/'s, each "**",
 *     "*", "*.ext" or a part of a name the conversation holds ("and" is
 *     not a pattern for "the C files inside model"); with
 *     local_copy_where, a part after a wildcard is the last part of a name
 *     that is there ("**" and "NEWS.txt", not "display").
 *   - LOCAL_ARG_TEXT, what to write: when the user's words quote texts,
 *     each line ("\n" ends one; no other escape) is one of them, or empty;
 *     a quoted "one / two" is the lines one and two, in that order and
 *     both; when they quote nothing, nothing (a lost model wrote what it
 *     made up over a file).
 *   - LOCAL_ARG_SAID, a text to search for or to write into a file: not
 *     empty (it would match every line), a
 *     part of the user's words that starts and ends where their fields
 *     do (not "port" of "import", nor "build" of "build.sh"; a '.', '?',
 *     '!' or ',' may end a sentence after it), one word unless it is
 *     part of a text the user quotes ("light appears" is not what to
 *     search for in "the file where light appears"); LOCAL_ARG_SEEN, a text
 *     to replace: a part of the user's words or the tool results that
 *     starts and ends at word boundaries, more than a word only from a
 *     text the user quotes or a tool result, and, with local_copy_edit, a
 *     text of the file the edit is for (an edit of what is not there
 *     fails); LOCAL_ARG_NEW, the text an edit puts in: as
 *     LOCAL_ARG_SAID but maybe empty (the text is cut), and with
 *     local_copy_edit not the text it replaces.
 *     JSON escapes are read (\n, \t, \", \\; no \u).
 *   - LOCAL_ARG_CMD, a command: each field (what stands between the
 *     separators of names: blanks, quotes, '|' ...) is a name the
 *     conversation holds or one the model's commands use of their own
 *     ("wc", "-l", "xargs": local_copy_fields); off without those.  With
 *     local_copy_where: unless the command so far stands in a `...` of
 *     the user's words ("run `cat nothing`"), a field where a command
 *     takes a path (not a flag, a number or a quoted field) is one that
 *     exists or is given and that the command has not named yet -- a
 *     file for cat, wc, head ..., a directory before find's first test,
 *     either for ls ... ("wc -l for the text files in plugins" only
 *     begins like a command); and unless it copies the user's words at
 *     all, fields are parted by one blank, '|' or a quote, with no
 *     escape ("wc -l ( ( (" is how a lost model loops), and a command
 *     that reads files names one at the head of a pipe ("wc -l").
 * Each rule is off (allows anything) when the conversation holds
 * nothing it could take. */
enum local_arg {
	LOCAL_ARG_NONE, LOCAL_ARG_PATH, LOCAL_ARG_DEST, LOCAL_ARG_FILE, LOCAL_ARG_GLOB,
	LOCAL_ARG_TEXT, LOCAL_ARG_SAID, LOCAL_ARG_SEEN, LOCAL_ARG_CMD, LOCAL_ARG_NEW,
	LOCAL_ARG_EDIT, LOCAL_ARG_FACT
};
struct local_arg_run {
	char v[256]; /* the value (read), or the current line of a text */
	size_t n;
	const char *want; /* a text: the line that must come next (cp's) */
	size_t qat;       /* and where to look for the one after it */
	bool esc;    /* after a backslash */
	/* a command: the whole of it so far, where its current field
	 * stands (a local-copy.c state), inside quotes */
	char all[256];
	size_t alln, fs; /* where the current field starts in it */
	unsigned char at, nops; /* and how many paths it has given */
	bool inq, piped, flag;  /* after a '|'; after a flag */
};
/* The rule for tool's argument arg (the table in local-args.c). */
enum local_arg local_arg_rule(const char *tool, const char *arg);
/* The calls of `out` whose string arguments break their rules (written
 * once the rules had nothing left to allow and the grammar alone went
 * on) are not run: they leave `out`, and a text says so instead (a lost
 * model overwrote a file with what it made up). */
void local_drop_ungrounded(struct local_copy *cp, struct conv_msg *out);
/* May byte c come next in a value of kind k?  Updates r. */
bool local_arg_feed(const struct local_copy *cp, enum local_arg k, struct local_arg_run *r,
		    char c);
/* Does a command's first file operand begin here (after "wc -l ", not
 * in a pipe)? */
bool local_arg_first_file(const struct local_arg_run *r);
/* May the value end here? */
bool local_arg_end(const struct local_copy *cp, enum local_arg k,
		   const struct local_arg_run *r);
/* The two rules on their own (exposed for tests): local_nums_collect
 * appends "\n" and each digit run of `text` to `set`; local_nums_allow:
 * may the reply hold the digit run run[0..n) -- a prefix of a held
 * number, or (when `whole`) one of them?  A single digit that starts no
 * held number is allowed either way.  local_words_allow: may the reply
 * hold the word run[0..n) -- a whole word of the conversation or a free
 * word, or (unless `whole`) the start of one?  Digit-only runs and single letters are
 * left to the number rule. */
void local_nums_collect(struct buf *set, const char *text);
bool local_nums_allow(const struct buf *set, const char *run, size_t n, bool whole);
bool local_words_allow(const struct local_copy *cp, const char *run, size_t n,
		       bool whole);

#endif
