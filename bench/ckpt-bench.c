/* ckpt-bench.c: the cost of a checkpoint (agent/checkpoint.h) of the git
 * work tree given as argv[1]: the first one, then N more with a few files
 * changed between them, as the agent takes them before and after turns.
 * Prints milliseconds; bench/checkpoint.sh builds a 10,000-file tree. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <time.h>

#include "agent/checkpoint.h"
#include "util/fsutil.h"
#include "util/xalloc.h"

static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* CPU seconds of this process and its waited-for children, in ms. */
static double
cpu_ms(void)
{
	struct rusage a, b;
	getrusage(RUSAGE_SELF, &a);
	getrusage(RUSAGE_CHILDREN, &b);
	return (a.ru_utime.tv_sec + b.ru_utime.tv_sec + a.ru_stime.tv_sec +
		b.ru_stime.tv_sec) * 1e3 +
	       (a.ru_utime.tv_usec + b.ru_utime.tv_usec + a.ru_stime.tv_usec +
		b.ru_stime.tv_usec) / 1e3;
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct ckpt_opts o = { true, 1000, 30 };
	struct buf err = BUF_INIT;
	struct ckpt *c;
	int n = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 20, i;
	double t0, c0, first, *v, *cpu;

	if (argc < 2) {
		fprintf(stderr, "usage: ckpt-bench DIR [N]\n");
		return 2;
	}
	if (n < 1)
		n = 1;
	v = xcalloc((size_t)n, sizeof *v);
	cpu = xcalloc((size_t)n, sizeof *cpu);
	t0 = now_ms();
	c = ckpt_open(argv[1], "bench", &o, &err);
	if (!c || !c->gitdir) {
		fprintf(stderr, "ckpt-bench: %s\n", c ? "not a git work tree" : buf_str(&err));
		return 1;
	}
	if (ckpt_begin(c, "first", 0, &err) != C_OK) {
		fprintf(stderr, "ckpt-bench: %s\n", buf_str(&err));
		return 1;
	}
	first = now_ms() - t0;
	ckpt_end(c, &err);
	for (i = 0; i < n; i++) {
		char name[64], text[64], *p;
		/* a turn changed a file or two */
		snprintf(name, sizeof name, "d%d/f%d.txt", i % 100, i % 100);
		snprintf(text, sizeof text, "changed %d\n", i);
		p = path_join(argv[1], name);
		fs_write_atomic(p, text, strlen(text), 0644);
		free(p);
		t0 = now_ms();
		c0 = cpu_ms();
		if (ckpt_begin(c, "turn", 0, &err) != C_OK) {
			fprintf(stderr, "ckpt-bench: %s\n", buf_str(&err));
			return 1;
		}
		v[i] = now_ms() - t0;
		cpu[i] = cpu_ms() - c0;
		ckpt_note_shell(c); /* a command ran: the end snapshots too */
		ckpt_end(c, &err);
	}
	qsort(v, (size_t)n, sizeof *v, cmp);
	qsort(cpu, (size_t)n, sizeof *cpu, cmp);
	printf("checkpoint: first %.1f ms (opens the store, hashes every file)\n", first);
	printf("checkpoint: next %d: wall median %.1f ms, max %.1f ms (target < 100 ms)\n",
	       n, v[n / 2], v[n - 1]);
	printf("checkpoint: next %d: CPU (conch + git) median %.1f ms, max %.1f ms\n",
	       n, cpu[n / 2], cpu[n - 1]);
	{
		double l[3];
		if (getloadavg(l, 3) == 3)
			printf("load average during the run: %.1f on %ld cores\n", l[0],
			       sysconf(_SC_NPROCESSORS_ONLN));
	}
	ckpt_close(c);
	free(v);
	free(cpu);
	buf_free(&err);
	return 0;
}
