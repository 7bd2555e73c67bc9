/*
 * Load netguard.conf (libconfig syntax) into the intermediate form: the
 * entry points, the root and the sections (log, dns, lists, exec); the
 * rest is in the files loader.h lists.
 *
 * Every semantic error in the file is reported, each as
 *   FILE:LINE: rules[3] "corp": to[1] "10.0.0.1/8": host bits set; did you mean ...
 * A libconfig syntax error stops libconfig, so it is reported alone.
 *
 * libconfig reads one text with every @include already expanded
 * (include.c), and every line maps back to its file.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

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
