/*
 * guard, rules and exec.rules: each rule's name, action and mode, and its
 * fields -- "to" (targets, through target.c), "ports", "proto", "exe",
 * "program", "argv0" -- with @lists expanded; and the check that rule
 * names are unique across the three lists.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "snapshot.h"

static config_setting_t *
find_list(struct loader *L, const char *name)
{
	if (strcmp(name, "network_tools") == 0)
		return L->tools;
	return ng_member(L->lists, name);
}

/*
 * Iterate the strings of a rule field, expanding @lists.  fn is called for
 * each string with the setting that holds it (for its line) and a context
 * prefix for messages.
 */
typedef void (*str_fn)(struct loader *L, struct ir_rule *r, const char *ctx, int idx,
		       const char *s, config_setting_t *at);

/* s = "@name", element i of field key: fn for each string of list name. */
static void
each_listed(struct loader *L, struct ir_rule *r, config_setting_t *e, const char *ctx, const char *key, int i,
	    str_fn fn)
{
	const char *s = config_setting_get_string(e);
	config_setting_t *list = find_list(L, s + 1);
	char sub[512];

	if (!list) {
		ng_err(L, e, "%s: %s[%d] \"%s\": no list \"%s\"; define it under lists = { %s = ( ... ); }", ctx, key,
		       i, s, s + 1, s + 1);
		return;
	}
	for (int j = 0; j < config_setting_length(list); j++) {
		config_setting_t *le = config_setting_get_elem(list, (unsigned)j);

		if (config_setting_type(le) != CONFIG_TYPE_STRING)
			continue;	/* reported where the list is defined */
		if (list == L->tools)
			snprintf(sub, sizeof(sub), "%s: %s[%d] \"%s\": exec.network_tools[%d]", ctx, key, i, s, j);
		else
			snprintf(sub, sizeof(sub), "%s: %s[%d] \"%s\": lists.%s[%d]", ctx, key, i, s, s + 1, j);
		fn(L, r, sub, i, config_setting_get_string(le), le);
	}
}

static void
each_string(struct loader *L, struct ir_rule *r, config_setting_t *field, const char *ctx,
	    const char *key, str_fn fn)
{
	char sub[512];

	if (!field)
		return;
	if (config_setting_type(field) == CONFIG_TYPE_STRING) {
		ng_err(L, field, "%s: %s: must be a list of strings, as in %s = ( \"%s\" );", ctx, key, key,
		       config_setting_get_string(field));
		return;
	}
	if (!ng_is_seq(field)) {
		ng_err(L, field, "%s: %s: must be a list of strings, not %s", ctx, key,
		       ng_type_name(config_setting_type(field)));
		return;
	}
	for (int i = 0; i < config_setting_length(field); i++) {
		config_setting_t *e = config_setting_get_elem(field, (unsigned)i);
		const char *s;

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			ng_err(L, e, "%s: %s[%d]: must be a string, not %s", ctx, key, i,
			       ng_type_name(config_setting_type(e)));
			continue;
		}
		s = config_setting_get_string(e);
		if (s[0] == '@') {
			each_listed(L, r, e, ctx, key, i, fn);
			continue;
		}
		snprintf(sub, sizeof(sub), "%s: %s[%d]", ctx, key, i);
		fn(L, r, sub, i, s, e);
	}
}

static void
add_target(struct loader *L, struct ir_rule *r, const char *ctx, int idx, const char *s, config_setting_t *at)
{
	struct ir_target t, *to;
	char why[300];
	int rc = ng_parse_target(s, &t, why, sizeof(why));

	if (rc == -2) {
		ng_oom(L);
		return;
	}
	if (rc < 0) {
		if (s[0] == '@')
			snprintf(why, sizeof(why), "lists cannot include other lists");
		ng_err(L, at, "%s \"%s\": %s", ctx, s, why);
		return;
	}
	t.list_idx = idx;
	ng_where(L, at, &t.file, &t.line);
	if (!(t.text = ng_lstrdup(L, s)) || !(to = ng_lrealloc(L, r->to, (r->nto + 1) * sizeof(*r->to)))) {
		ng_free_target(&t);
		return;
	}
	r->to = to;
	r->to[r->nto++] = t;
}

