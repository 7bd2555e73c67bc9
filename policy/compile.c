/*
 * Compile the intermediate form into a snapshot blob (snapshot.h).
 *
 * Indexes: every name-like target becomes a (kind, key) entry of one
 * open-addressing hash table; every address or network a (family, prefix,
 * masked address) entry of another.  Each entry holds a posting list of
 * target ids in ascending order, and target ids follow rule order, so the
 * first id of a list is the earliest rule the key can match: the decision
 * keeps first-match semantics across kinds by taking the lowest id.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "ir.h"
#include "snapshot.h"

/*
 * A growing section.  When memory runs out, grow() returns NULL from then
 * on and the callers stop where they are; the compile then fails with
 * "out of memory" (out_of_memory) instead of writing a partial snapshot.
 */
struct buf {
	unsigned char *p;
	size_t n, cap;
	int failed;
};

static void *
grow(struct buf *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (b->n + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		unsigned char *p;

		while (cap < b->n + n)
			cap *= 2;
		if (!(p = realloc(b->p, cap))) {
			b->failed = 1;
			return NULL;
		}
		b->p = p;
		b->cap = cap;
	}
	b->n += n;
	memset(b->p + b->n - n, 0, n);
	return b->p + b->n - n;
}

static uint32_t
str_add(struct buf *s, const char *str)
{
	size_t len = strlen(str) + 1;
	uint32_t off;
	void *p;

	if (!str[0])
		return 0;
	off = (uint32_t)s->n;
	if (!(p = grow(s, len)))
		return 0;
	memcpy(p, str, len);
	return off;
}

struct ntuple {		/* name-index tuple */
	const char *key;
	uint32_t kind;
	uint32_t id;
};

struct ctuple {		/* network-index tuple */
	uint8_t family, plen;
	uint8_t addr[16];
	uint32_t id;
};

