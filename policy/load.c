/*
 * Load netguard.conf (libconfig syntax) into the intermediate form.
 *
 * Every semantic error in the file is reported, each as
 *   FILE:LINE: rules[3] "corp": to[1] "10.0.0.1/8": host bits set; did you mean ...
 * A libconfig syntax error stops libconfig, so it is reported alone.
 *
 * libconfig reads one text with every @include already expanded
 * (include.c), and every line maps back to its file.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libconfig.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "loader.h"
#include "snapshot.h"

/* ---- rule fields --------------------------------------------------------- */

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

static void
each_string(struct loader *L, struct ir_rule *r, config_setting_t *field, const char *ctx,
	    const char *key, str_fn fn)
{
	int n;

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
	n = config_setting_length(field);
	for (int i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(field, (unsigned)i);
		const char *s;
		char sub[512];

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			ng_err(L, e, "%s: %s[%d]: must be a string, not %s", ctx, key, i,
			       ng_type_name(config_setting_type(e)));
			continue;
		}
		s = config_setting_get_string(e);
		if (s[0] == '@') {
			config_setting_t *list = find_list(L, s + 1);
			int m;

			if (!list) {
				ng_err(L, e,
				       "%s: %s[%d] \"%s\": no list \"%s\"; define it under lists = { %s = ( ... ); }",
				       ctx, key, i, s, s + 1, s + 1);
				continue;
			}
			m = config_setting_length(list);
			for (int j = 0; j < m; j++) {
				config_setting_t *le = config_setting_get_elem(list, (unsigned)j);

				if (config_setting_type(le) != CONFIG_TYPE_STRING)
					continue;	/* reported where the list is defined */
				if (list == L->tools)
					snprintf(sub, sizeof(sub), "%s: %s[%d] \"%s\": exec.network_tools[%d]",
						 ctx, key, i, s, j);
				else
					snprintf(sub, sizeof(sub), "%s: %s[%d] \"%s\": lists.%s[%d]", ctx, key, i, s,
						 s + 1, j);
				fn(L, r, sub, i, config_setting_get_string(le), le);
			}
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
		config_setting_t *e = config_setting_get_elem(f, (unsigned)i);
		int t = config_setting_type(e);
		uint16_t lo, hi;
		struct ir_ports *more;

		if (t == CONFIG_TYPE_INT || t == CONFIG_TYPE_INT64) {
			long long v = config_setting_get_int64(e);

			if (v < 1 || v > 65535) {
				ng_err(L, e, "%s: ports[%d] %lld: port outside 1-65535", ctx, i, v);
				continue;
			}
			lo = hi = (uint16_t)v;
		} else if (t == CONFIG_TYPE_STRING) {
			const char *s = config_setting_get_string(e);
			int rc = parse_port_string(s, &lo, &hi);

			if (rc == -2) {
				ng_err(L, e, "%s: ports[%d] \"%s\": range runs backwards; write \"LOW-HIGH\"", ctx, i,
				       s);
				continue;
			}
			if (rc < 0) {
				ng_err(L, e,
				       "%s: ports[%d] \"%s\": not a port or range in 1-65535, such as 443 or \"8000-8080\"",
				       ctx, i, s);
				continue;
			}
		} else {
			ng_err(L, e, "%s: ports[%d]: must be an integer or a \"LOW-HIGH\" string, not %s", ctx, i,
			       ng_type_name(t));
			continue;
		}
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

static void
parse_rule(struct loader *L, config_setting_t *s, enum ng_rkind kind, int idx, struct ir_rule *r)
{
	static const char *const k_guard[] = { "name", "action", "to", "ports", "proto", "exe", "mode", NULL };
	static const char *const k_rule[] = { "name", "action", "to", "ports", "proto", "exe", "mode", NULL };
	static const char *const k_exec[] = { "name", "action", "program", "argv0", "mode", NULL };
	const char *list = kind == NG_RK_GUARD ? "guard" : kind == NG_RK_RULE ? "rules" : "exec.rules";
	char ctx[160], dflt_name[64];
	const char *name = NULL;

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
	if (ng_get_string(L, s, "name", ctx, &name) > 0) {
		snprintf(ctx, sizeof(ctx), "%s \"%s\"", dflt_name, name);
		if (!good_rule_name(name)) {
			ng_err(L, ng_member(s, "name"), "%s: name: use 1-64 letters, digits and _ . : -", ctx);
		} else {
			for (size_t i = 0; reserved_names[i]; i++)
				if (strcmp(name, reserved_names[i]) == 0)
					ng_err(L, ng_member(s, "name"),
					       "%s: name: \"%s\" is reserved for verdicts no rule made; choose another", ctx,
					       name);
		}
	}
	r->name = ng_lstrdup(L, name ? name : dflt_name);
	ng_check_keys(L, s, ctx, kind == NG_RK_GUARD ? k_guard : kind == NG_RK_RULE ? k_rule : k_exec);

	r->action = kind == NG_RK_GUARD ? NG_DENY : 0;
	if (kind == NG_RK_GUARD) {
		const char *a;

		if (ng_get_string(L, s, "action", ctx, &a) > 0 && strcmp(a, "deny") != 0)
			ng_err(L, ng_member(s, "action"),
			       "%s: action: guard rules only deny; move allow rules to rules = ( ... )", ctx);
	} else {
		ng_get_enum(L, s, "action", ctx, kind == NG_RK_EXEC ? ng_w_adj : ng_w_ad, &r->action);
		if (!ng_member(s, "action"))
			ng_err(L, s, "%s: action missing; add action = \"%s\";", ctx,
			       kind == NG_RK_EXEC ? "allow\" | \"deny\" | \"jail" : "allow\" | \"deny");
	}
	ng_get_enum(L, s, "mode", ctx, ng_w_mode, &r->mode);
	if (kind == NG_RK_EXEC) {
		each_string(L, r, ng_member(s, "program"), ctx, "program", add_prog);
		each_string(L, r, ng_member(s, "argv0"), ctx, "argv0", add_argv0);
		return;
	}
	r->proto = NG_PROTO_ANY;
	ng_get_enum(L, s, "proto", ctx, ng_w_proto, &r->proto);
	each_string(L, r, ng_member(s, "to"), ctx, "to", add_target);
	if (ng_member(s, "to") && ng_is_seq(ng_member(s, "to")) && config_setting_length(ng_member(s, "to")) == 0)
		ng_err(L, ng_member(s, "to"), "%s: to: empty list matches nothing; omit to to match every destination",
		       ctx);
	parse_ports(L, r, ng_member(s, "ports"), ctx);
	each_string(L, r, ng_member(s, "exe"), ctx, "exe", add_exe);
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

/* ---- sections ------------------------------------------------------------ */

static void
parse_log(struct loader *L, config_setting_t *s)
{
	static const char *const keys[] = { "sink", "format", "allowed", "backtrace", NULL };
	struct ir_policy *ir = L->ir;
	const char *sink;

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		ng_err(L, s, "log: must be a group { sink = ...; }, not %s", ng_type_name(config_setting_type(s)));
		return;
	}
	ng_check_keys(L, s, "log", keys);
	if (ng_get_string(L, s, "sink", "log", &sink) > 0) {
		if (strcmp(sink, "stderr") == 0)
			ir->log_sink = NG_LOG_STDERR;
		else if (strcmp(sink, "syslog") == 0)
			ir->log_sink = NG_LOG_SYSLOG;
		else if (strcmp(sink, "none") == 0)
			ir->log_sink = NG_LOG_NONE;
		else if (strncmp(sink, "file:", 5) == 0 && sink[5] == '/') {
			ir->log_sink = NG_LOG_FILE;
			ir->log_path = ng_lstrdup(L, sink + 5);
		} else if (strncmp(sink, "file:", 5) == 0)
			ng_err(L, ng_member(s, "sink"), "log.sink: \"%s\": the file must be an absolute path, as in "
			       "\"file:/var/log/netguard.log\"", sink);
		else
			ng_err(L, ng_member(s, "sink"), "log.sink: \"%s\" is not valid; use \"stderr\", \"syslog\", "
			       "\"file:/path\" or \"none\"", sink);
	}
	ng_get_enum(L, s, "format", "log", ng_w_fmt, &ir->log_format);
	ng_get_bool(L, s, "allowed", "log", &ir->log_allowed);
	ng_get_bool(L, s, "backtrace", "log", &ir->log_backtrace);
}

static void
parse_dns(struct loader *L, config_setting_t *s)
{
	static const char *const keys[] = { "learn", "ttl", "max_entries", "block_denied_names", NULL };
	struct ir_policy *ir = L->ir;

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		ng_err(L, s, "dns: must be a group { learn = ...; }, not %s", ng_type_name(config_setting_type(s)));
		return;
	}
	ng_check_keys(L, s, "dns", keys);
	ng_get_bool(L, s, "learn", "dns", &ir->dns_learn);
	ng_get_uint(L, s, "ttl", "dns", 0, 100000000, &ir->dns_ttl);
	ng_get_uint(L, s, "max_entries", "dns", 1, 1048576, &ir->dns_max);
	ng_get_bool(L, s, "block_denied_names", "dns", &ir->dns_block_denied);
}

static void
parse_lists(struct loader *L, config_setting_t *s)
{
	int n;

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		ng_err(L, s, "lists: must be a group { name = ( ... ); }, not %s",
		       ng_type_name(config_setting_type(s)));
		return;
	}
	L->lists = s;
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(m);

		if (strcmp(name, "network_tools") == 0) {
			ng_err(L, m, "lists.network_tools: reserved: @network_tools always means exec.network_tools; "
			       "set exec.network_tools instead");
			continue;
		}
		if (!ng_is_seq(m)) {
			ng_err(L, m, "lists.%s: must be a list of strings, not %s", name,
			       ng_type_name(config_setting_type(m)));
			continue;
		}
		for (int j = 0; j < config_setting_length(m); j++) {
			config_setting_t *e = config_setting_get_elem(m, (unsigned)j);

			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				ng_err(L, e, "lists.%s[%d]: must be a string, not %s", name, j,
				       ng_type_name(config_setting_type(e)));
			else if (config_setting_get_string(e)[0] == '@')
				ng_err(L, e, "lists.%s[%d] \"%s\": lists cannot include other lists; list the targets",
				       name, j, config_setting_get_string(e));
		}
	}
}

