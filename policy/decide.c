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
#include "lib/exec.h"

#define NONE UINT32_MAX
#define NAME_MAX_LEN 256

enum pred { P_FULL, P_LOOKUP };

struct scan {
	const struct ng_policy *p;
	const struct ng_query *q;
	enum pred pred;
	uint32_t after;		/* consider only ids > after (NONE: all) */
	uint32_t best;		/* lowest matching id so far */
	int error;
};

/* ---- per-rule checks ---------------------------------------------------- */

static const char *
base_name(const char *s)
{
	const char *b = s ? strrchr(s, '/') : NULL;

	return b ? b + 1 : s;
}

static int
globs_match(const struct ng_policy *p, uint32_t first, uint32_t count, const char *const *cands, int ncands,
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
	return globs_match(p, r->exe_first, r->exe_count, c, 2, NULL);
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

static const struct ng_rule *
rule_of(const struct ng_policy *p, const struct ng_target *t)
{
	if (!t || (t->sect != NG_SEC_GUARD && t->sect != NG_SEC_RULES))
		return NULL;
	return rule_at(p, t->sect, t->rule);
}

/* Does the rule of target id match in every field but "to"? */
static int
rest_matches(struct scan *S, uint32_t id)
{
	const struct ng_target *t = target_at(S->p, id);
	const struct ng_rule *r = rule_of(S->p, t);

	if (!r) {
		S->error = 1;
		return 0;
	}
	if (S->pred == P_LOOKUP)
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

	if (after == NONE)
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
consider_list(struct scan *S, struct ng_list l)
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
consider_name_key(struct scan *S, unsigned kind, const char *key, uint32_t len, uint32_t raw)
{
	const struct ng_hent *e = name_probe(S->p, kind, key, len, raw);

	if (e)
		consider_list(S, e->list);
}

static void
consider_regex(struct scan *S, uint32_t rid, const char *name, size_t len)
{
	const struct ng_regex *r = regex_at(S->p, rid);
	const char *lit;
	size_t ll;

	if (!r) {
		S->error = 1;
		return;
	}
	if (r->target >= S->best || (S->after != NONE && r->target <= S->after))
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
		const struct ng_rule *rule = rule_of(S->p, target_at(S->p, r->target));

		if (rule && rule->action != NG_ALLOW)
			S->best = r->target;
		break;
	}
	}
}

