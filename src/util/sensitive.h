/* sensitive.h: the one place that says what is secret and what is
 * protected.  Every other module asks here: the file tools and the
 * policy (what a read refuses, what a write asks about), the sandbox
 * (what a command cannot read or change), memory and skills (text that
 * must not be stored).
 *
 * Three kinds of things:
 *   secrets    files whose contents conch never shows the model and a
 *              sandboxed command never reads: ssh and gpg keys, cloud
 *              and tool credentials, conch's own config (provider keys),
 *              /etc/shadow and host keys, /proc/PID/ (environ, mem ...).
 *   protected  folders and files conch reads instructions, skills,
 *              config or hooks from: .git (hooks, config), .conch,
 *              .agents (skills), .claude (skills, settings with hooks),
 *              AGENTS.md and CLAUDE.md (instructions), and in HOME the
 *              shell and git start-up files and conch's own directories.
 *              Writes to them ask; a sandboxed command cannot change or
 *              create them.
 *   secret text  API keys, tokens, private keys in text.
 * And what must be scrubbed: terminal control in text shown to the user
 * (sensitive_terminal_text). */
#ifndef CONCH_SENSITIVE_H
#define CONCH_SENSITIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/buf.h"

/* Call fn(ud, path) for every secret path (absolute, normalised; it may
 * not exist).  `all_users`: also the files only root can read (the
 * sandbox passes geteuid() == 0; the file tools always true). */
void sensitive_each_secret(bool all_users,
			   void (*fn)(void *ud, const char *path), void *ud);

/* Is the absolute, normalised path `p` a secret or below one?  When it
 * is, *what (if not NULL) names the kind ("an ssh key directory").
 * Callers pass the REAL target (symlinks resolved) and, to be safe, the
 * path as written too. */
bool sensitive_path_secret(const char *p, const char **what);

/* Is the regular file (dev, ino) one of the secret files under a secret
 * directory (a hard link to a key has another name)?  Looks only at
 * secret directories up to a bounded number of files. */
bool sensitive_inode_secret(dev_t dev, ino_t ino);

/* Names of protected folders at the top of a workspace (and, for the
 * tools, anywhere below it): NULL-terminated. */
const char *const *sensitive_protected_dirs(void);

/* Names of instruction files conch reads into the prompt from every
 * directory between the git root and the cwd: NULL-terminated. */
const char *const *sensitive_instruction_files(void);

/* Project folders conch loads skills from (relative to the workspace):
 * NULL-terminated.  Each lies inside a protected folder. */
const char *const *sensitive_skill_dirs(void);

/* Does the workspace-relative path `rel` ("a/b/c") name a protected
 * folder or something below one in any component, or an instruction
 * file as its last component? */
bool sensitive_rel_protected(const char *rel);

/* Call fn(ud, path) for each protected path outside the workspace:
 * the shell, git and editor start-up files in HOME and conch's own
 * config, state and data directories (absolute; may not exist).
 * `is_dir` says whether it is a folder when it does not exist yet. */
void sensitive_each_home_protected(void (*fn)(void *ud, const char *path,
					      bool is_dir), void *ud);

/* Does `text` look like it holds a credential (private key, API key,
 * token, password assignment)?  *what (if not NULL) names what. */
bool sensitive_text_secret(const char *text, const char **what);

/* Append `text` to `out` with every span sensitive_text_secret() would
 * find replaced by "[redacted: KIND]"; returns the number replaced. */
size_t sensitive_text_redact(const char *text, struct buf *out);

/* Append `in[0..n)` to `out` with terminal control neutralised: every
 * escape sequence (CSI, OSC including clipboard writes (OSC 52) and
 * titles, DCS, APC, PM, SOS, and 8-bit C1 forms) is removed; other C0
 * controls and DEL become visible "^X" forms, except \n and \t, which
 * are kept, and \r, which is kept only before \n.  Invalid UTF-8 bytes
 * become "\xNN".  Safe to call on any bytes. */
void sensitive_terminal_text(const char *in, size_t n, struct buf *out);

#endif
