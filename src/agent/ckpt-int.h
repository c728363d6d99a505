/* ckpt-int.h: what checkpoint.c, ckpt-rewind.c and ckpt-git.c share;
 * not for use outside src/agent. */
#ifndef CONCH_CKPT_INT_H
#define CONCH_CKPT_INT_H

#include <sys/types.h>

#include "agent/checkpoint.h"

#define IMAGE_MAX (16u << 20) /* files kind: larger files are not kept */

/* ---- the log and the files kind (checkpoint.c) ---- */
/* Append an empty entry (valid until the next append). */
struct ckpt_entry *ckpt_entry_add(struct ckpt *c);
/* Write log.json atomically. */
enum cerr ckpt_log_save(struct ckpt *c, struct buf *err);
/* Entry n's manifest of before-images (an empty array when none);
 * caller deletes. */
cJSON *ckpt_manifest_load(const struct ckpt *c, int n);
const cJSON *ckpt_manifest_find(const cJSON *m, const char *rel);
/* A manifest item's before-image into `out`; false when the file did not
 * exist then. */
bool ckpt_image_read(const struct ckpt *c, int n, const cJSON *it,
		     struct buf *out);
/* "hash:size" of the file, or "-" when it is absent; caller frees. */
char *ckpt_content_hash(const char *abs);
/* Keep the current contents of `rel` as entry n's before-image (once). */
enum cerr ckpt_keep_image(struct ckpt *c, int n, const char *rel);
/* Fill en->files from entry en's manifest and the files now. */
void ckpt_files_stats(struct ckpt *c, struct ckpt_entry *en);

/* ---- git snapshots (ckpt-git.c) ---- */
enum cerr ckpt_git_init(struct ckpt *c, struct buf *err);
/* Snapshot the work tree: *tree gets the tree id (caller frees). */
enum cerr ckpt_git_snapshot(struct ckpt *c, const char *label, char **tree,
			    struct buf *err);
/* Point ref refs/conch/checkpoints/<sid>/<name> at `id`. */
enum cerr ckpt_git_set_ref(struct ckpt *c, const char *name, const char *id,
			   struct buf *err);
/* Delete session `sid`'s refs whose names start with `prefix` ("": all). */
void ckpt_git_delete_refs(struct ckpt *c, const char *sid, const char *prefix);
/* The files changed from a to b, with line counts. */
enum cerr ckpt_git_numstat(struct ckpt *c, const char *a, const char *b,
			   struct ckpt_file **files, size_t *n, struct buf *err);
/* The paths that differ between a and b. */
enum cerr ckpt_git_paths(struct ckpt *c, const char *a, const char *b,
			 char ***paths, size_t *n, struct buf *err);
/* Make the work tree's files equal tree `to` where they now equal `from`'s
 * differing paths (from: a snapshot of now). */
enum cerr ckpt_git_restore(struct ckpt *c, const char *from, const char *to,
			   size_t *restored, struct buf *err);
void ckpt_git_gc(struct ckpt *c);

#endif