static void
add_glob(struct loader *L, struct ir_glob **v, size_t *n, const char *ctx, const char *s, config_setting_t *at)
{
	const char *why;
	struct ir_glob g, *more;

	if (s[0] == '@') {
		ng_err(L, at, "%s \"%s\": lists cannot include other lists", ctx, s);
		return;
	}
	if (ng_glob_check(s, &why) < 0) {
		ng_err(L, at, "%s \"%s\": %s", ctx, s, why);
		return;
	}
	if (!(g.glob = ng_lstrdup(L, s)))
		return;
	ng_where(L, at, &g.file, &g.line);
	if (!(more = ng_lrealloc(L, *v, (*n + 1) * sizeof(**v)))) {
		free(g.glob);
		return;
	}
	*v = more;
	(*v)[(*n)++] = g;
}

static void
add_exe(struct loader *L, struct ir_rule *r, const char *ctx, int idx, const char *s, config_setting_t *at)
{
	add_glob(L, &r->exe, &r->nexe, ctx, s, at);
}

static void
add_prog(struct loader *L, struct ir_rule *r, const char *ctx, int idx, const char *s, config_setting_t *at)
{
	add_glob(L, &r->prog, &r->nprog, ctx, s, at);
}

static void
add_argv0(struct loader *L, struct ir_rule *r, const char *ctx, int idx, const char *s, config_setting_t *at)
{
	add_glob(L, &r->argv0, &r->nargv0, ctx, s, at);
}

static int
parse_port_string(const char *s, uint16_t *lo, uint16_t *hi)
{
	char *end;
	long a, b;
	const char *dash = strchr(s, '-');

	if (!ng_all_digits(s, dash ? (size_t)(dash - s) : strlen(s)))
		return -1;
	a = strtol(s, &end, 10);
	b = a;
	if (dash) {
		if (!ng_all_digits(dash + 1, strlen(dash + 1)))
			return -1;
		b = strtol(dash + 1, &end, 10);
	}
	if (*end || a < 1 || a > 65535 || b < 1 || b > 65535)
		return -1;
	if (a > b)
		return -2;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* Element i of ports: an integer or "LOW-HIGH"; -1 if it is neither (reported). */
static int
port_entry(struct loader *L, config_setting_t *e, const char *ctx, int i, uint16_t *lo, uint16_t *hi)
{
	int t = config_setting_type(e), rc;
	long long v;
	const char *s;

	if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
		v = config_setting_get_int64(e);
		if (v < 1 || v > 65535) {
			ng_err(L, e, "%s: ports[%d] %lld: port outside 1-65535", ctx, i, v);
			return -1;
		}
		*lo = *hi = (uint16_t)v;
		return 0;
	}
	if (t != CONFIG_TYPE_STRING) {
		ng_err(L, e, "%s: ports[%d]: must be an integer or a \"LOW-HIGH\" string, not %s", ctx, i,
		       ng_type_name(t));
		return -1;
	}
	s = config_setting_get_string(e);
	rc = parse_port_string(s, lo, hi);
	if (rc == -2)
		ng_err(L, e, "%s: ports[%d] \"%s\": range runs backwards; write \"LOW-HIGH\"", ctx, i, s);
	else if (rc < 0)
		ng_err(L, e, "%s: ports[%d] \"%s\": not a port or range in 1-65535, such as 443 or \"8000-8080\"",
		       ctx, i, s);
	return rc < 0 ? -1 : 0;
}

static void
parse_ports(struct loader *L, struct ir_rule *r, config_setting_t *f, const char *ctx)
{
	int n;

	if (!f)
		return;
	if (!ng_is_seq(f)) {
		ng_err(L, f, "%s: ports: must be a list, as in ports = ( 443, \"8000-8080\" );", ctx);
		return;
	}
	n = config_setting_length(f);
	if (n == 0)
		ng_err(L, f, "%s: ports: empty list matches nothing; omit ports to match every port", ctx);
	for (int i = 0; i < n; i++) {
		uint16_t lo, hi;
		struct ir_ports *more;

		if (port_entry(L, config_setting_get_elem(f, (unsigned)i), ctx, i, &lo, &hi) < 0)
			continue;
		more = ng_lrealloc(L, r->ports, (r->nports + 1) * sizeof(*r->ports));
		if (!more)
			return;
		r->ports = more;
		r->ports[r->nports].lo = lo;
		r->ports[r->nports].hi = hi;
		r->nports++;
	}
}

