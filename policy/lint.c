/*
 * Warnings for `netguard check`: things that load but are almost certainly
 * not what the author meant.
 *
 *  - a rule that can never decide, because an earlier rule (guard or rule)
 *    matches everything it matches: every target covered, ports, protocol
 *    and exe no narrower;
 *  - an allow rule with only address targets while dns.block_denied_names is
 *    on: its hosts cannot be reached by name;
 *  - a policy file writable by someone other than root (or its owner, when
 *    not root): the confined program could rewrite it.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ir.h"
#include "snapshot.h"

static int
ends_with_label(const char *name, const char *suffix)
{
	size_t n = strlen(name), s = strlen(suffix);

	return n > s && name[n - s - 1] == '.' && strcmp(name + n - s, suffix) == 0;
}

static int
net_covers(const struct ir_target *a, const struct ir_target *b)
{
	int bytes, full, rest;

	if (a->family != b->family || a->plen > b->plen)
		return 0;
	bytes = a->family == 4 ? 4 : 16;
	full = a->plen / 8;
	rest = a->plen % 8;
	(void)bytes;
	if (memcmp(a->addr, b->addr, (size_t)full))
		return 0;
	if (rest && ((a->addr[full] ^ b->addr[full]) & (uint8_t)(0xff << (8 - rest))))
		return 0;
	return 1;
}

/* Does target a match every destination target b matches? */
static int
target_covers(const struct ir_target *a, const struct ir_target *b)
{
	int bname = b->kind == NG_T_NAME || b->kind == NG_T_SUB || b->kind == NG_T_APEX;
	int bnet = b->kind == NG_T_ADDR || b->kind == NG_T_NET;

	switch (a->kind) {
	case NG_T_STAR:
		return b->kind != NG_T_UNIX;
	case NG_T_NAME:
		return b->kind == NG_T_NAME && strcmp(a->key, b->key) == 0;
	case NG_T_APEX:
		if (!bname)
			return 0;
		return strcmp(a->key, b->key) == 0 || ends_with_label(b->key, a->key);
	case NG_T_SUB:
		if (!bname)
			return 0;
		if (b->kind == NG_T_APEX)
			return ends_with_label(b->key, a->key);
		return (b->kind == NG_T_SUB && strcmp(a->key, b->key) == 0) || ends_with_label(b->key, a->key);
	case NG_T_ADDR:
	case NG_T_NET:
		return bnet && net_covers(a, b);
	case NG_T_UNIX:
		return b->kind == NG_T_UNIX && strcmp(a->key, "*") == 0;
	case NG_T_REGEX:
		return b->kind == NG_T_REGEX && strcmp(a->key, b->key) == 0;
	default:
		return 0;
	}
}

static int
to_covers(const struct ir_rule *a, const struct ir_rule *b)
{
	static const struct ir_target any = { .kind = NG_T_STAR };

	if (!a->nto)
		return b->nto ? to_covers(&(struct ir_rule){ .to = (struct ir_target *)&any, .nto = 1 }, b) : 1;
	if (!b->nto)
		for (size_t i = 0; i < a->nto; i++)
			if (a->to[i].kind == NG_T_STAR)
				return 1;
	if (!b->nto)
		return 0;
	for (size_t j = 0; j < b->nto; j++) {
		int covered = 0;

		for (size_t i = 0; i < a->nto && !covered; i++)
			covered = target_covers(&a->to[i], &b->to[j]);
		if (!covered)
			return 0;
	}
	return 1;
}

static int
ports_cover(const struct ir_rule *a, const struct ir_rule *b)
{
	if (!a->nports)
		return 1;
	if (!b->nports)
		return 0;
	for (size_t j = 0; j < b->nports; j++) {
		int covered = 0;

		for (size_t i = 0; i < a->nports && !covered; i++)
			covered = a->ports[i].lo <= b->ports[j].lo && a->ports[i].hi >= b->ports[j].hi;
		if (!covered)
			return 0;
	}
	return 1;
}

static int
exe_covers(const struct ir_rule *a, const struct ir_rule *b)
{
	if (!a->nexe)
		return 1;
	if (!b->nexe)
		return 0;
	for (size_t j = 0; j < b->nexe; j++) {
		int covered = 0;

		for (size_t i = 0; i < a->nexe && !covered; i++)
			covered = strcmp(a->exe[i].glob, "*") == 0 || strcmp(a->exe[i].glob, b->exe[j].glob) == 0;
		if (!covered)
			return 0;
	}
	return 1;
}

