/*
 * Verdicts: what a decision hands back, with the effective mode already
 * applied -- a rule's own mode, else the override (NETGUARD_MODE, --audit),
 * else the file's -- so no caller ever recomputes it.
 */
#include "config.h"

#include "lib/sys.h"

#include <string.h>

#include "engine.h"

NG_STARTUP int
ng_policy_set_mode(struct ng_policy *p, const char *word)
{
	if (!word || !*word)
		return 0;
	if (strcmp(word, "audit") == 0)
		p->mode_override = NG_MODE_AUDIT;
	else if (strcmp(word, "enforce") == 0)
		p->mode_override = NG_MODE_ENFORCE;
	else
		return -1;
	return 0;
}

enum ng_mode
ng_file_mode(const struct ng_policy *p)
{
	return p->mode_override ? (enum ng_mode)p->mode_override : (enum ng_mode)hdr(p)->s.mode;
}

void
ng_verdict_init(struct ng_verdict *v)
{
	memset(v, 0, sizeof(*v));
	v->mode = NG_MODE_ENFORCE;
	v->rule = -1;
	v->target = -1;
	v->glob = -1;
	v->rule_name = "default";
}

/* the action under the verdict's mode: audit proceeds, and says so */
void
ng_verdict_act(struct ng_verdict *v, enum ng_action a)
{
	v->action = a;
	v->audit = v->mode == NG_MODE_AUDIT && a != NG_ALLOW;
}

void
ng_verdict_default(const struct ng_policy *p, struct ng_verdict *v, enum ng_action a, enum ng_origin o,
		   const char *name)
{
	v->origin = o;
	v->rule_name = name;
	v->mode = ng_file_mode(p);
	ng_verdict_act(v, a);
}

void
ng_verdict_error(struct ng_verdict *v)
{
	ng_verdict_init(v);
	v->action = NG_DENY;
	v->origin = NG_FROM_ERROR;
	v->rule_name = "error";
}

void
ng_verdict_rule(const struct ng_policy *p, struct ng_verdict *v, int sect, uint32_t idx, enum ng_action a)
{
	const struct ng_rule *r = rule_at(p, sect, idx);

	if (!r) {
		ng_verdict_error(v);
		return;
	}
	v->origin = sect == NG_SEC_GUARD ? NG_FROM_GUARD : sect == NG_SEC_RULES ? NG_FROM_RULES : NG_FROM_EXEC;
	v->rule = (int32_t)idx;
	v->rule_name = str_at(p, r->name);
	v->file = file_at(p, r->file);
	v->line = r->line;
	v->mode = r->mode ? (enum ng_mode)r->mode : ng_file_mode(p);
	ng_verdict_act(v, a);
}

void
ng_verdict_target(const struct ng_policy *p, struct ng_verdict *v, uint32_t tid)
{
	const struct ng_target *t = target_at(p, tid);
	const struct ng_rule *r = ng_rule_of(p, t);

	if (!r) {
		ng_verdict_error(v);
		return;
	}
	ng_verdict_rule(p, v, t->sect, t->rule, t->sect == NG_SEC_GUARD ? NG_DENY : (enum ng_action)r->action);
	v->target = (int32_t)tid;
}

const char *
ng_verdict_word(const struct ng_verdict *v)
{
	switch (v->action) {
	case NG_ALLOW: return "allow";
	case NG_JAIL: return v->audit ? "would-jail" : "jail";
	default: return v->audit ? "would-deny" : "deny";
	}
}

const char *
ng_verdict_mode_word(const struct ng_verdict *v)
{
	return v->mode == NG_MODE_AUDIT ? "audit" : "enforce";
}