static const char *const reserved_names[] = { "default", "localhost", "privileged", "unhookable", "error", NULL };

static int
good_rule_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (const char *p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (!((c | 32) >= 'a' && (c | 32) <= 'z') && !(c >= '0' && c <= '9') && !strchr("_.:-", c))
			return 0;
	}
	return 1;
}

/* The rule's name, checked, or NULL; ctx becomes `list[idx] "name"` when it has one. */
static const char *
rule_name(struct loader *L, config_setting_t *s, const char *dflt_name, char *ctx, size_t ctxsz)
{
	const char *name = NULL;

	if (ng_get_string(L, s, "name", ctx, &name) <= 0)
		return NULL;
	snprintf(ctx, ctxsz, "%s \"%s\"", dflt_name, name);
	if (!good_rule_name(name)) {
		ng_err(L, ng_member(s, "name"), "%s: name: use 1-64 letters, digits and _ . : -", ctx);
		return name;
	}
	for (size_t i = 0; reserved_names[i]; i++)
		if (strcmp(name, reserved_names[i]) == 0)
			ng_err(L, ng_member(s, "name"),
			       "%s: name: \"%s\" is reserved for verdicts no rule made; choose another", ctx, name);
	return name;
}

static void
rule_action(struct loader *L, config_setting_t *s, enum ng_rkind kind, const char *ctx, struct ir_rule *r)
{
	const char *a;

	r->action = kind == NG_RK_GUARD ? NG_DENY : 0;
	if (kind == NG_RK_GUARD) {
		if (ng_get_string(L, s, "action", ctx, &a) > 0 && strcmp(a, "deny") != 0)
			ng_err(L, ng_member(s, "action"),
			       "%s: action: guard rules only deny; move allow rules to rules = ( ... )", ctx);
		return;
	}
	ng_get_enum(L, s, "action", ctx, kind == NG_RK_EXEC ? ng_w_adj : ng_w_ad, &r->action);
	if (!ng_member(s, "action"))
		ng_err(L, s, "%s: action missing; add action = \"%s\";", ctx,
		       kind == NG_RK_EXEC ? "allow\" | \"deny\" | \"jail" : "allow\" | \"deny");
}

/* proto, to, ports and exe: the fields of guard and rules entries */
static void
rule_dest(struct loader *L, config_setting_t *s, const char *ctx, struct ir_rule *r)
{
	config_setting_t *to = ng_member(s, "to");

	r->proto = NG_PROTO_ANY;
	ng_get_enum(L, s, "proto", ctx, ng_w_proto, &r->proto);
	each_string(L, r, to, ctx, "to", add_target);
	if (to && ng_is_seq(to) && config_setting_length(to) == 0)
		ng_err(L, to, "%s: to: empty list matches nothing; omit to to match every destination", ctx);
	parse_ports(L, r, ng_member(s, "ports"), ctx);
	each_string(L, r, ng_member(s, "exe"), ctx, "exe", add_exe);
}

static void
parse_rule(struct loader *L, config_setting_t *s, enum ng_rkind kind, int idx, struct ir_rule *r)
{
	static const char *const k_guard[] = { "name", "action", "to", "ports", "proto", "exe", "mode", NULL };
	static const char *const k_rule[] = { "name", "action", "to", "ports", "proto", "exe", "mode", NULL };
	static const char *const k_exec[] = { "name", "action", "program", "argv0", "mode", NULL };
	const char *list = kind == NG_RK_GUARD ? "guard" : kind == NG_RK_RULE ? "rules" : "exec.rules";
	char ctx[160], dflt_name[64];
	const char *name;

	memset(r, 0, sizeof(*r));
	ng_where(L, s, &r->file, &r->line);
	snprintf(dflt_name, sizeof(dflt_name), "%s[%d]", list, idx);
	snprintf(ctx, sizeof(ctx), "%s", dflt_name);
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		ng_err(L, s, "%s: must be a group { name = ...; action = ...; }, not %s", ctx,
		       ng_type_name(config_setting_type(s)));
		r->name = ng_lstrdup(L, dflt_name);
		return;
	}
	name = rule_name(L, s, dflt_name, ctx, sizeof(ctx));
	r->name = ng_lstrdup(L, name ? name : dflt_name);
	ng_check_keys(L, s, ctx, kind == NG_RK_GUARD ? k_guard : kind == NG_RK_RULE ? k_rule : k_exec);
	rule_action(L, s, kind, ctx, r);
	ng_get_enum(L, s, "mode", ctx, ng_w_mode, &r->mode);
	if (kind == NG_RK_EXEC) {
		each_string(L, r, ng_member(s, "program"), ctx, "program", add_prog);
		each_string(L, r, ng_member(s, "argv0"), ctx, "argv0", add_argv0);
	} else {
		rule_dest(L, s, ctx, r);
	}
}