static int
rule_covers(const struct ir_rule *a, const struct ir_rule *b)
{
	int aproto = a->proto ? a->proto : (int)NG_PROTO_ANY, bproto = b->proto ? b->proto : (int)NG_PROTO_ANY;

	return (aproto & bproto) == bproto && ports_cover(a, b) && exe_covers(a, b) && to_covers(a, b);
}

static void
shadowed(const struct ir_policy *ir, struct ng_diags *d)
{
	for (size_t j = 0; j < ir->nrules; j++) {
		const struct ir_rule *b = &ir->rules[j];
		const struct ir_rule *by = NULL;
		const char *list = "rules";
		size_t at = 0;

		for (size_t i = 0; i < ir->nguard && !by; i++)
			if (rule_covers(&ir->guard[i], b)) {
				by = &ir->guard[i];
				list = "guard";
				at = i;
			}
		for (size_t i = 0; i < j && !by; i++)
			if (rule_covers(&ir->rules[i], b)) {
				by = &ir->rules[i];
				at = i;
			}
		if (!by)
			continue;
		if (strcmp(list, "rules") == 0 && by->nto && by->to[0].kind == NG_T_STAR && by->nto == 1)
			ng_diag_add(d, NG_SEV_WARNING, ir->files[b->file], b->line,
				    "rules[%zu] \"%s\": never decides: %s[%zu] \"%s\" at line %d is a catch-all (\"*\") "
				    "before it; move this rule above it", j, b->name, list, at, by->name, by->line);
		else
			ng_diag_add(d, NG_SEV_WARNING, ir->files[b->file], b->line,
				    "rules[%zu] \"%s\": never decides: %s[%zu] \"%s\" at line %d already matches "
				    "everything it matches; remove it or move it above", j, b->name, list, at, by->name,
				    by->line);
	}
	for (size_t j = 0; j < ir->nexec; j++) {
		const struct ir_rule *b = &ir->exec[j];

		for (size_t i = 0; i < j; i++) {
			const struct ir_rule *a = &ir->exec[i];

			if (!a->nprog && !a->nargv0) {
				ng_diag_add(d, NG_SEV_WARNING, ir->files[b->file], b->line,
					    "exec.rules[%zu] \"%s\": never decides: exec.rules[%zu] \"%s\" at line %d "
					    "matches every program", j, b->name, i, a->name, a->line);
				break;
			}
		}
	}
}

static void
address_only(const struct ir_policy *ir, struct ng_diags *d)
{
	if (!ir->dns_block_denied)
		return;
	for (size_t j = 0; j < ir->nrules; j++) {
		const struct ir_rule *r = &ir->rules[j];
		int names = 0, addrs = 0;

		if (r->action != NG_ALLOW || !r->nto)
			continue;
		for (size_t i = 0; i < r->nto; i++) {
			int k = r->to[i].kind;

			if (k == NG_T_ADDR || k == NG_T_NET)
				addrs++;
			else if (k != NG_T_UNIX)
				names++;
		}
		if (addrs && !names)
			ng_diag_add(d, NG_SEV_WARNING, ir->files[r->file], r->line,
				    "rules[%zu] \"%s\": allows only addresses, and dns.block_denied_names is on: "
				    "programs cannot look up a name for these hosts; add the host names to \"to\"",
				    j, r->name);
	}
}

static void
writable(const char *path, struct ng_diags *d)
{
	struct stat st;
	char dir[4096];
	const char *slash;

	if (!path || stat(path, &st) < 0)
		return;
	if ((st.st_mode & S_IWOTH) || ((st.st_mode & S_IWGRP) && st.st_gid != 0) || st.st_uid != 0)
		ng_diag_add(d, NG_SEV_WARNING, path, 0,
			    "writable by %s: a confined program running as that user could rewrite its own policy; "
			    "chown root:root and chmod 644 it",
			    st.st_mode & S_IWOTH ? "everyone" : st.st_uid != 0 ? "its non-root owner" : "its group");
	slash = strrchr(path, '/');
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1, slash ? (slash == path ? "/" : path) : ".");
	if (stat(dir, &st) == 0 && ((st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)))
		ng_diag_add(d, NG_SEV_WARNING, path, 0,
			    "its directory %s is writable by everyone: anyone can replace the policy; "
			    "keep policies in a root-owned directory such as /etc/netguard", dir);
}

void
ng_ir_lint(const struct ir_policy *ir, const char *path, struct ng_diags *d)
{
	shadowed(ir, d);
	address_only(ir, d);
	writable(path, d);
}