static const char *const default_tools[] = {
	"curl", "wget", "nc", "ncat", "netcat", "socat", "telnet", "ftp", "ssh", "scp",
	"sftp", "rsync", "nmap", "dig", "nslookup", "host", NULL
};

static void
parse_exec(struct loader *L, config_setting_t *s)
{
	static const char *const keys[] = { "default", "unhookable", "privileged", "network_tools", "rules", NULL };
	struct ir_policy *ir = L->ir;
	config_setting_t *tools;

	if (!s)
		return;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		ng_err(L, s, "exec: must be a group { default = ...; }, not %s", ng_type_name(config_setting_type(s)));
		return;
	}
	ng_check_keys(L, s, "exec", keys);
	ng_get_enum(L, s, "default", "exec", ng_w_adj, &ir->exec_dflt);
	ng_get_enum(L, s, "unhookable", "exec", ng_w_adj, &ir->exec_unhookable);
	ng_get_enum(L, s, "privileged", "exec", ng_w_adj, &ir->exec_privileged);
	tools = ng_member(s, "network_tools");
	if (tools) {
		if (!ng_is_seq(tools)) {
			ng_err(L, tools, "exec.network_tools: must be a list of strings, not %s",
			       ng_type_name(config_setting_type(tools)));
		} else {
			L->tools = tools;
			for (int j = 0; j < config_setting_length(tools); j++) {
				config_setting_t *e = config_setting_get_elem(tools, (unsigned)j);

				if (config_setting_type(e) != CONFIG_TYPE_STRING)
					ng_err(L, e, "exec.network_tools[%d]: must be a string, not %s", j,
					       ng_type_name(config_setting_type(e)));
			}
		}
	}
}

