/* sample.c: see sample.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llm/sample.h"
#include "util/xalloc.h"

void
llm_sampler_defaults(struct llm_sampler_params *p)
{
	p->temp = 0.8f;
	p->top_k = 40;
	p->top_p = 0.95f;
	p->min_p = 0.05f;
	p->repeat_penalty = 1.0f;
	p->repeat_last_n = 64;
	p->seed = 42;
}

static uint64_t
splitmix(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

float
llm_sampler_rand(struct llm_sampler *s)
{
	return (float)(splitmix(&s->rng) >> 40) / (float)(1ULL << 24);
}

void
llm_sampler_init(struct llm_sampler *s, const struct llm_sampler_params *p)
{
	memset(s, 0, sizeof(*s));
	s->p = *p;
	if (s->p.repeat_last_n < 0)
		s->p.repeat_last_n = 0;
	if (s->p.repeat_last_n > 0)
		s->recent = xcalloc((size_t)s->p.repeat_last_n, sizeof(int32_t));
	s->rng = p->seed;
}

void
llm_sampler_free(struct llm_sampler *s)
{
	xfree_all(s->cand, s->recent);
	memset(s, 0, sizeof(*s));
}

void
llm_sampler_reset(struct llm_sampler *s)
{
	s->rng = s->p.seed;
	s->nrecent = s->head = 0;
}

void
llm_sampler_accept(struct llm_sampler *s, int32_t id)
{
	size_t cap = (size_t)s->p.repeat_last_n;
	if (cap == 0)
		return;
	s->recent[s->head] = id;
	s->head = (s->head + 1) % cap;
	if (s->nrecent < cap)
		s->nrecent++;
}

static int
cmp_desc(const void *a, const void *b)
{
	const struct llm_cand *x = a, *y = b;
	if (x->v != y->v)
		return x->v > y->v ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int32_t
llm_sample(struct llm_sampler *s, const float *logits, int32_t n_vocab,
	   const uint8_t *allow)
{
	size_t n = 0, i, keep;
	float maxv, sum, r, acc;

	if (s->ncand < (size_t)n_vocab) {
		free(s->cand);
		s->cand = xcalloc((size_t)n_vocab, sizeof(*s->cand));
		s->ncand = (size_t)n_vocab;
	}
	for (i = 0; i < (size_t)n_vocab; i++) {
		if (allow && !allow[i])
			continue;
		s->cand[n].id = (int32_t)i;
		s->cand[n].v = logits[i];
		n++;
	}
	if (n == 0)
		return -1;
	if (s->p.repeat_penalty != 1.0f && s->nrecent > 0) {
		for (i = 0; i < n; i++) {
			size_t k;
			for (k = 0; k < s->nrecent; k++)
				if (s->recent[k] == s->cand[i].id)
					break;
			if (k == s->nrecent)
				continue;
			if (s->cand[i].v > 0)
				s->cand[i].v /= s->p.repeat_penalty;
			else
				s->cand[i].v *= s->p.repeat_penalty;
		}
	}
	if (s->p.temp <= 0.0f) {
		size_t best = 0;
		for (i = 1; i < n; i++)
			if (s->cand[i].v > s->cand[best].v)
				best = i;
		return s->cand[best].id;
	}
	/* top-k (full sort when off: fine for the vocab sizes we meet) */
	qsort(s->cand, n, sizeof(*s->cand), cmp_desc);
	if (s->p.top_k > 0 && (size_t)s->p.top_k < n)
		n = (size_t)s->p.top_k;
	/* softmax at temperature */
	maxv = s->cand[0].v;
	sum = 0.0f;
	for (i = 0; i < n; i++) {
		s->cand[i].v = expf((s->cand[i].v - maxv) / s->p.temp);
		sum += s->cand[i].v;
	}
	for (i = 0; i < n; i++)
		s->cand[i].v /= sum;
	/* top-p: the smallest prefix whose mass reaches top_p */
	if (s->p.top_p < 1.0f) {
		acc = 0.0f;
		for (keep = 0; keep < n; keep++) {
			acc += s->cand[keep].v;
			if (acc >= s->p.top_p) {
				keep++;
				break;
			}
		}
		if (keep < n)
			n = keep;
	}
	/* min-p: drop what is below min_p times the top probability */
	if (s->p.min_p > 0.0f) {
		float floor_p = s->cand[0].v * s->p.min_p;
		for (keep = 1; keep < n && s->cand[keep].v >= floor_p; keep++)
			;
		n = keep;
	}
	sum = 0.0f;
	for (i = 0; i < n; i++)
		sum += s->cand[i].v;
	r = llm_sampler_rand(s) * sum;
	acc = 0.0f;
	for (i = 0; i < n; i++) {
		acc += s->cand[i].v;
		if (r < acc)
			return s->cand[i].id;
	}
	return s->cand[n - 1].id;
}
