/* Check suite for the write and edit tools' path resolution: symlinks
 * that leave the workspace (as the file, as a parent directory, swapped
 * in while the tool works), hard links, devices, FIFOs and sockets are
 * refused and leave nothing outside; the legitimate twins still work.
 *
 * What a symlink inside the workspace does: one whose target stays
 * inside is followed (the target changes, the link stays); one that
 * leaves the workspace, or dangles, is refused.  Outside the workspace
 * (a path the user approved) a symlink as the file is refused. */
#include "tt.h"

#include <dirent.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>

#define RACE_WRITES 500

/* A file outside the workspace (in the session dir) holding "keep\n";
 * caller frees the path. */
static char *
victim(const struct tt *t, const char *name)
{
	char *p = path_join(t->sess, name);
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs("keep\n", f);
	fclose(f);
	return p;
}

static void
assert_kept(const char *path)
{
	struct buf b = BUF_INIT;
	ck_assert_int_eq(fs_read_file(path, 0, &b), C_OK);
	ck_assert_str_eq(buf_str(&b), "keep\n");
	buf_free(&b);
}

/* Entries in `dir` other than "." and "..". */
static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;
	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

START_TEST(symlinked_file_leaving_refused)
{
	struct tt t;
	char *out;
	tt_setup(&t);
	out = victim(&t, "victim.txt");
	tt_symlink(&t, out, "out.txt");
	/* a read through it asks: its real target is outside */
	tt_err_has(&t, "read", "{\"path\":\"out.txt\"}",
		   "outside the workspace, needs approval");
	tt_err_has(&t, "write", "{\"path\":\"out.txt\",\"content\":\"x\"}",
		   "outside the workspace");
	tt_err_has(&t, "edit", "{\"path\":\"out.txt\",\"old_string\":\"keep\","
		   "\"new_string\":\"gone\"}", "outside the workspace");
	/* without the policy too: the tools' own check holds */
	t.ctx.policy = NULL;
	tt_err_has(&t, "write", "{\"path\":\"out.txt\",\"content\":\"x\"}",
		   "outside the workspace");
	assert_kept(out);
	/* a relative link climbing out is the same */
	tt_symlink(&t, "../sess/victim.txt", "up.txt");
	tt_err_has(&t, "edit", "{\"path\":\"up.txt\",\"old_string\":\"keep\","
		   "\"new_string\":\"gone\"}", "outside the workspace");
	assert_kept(out);
	free(out);
	tt_teardown(&t);
}
END_TEST

START_TEST(symlinked_parent_leaving_refused)
{
	struct tt t;
	char *out;
	tt_setup(&t);
	out = victim(&t, "victim.txt");
	tt_symlink(&t, t.sess, "outdir");
	t.ctx.policy = NULL;
	tt_err_has(&t, "write", "{\"path\":\"outdir/new.txt\",\"content\":\"x\"}",
		   "outside the workspace");
	tt_err_has(&t, "write", "{\"path\":\"outdir/a/b.txt\",\"content\":\"x\"}",
		   "outside the workspace");
	tt_err_has(&t, "edit", "{\"path\":\"outdir/victim.txt\","
		   "\"old_string\":\"keep\",\"new_string\":\"gone\"}",
		   "outside the workspace");
	assert_kept(out);
	ck_assert_uint_eq(count_entries(t.sess), 1);
	free(out);
	tt_teardown(&t);
}
END_TEST

START_TEST(hard_links_refused)
{
	struct tt t;
	char *out, *p;
	tt_setup(&t);
	/* a hard link to a file outside */
	out = victim(&t, "victim.txt");
	p = tt_path(&t, "hl.txt");
	ck_assert_int_eq(link(out, p), 0);
	free(p);
	free(tt_ok(&t, "read", "{\"path\":\"hl.txt\"}"));
	/* the policy asks (and no one can approve here) ... */
	free(tt_err(&t, "write", "{\"path\":\"hl.txt\",\"content\":\"x\"}"));
	/* ... and approved, the tools refuse on their own */
	t.ctx.policy = NULL;
	tt_err_has(&t, "write", "{\"path\":\"hl.txt\",\"content\":\"x\"}",
		   "hard link", "single link");
	tt_err_has(&t, "edit", "{\"path\":\"hl.txt\",\"old_string\":\"keep\","
		   "\"new_string\":\"gone\"}", "hard link");
	assert_kept(out);
	/* two names inside the workspace: refused the same way */
	tt_put(&t, "a.txt", "keep\n");
	{
		char *a = tt_path(&t, "a.txt"), *b = tt_path(&t, "b.txt");
		ck_assert_int_eq(link(a, b), 0);
		free(a);
		free(b);
	}
	tt_err_has(&t, "edit", "{\"path\":\"b.txt\",\"old_string\":\"keep\","
		   "\"new_string\":\"gone\"}", "hard link");
	tt_file_is(&t, "a.txt", "keep\n");
	/* the twin: once the other name is gone, the file is editable */
	p = tt_path(&t, "a.txt");
	ck_assert_int_eq(unlink(p), 0);
	free(p);
	free(tt_ok(&t, "edit", "{\"path\":\"b.txt\",\"old_string\":\"keep\","
		   "\"new_string\":\"changed\"}"));
	tt_file_is(&t, "b.txt", "changed\n");
	free(out);
	tt_teardown(&t);
}
END_TEST

