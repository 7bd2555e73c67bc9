/*
 * Open and verify snapshots.  ng_snap_open() is what every process runs at
 * start: O(1) in the snapshot's size, so a 100 000-rule policy costs a child
 * no more than a 10-rule one.  ng_snap_verify() additionally checks the
 * checksum and every cross-reference; it is for tools, tests and fuzzing.
 */
#include "config.h"

#include "lib/sys.h"

#include <stddef.h>
#include <string.h>

#include "engine.h"

const uint32_t ng_snap_elem_size[NG_SEC_COUNT] = {
	[NG_SEC_STR] = 1,
	[NG_SEC_FILES] = sizeof(uint32_t),
	[NG_SEC_GUARD] = sizeof(struct ng_rule),
	[NG_SEC_RULES] = sizeof(struct ng_rule),
	[NG_SEC_EXEC] = sizeof(struct ng_rule),
	[NG_SEC_TARGETS] = sizeof(struct ng_target),
	[NG_SEC_GLOBS] = sizeof(struct ng_globref),
	[NG_SEC_PORTS] = sizeof(struct ng_portrange),
	[NG_SEC_POST] = sizeof(uint32_t),
	[NG_SEC_NAMES] = sizeof(struct ng_hent),
	[NG_SEC_NETS] = sizeof(struct ng_nent),
	[NG_SEC_REGEX] = sizeof(struct ng_regex),
	[NG_SEC_BYTES] = 1,
};

