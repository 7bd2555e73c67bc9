/*
 * Decide on a mapped snapshot.  Pure: the only inputs are the snapshot and
 * the query, the only output the verdict; no globals, no I/O, no allocation,
 * no locks.  Runs inside hooks and signal handlers.
 *
 * First match across kinds: every index hands back posting lists of target
 * ids in rule order (guard targets before rule targets), and the decision is
 * the lowest target id whose rule matches in full.  Each list is scanned
 * only below the best id found so far.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "engine.h"

/* ---- per-rule checks ---------------------------------------------------- */

const char *
ng_base_name(const char *s)
{
	const char *b = s ? strrchr(s, '/') : NULL;

	return b ? b + 1 : s;
}

int
ng_globs_match(const struct ng_policy *p, uint32_t first, uint32_t count, const char *const *cands, int ncands,
	    int32_t *which)
{
	for (uint32_t i = 0; i < count; i++) {
		const struct ng_globref *g = glob_at(p, first + i);

		if (!g)
			return 0;
		for (int c = 0; c < ncands; c++)
			if (cands[c] && ng_glob_match(str_at(p, g->glob), cands[c])) {
				if (which)
					*which = (int32_t)(first + i);
				return 1;
			}
	}
	return 0;
}

static int
exe_ok(const struct ng_policy *p, const struct ng_rule *r, const struct ng_query *q)
{
	const char *c[2] = { q->exe, q->exe_real };

	if (!r->exe_count)
		return 1;
	return ng_globs_match(p, r->exe_first, r->exe_count, c, 2, NULL);
}

static int
port_ok(const struct ng_policy *p, const struct ng_rule *r, uint16_t port)
{
	if (!r->ports_count)
		return 1;
	for (uint32_t i = 0; i < r->ports_count; i++) {
		const struct ng_portrange *pr = port_at(p, r->ports_first + i);

		if (pr && port >= pr->lo && port <= pr->hi)
			return 1;
	}
	return 0;
}

const struct ng_rule *
ng_rule_of(const struct ng_policy *p, const struct ng_target *t)
{
	if (!t || (t->sect != NG_SEC_GUARD && t->sect != NG_SEC_RULES))
		return NULL;
	return rule_at(p, t->sect, t->rule);
}

/* Does the rule of target id match in every field but "to"? */
static int
rest_matches(struct ng_scan *S, uint32_t id)
{
	const struct ng_target *t = target_at(S->p, id);
	const struct ng_rule *r = ng_rule_of(S->p, t);

	if (!r) {
		S->error = 1;
		return 0;
	}
	if (S->pred == NG_P_LOOKUP)
		return exe_ok(S->p, r, S->q);
	if (S->q->family == AF_UNIX)
		return !r->ports_count && exe_ok(S->p, r, S->q);
	/* port 0 / proto 0: any (reverse lookups ask about an address) */
	return (!S->q->proto || (r->proto & (S->q->proto == NG_Q_UDP ? NG_PROTO_UDP : NG_PROTO_TCP))) &&
	       (!S->q->port || port_ok(S->p, r, S->q->port)) && exe_ok(S->p, r, S->q);
}