static void
consider_regex_list(struct scan *S, struct ng_list l, const char *name, size_t len)
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
consider_name(struct scan *S, const char *name, size_t len)
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
consider_addr(struct scan *S, int family, const uint8_t *addr)
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
consider_unix(struct scan *S)
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
static uint32_t
find_first(struct scan *S)
{
	const struct ng_query *q = S->q;
	uint8_t addr[16];
	int family = q->family;

	S->best = NONE;
	if (family == AF_UNIX) {
		consider_unix(S);
		return S->best;
	}
	if ((family == AF_INET || family == AF_INET6) && S->pred != P_LOOKUP) {
		memcpy(addr, q->addr, 16);
		family = ng_addr_canon(family, addr);
		consider_addr(S, family, addr);
	}
	for (size_t i = 0; i < q->nnames; i++) {
		char name[NAME_MAX_LEN];
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

/* ---- verdicts --------------------------------------------------------------- */

static int
file_mode(const struct ng_policy *p)
{
	return p->mode_override ? p->mode_override : hdr(p)->s.mode;
}

static void
verdict_init(struct ng_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->rule = -1;
	v->target = -1;
	v->glob = -1;
	v->rule_name = "default";
}

static void
verdict_default(const struct ng_policy *p, struct ng_verdict *v, enum ng_action a, enum ng_origin o,
		const char *name)
{
	v->action = a;
	v->origin = o;
	v->rule_name = name;
	v->audit = file_mode(p) == NG_MODE_AUDIT && a != NG_ALLOW;
}

static void
verdict_error(struct ng_verdict *v)
{
	verdict_init(v);
	v->action = NG_DENY;
	v->origin = NG_FROM_ERROR;
	v->rule_name = "error";
}

static void
verdict_rule(const struct ng_policy *p, struct ng_verdict *v, int sect, uint32_t idx, enum ng_action a)
{
	const struct ng_rule *r = rule_at(p, sect, idx);
	int mode = r && r->mode ? r->mode : file_mode(p);

	if (!r) {
		verdict_error(v);
		return;
	}
	v->action = a;
	v->origin = sect == NG_SEC_GUARD ? NG_FROM_GUARD : sect == NG_SEC_RULES ? NG_FROM_RULES : NG_FROM_EXEC;
	v->rule = (int32_t)idx;
	v->rule_name = str_at(p, r->name);
	v->file = file_at(p, r->file);
	v->line = r->line;
	v->audit = mode == NG_MODE_AUDIT && a != NG_ALLOW;
}

static void
verdict_target(const struct ng_policy *p, struct ng_verdict *v, uint32_t tid)
{
	const struct ng_target *t = target_at(p, tid);
	const struct ng_rule *r = rule_of(p, t);

	if (!r) {
		verdict_error(v);
		return;
	}
	verdict_rule(p, v, t->sect, t->rule, t->sect == NG_SEC_GUARD ? NG_DENY : (enum ng_action)r->action);
	v->target = (int32_t)tid;
}

/* ---- lookups: does any port/protocol remain allowed for this name? ------- */

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

static void
decide_lookup(const struct ng_policy *p, const struct ng_query *q, struct ng_verdict *v)
{
	struct scan S = { .p = p, .q = q, .pred = P_LOOKUP, .after = NONE };
	struct pset ps[2] = { { .lo = { 1 }, .hi = { 65535 }, .n = 1 }, { .lo = { 1 }, .hi = { 65535 }, .n = 1 } };
	char name[NAME_MAX_LEN];

	if (q->nnames < 1 || !q->names[0] || ng_name_canon(q->names[0], name, sizeof(name)) <= 0) {
		verdict_default(p, v, NG_DENY, NG_FROM_DEFAULT, "default");
		return;
	}
	if (q->self_name || strcmp(name, "localhost") == 0 ||
	    (strlen(name) > 10 && strcmp(name + strlen(name) - 10, ".localhost") == 0)) {
		verdict_default(p, v, NG_ALLOW, NG_FROM_BUILTIN, "localhost");
		return;
	}
	if (!hdr(p)->s.dns_block_denied) {
		verdict_default(p, v, NG_ALLOW, NG_FROM_DEFAULT, "default");
		return;
	}
	for (;;) {
		uint32_t tid = find_first(&S);
		const struct ng_target *t;
		const struct ng_rule *r;

		if (S.error) {
			verdict_error(v);
			return;
		}
		if (tid == NONE)
			break;
		t = target_at(p, tid);
		r = rule_of(p, t);
		if (!r) {
			verdict_error(v);
			return;
		}
		if (carve(p, r, t->sect == NG_SEC_GUARD, ps)) {
			verdict_target(p, v, tid);
			return;
		}
		if (pset_empty(&ps[0]) && pset_empty(&ps[1])) {
			verdict_target(p, v, tid);
			v->action = NG_DENY;
			return;
		}
		S.after = tid;
	}
	verdict_default(p, v, (enum ng_action)hdr(p)->s.dflt, NG_FROM_DEFAULT, "default");
}

void
ng_decide(const struct ng_policy *p, const struct ng_query *q, struct ng_verdict *v)
{
	struct scan S = { .p = p, .q = q, .pred = P_FULL, .after = NONE };
	uint32_t tid;

	verdict_init(v);
	if (!p || !p->base) {
		verdict_error(v);
		return;
	}
	if (q->op == NG_OP_DNS) {
		decide_lookup(p, q, v);
		return;
	}
	tid = find_first(&S);
	if (S.error) {
		verdict_error(v);
		return;
	}
	if (tid != NONE) {
		verdict_target(p, v, tid);
		return;
	}
	if (q->family == AF_UNIX)
		verdict_default(p, v, (enum ng_action)hdr(p)->s.unix_dflt, NG_FROM_DEFAULT, "default");
	else
		verdict_default(p, v, (enum ng_action)hdr(p)->s.dflt, NG_FROM_DEFAULT, "default");
}

/* ---- exec ------------------------------------------------------------------- */

void
ng_decide_exec(const struct ng_policy *p, const struct ng_exec_query *q, struct ng_verdict *v)
{
	const struct ng_settings *s;
	const char *progs[8] = { q->path, q->real, base_name(q->path), base_name(q->real),
				 q->interp, q->interp_real, base_name(q->interp), base_name(q->interp_real) };
	const char *argv0[1] = { base_name(q->argv0) };
	uint32_t n;

	verdict_init(v);
	if (!p || !p->base) {
		verdict_error(v);
		return;
	}
	s = &hdr(p)->s;
	n = hdr(p)->sec[NG_SEC_EXEC].count;
	for (uint32_t i = 0; i < n; i++) {
		const struct ng_rule *r = rule_at(p, NG_SEC_EXEC, i);
		int32_t which = -1;

		int pm, am;

		if (!r)
			break;
		/*
		 * program and argv0: an allow rule needs every field it has to
		 * match; a deny or jail rule is satisfied by either, so a forged
		 * argv[0] neither escapes a jail nor earns an allow.
		 */
		pm = r->prog_count ? globs_match(p, r->prog_first, r->prog_count, progs, 8, &which) : -1;
		am = r->argv0_count ? globs_match(p, r->argv0_first, r->argv0_count, argv0, 1,
						  pm == 1 ? NULL : &which) : -1;
		if (r->action == NG_ALLOW ? (pm == 0 || am == 0) : (pm != 1 && am != 1 && (pm != -1 || am != -1)))
			continue;
		verdict_rule(p, v, NG_SEC_EXEC, i, (enum ng_action)r->action);
		v->glob = which;
		return;
	}
	if (q->flags & NG_EXEC_PRIVILEGED)
		verdict_default(p, v, (enum ng_action)s->exec_privileged, NG_FROM_PRIVILEGED, "privileged");
	else if (q->flags & NG_EXEC_UNHOOKABLE)
		verdict_default(p, v, (enum ng_action)s->exec_unhookable, NG_FROM_UNHOOKABLE, "unhookable");
	else
		verdict_default(p, v, (enum ng_action)s->exec_dflt, NG_FROM_DEFAULT, "default");
}

/* static, Go, musl, liburing, another ELF class, or malformed (SPEC 3.4) */
#define UNHOOKABLE_ELF (NG_ELF_STATIC | NG_ELF_GO | NG_ELF_FOREIGN | NG_ELF_URING | NG_ELF_CLASS | NG_ELF_BAD)

void
ng_exec_query_of(const struct ng_exec_target *t, const char *argv0, struct ng_exec_query *q)
{
	memset(q, 0, sizeof(*q));
	q->path = t->path;
	q->real = t->real[0] ? t->real : NULL;
	q->interp = t->script ? t->interp : NULL;
	q->interp_real = t->script && t->interp_real[0] ? t->interp_real : NULL;
	q->argv0 = argv0 ? argv0 : t->path;
	if (t->privileged)
		q->flags |= NG_EXEC_PRIVILEGED;
	if (t->elf & UNHOOKABLE_ELF)
		q->flags |= NG_EXEC_UNHOOKABLE;
}