START_TEST(fifo_device_socket_refused)
{
	struct tt t;
	struct sockaddr_un sa;
	char *p;
	int s;
	tt_setup(&t);
	/* a FIFO with no writer: a blocking open would hang here */
	p = tt_path(&t, "pipe");
	ck_assert_int_eq(mkfifo(p, 0644), 0);
	free(p);
	free(tt_call(&t, "read", "{\"path\":\"pipe\"}", NULL));
	tt_err_has(&t, "write", "{\"path\":\"pipe\",\"content\":\"x\"}",
		   "not a regular file");
	tt_err_has(&t, "edit", "{\"path\":\"pipe\",\"old_string\":\"a\","
		   "\"new_string\":\"b\"}", "not a regular file");
	/* a symlink inside to the FIFO: refused too, without blocking */
	tt_symlink(&t, "pipe", "lpipe");
	tt_err_has(&t, "write", "{\"path\":\"lpipe\",\"content\":\"x\"}",
		   "not a regular file");
	/* a socket */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_ge(s, 0);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	p = tt_path(&t, "sock");
	if (strlen(p) < sizeof sa.sun_path) {
		memcpy(sa.sun_path, p, strlen(p));
		ck_assert_int_eq(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
		tt_err_has(&t, "write", "{\"path\":\"sock\",\"content\":\"x\"}",
			   "not a regular file");
	}
	close(s);
	free(p);
	/* a device, where this user may make one */
	p = tt_path(&t, "null");
	if (mknod(p, S_IFCHR | 0666, makedev(1, 3)) == 0) {
		tt_err_has(&t, "write", "{\"path\":\"null\",\"content\":\"x\"}",
			   "not a regular file");
		tt_err_has(&t, "edit", "{\"path\":\"null\",\"old_string\":\"a\","
			   "\"new_string\":\"b\"}", "not a regular file");
	}
	free(p);
	/* and a symlink to one outside */
	tt_symlink(&t, "/dev/null", "devnull");
	free(tt_err(&t, "write", "{\"path\":\"devnull\",\"content\":\"x\"}"));
	tt_teardown(&t);
}
END_TEST

/* Keep swapping the directory `d` of the workspace for a symlink to
 * `outside` (and back) until killed. */
static void
swapper(const char *ws)
{
	char *d = path_join(ws, "d"), *l = path_join(ws, "l");
	char *x = path_join(ws, "x");
	for (;;) { /* ends by SIGKILL: d, l and x are never freed */
		rename(d, x); /* the real directory steps aside */
		rename(l, d); /* the symlink takes its name */
		rename(d, l);
		rename(x, d);
	}
}

START_TEST(symlink_swapped_during_writes)
{
	struct tt t;
	char *p, *outside, json[128];
	pid_t pid;
	int i, st;
	size_t inside;
	tt_setup(&t);
	outside = path_join(t.sess, "out");
	ck_assert_int_eq(mkdir(outside, 0755), 0);
	p = tt_path(&t, "d");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	tt_symlink(&t, outside, "l");
	/* no policy: the tools' own resolution is all that stands */
	t.ctx.policy = NULL;
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		swapper(t.ws);
		_exit(0);
	}
	for (i = 0; i < RACE_WRITES; i++) {
		snprintf(json, sizeof json, "{\"path\":\"d/f%d.txt\","
			 "\"content\":\"x\"}", i);
		free(tt_call(&t, "write", json, NULL));
		snprintf(json, sizeof json, "{\"path\":\"d/f%d.txt\","
			 "\"old_string\":\"x\",\"new_string\":\"y\"}", i);
		free(tt_call(&t, "edit", json, NULL));
	}
	ck_assert_int_eq(kill(pid, SIGKILL), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	ck_assert_uint_eq(count_entries(outside), 0);
	ck_assert_uint_eq(count_entries(t.sess), 1);
	/* the real directory is one of d, x, l; whatever landed is there */
	inside = 0;
	{
		static const char *const names[] = { "d", "x", "l" };
		size_t k;
		for (k = 0; k < 3; k++) {
			struct stat lst;
			p = tt_path(&t, names[k]);
			if (lstat(p, &lst) == 0 && S_ISDIR(lst.st_mode))
				inside += count_entries(p);
			free(p);
		}
	}
	ck_assert_uint_le(inside, RACE_WRITES);
	fprintf(stderr, "race: %zu of %d files written inside, none outside\n",
		inside, RACE_WRITES);
	free(outside);
	tt_teardown(&t);
}
END_TEST

START_TEST(symlinks_inside_twins)
{
	struct tt t;
	struct stat st;
	char *p;
	tt_setup(&t);
	/* a symlinked directory whose target stays inside: followed */
	p = tt_path(&t, "real");
	ck_assert_int_eq(mkdir(p, 0755), 0);
	free(p);
	tt_symlink(&t, "real", "ldir");
	free(tt_ok(&t, "write", "{\"path\":\"ldir/sub/f.txt\","
		   "\"content\":\"one\\n\"}"));
	tt_file_is(&t, "real/sub/f.txt", "one\n");
	free(tt_ok(&t, "edit", "{\"path\":\"ldir/sub/f.txt\","
		   "\"old_string\":\"one\",\"new_string\":\"two\"}"));
	tt_file_is(&t, "real/sub/f.txt", "two\n");
	p = tt_path(&t, "ldir");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(p);
	/* a dangling symlink: refused, not replaced and not followed */
	p = tt_path(&t, "dangling");
	ck_assert_int_eq(symlink("nowhere.txt", p), 0);
	tt_err_has(&t, "write", "{\"path\":\"dangling\",\"content\":\"x\"}",
		   "symlink");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(p);
	ck_assert_ptr_null(tt_get(&t, "nowhere.txt"));
	/* ".." that stays inside is fine */
	free(tt_ok(&t, "write", "{\"path\":\"real/../top.txt\","
		   "\"content\":\"t\"}"));
	tt_file_is(&t, "top.txt", "t");
	tt_teardown(&t);
}
END_TEST

START_TEST(outside_paths_after_approval)
{
	struct tt t;
	struct buf b = BUF_INIT;
	struct stat st;
	char *out, *p, json[PATH_MAX + 128];
	tt_setup(&t);
	/* no policy stands for an approved call */
	t.ctx.policy = NULL;
	p = path_join(t.sess, "new/dir/f.txt");
	snprintf(json, sizeof json, "{\"path\":\"%s\",\"content\":\"hi\\n\"}", p);
	free(tt_ok(&t, "write", json));
	ck_assert_int_eq(fs_read_file(p, 0, &b), C_OK);
	ck_assert_str_eq(buf_str(&b), "hi\n");
	buf_free(&b);
	snprintf(json, sizeof json, "{\"path\":\"%s\",\"old_string\":\"hi\","
		 "\"new_string\":\"ho\"}", p);
	free(tt_ok(&t, "edit", json));
	ck_assert_int_eq(fs_read_file(p, 0, &b), C_OK);
	ck_assert_str_eq(buf_str(&b), "ho\n");
	buf_free(&b);
	free(p);
	/* a symlink as the file: refused, even to a file outside */
	out = victim(&t, "victim.txt");
	p = path_join(t.sess, "link.txt");
	ck_assert_int_eq(symlink(out, p), 0);
	snprintf(json, sizeof json, "{\"path\":\"%s\",\"old_string\":\"keep\","
		 "\"new_string\":\"gone\"}", p);
	tt_err_has(&t, "edit", json, "is a symlink");
	ck_assert_int_eq(lstat(p, &st), 0);
	ck_assert(S_ISLNK(st.st_mode));
	free(p);
	/* a hard link: refused */
	p = path_join(t.sess, "hard.txt");
	ck_assert_int_eq(link(out, p), 0);
	snprintf(json, sizeof json, "{\"path\":\"%s\",\"old_string\":\"keep\","
		 "\"new_string\":\"gone\"}", p);
	tt_err_has(&t, "edit", json, "hard link");
	free(p);
	assert_kept(out);
	free(out);
	tt_teardown(&t);
}
END_TEST

CHECK_MAIN("tools-beneath", .timeout = 120, .tests = CHECK_TESTS(
	symlinked_file_leaving_refused, symlinked_parent_leaving_refused,
	hard_links_refused, fifo_device_socket_refused,
	symlink_swapped_during_writes, symlinks_inside_twins,
	outside_paths_after_approval))
