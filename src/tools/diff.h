/* diff.h: unified diffs for approval prompts (write and edit). */
#ifndef CONCH_DIFF_H
#define CONCH_DIFF_H

#include <stddef.h>

/* A unified diff with 3 lines of context from `a` to `b`, headed
 * "--- <a_label>" / "+++ <b_label>", with "\ No newline at end of file"
 * where a side lacks one.  Returns "" when the two are equal.  Large
 * changed regions fall back to delete-all/add-all (still a valid diff).
 * Caller frees. */
char *diff_unified(const char *a_label, const char *a, size_t alen,
		   const char *b_label, const char *b, size_t blen);

#endif
