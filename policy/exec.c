/*
 * Program starts (SPEC 3.4): exec rules first, then exec.privileged,
 * exec.unhookable and exec.default.
 */
#include "config.h"

#include <string.h>

#include "engine.h"
#include "lib/exec.h"

void
ng_decide_exec(const struct ng_policy *p, const struct ng_exec_query *q, struct ng_verdict *v)
{
	const struct ng_settings *s;
	const char *progs[8] = { q->path, q->real, ng_base_name(q->path), ng_base_name(q->real),
				 q->interp, q->interp_real, ng_base_name(q->interp), ng_base_name(q->interp_real) };
	const char *argv0[1] = { ng_base_name(q->argv0) };
	uint32_t n;

	ng_verdict_init(v);
	if (!p || !p->base) {
		ng_verdict_error(v);
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
		pm = r->prog_count ? ng_globs_match(p, r->prog_first, r->prog_count, progs, 8, &which) : -1;
		am = r->argv0_count ? ng_globs_match(p, r->argv0_first, r->argv0_count, argv0, 1,
						  pm == 1 ? NULL : &which) : -1;
		if (r->action == NG_ALLOW ? (pm == 0 || am == 0) : (pm != 1 && am != 1 && (pm != -1 || am != -1)))
			continue;
		ng_verdict_rule(p, v, NG_SEC_EXEC, i, (enum ng_action)r->action);
		v->glob = which;
		return;
	}
	if (q->flags & NG_EXEC_PRIVILEGED)
		ng_verdict_default(p, v, (enum ng_action)s->exec_privileged, NG_FROM_PRIVILEGED, "privileged");
	else if (q->flags & NG_EXEC_UNHOOKABLE)
		ng_verdict_default(p, v, (enum ng_action)s->exec_unhookable, NG_FROM_UNHOOKABLE, "unhookable");
	else
		ng_verdict_default(p, v, (enum ng_action)s->exec_dflt, NG_FROM_DEFAULT, "default");
}

/* static, Go, musl, liburing, another ELF class, malformed, or unreadable: what
 * cannot be seen into is treated as unhookable (SPEC 3.4; fail closed) */
#define UNHOOKABLE_ELF \
	(NG_ELF_STATIC | NG_ELF_GO | NG_ELF_FOREIGN | NG_ELF_URING | NG_ELF_CLASS | NG_ELF_BAD | NG_ELF_UNREADABLE)

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