static void
default_settings(struct ir_policy *ir)
{
#define NG_SET_ENUM(name, type, dflt, lo, hi) ir->name = (dflt);
#define NG_SET_BOOL(name, dflt) ir->name = (dflt);
#define NG_SET_I32(name, dflt) ir->name = (dflt);
#define NG_SET_U32(name, dflt) ir->name = (dflt);
#include "settings.def"
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

static void
parse_root(struct loader *L)
{
	static const char *const keys[] = { "version", "mode", "default", "unix_default", "raw_sockets",
					    "deny_errno", "log", "dns", "lists", "guard", "rules", "exec", NULL };
	config_setting_t *root = config_root_setting(&L->cfg);
	struct ir_policy *ir = L->ir;
	config_setting_t *v = ng_member(root, "version");
	config_setting_t *exec = ng_member(root, "exec");

	ng_check_keys(L, root, "", keys);
	/* adding to a group only fails when memory runs out */
	if (!exec && !(exec = config_setting_add(root, "exec", CONFIG_TYPE_GROUP)))
		ng_oom(L);
	if (exec && config_setting_type(exec) == CONFIG_TYPE_GROUP && !ng_member(exec, "network_tools")) {
		config_setting_t *a = config_setting_add(exec, "network_tools", CONFIG_TYPE_ARRAY);

		if (!a)
			ng_oom(L);
		for (size_t i = 0; a && default_tools[i]; i++)
			if (!config_setting_set_string_elem(a, -1, default_tools[i])) {
				ng_oom(L);
				break;
			}
	}
	if (!v) {
		ng_diag_add(L->d, NG_SEV_ERROR, ir->files[0], 1, "version missing; the first line must be: version = 1;");
		L->bad = 1;
	} else if ((config_setting_type(v) != CONFIG_TYPE_INT && config_setting_type(v) != CONFIG_TYPE_INT64) ||
		   config_setting_get_int64(v) != 1) {
		ng_err(L, v, "version: this netguard reads version 1 policies only; write version = 1;");
	}
	ng_get_enum(L, root, "mode", "", ng_w_mode, &ir->mode);
	ng_get_enum(L, root, "default", "", ng_w_ad, &ir->dflt);
	ng_get_enum(L, root, "unix_default", "", ng_w_ad, &ir->unix_dflt);
	ng_get_enum(L, root, "raw_sockets", "", ng_w_ad, &ir->raw_sockets);
	ng_get_enum(L, root, "deny_errno", "", ng_w_errno, &ir->deny_errno);
	parse_log(L, ng_member(root, "log"));
	parse_dns(L, ng_member(root, "dns"));
	parse_lists(L, ng_member(root, "lists"));
	parse_exec(L, exec);
	ng_parse_rules(L, ng_member(root, "guard"), NG_RK_GUARD, &ir->guard, &ir->nguard);
	ng_parse_rules(L, ng_member(root, "rules"), NG_RK_RULE, &ir->rules, &ir->nrules);
	if (exec && config_setting_type(exec) == CONFIG_TYPE_GROUP)
		ng_parse_rules(L, ng_member(exec, "rules"), NG_RK_EXEC, &ir->exec, &ir->nexec);
	ng_check_duplicates(L);
}

static int
load_text(struct loader *L)
{
	config_init(&L->cfg);
	if (!config_read_string(&L->cfg, L->text ? L->text : "")) {
		int n = config_error_line(&L->cfg);
		int file = 0, line = n;
		const char *txt = config_error_text(&L->cfg);

		ng_where_line(L, n, &file, &line);	/* else line n of the file */
		ng_diag_add(L->d, NG_SEV_ERROR, L->ir->files[file], line,
			    "%s; the file must be libconfig syntax: key = value; lists ( ... ), groups { ... }",
			    txt ? txt : "syntax error");
		config_destroy(&L->cfg);
		return -1;
	}
	parse_root(L);
	config_destroy(&L->cfg);
	return L->bad ? -1 : 0;
}

static int
load(struct loader *L)
{
	int rc = load_text(L);

	free(L->text);
	free(L->map);
	if (rc < 0)
		ng_ir_free(L->ir);
	return rc;
}

int
ng_ir_load_file(const char *path, struct ir_policy *ir, struct ng_diags *d)
{
	struct loader L = { .ir = ir, .d = d };

	memset(ir, 0, sizeof(*ir));
	default_settings(ir);
	if (ng_add_file(&L, path) < 0 || ng_expand_file(&L, path, 0, 0, 0) < 0) {
		free(L.text);
		free(L.map);
		ng_ir_free(ir);
		return -1;
	}
	return load(&L);
}

int
ng_ir_load_string(const char *text, const char *name, struct ir_policy *ir, struct ng_diags *d)
{
	struct loader L = { .ir = ir, .d = d };

	memset(ir, 0, sizeof(*ir));
	default_settings(ir);
	if (ng_add_file(&L, name) < 0 || ng_expand_text(&L, text, strlen(text), 0, 0) < 0) {
		free(L.text);
		free(L.map);
		ng_ir_free(ir);
		return -1;
	}
	return load(&L);
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

void
ng_ir_free(struct ir_policy *ir)
{
	for (size_t i = 0; i < ir->nguard; i++)
		ng_free_rule(&ir->guard[i]);
	for (size_t i = 0; i < ir->nrules; i++)
		ng_free_rule(&ir->rules[i]);
	for (size_t i = 0; i < ir->nexec; i++)
		ng_free_rule(&ir->exec[i]);
	free(ir->guard);
	free(ir->rules);
	free(ir->exec);
	for (size_t i = 0; i < ir->nfiles; i++)
		free(ir->files[i]);
	free(ir->files);
	free(ir->log_path);
	memset(ir, 0, sizeof(*ir));
}

/* Default network_tools when exec.network_tools is absent. */
const char *const *ng_default_network_tools(void);
const char *const *
ng_default_network_tools(void)
{
	return default_tools;
}
