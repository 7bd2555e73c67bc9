/*
 * Lookups (SPEC 3.2): a name is refused when no port or protocol would be
 * allowed for it by name, so a denied name is never sent to a resolver.
 * Rules are applied in order to the remaining port space of each protocol:
 * an allow rule that still covers some of it decides allow; deny and guard
 * rules carve their ports out; the default decides what is left.
 */
#include "config.h"

#include <string.h>

#include "engine.h"

#define PSET_MAX 32

struct pset {
	uint16_t lo[PSET_MAX], hi[PSET_MAX];
	int n;
	int overflow;	/* lost precision: treat as never empty */
};

static void
pset_sub(struct pset *s, uint16_t a, uint16_t b)
{
	struct pset o = { .n = 0, .overflow = s->overflow };

	for (int i = 0; i < s->n; i++) {
		uint16_t lo = s->lo[i], hi = s->hi[i];

		if (b < lo || a > hi) {
			if (o.n == PSET_MAX) { o.overflow = 1; break; }
			o.lo[o.n] = lo; o.hi[o.n++] = hi;
			continue;
		}
		if (lo < a) {
			if (o.n == PSET_MAX) { o.overflow = 1; break; }
			o.lo[o.n] = lo; o.hi[o.n++] = (uint16_t)(a - 1);
		}
		if (hi > b) {
			if (o.n == PSET_MAX) { o.overflow = 1; break; }
			o.lo[o.n] = (uint16_t)(b + 1); o.hi[o.n++] = hi;
		}
	}
	if (o.overflow && !s->overflow) {
		/* keep the old, larger set rather than a truncated one */
		s->overflow = 1;
		return;
	}
	*s = o;
}

static int
pset_hits(const struct pset *s, uint16_t a, uint16_t b)
{
	for (int i = 0; i < s->n; i++)
		if (!(b < s->lo[i] || a > s->hi[i]))
			return 1;
	return 0;
}

static int
pset_empty(const struct pset *s)
{
	return s->n == 0 && !s->overflow;
}

/* Apply one rule to the remaining port space; 1 if it allows some of it. */
static int
carve(const struct ng_policy *p, const struct ng_rule *r, int guard, struct pset ps[2])
{
	uint32_t n = r->ports_count ? r->ports_count : 1;

	for (int pi = 0; pi < 2; pi++) {
		if (!(r->proto & (pi ? NG_PROTO_UDP : NG_PROTO_TCP)))
			continue;
		for (uint32_t k = 0; k < n; k++) {
			const struct ng_portrange *pr = r->ports_count ? port_at(p, r->ports_first + k) : NULL;
			uint16_t a = pr ? pr->lo : 1, b = pr ? pr->hi : 65535;

			if (r->ports_count && !pr)
				continue;
			if (!guard && r->action == NG_ALLOW) {
				if (pset_hits(&ps[pi], a, b))
					return 1;
			} else {
				pset_sub(&ps[pi], a, b);
			}
		}
	}
	return 0;
}

/* localhost, *.localhost and the machine's own name never leave the machine */
static int
own_name(const struct ng_query *q, const char *name)
{
	char host[NG_NAME_MAX_LEN];
	size_t n = strlen(name);

	if (strcmp(name, "localhost") == 0 || (n > 10 && strcmp(name + n - 10, ".localhost") == 0))
		return 1;
	return q->hostname && ng_name_canon(q->hostname, host, sizeof(host)) > 0 && strcmp(host, name) == 0;
}

void
ng_decide_lookup(const struct ng_policy *p, const struct ng_query *q, struct ng_verdict *v)
{
	struct ng_scan S = { .p = p, .q = q, .pred = NG_P_LOOKUP, .after = NG_NONE };
	struct pset ps[2] = { { .lo = { 1 }, .hi = { 65535 }, .n = 1 }, { .lo = { 1 }, .hi = { 65535 }, .n = 1 } };
	char name[NG_NAME_MAX_LEN];

	if (q->nnames < 1 || !q->names[0] || ng_name_canon(q->names[0], name, sizeof(name)) <= 0) {
		ng_verdict_default(p, v, NG_DENY, NG_FROM_DEFAULT, "default");
		return;
	}
	if (own_name(q, name)) {
		ng_verdict_default(p, v, NG_ALLOW, NG_FROM_BUILTIN, "localhost");
		return;
	}
	if (!hdr(p)->s.dns_block_denied) {
		ng_verdict_default(p, v, NG_ALLOW, NG_FROM_DEFAULT, "default");
		return;
	}
	for (;;) {
		uint32_t tid = ng_scan_first(&S);
		const struct ng_target *t;
		const struct ng_rule *r;

		if (S.error) {
			ng_verdict_error(v);
			return;
		}
		if (tid == NG_NONE)
			break;
		t = target_at(p, tid);
		r = ng_rule_of(p, t);
		if (!r) {
			ng_verdict_error(v);
			return;
		}
		if (carve(p, r, t->sect == NG_SEC_GUARD, ps)) {
			ng_verdict_target(p, v, tid);
			return;
		}
		if (pset_empty(&ps[0]) && pset_empty(&ps[1])) {
			ng_verdict_target(p, v, tid);
			ng_verdict_act(v, NG_DENY);	/* no port left: this rule closed the name */
			return;
		}
		S.after = tid;
	}
	ng_verdict_default(p, v, (enum ng_action)hdr(p)->s.dflt, NG_FROM_DEFAULT, "default");
}
