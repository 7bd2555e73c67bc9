/*
 * Regex targets at decision time.
 *
 * The snapshot holds each pattern serialised on its own, so a process pays
 * only for the patterns its traffic reaches: the first query that needs one
 * decodes it (through the caller's allocator) and JIT-compiles it, then
 * publishes it with a compare-and-swap; a thread that loses the race frees
 * its copy.  Matching itself allocates nothing: the match data lives in a
 * small arena on the caller's stack, behind a PCRE2 general context made for
 * that one call.  Match, depth and heap limits bound every match.
 */
#include "config.h"

#include "lib/sys.h"

#include <stdalign.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "engine.h"

struct ng_rx_runtime {
	pcre2_general_context *gctx;
	pcre2_match_context *mctx;
	uint32_t n;
	_Atomic(pcre2_code *) code[];
};

size_t
ng_rx_size(const struct ng_policy *p)
{
	return sizeof(struct ng_rx_runtime) + (size_t)hdr(p)->sec[NG_SEC_REGEX].count * sizeof(pcre2_code *);
}

NG_STARTUP size_t
ng_rx_count(const struct ng_policy *p)
{
	return hdr(p)->sec[NG_SEC_REGEX].count;
}

int
ng_rx_init(struct ng_policy *p, void *mem, size_t memsize, void *(*alloc)(size_t, void *),
	   void (*release)(void *, void *), void *alloc_data)
{
	struct ng_rx_runtime *rt = mem;

	if (memsize < ng_rx_size(p))
		return -1;
	memset(rt, 0, ng_rx_size(p));
	rt->n = hdr(p)->sec[NG_SEC_REGEX].count;
	rt->gctx = pcre2_general_context_create(alloc, release, alloc_data);
	if (!rt->gctx)
		return -1;
	rt->mctx = pcre2_match_context_create(rt->gctx);
	if (!rt->mctx) {
		pcre2_general_context_free(rt->gctx);
		return -1;
	}
	/* host names are at most 253 bytes: these limits are generous */
	pcre2_set_match_limit(rt->mctx, 100000);
	pcre2_set_depth_limit(rt->mctx, 2000);
	pcre2_set_heap_limit(rt->mctx, 256);
	p->rx = rt;
	return 0;
}

void
ng_rx_fini(struct ng_policy *p)
{
	struct ng_rx_runtime *rt = p->rx;

	if (!rt)
		return;
	for (uint32_t i = 0; i < rt->n; i++)
		pcre2_code_free(atomic_load(&rt->code[i]));
	pcre2_match_context_free(rt->mctx);
	pcre2_general_context_free(rt->gctx);
	p->rx = NULL;
}

static pcre2_code *
get_code(const struct ng_policy *p, struct ng_rx_runtime *rt, uint32_t rid)
{
	const struct ng_regex *r = regex_at(p, rid);
	pcre2_code *code = atomic_load_explicit(&rt->code[rid], memory_order_acquire), *expected = NULL;
	const uint8_t *bytes;

	if (code || !r)
		return code;
	bytes = p->base + hdr(p)->sec[NG_SEC_BYTES].off + r->code_off;
	if (pcre2_serialize_get_number_of_codes(bytes) != 1 ||
	    pcre2_serialize_decode(&code, 1, bytes, rt->gctx) != 1)
		return NULL;
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);	/* the interpreter if JIT is unavailable */
	if (!atomic_compare_exchange_strong_explicit(&rt->code[rid], &expected, code, memory_order_acq_rel,
						     memory_order_acquire)) {
		pcre2_code_free(code);
		code = expected;
	}
	return code;
}

struct arena {
	alignas(16) unsigned char buf[1024];
	size_t used;
};

static void *
arena_alloc(size_t n, void *data)
{
	struct arena *a = data;
	void *p;

	n = (n + 15) & ~(size_t)15;
	if (n > sizeof(a->buf) - a->used)
		return NULL;
	p = a->buf + a->used;
	a->used += n;
	return p;
}

static void
arena_free(void *ptr, void *data)
{
	(void)ptr;
	(void)data;
}

/* 1 match, 0 no match, -1 could not evaluate (caller fails closed). */
int
ng_rx_match(const struct ng_policy *p, uint32_t rid, const char *name, size_t len)
{
	struct ng_rx_runtime *rt = p->rx;
	struct arena a = { .used = 0 };
	pcre2_general_context *gc;
	pcre2_match_data *md;
	pcre2_code *code;
	int rc;

	if (!rt || rid >= rt->n)
		return -1;
	code = get_code(p, rt, rid);
	if (!code)
		return -1;
	gc = pcre2_general_context_create(arena_alloc, arena_free, &a);
	md = gc ? pcre2_match_data_create(1, gc) : NULL;
	if (!md)
		return -1;
	rc = pcre2_match(code, (PCRE2_SPTR)name, len, 0, 0, md, rt->mctx);
	if (rc >= 0)
		return 1;
	return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static void *
heap_alloc(size_t n, void *data)
{
	(void)data;
	return malloc(n);
}

static void
heap_free(void *ptr, void *data)
{
	(void)data;
	free(ptr);
}

int
ng_rx_init_heap(struct ng_policy *p)
{
	size_t n = ng_rx_size(p);
	void *mem = malloc(n);

	if (!mem || ng_rx_init(p, mem, n, heap_alloc, heap_free, NULL) < 0) {
		free(mem);
		return -1;
	}
	return 0;
}

void
ng_rx_fini_heap(struct ng_policy *p)
{
	void *mem = p->rx;

	ng_rx_fini(p);
	free(mem);
}
