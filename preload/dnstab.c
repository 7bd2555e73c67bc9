/*
 * The DNS learning table: address -> names this process looked up.
 *
 * Bounded (dns.max_entries, rounded up to a power of two), entries expire
 * dns.ttl seconds after their last use (0: never), least recently used
 * evicted within an entry's probe window.  Lock-free: every entry is a
 * seqlock; a writer claims it with one compare-and-swap and gives up rather
 * than wait, a reader retries a few times and otherwise treats the entry as
 * unknown, so it is safe from signal handlers and never blocks.  The table
 * is private anonymous memory: a forked child starts with a copy.
 */
#include "config.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "ng.h"

#define WINDOW 8

struct dent {
	_Atomic uint32_t seq;
	uint8_t used, family;
	uint8_t pad[2];
	uint32_t expires;	/* monotonic second; 0 = never */
	uint32_t last;		/* monotonic second of last use */
	uint8_t addr[16];
	char name[256];
};

/* kept in the state (ng.h), whose first page init writes anyway */
#define tab ((struct dent *)ng.dns_tab)
#define mask (ng.dns_mask)
#define ttl (ng.dns_ttl)

static uint32_t
now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec + 1;	/* never 0 */
}

NG_STARTUP void
ng_dns_init(uint32_t max_entries, uint32_t ttl_sec)
{
	uint32_t n = 16;
	void *m;

	while (n < max_entries && n < (1u << 21))
		n <<= 1;
	m = mmap(NULL, (size_t)n * sizeof(struct dent), PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return;	/* no learning: names are then unknown, address rules still apply */
	ng.dns_tab = m;
	mask = n - 1;
	ttl = ttl_sec;
}

static uint32_t
addr_hash(int family, const uint8_t *a)
{
	uint32_t h = 2166136261u ^ (uint32_t)family;
	int n = family == AF_INET ? 4 : 16;

	for (int i = 0; i < n; i++) {
		h ^= a[i];
		h *= 16777619u;
	}
	return h ^ (h >> 15);
}

static int
claim(struct dent *e, uint32_t *seq)
{
	uint32_t s = atomic_load_explicit(&e->seq, memory_order_acquire);

	if (s & 1)
		return 0;
	if (!atomic_compare_exchange_strong_explicit(&e->seq, &s, s + 1, memory_order_acq_rel, memory_order_relaxed))
		return 0;
	*seq = s;
	return 1;
}

static void
release(struct dent *e, uint32_t seq)
{
	atomic_store_explicit(&e->seq, seq + 2, memory_order_release);
}

static int
same_addr(const struct dent *e, int family, const uint8_t *a)
{
	return e->used && e->family == family && !memcmp(e->addr, a, family == AF_INET ? 4 : 16);
}

static int
expired(const struct dent *e, uint32_t now)
{
	return e->expires && e->expires < now;
}

void
ng_dns_learn(int family, const void *addr, const char *name)
{
	uint32_t h, now = now_sec(), seq;
	struct dent *victim = NULL;
	char canon[256];
	int len;

	if (!tab || !name || (family != AF_INET && family != AF_INET6))
		return;
	len = ng_name_canon(name, canon, sizeof(canon));
	if (len <= 0)
		return;
	h = addr_hash(family, addr);
	for (int i = 0; i < WINDOW; i++) {
		struct dent *e = &tab[(h + (uint32_t)i) & mask];

		if (same_addr(e, family, addr) && strcmp(e->name, canon) == 0) {
			if (claim(e, &seq)) {
				e->last = now;
				e->expires = ttl ? now + ttl : 0;
				release(e, seq);
			}
			return;
		}
		if (!victim || !e->used || expired(e, now) ||
		    (victim->used && !expired(victim, now) && e->last < victim->last))
			if (!victim || victim->used)
				victim = e;
	}
	for (int tries = 0; tries < WINDOW && victim; tries++) {
		if (claim(victim, &seq)) {
			victim->used = 1;
			victim->family = (uint8_t)family;
			memset(victim->addr, 0, 16);
			memcpy(victim->addr, addr, family == AF_INET ? 4 : 16);
			memcpy(victim->name, canon, (size_t)len + 1);
			victim->last = now;
			victim->expires = ttl ? now + ttl : 0;
			release(victim, seq);
			return;
		}
		victim = &tab[(h + (uint32_t)tries + 1) & mask];
	}
}

size_t
ng_dns_names(int family, const void *addr, char out[][256], size_t max)
{
	uint32_t h, now = now_sec();
	size_t n = 0;

	if (!tab)
		return 0;
	h = addr_hash(family, addr);
	for (int i = 0; i < WINDOW && n < max; i++) {
		struct dent *e = &tab[(h + (uint32_t)i) & mask];

		for (int tries = 0; tries < 3; tries++) {
			uint32_t s1 = atomic_load_explicit(&e->seq, memory_order_acquire), s2;
			int match;

			if (s1 & 1)
				continue;
			match = same_addr(e, family, addr) && !expired(e, now);
			if (match)
				memcpy(out[n], e->name, sizeof(e->name));
			atomic_thread_fence(memory_order_acquire);
			s2 = atomic_load_explicit(&e->seq, memory_order_relaxed);
			if (s1 != s2)
				continue;
			if (match) {
				out[n][255] = '\0';
				n++;
			}
			break;
		}
	}
	return n;
}

void
ng_dns_touch(int family, const void *addr)
{
	uint32_t h, now = now_sec(), seq;

	if (!tab)
		return;
	h = addr_hash(family, addr);
	for (int i = 0; i < WINDOW; i++) {
		struct dent *e = &tab[(h + (uint32_t)i) & mask];

		if (same_addr(e, family, addr) && !expired(e, now) && claim(e, &seq)) {
			e->last = now;
			e->expires = ttl ? now + ttl : 0;
			release(e, seq);
		}
	}
}

static void
learn_answer(void *ctx, int family, const void *addr, const char *qname)
{
	(void)ctx;
	ng_dns_learn(family, addr, qname);
}

void
ng_dns_learn_response(const unsigned char *msg, size_t len)
{
	ng_dns_answers(msg, len, learn_answer, NULL);
}