static int
ntuple_cmp(const void *a, const void *b)
{
	const struct ntuple *x = a, *y = b;
	int c;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	c = strcmp(x->key, y->key);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int
ctuple_cmp(const void *a, const void *b)
{
	const struct ctuple *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	if (x->plen != y->plen)
		return x->plen < y->plen ? -1 : 1;
	c = memcmp(x->addr, y->addr, 16);
	if (c)
		return c;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Lists collected while walking targets, turned into posting lists later. */
struct idlist {
	uint32_t *v;
	size_t n, cap;
};

struct builder {
	const struct ir_policy *ir;
	struct ng_diags *d;
	struct buf sec[NG_SEC_COUNT];
	struct ntuple *nt;
	size_t nnt, capnt;
	struct ctuple *ct;
	size_t nct, capct;
	struct idlist star;	/* targets "*" and rules without "to" */
	struct idlist unixt;	/* unix: targets */
	struct idlist rx_any;	/* regexes without a literal suffix to index */
	struct ng_snap_hdr h;
	int oom;		/* an index or id list could not grow */
};

/*
 * Room for element n of array v (*cap elements of size sz): v, or v grown,
 * or NULL when memory ran out (B->oom; v is still the caller's to free).
 */
static void *
room(struct builder *B, void *v, size_t n, size_t *cap, size_t sz)
{
	size_t c;
	void *p;

	if (n < *cap)
		return v;
	c = *cap ? *cap * 2 : 64;
	if (!(p = realloc(v, c * sz))) {
		B->oom = 1;
		return NULL;
	}
	*cap = c;
	return p;
}

static void
add_ntuple(struct builder *B, uint32_t kind, const char *key, uint32_t id)
{
	struct ntuple *nt = room(B, B->nt, B->nnt, &B->capnt, sizeof(*nt));

	if (!nt)
		return;
	B->nt = nt;
	B->nt[B->nnt].kind = kind;
	B->nt[B->nnt].key = key;
	B->nt[B->nnt].id = id;
	B->nnt++;
}

static void
add_ctuple(struct builder *B, const struct ir_target *t, uint32_t id)
{
	struct ctuple *ct = room(B, B->ct, B->nct, &B->capct, sizeof(*ct));

	if (!ct)
		return;
	B->ct = ct;
	memset(&B->ct[B->nct], 0, sizeof(B->ct[0]));
	B->ct[B->nct].family = (uint8_t)t->family;
	B->ct[B->nct].plen = (uint8_t)t->plen;
	memcpy(B->ct[B->nct].addr, t->addr, t->family == 4 ? 4 : 16);
	B->ct[B->nct].id = id;
	B->nct++;
}

static uint32_t
post_add(struct builder *B, uint32_t id)
{
	uint32_t *p = grow(&B->sec[NG_SEC_POST], sizeof(uint32_t));

	if (!p)
		return 0;
	*p = id;
	return (uint32_t)(B->sec[NG_SEC_POST].n / sizeof(uint32_t) - 1);
}

static uint32_t
table_size(size_t entries)
{
	uint32_t n = 16;

	while (n < entries * 2)
		n *= 2;
	return n;
}

static void
build_names(struct builder *B)
{
	size_t uniq = 0;
	uint32_t size, mask;
	struct ng_hent *tab;

	if (B->nnt)
		qsort(B->nt, B->nnt, sizeof(*B->nt), ntuple_cmp);
	for (size_t i = 0; i < B->nnt; i++)
		if (i == 0 || B->nt[i].kind != B->nt[i - 1].kind || strcmp(B->nt[i].key, B->nt[i - 1].key))
			uniq++;
	size = table_size(uniq);
	mask = size - 1;
	tab = (struct ng_hent *)grow(&B->sec[NG_SEC_NAMES], size * sizeof(*tab));
	if (!tab)
		return;
	B->h.names_mask = mask;
	for (size_t i = 0; i < B->nnt;) {
		size_t j = i;
		uint32_t h = ng_hash_name(B->nt[i].kind, B->nt[i].key, (uint32_t)strlen(B->nt[i].key));
		uint32_t slot = h & mask, first = 0;

		tab = (struct ng_hent *)B->sec[NG_SEC_NAMES].p;
		while (tab[slot].key)
			slot = (slot + 1) & mask;
		for (; j < B->nnt && B->nt[j].kind == B->nt[i].kind && !strcmp(B->nt[j].key, B->nt[i].key); j++) {
			uint32_t at = post_add(B, B->nt[j].id);

			if (j == i)
				first = at;
		}
		tab[slot].hash = h;
		tab[slot].kind = (uint8_t)B->nt[i].kind;
		B->h.nkind[B->nt[i].kind]++;
		tab[slot].key = str_add(&B->sec[NG_SEC_STR], B->nt[i].key);
		tab[slot].list.off = first;
		tab[slot].list.count = (uint32_t)(j - i);
		i = j;
	}
}

static void
build_nets(struct builder *B)
{
	size_t uniq = 0;
	uint32_t size, mask;

	if (B->nct)
		qsort(B->ct, B->nct, sizeof(*B->ct), ctuple_cmp);
	for (size_t i = 0; i < B->nct; i++)
		if (i == 0 || ctuple_cmp(&B->ct[i], &B->ct[i - 1]) != 0 ||
		    B->ct[i].family != B->ct[i - 1].family || B->ct[i].plen != B->ct[i - 1].plen ||
		    memcmp(B->ct[i].addr, B->ct[i - 1].addr, 16))
			uniq++;
	size = table_size(uniq);
	mask = size - 1;
	if (!grow(&B->sec[NG_SEC_NETS], size * sizeof(struct ng_nent)))
		return;
	B->h.nets_mask = mask;
	for (size_t i = 0; i < B->nct;) {
		struct ctuple *c = &B->ct[i];
		struct ng_nent *tab = (struct ng_nent *)B->sec[NG_SEC_NETS].p;
		uint32_t h = ng_hash_net(c->family, c->plen, c->addr);
		uint32_t slot = h & mask, first = 0;
		size_t j;

		while (tab[slot].used)
			slot = (slot + 1) & mask;
		for (j = i; j < B->nct && B->ct[j].family == c->family && B->ct[j].plen == c->plen &&
			    !memcmp(B->ct[j].addr, c->addr, 16); j++) {
			uint32_t at = post_add(B, B->ct[j].id);

			if (j == i)
				first = at;
		}
		tab[slot].hash = h;
		tab[slot].used = 1;
		tab[slot].family = c->family;
		tab[slot].plen = c->plen;
		memcpy(tab[slot].addr, c->addr, 16);
		tab[slot].list.off = first;
		tab[slot].list.count = (uint32_t)(j - i);
		if (c->family == 4)
			B->h.v4_plens |= 1ull << c->plen;
		else
			B->h.v6_plens[c->plen / 64] |= 1ull << (c->plen % 64);
		i = j;
	}
}

static uint32_t
globs_add(struct builder *B, const struct ir_glob *g, size_t n)
{
	uint32_t first = (uint32_t)(B->sec[NG_SEC_GLOBS].n / sizeof(struct ng_globref));

	for (size_t i = 0; i < n; i++) {
		struct ng_globref *r = grow(&B->sec[NG_SEC_GLOBS], sizeof(*r));

		if (!r)
			break;
		r->glob = str_add(&B->sec[NG_SEC_STR], g[i].glob);
		r->file = (uint16_t)g[i].file;
		r->line = (uint32_t)g[i].line;
	}
	return first;
}

static void
idlist_add(struct builder *B, struct idlist *l, uint32_t id)
{
	uint32_t *v = room(B, l->v, l->n, &l->cap, sizeof(*v));

	if (!v)
		return;
	l->v = v;
	l->v[l->n++] = id;
}

static struct ng_list
idlist_post(struct builder *B, struct idlist *l)
{
	struct ng_list r = { 0, (uint32_t)l->n };

	for (size_t i = 0; i < l->n; i++) {
		uint32_t at = post_add(B, l->v[i]);

		if (i == 0)
			r.off = at;
	}
	free(l->v);
	l->v = NULL;
	return r;
}

static int
add_regex(struct builder *B, const struct ir_target *t, uint32_t tid)
{
	const pcre2_code *codes[1] = { t->re };
	uint8_t *bytes;
	PCRE2_SIZE size;
	int32_t rc = pcre2_serialize_encode(codes, 1, &bytes, &size, NULL);
	uint32_t rid = (uint32_t)(B->sec[NG_SEC_REGEX].n / sizeof(struct ng_regex));
	struct ng_regex *r;
	unsigned char *code;
	const char *dot;

	if (rc < 0) {
		ng_diag_add(B->d, NG_SEV_ERROR, B->ir->files[t->file], t->line,
			    "\"%s\": cannot serialise the compiled regex (PCRE2 error %d)", t->text, (int)rc);
		return -1;
	}
	r = grow(&B->sec[NG_SEC_REGEX], sizeof(*r));
	code = grow(&B->sec[NG_SEC_BYTES], (size + 7) & ~(size_t)7);	/* zero-padded to 8 */
	if (!r || !code) {
		pcre2_serialize_free(bytes);
		return 0;	/* out of memory: out_of_memory() says so */
	}
	r->target = tid;
	r->code_off = (uint32_t)(code - B->sec[NG_SEC_BYTES].p);
	r->code_len = (uint32_t)size;
	memcpy(code, bytes, size);
	pcre2_serialize_free(bytes);
	r->lit = t->lit ? str_add(&B->sec[NG_SEC_STR], t->lit) : 0;
	/* index by the label-aligned part of the literal suffix */
	dot = t->lit ? strchr(t->lit, '.') : NULL;
	if (dot && dot[1])
		add_ntuple(B, NG_H_RXSUF, dot + 1, rid);
	else
		idlist_add(B, &B->rx_any, rid);
	return 0;
}

/* Put target id tid in the index (or list) its kind is looked up by. */
static int
index_target(struct builder *B, const struct ir_target *it, uint32_t tid)
{
	switch (it->kind) {
	case NG_T_NAME: add_ntuple(B, NG_H_NAME, it->key, tid); break;
	case NG_T_SUB: add_ntuple(B, NG_H_SUB, it->key, tid); break;
	case NG_T_APEX: add_ntuple(B, NG_H_APEX, it->key, tid); break;
	case NG_T_ADDR:
	case NG_T_NET: add_ctuple(B, it, tid); break;
	case NG_T_UNIX: idlist_add(B, &B->unixt, tid); break;
	case NG_T_STAR: idlist_add(B, &B->star, tid); break;
	case NG_T_REGEX: return add_regex(B, it, tid);
	}
	return 0;
}

/* The targets of rule r (number idx of section sect); one NG_T_ANY if it has no "to". */
static int
add_targets(struct builder *B, const struct ir_rule *r, size_t idx, int sect)
{
	int rc = 0;

	for (size_t k = 0; k < (r->nto ? r->nto : 1); k++) {
		uint32_t tid = (uint32_t)(B->sec[NG_SEC_TARGETS].n / sizeof(struct ng_target));
		struct ng_target *t = grow(&B->sec[NG_SEC_TARGETS], sizeof(*t));
		const struct ir_target *it = r->nto ? &r->to[k] : NULL;

		if (!t)
			return -1;
		t->rule = (uint32_t)idx;
		t->sect = (uint8_t)sect;
		if (!it) {
			t->kind = NG_T_ANY;
			t->file = (uint16_t)r->file;
			t->line = (uint32_t)r->line;
			idlist_add(B, &B->star, tid);
			continue;
		}
		t->kind = (uint8_t)it->kind;
		t->text = str_add(&B->sec[NG_SEC_STR], it->text);
		t->key = it->key ? str_add(&B->sec[NG_SEC_STR], it->key) : 0;
		t->file = (uint16_t)it->file;
		t->line = (uint32_t)it->line;
		t->list = (uint32_t)it->list_idx;
		if (index_target(B, it, tid) < 0)
			rc = -1;
	}
	return rc;
}

/* The rule itself, its ports and globs; its targets follow (add_targets). */
static int
add_rule(struct builder *B, const struct ir_rule *r, int sect)
{
	struct ng_rule *o = grow(&B->sec[sect], sizeof(*o));

	if (!o)
		return -1;
	o->name = str_add(&B->sec[NG_SEC_STR], r->name);
	o->line = (uint32_t)r->line;
	o->file = (uint16_t)r->file;
	o->action = (uint8_t)r->action;
	o->mode = (uint8_t)r->mode;
	o->proto = (uint8_t)(r->proto ? r->proto : (int)NG_PROTO_ANY);
	o->to_first = (uint32_t)(B->sec[NG_SEC_TARGETS].n / sizeof(struct ng_target));
	o->to_count = sect == NG_SEC_EXEC ? 0 : (uint32_t)(r->nto ? r->nto : 1);
	o->ports_first = (uint32_t)(B->sec[NG_SEC_PORTS].n / sizeof(struct ng_portrange));
	o->ports_count = (uint32_t)r->nports;
	for (size_t p = 0; p < r->nports; p++) {
		struct ng_portrange *pr = grow(&B->sec[NG_SEC_PORTS], sizeof(*pr));

		if (!pr)
			return -1;
		pr->lo = r->ports[p].lo;
		pr->hi = r->ports[p].hi;
	}
	o->exe_first = globs_add(B, r->exe, r->nexe);
	o->exe_count = (uint32_t)r->nexe;
	o->prog_first = globs_add(B, r->prog, r->nprog);
	o->prog_count = (uint32_t)r->nprog;
	o->argv0_first = globs_add(B, r->argv0, r->nargv0);
	o->argv0_count = (uint32_t)r->nargv0;
	return 0;
}

/* The rules of one section, in order: target ids follow rule order. */
static int
add_rules(struct builder *B, const struct ir_rule *rules, size_t n, int sect)
{
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (add_rule(B, &rules[i], sect) < 0)
			return -1;
		if (sect != NG_SEC_EXEC && add_targets(B, &rules[i], i, sect) < 0)
			rc = -1;
	}
	return rc;
}

/* Does some guard or rule name a protocol?  Then the socket type matters. */
static int
proto_rules(const struct ir_policy *ir)
{
	for (size_t i = 0; i < ir->nguard + ir->nrules; i++) {
		const struct ir_rule *r = i < ir->nguard ? &ir->guard[i] : &ir->rules[i - ir->nguard];

		if (r->proto && r->proto != (int)NG_PROTO_ANY)
			return 1;
	}
	return 0;
}

static void
add_settings(struct builder *B, const struct ir_policy *ir)
{
	struct ng_settings *s = &B->h.s;

#define NG_SET_ENUM(name, type, dflt, lo, hi) s->name = (uint8_t)ir->name;
#define NG_SET_BOOL(name, dflt) s->name = (uint8_t)ir->name;
#define NG_SET_I32(name, dflt) s->name = (int32_t)ir->name;
#define NG_SET_U32(name, dflt) s->name = ir->name;
#define NG_SET_STR(name) s->name = ir->name ? str_add(&B->sec[NG_SEC_STR], ir->name) : 0;
#include "settings.def"
	s->proto_rules = (uint8_t)proto_rules(ir);
}

/* Every section and index of the snapshot, in B; -1 if a regex would not serialise. */
static int
build(struct builder *B)
{
	const struct ir_policy *ir = B->ir;

	grow(&B->sec[NG_SEC_STR], 1);	/* offset 0 is "" */
	for (size_t i = 0; i < ir->nfiles; i++) {
		uint32_t *f = grow(&B->sec[NG_SEC_FILES], sizeof(uint32_t));

		if (!f)
			break;
		*f = str_add(&B->sec[NG_SEC_STR], ir->files[i]);
	}
	if (add_rules(B, ir->guard, ir->nguard, NG_SEC_GUARD) < 0 ||
	    add_rules(B, ir->rules, ir->nrules, NG_SEC_RULES) < 0 ||
	    add_rules(B, ir->exec, ir->nexec, NG_SEC_EXEC) < 0)
		return -1;
	B->h.star = idlist_post(B, &B->star);
	B->h.unixt = idlist_post(B, &B->unixt);
	B->h.rx_any = idlist_post(B, &B->rx_any);
	build_names(B);
	build_nets(B);
	add_settings(B, ir);
	grow(&B->sec[NG_SEC_STR], 1);	/* the pool always ends in NUL */
	return 0;
}

/* Did memory run out anywhere while building? */
static int
out_of_memory(const struct builder *B)
{
	int failed = B->oom;

	for (int i = 0; i < NG_SEC_COUNT; i++)
		failed |= B->sec[i].failed;
	return failed;
}

/* The blob: the header, then each section 8-byte aligned. */
static int
lay_out(struct builder *B, struct ng_blob *out)
{
	size_t off = (sizeof(B->h) + 7) & ~(size_t)7;
	unsigned char *blob;

	for (int i = 0; i < NG_SEC_COUNT; i++) {
		B->h.sec[i].off = (uint32_t)off;
		B->h.sec[i].count = (uint32_t)(B->sec[i].n / ng_snap_elem_size[i]);
		off += (B->sec[i].n + 7) & ~(size_t)7;
	}
	if (off > UINT32_MAX / 2) {
		ng_diag_add(B->d, NG_SEV_ERROR, B->ir->files[0], 0, "policy too large to compile (%zu bytes)", off);
		return -1;
	}
	if (!(blob = calloc(1, off))) {
		ng_diag_oom(B->d, B->ir->files[0]);
		return -1;
	}
	for (int i = 0; i < NG_SEC_COUNT; i++)
		if (B->sec[i].n)
			memcpy(blob + B->h.sec[i].off, B->sec[i].p, B->sec[i].n);
	memcpy(B->h.magic, NG_SNAP_MAGIC, 8);
	B->h.version = NG_SNAP_VERSION;
	B->h.hdr_size = (uint32_t)sizeof(B->h);
	B->h.size = (uint32_t)off;
	B->h.checksum = ng_fnv1a(blob + sizeof(B->h), (uint32_t)(off - sizeof(B->h)), 2166136261u);
	memcpy(blob, &B->h, sizeof(B->h));
	out->data = blob;
	out->size = off;
	return 0;
}

static void
builder_free(struct builder *B)
{
	for (int i = 0; i < NG_SEC_COUNT; i++)
		free(B->sec[i].p);
	free(B->nt);
	free(B->ct);
	free(B->star.v);
	free(B->unixt.v);
	free(B->rx_any.v);
}

int
ng_ir_compile(const struct ir_policy *ir, struct ng_blob *out, struct ng_diags *d)
{
	struct builder B;
	int rc;

	memset(&B, 0, sizeof(B));
	B.ir = ir;
	B.d = d;
	rc = build(&B);
	if (out_of_memory(&B)) {
		ng_diag_oom(d, ir->nfiles ? ir->files[0] : NULL);
		rc = -1;
	}
	if (rc == 0)
		rc = lay_out(&B, out);
	builder_free(&B);
	return rc;
}

void
ng_blob_free(struct ng_blob *b)
{
	free(b->data);
	b->data = NULL;
	b->size = 0;
}
