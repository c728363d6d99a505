/* skills.h: Agent Skills (SKILL.md) for conch.
 *
 * A skill is a directory NAME/ holding SKILL.md: YAML frontmatter between
 * "---" lines (name, description, optional license, compatibility,
 * metadata, allowed-tools; unknown fields kept) and a Markdown body.
 *
 * Where skills come from, highest precedence first:
 *   project  <workspace>/.conch/skills, .agents/skills, .claude/skills
 *   user     $XDG_DATA_HOME/conch/skills        (written by conch and you)
 *   installed $XDG_DATA_HOME/conch/installed-skills (conch skills install)
 *   bundled  $(pkgdatadir)/skills
 * A name found twice warns and keeps the higher one.  Bundled and
 * installed skills are never edited in place by reflection: a patch makes
 * a user copy, which then takes precedence.
 *
 * Automatic writes are recorded in $XDG_DATA_HOME/conch/skill-history/
 * (history.jsonl plus the content of every version, by hash) so that
 * skills_undo() can restore the previous version. */
#ifndef CONCH_SKILLS_H
#define CONCH_SKILLS_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "util/buf.h"
#include "util/err.h"

#define SKILL_NAME_MAX 64
#define SKILL_DESC_MAX 1024
#define SKILL_FILE_MAX (256u << 10)

enum skill_source { SRC_PROJECT, SRC_USER, SRC_INSTALLED, SRC_BUNDLED };

struct skill {
	char *name;        /* owned */
	char *description; /* owned */
	char *dir;         /* the skill's directory; owned */
	char *path;        /* its SKILL.md; owned */
	char *body;        /* Markdown after the frontmatter; owned */
	cJSON *meta;       /* every frontmatter field as JSON; owned */
	enum skill_source source;
};

/* A parse failure: where and why. */
struct skill_err {
	int line;          /* 1-based line in SKILL.md; 0 when not known */
	char reason[256];
};

/* Parse the text of a SKILL.md.  `dirname` (may be NULL) is the name the
 * skill's directory has, which `name` must equal.  Handles a BOM, CRLF
 * and multi-line YAML strings.  Fills `s` (caller frees with skill_free)
 * or returns C_ERR_PARSE / C_ERR_INVAL with `err` filled. */
enum cerr skill_parse(const char *text, size_t len, const char *dirname,
		      struct skill *s, struct skill_err *err);
/* Read and parse DIR/SKILL.md (dirname taken from DIR). */
enum cerr skill_load(const char *dir, struct skill *s, struct skill_err *err);
void skill_free(struct skill *s);
/* A skill from a SKILL.md text whose frontmatter was parsed before (the
 * cache): name, description and meta as then; the body from `text`. */
enum cerr skill_from_meta(const char *text, size_t len, const char *name,
			  const char *desc, const cJSON *meta, struct skill *s,
			  struct skill_err *err);

/* Parsed skills cached by path, size, mtime, ctime and inode in
 * $XDG_CACHE_HOME/conch/skills-cache.json, so a SKILL.md is parsed once
 * until it changes (failures are cached too). */
struct skill_cache {
	cJSON *doc;  /* owned */
	char *path;  /* owned */
	bool dirty;
};
void skill_cache_open(struct skill_cache *c);
/* Write the cache back (atomically) when it changed, then free it. */
void skill_cache_close(struct skill_cache *c);
/* skill_load through the cache (`c` may be NULL: no cache). */
enum cerr skill_load_cached(struct skill_cache *c, const char *dir,
			    struct skill *s, struct skill_err *err);
/* 1-64 of a-z, 0-9 and single hyphens, not at either end. */
bool skill_name_valid(const char *name);
const char *skill_source_str(enum skill_source s);
/* A SKILL.md text from its parts (caller frees). */
char *skill_render(const char *name, const char *description, const char *body);

struct skill_index {
	struct skill *v; /* owned; highest precedence first by source */
	size_t n;
};

/* Where each source lives for `workspace`; caller frees the strings. */
char *skills_user_dir(void);
char *skills_installed_dir(void);
char *skills_history_dir(void);
char *skills_pending_dir(void);
/* The bundled skills directory, or NULL when none is found. */
char *skills_bundled_dir(void);

/* Find every skill.  Invalid skills and name collisions are reported in
 * `warn` (one line each: "FILE:LINE: reason") and skipped. */
void skills_scan(struct skill_index *idx, const char *workspace,
		 struct buf *warn);
void skills_index_free(struct skill_index *idx);
const struct skill *skills_find(const struct skill_index *idx, const char *name);

/* The skill index for the system prompt within `budget` characters:
 * names and descriptions; descriptions are shortened before names are
 * dropped.  Caller frees; "" when there are no skills. */
char *skills_prompt(const struct skill_index *idx, size_t budget);

/* The body and the other files of skill `name` for the skill tool. */
enum cerr skills_describe(const struct skill_index *idx, const char *name,
			  struct buf *out);

/* Automatic writes. */
enum skills_mode { SKILLS_AUTO_ON, SKILLS_AUTO_REVIEW, SKILLS_AUTO_OFF };

/* Write `text` as the user copy of skill `name` (creating its directory),
 * recording old and new hashes, `action` and `session` in the history.
 * `text` must parse as a valid skill named `name`.  With `pending`, write
 * to the pending area instead (no history until approved).  `msg` gets a
 * summary or the reason for refusal. */
enum cerr skills_write(const char *name, const char *text, const char *action,
		       const char *session, bool pending, struct buf *msg);
/* Restore the version before the last recorded write of `name`. */
enum cerr skills_undo(const char *name, struct buf *msg);
/* Pending writes: list names, approve (write with history), reject. */
enum cerr skills_approve(const char *name, struct buf *msg);
enum cerr skills_reject(const char *name, struct buf *msg);
void skills_pending_list(struct buf *out);

/* Install from a skill directory, a directory of skills, or a .tar.gz /
 * .tgz / .zip archive into the installed-skills directory.  Everything is
 * validated before anything is copied; archives with absolute paths, ".."
 * or links are refused.  An existing skill is replaced only with `force`.
 * `msg` lists what was installed or why not. */
enum cerr skills_install(const char *source, bool force, struct buf *msg);
/* Remove an installed or user skill. */
enum cerr skills_remove(const char *name, struct buf *msg);

/* A 64-bit FNV-1a hash of s[0..n) as 16 hex digits in `out` (17 bytes). */
void skills_hash(const char *s, size_t n, char out[17]);

/* Copy the tree `src` to `dst` (must not exist); symlinks and special
 * files are refused. */
enum cerr skills_copy_tree(const char *src, const char *dst, struct buf *msg);
/* Remove a tree (no symlinks followed). */
enum cerr skills_rm_tree(const char *path);

#endif