NG_STARTUP static int
fail(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

NG_STARTUP static int
valid_action(uint8_t a, int jail_ok)
{
	return a == NG_ALLOW || a == NG_DENY || (jail_ok && a == NG_JAIL);
}

/* Every setting within what the compiler can write (settings.def). */
NG_STARTUP static int
valid_settings(const struct ng_settings *s)
{
#define NG_SET_ENUM(name, type, dflt, lo, hi) \
	if (s->name < (lo) || s->name > (hi)) \
		return 0;
#define NG_SET_BOOL(name, dflt) \
	if (s->name > 1) \
		return 0;
#define NG_SET_DERIVED(name) NG_SET_BOOL(name, 0)
#include "settings.def"
	return 1;
}

/* Every string setting inside the string pool (settings.def). */
NG_STARTUP static int
settings_in_bounds(const struct ng_snap_hdr *h)
{
#define NG_SET_STR(name) \
	if (h->s.name >= h->sec[NG_SEC_STR].count) \
		return 0;
#include "settings.def"
	return 1;
}

NG_STARTUP int
ng_snap_open(struct ng_policy *p, const void *base, size_t size, const char **why)
{
	const struct ng_snap_hdr *h = base;

	memset(p, 0, sizeof(*p));
	if (!base || size < sizeof(*h) || ((uintptr_t)base & 7))
		return fail(why, "snapshot too small or misaligned");
	if (memcmp(h->magic, NG_SNAP_MAGIC, 8) != 0)
		return fail(why, "not a netguard snapshot (bad magic)");
	if (h->version != NG_SNAP_VERSION || h->hdr_size != sizeof(*h))
		return fail(why, "snapshot from another netguard version");
	if (h->size != size)
		return fail(why, "snapshot size does not match its header");
	for (int i = 0; i < NG_SEC_COUNT; i++) {
		uint64_t end = (uint64_t)h->sec[i].off + (uint64_t)h->sec[i].count * ng_snap_elem_size[i];

		if (h->sec[i].off < sizeof(*h) || (h->sec[i].off & 7) || end > size)
			return fail(why, "snapshot section out of bounds");
	}
	if (h->sec[NG_SEC_STR].count == 0 ||
	    ((const char *)base)[h->sec[NG_SEC_STR].off + h->sec[NG_SEC_STR].count - 1] != '\0' ||
	    ((const char *)base)[h->sec[NG_SEC_STR].off] != '\0')
		return fail(why, "snapshot string pool not terminated");
	if ((uint64_t)h->names_mask + 1 != h->sec[NG_SEC_NAMES].count ||
	    (h->names_mask & (h->names_mask + 1)) ||
	    (uint64_t)h->nets_mask + 1 != h->sec[NG_SEC_NETS].count || (h->nets_mask & (h->nets_mask + 1)))
		return fail(why, "snapshot hash tables malformed");
	if (!valid_settings(&h->s))
		return fail(why, "snapshot settings invalid");
	p->base = base;
	p->size = (uint32_t)size;
	p->mode_override = 0;
	return 0;
}

static int
check_rules(const struct ng_policy *p, int sect)
{
	const struct ng_snap_hdr *h = hdr(p);

	for (uint32_t i = 0; i < h->sec[sect].count; i++) {
		const struct ng_rule *r = rule_at(p, sect, i);

		if (!valid_action(r->action, sect == NG_SEC_EXEC) || r->mode > NG_MODE_AUDIT ||
		    r->proto == 0 || r->proto > NG_PROTO_ANY)
			return -1;
		if ((uint64_t)r->to_first + r->to_count > h->sec[NG_SEC_TARGETS].count ||
		    (uint64_t)r->ports_first + r->ports_count > h->sec[NG_SEC_PORTS].count ||
		    (uint64_t)r->exe_first + r->exe_count > h->sec[NG_SEC_GLOBS].count ||
		    (uint64_t)r->prog_first + r->prog_count > h->sec[NG_SEC_GLOBS].count ||
		    (uint64_t)r->argv0_first + r->argv0_count > h->sec[NG_SEC_GLOBS].count ||
		    r->name >= h->sec[NG_SEC_STR].count || r->file >= h->sec[NG_SEC_FILES].count)
			return -1;
	}
	return 0;
}

static int
check_list(const struct ng_policy *p, struct ng_list l, uint32_t bound)
{
	const uint32_t *v = list_at(p, l);

	if (!v)
		return -1;
	for (uint32_t i = 0; i < l.count; i++)
		if (v[i] >= bound || (i && v[i] <= v[i - 1]))
			return -1;
	return 0;
}

static int
check_targets(const struct ng_policy *p)
{
	const struct ng_snap_hdr *h = hdr(p);

	for (uint32_t i = 0; i < h->sec[NG_SEC_TARGETS].count; i++) {
		const struct ng_target *t = target_at(p, i);
		int sect = t->sect;

		if ((sect != NG_SEC_GUARD && sect != NG_SEC_RULES) || t->rule >= h->sec[sect].count ||
		    t->kind < NG_T_NAME || t->kind > NG_T_ANY || t->file >= h->sec[NG_SEC_FILES].count ||
		    t->text >= h->sec[NG_SEC_STR].count || t->key >= h->sec[NG_SEC_STR].count)
			return -1;
	}
	return 0;
}

/* Globs and file names: strings inside the pool, files that exist. */
static const char *
check_strings(const struct ng_policy *p)
{
	const struct ng_snap_hdr *h = hdr(p);

	for (uint32_t i = 0; i < h->sec[NG_SEC_GLOBS].count; i++)
		if (glob_at(p, i)->glob >= h->sec[NG_SEC_STR].count ||
		    glob_at(p, i)->file >= h->sec[NG_SEC_FILES].count)
			return "snapshot glob out of bounds";
	for (uint32_t i = 0; i < h->sec[NG_SEC_FILES].count; i++)
		if (*(const uint32_t *)sec_elem(p, NG_SEC_FILES, i, 4) >= h->sec[NG_SEC_STR].count)
			return "snapshot file name out of bounds";
	return NULL;
}

static int
check_regexes(const struct ng_policy *p)
{
	const struct ng_snap_hdr *h = hdr(p);

	for (uint32_t i = 0; i < h->sec[NG_SEC_REGEX].count; i++) {
		const struct ng_regex *r = regex_at(p, i);

		if (r->target >= h->sec[NG_SEC_TARGETS].count || r->lit >= h->sec[NG_SEC_STR].count ||
		    (uint64_t)r->code_off + r->code_len > h->sec[NG_SEC_BYTES].count)
			return -1;
	}
	return 0;
}

/* The two hash indexes: keys in the pool, posting lists of valid ids. */
static const char *
check_indexes(const struct ng_policy *p)
{
	const struct ng_snap_hdr *h = hdr(p);
	uint32_t ntargets = h->sec[NG_SEC_TARGETS].count, nregex = h->sec[NG_SEC_REGEX].count;

	for (uint32_t i = 0; i < h->sec[NG_SEC_NAMES].count; i++) {
		const struct ng_hent *e = sec_elem(p, NG_SEC_NAMES, i, sizeof(*e));

		if (!e->key)
			continue;
		if (e->key >= h->sec[NG_SEC_STR].count ||
		    check_list(p, e->list, e->kind == NG_H_RXSUF ? nregex : ntargets))
			return "snapshot name index out of bounds";
	}
	for (uint32_t i = 0; i < h->sec[NG_SEC_NETS].count; i++) {
		const struct ng_nent *e = sec_elem(p, NG_SEC_NETS, i, sizeof(*e));

		if (e->used && check_list(p, e->list, ntargets))
			return "snapshot network index out of bounds";
	}
	return NULL;
}

int
ng_snap_verify(const void *base, size_t size, const char **why)
{
	struct ng_policy pol, *p = &pol;
	const struct ng_snap_hdr *h;
	uint32_t ntargets, nregex;
	const char *bad;

	if (ng_snap_open(p, base, size, why) < 0)
		return -1;
	h = hdr(p);
	ntargets = h->sec[NG_SEC_TARGETS].count;
	nregex = h->sec[NG_SEC_REGEX].count;
	if (ng_fnv1a(p->base + sizeof(*h), (uint32_t)(size - sizeof(*h)), 2166136261u) != h->checksum)
		return fail(why, "snapshot checksum mismatch");
	if (check_rules(p, NG_SEC_GUARD) || check_rules(p, NG_SEC_RULES) || check_rules(p, NG_SEC_EXEC))
		return fail(why, "snapshot rule out of bounds");
	if (check_targets(p))
		return fail(why, "snapshot target out of bounds");
	if ((bad = check_strings(p)))
		return fail(why, bad);
	if (check_regexes(p))
		return fail(why, "snapshot regex out of bounds");
	if ((bad = check_indexes(p)))
		return fail(why, bad);
	if (check_list(p, h->star, ntargets) || check_list(p, h->unixt, ntargets) || check_list(p, h->rx_any, nregex))
		return fail(why, "snapshot list out of bounds");
	if (!settings_in_bounds(h))
		return fail(why, "snapshot settings out of bounds");
	return 0;
}

NG_STARTUP void
ng_policy_settings(const struct ng_policy *p, struct ng_settings_view *o)
{
	const struct ng_settings *s = &hdr(p)->s;

	memset(o, 0, sizeof(*o));
#define NG_SET_ENUM(name, type, dflt, lo, hi) o->name = (type)s->name;
#define NG_SET_BOOL(name, dflt) o->name = s->name;
#define NG_SET_I32(name, dflt) o->name = s->name;
#define NG_SET_U32(name, dflt) o->name = s->name;
#define NG_SET_STR(name) o->name = s->name ? str_at(p, s->name) : NULL;
#define NG_SET_DERIVED(name) o->name = s->name;
#include "settings.def"
	o->unix_targets = hdr(p)->unixt.count > 0;
	o->source = file_at(p, 0);
}

int
ng_policy_target(const struct ng_policy *p, int32_t id, struct ng_target_view *out)
{
	const struct ng_target *t = id >= 0 ? target_at(p, (uint32_t)id) : NULL;

	if (!t)
		return -1;
	out->text = t->kind == NG_T_ANY ? "(any: the rule has no \"to\")" : str_at(p, t->text);
	out->file = file_at(p, t->file);
	out->line = t->line;
	out->kind = t->kind;
	out->rule = (int32_t)t->rule;
	out->guard = t->sect == NG_SEC_GUARD;
	return 0;
}

int
ng_policy_glob(const struct ng_policy *p, int32_t id, const char **glob, const char **file, uint32_t *line)
{
	const struct ng_globref *g = id >= 0 ? glob_at(p, (uint32_t)id) : NULL;

	if (!g)
		return -1;
	*glob = str_at(p, g->glob);
	*file = file_at(p, g->file);
	*line = g->line;
	return 0;
}

uint32_t
ng_policy_count(const struct ng_policy *p, int which)
{
	switch (which) {
	case NG_FROM_GUARD: return hdr(p)->sec[NG_SEC_GUARD].count;
	case NG_FROM_RULES: return hdr(p)->sec[NG_SEC_RULES].count;
	case NG_FROM_EXEC: return hdr(p)->sec[NG_SEC_EXEC].count;
	default: return 0;
	}
}