void
ng_parse_rules(struct loader *L, config_setting_t *s, enum ng_rkind kind, struct ir_rule **out, size_t *nout)
{
	const char *list = kind == NG_RK_GUARD ? "guard" : kind == NG_RK_RULE ? "rules" : "exec.rules";
	int n;

	if (!s)
		return;
	if (!ng_is_seq(s)) {
		ng_err(L, s, "%s: must be a list ( { ... }, { ... } ), not %s", list,
		       ng_type_name(config_setting_type(s)));
		return;
	}
	n = config_setting_length(s);
	*out = ng_lrealloc(L, NULL, (size_t)n * sizeof(**out));
	if (!*out)
		return;
	for (int i = 0; i < n; i++)
		parse_rule(L, config_setting_get_elem(s, (unsigned)i), kind, i, &(*out)[i]);
	*nout = (size_t)n;
}

struct named {
	const char *name;
	int list;
	size_t idx;
	const struct ir_rule *r;
};

static int
named_cmp(const void *a, const void *b)
{
	const struct named *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c)
		return c;
	if (x->list != y->list)
		return x->list - y->list;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Rule names label log lines: unique across guard, rules and exec.rules. */
void
ng_check_duplicates(struct loader *L)
{
	struct ir_policy *ir = L->ir;
	struct ir_rule *all[3] = { ir->guard, ir->rules, ir->exec };
	size_t cnt[3] = { ir->nguard, ir->nrules, ir->nexec }, n = 0;
	const char *lname[3] = { "guard", "rules", "exec.rules" };
	struct named *v = ng_lrealloc(L, NULL, (cnt[0] + cnt[1] + cnt[2]) * sizeof(*v));

	if (!v)
		return;
	for (int a = 0; a < 3; a++)
		for (size_t i = 0; i < cnt[a]; i++)
			if (all[a][i].name)	/* NULL: memory ran out */
				v[n++] = (struct named){ all[a][i].name, a, i, &all[a][i] };
	if (n)
		qsort(v, n, sizeof(*v), named_cmp);
	for (size_t i = 1; i < n; i++) {
		size_t first = i - 1;

		if (strcmp(v[i].name, v[first].name) != 0)
			continue;
		while (first > 0 && strcmp(v[first - 1].name, v[i].name) == 0)
			first--;
		ng_diag_add(L->d, NG_SEV_ERROR, ir->files[v[i].r->file], v[i].r->line,
			    "%s[%zu] \"%s\": duplicate rule name; %s[%zu] at line %d has it already; "
			    "names label log lines and must be unique",
			    lname[v[i].list], v[i].idx, v[i].name, lname[v[first].list], v[first].idx, v[first].r->line);
		L->bad = 1;
	}
	free(v);
}

void
ng_free_rule(struct ir_rule *r)
{
	for (size_t i = 0; i < r->nto; i++)
		ng_free_target(&r->to[i]);
	for (size_t i = 0; i < r->nexe; i++)
		free(r->exe[i].glob);
	for (size_t i = 0; i < r->nprog; i++)
		free(r->prog[i].glob);
	for (size_t i = 0; i < r->nargv0; i++)
		free(r->argv0[i].glob);
	free(r->to);
	free(r->ports);
	free(r->exe);
	free(r->prog);
	free(r->argv0);
	free(r->name);
}
