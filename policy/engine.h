/*
 * Bounds-checked views into a mapped snapshot, for the decision side.
 * Every accessor returns NULL (or 0) for an index outside its section, and
 * the callers fail closed on NULL.
 */
#ifndef NG_ENGINE_H
#define NG_ENGINE_H

#include "policy.h"
#include "snapshot.h"

static inline const struct ng_snap_hdr *
hdr(const struct ng_policy *p)
{
	return (const struct ng_snap_hdr *)p->base;
}

static inline const void *
sec_elem(const struct ng_policy *p, int sec, uint32_t i, uint32_t size)
{
	const struct ng_secref *s = &hdr(p)->sec[sec];

	if (i >= s->count)
		return NULL;
	return p->base + s->off + (size_t)i * size;
}

static inline const char *
str_at(const struct ng_policy *p, uint32_t off)
{
	const struct ng_secref *s = &hdr(p)->sec[NG_SEC_STR];

	if (off >= s->count)
		return "";
	return (const char *)p->base + s->off + off;
}

static inline const struct ng_rule *
rule_at(const struct ng_policy *p, int sect, uint32_t i)
{
	return sec_elem(p, sect, i, sizeof(struct ng_rule));
}

static inline const struct ng_target *
target_at(const struct ng_policy *p, uint32_t i)
{
	return sec_elem(p, NG_SEC_TARGETS, i, sizeof(struct ng_target));
}

static inline const struct ng_globref *
glob_at(const struct ng_policy *p, uint32_t i)
{
	return sec_elem(p, NG_SEC_GLOBS, i, sizeof(struct ng_globref));
}

static inline const struct ng_portrange *
port_at(const struct ng_policy *p, uint32_t i)
{
	return sec_elem(p, NG_SEC_PORTS, i, sizeof(struct ng_portrange));
}

static inline const struct ng_regex *
regex_at(const struct ng_policy *p, uint32_t i)
{
	return sec_elem(p, NG_SEC_REGEX, i, sizeof(struct ng_regex));
}

/* A posting list as a bounds-checked array; NULL if it lies outside. */
static inline const uint32_t *
list_at(const struct ng_policy *p, struct ng_list l)
{
	const struct ng_secref *s = &hdr(p)->sec[NG_SEC_POST];

	if (l.off > s->count || l.count > s->count - l.off)
		return NULL;
	return (const uint32_t *)(p->base + s->off) + l.off;
}

static inline const char *
file_at(const struct ng_policy *p, uint16_t i)
{
	const uint32_t *f = sec_elem(p, NG_SEC_FILES, i, sizeof(uint32_t));

	return f ? str_at(p, *f) : "";
}

/* regex.c */
int ng_rx_match(const struct ng_policy *p, uint32_t rid, const char *name, size_t len);

/* ---- the scan for the first matching target (decide.c) ------------------ */

#define NG_NONE UINT32_MAX
#define NG_NAME_MAX_LEN 256

enum ng_pred {
	NG_P_FULL,	/* every field of the rule must match */
	NG_P_LOOKUP,	/* names only, and exe: ports and protocol are the lookup's to weigh */
};

struct ng_scan {
	const struct ng_policy *p;
	const struct ng_query *q;
	enum ng_pred pred;
	uint32_t after;		/* consider only ids > after (NG_NONE: all) */
	uint32_t best;		/* lowest matching id so far */
	int error;
};

/* Lowest target id > S->after whose target and rule match the query. */
uint32_t ng_scan_first(struct ng_scan *S);
const struct ng_rule *ng_rule_of(const struct ng_policy *p, const struct ng_target *t);
/* does any of globs [first, first+count) match any candidate? (*which: the glob) */
int ng_globs_match(const struct ng_policy *p, uint32_t first, uint32_t count, const char *const *cands, int ncands,
		   int32_t *which);
const char *ng_base_name(const char *s);

/* lookup.c */
void ng_decide_lookup(const struct ng_policy *p, const struct ng_query *q, struct ng_verdict *v);

/* ---- verdicts (verdict.c) -------------------------------------------------- */

enum ng_mode ng_file_mode(const struct ng_policy *p);
void ng_verdict_init(struct ng_verdict *v);
void ng_verdict_act(struct ng_verdict *v, enum ng_action a);
void ng_verdict_default(const struct ng_policy *p, struct ng_verdict *v, enum ng_action a, enum ng_origin o,
			const char *name);
void ng_verdict_rule(const struct ng_policy *p, struct ng_verdict *v, int sect, uint32_t idx, enum ng_action a);
void ng_verdict_target(const struct ng_policy *p, struct ng_verdict *v, uint32_t tid);

#endif
