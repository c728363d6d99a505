/* test-fs.h: reading and writing whole files in tests. */
#ifndef CONCH_TESTS_TEST_FS_H
#define CONCH_TESTS_TEST_FS_H

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

/* The contents of `path`, or NULL when it cannot be read; caller frees. */
static inline char *
test_read(const char *path)
{
	struct buf b = BUF_INIT;
	if (fs_read_file(path, 0, &b) != C_OK) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

/* The contents of `rel` under `dir`, or NULL; caller frees. */
static inline char *
test_read_in(const char *dir, const char *rel)
{
	char *p = path_join(dir, rel), *s = test_read(p);
	free(p);
	return s;
}

/* Write `text` to `rel` under `dir` (mode 0644), making its parent
 * directories; it must succeed. */
static inline void
test_write_in(const char *dir, const char *rel, const char *text)
{
	char *p = path_join(dir, rel), *slash = strrchr(p, '/');
	*slash = '\0';
	ck_assert_int_eq(fs_mkdir_p(p, 0755), C_OK);
	*slash = '/';
	ck_assert_int_eq(fs_write_atomic(p, text, strlen(text), 0644), C_OK);
	free(p);
}

#endif