/* First index in v[0..n) with v[i] > after. */
static uint32_t
skip_to(const uint32_t *v, uint32_t n, uint32_t after)
{
	uint32_t lo = 0, hi = n;

	if (after == NG_NONE)
		return 0;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (v[mid] <= after)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void
consider_list(struct ng_scan *S, struct ng_list l)
{
	const uint32_t *v = list_at(S->p, l);

	if (!v) {
		S->error = 1;
		return;
	}
	for (uint32_t i = skip_to(v, l.count, S->after); i < l.count && v[i] < S->best; i++)
		if (rest_matches(S, v[i])) {
			S->best = v[i];
			return;
		}
}

/* ---- indexes -------------------------------------------------------------- */

static const struct ng_hent *
name_probe_hash(const struct ng_policy *p, unsigned kind, const char *key, uint32_t len, uint32_t hash)
{
	const struct ng_snap_hdr *h = hdr(p);
	uint32_t mask = h->names_mask;
	const struct ng_hent *tab = (const struct ng_hent *)(p->base + h->sec[NG_SEC_NAMES].off);

	for (uint32_t i = 0, slot = hash & mask; i <= mask; i++, slot = (slot + 1) & mask) {
		const struct ng_hent *e = &tab[slot];
		const char *k;

		if (!e->key)
			return NULL;
		if (e->hash != hash || e->kind != kind)
			continue;
		k = str_at(p, e->key);
		if (strncmp(k, key, len) == 0 && k[len] == '\0')
			return e;
	}
	return NULL;
}

/* Probe kind for the suffix key[0..len) whose raw backward hash is raw. */
static const struct ng_hent *
name_probe(const struct ng_policy *p, unsigned kind, const char *key, uint32_t len, uint32_t raw)
{
	if (!hdr(p)->nkind[kind])
		return NULL;
	return name_probe_hash(p, kind, key, len, ng_hash_name_kind(raw, kind));
}

static void
consider_name_key(struct ng_scan *S, unsigned kind, const char *key, uint32_t len, uint32_t raw)
{
	const struct ng_hent *e = name_probe(S->p, kind, key, len, raw);

	if (e)
		consider_list(S, e->list);
}

static void
consider_regex(struct ng_scan *S, uint32_t rid, const char *name, size_t len)
{
	const struct ng_regex *r = regex_at(S->p, rid);
	const char *lit;
	size_t ll;

	if (!r) {
		S->error = 1;
		return;
	}
	if (r->target >= S->best || (S->after != NG_NONE && r->target <= S->after))
		return;
	if (r->lit) {
		lit = str_at(S->p, r->lit);
		ll = strlen(lit);
		if (ll > len || memcmp(name + len - ll, lit, ll) != 0)
			return;
	}
	if (!rest_matches(S, r->target))
		return;
	switch (ng_rx_match(S->p, rid, name, len)) {
	case 1:
		S->best = r->target;
		break;
	case 0:
		break;
	default: {
		/* cannot evaluate: assume the worse outcome for this rule */
		const struct ng_rule *rule = ng_rule_of(S->p, target_at(S->p, r->target));

		if (rule && rule->action != NG_ALLOW)
			S->best = r->target;
		break;
	}
	}
}

static void
consider_regex_list(struct ng_scan *S, struct ng_list l, const char *name, size_t len)
{
	const uint32_t *v = list_at(S->p, l);

	if (!v) {
		S->error = 1;
		return;
	}
	for (uint32_t i = 0; i < l.count; i++)
		consider_regex(S, v[i], name, len);
}

/*
 * Every index a (canonical) name can hit: the name itself (exact, apex),
 * each label-aligned proper suffix (*. and . targets), and the regexes whose
 * literal suffix ends the name.  One backward pass hashes every suffix.
 */
static void
consider_name(struct ng_scan *S, const char *name, size_t len)
{
	const struct ng_snap_hdr *h = hdr(S->p);
	uint32_t raw = NG_HASH_SEED;

	for (size_t i = len; i-- > 0;) {
		const char *suf = name + i;
		uint32_t sl = (uint32_t)(len - i);
		const struct ng_hent *e;

		raw = ng_hash_name_step(raw, name[i]);
		if (i > 0 && name[i - 1] != '.')
			continue;
		if (i == 0)
			consider_name_key(S, NG_H_NAME, suf, sl, raw);
		else
			consider_name_key(S, NG_H_SUB, suf, sl, raw);
		consider_name_key(S, NG_H_APEX, suf, sl, raw);
		e = name_probe(S->p, NG_H_RXSUF, suf, sl, raw);
		if (e)
			consider_regex_list(S, e->list, name, len);
	}
	if (h->rx_any.count)
		consider_regex_list(S, h->rx_any, name, len);
}

static void
consider_addr(struct ng_scan *S, int family, const uint8_t *addr)
{
	const struct ng_snap_hdr *h = hdr(S->p);
	const struct ng_nent *tab = (const struct ng_nent *)(S->p->base + h->sec[NG_SEC_NETS].off);
	int fam = family == AF_INET ? 4 : 6, max = fam == 4 ? 32 : 128, bytes = fam == 4 ? 4 : 16;

	for (int plen = max; plen >= 0; plen--) {
		uint8_t m[16] = { 0 };
		uint32_t hash, mask = h->nets_mask;
		int present = fam == 4 ? (int)((h->v4_plens >> plen) & 1) : (int)((h->v6_plens[plen / 64] >> (plen % 64)) & 1);

		if (!present)
			continue;
		for (int i = 0; i < bytes; i++) {
			int keep = plen - i * 8;

			m[i] = addr[i] & (keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep)));
		}
		hash = ng_hash_net((unsigned)fam, (unsigned)plen, m);
		for (uint32_t i = 0, slot = hash & mask; i <= mask; i++, slot = (slot + 1) & mask) {
			const struct ng_nent *e = &tab[slot];

			if (!e->used)
				break;
			if (e->hash == hash && e->family == fam && e->plen == plen && !memcmp(e->addr, m, 16)) {
				consider_list(S, e->list);
				break;
			}
		}
	}
}

static void
consider_unix(struct ng_scan *S)
{
	const struct ng_snap_hdr *h = hdr(S->p);
	const uint32_t *v = list_at(S->p, h->unixt);

	if (!v) {
		S->error = 1;
		return;
	}
	for (uint32_t i = skip_to(v, h->unixt.count, S->after); i < h->unixt.count && v[i] < S->best; i++) {
		const struct ng_target *t = target_at(S->p, v[i]);
		const char *g;

		if (!t) {
			S->error = 1;
			return;
		}
		g = str_at(S->p, t->key);
		if ((S->q->unix_path && ng_glob_match(g, S->q->unix_path)) ||
		    (S->q->unix_real && ng_glob_match(g, S->q->unix_real))) {
			if (rest_matches(S, v[i])) {
				S->best = v[i];
				return;
			}
		}
	}
}

/* Lowest target id > S->after whose target and rule match the query. */
uint32_t
ng_scan_first(struct ng_scan *S)
{
	const struct ng_query *q = S->q;
	uint8_t addr[16];
	int family = q->family;

	S->best = NG_NONE;
	if (family == AF_UNIX) {
		consider_unix(S);
		return S->best;
	}
	if ((family == AF_INET || family == AF_INET6) && S->pred != NG_P_LOOKUP) {
		memcpy(addr, q->addr, 16);
		family = ng_addr_canon(family, addr);
		consider_addr(S, family, addr);
	}
	for (size_t i = 0; i < q->nnames; i++) {
		char name[NG_NAME_MAX_LEN];
		int len;

		if (!q->names[i])
			continue;
		len = ng_name_canon(q->names[i], name, sizeof(name));
		if (len > 0)
			consider_name(S, name, (size_t)len);
	}
	consider_list(S, hdr(S->p)->star);
	return S->best;
}

void
ng_decide(const struct ng_policy *p, const struct ng_query *q, struct ng_verdict *v)
{
	struct ng_scan S = { .p = p, .q = q, .pred = NG_P_FULL, .after = NG_NONE };
	uint32_t tid;

	ng_verdict_init(v);
	if (!p || !p->base) {
		ng_verdict_error(v);
		return;
	}
	if (q->op == NG_OP_DNS) {
		ng_decide_lookup(p, q, v);
		return;
	}
	tid = ng_scan_first(&S);
	if (S.error) {
		ng_verdict_error(v);
		return;
	}
	if (tid != NG_NONE) {
		ng_verdict_target(p, v, tid);
		return;
	}
	if (q->family == AF_UNIX)
		ng_verdict_default(p, v, (enum ng_action)hdr(p)->s.unix_dflt, NG_FROM_DEFAULT, "default");
	else
		ng_verdict_default(p, v, (enum ng_action)hdr(p)->s.dflt, NG_FROM_DEFAULT, "default");
}
