/*
 * Typed reads of libconfig settings: each getter checks the type (and
 * range, or word) of one member and reports what is wrong in the words of
 * netguard.conf(5), so that the sections and rules read like a list of
 * keys.  The word tables map the policy's words to the engine's values.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "loader.h"
#include "snapshot.h"

const char *
ng_type_name(int t)
{
	switch (t) {
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a number";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_GROUP: return "a group { }";
	case CONFIG_TYPE_LIST: return "a list ( )";
	case CONFIG_TYPE_ARRAY: return "an array [ ]";
	default: return "unknown";
	}
}

int
ng_is_seq(const config_setting_t *s)
{
	int t = config_setting_type(s);

	return t == CONFIG_TYPE_LIST || t == CONFIG_TYPE_ARRAY;
}

/* Reject any member of group s whose name is not in keys[]. */
void
ng_check_keys(struct loader *L, config_setting_t *s, const char *ctx, const char *const *keys)
{
	int n = config_setting_length(s);

	for (int i = 0; i < n; i++) {
		config_setting_t *m = config_setting_get_elem(s, (unsigned)i);
		const char *name = config_setting_name(m);
		int known = 0;
		char list[256] = "";

		for (size_t k = 0; keys[k]; k++) {
			if (name && strcmp(name, keys[k]) == 0)
				known = 1;
			snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", k ? ", " : "", keys[k]);
		}
		if (!known)
			ng_err(L, m, "%s%sunknown key \"%s\"; expected one of: %s", ctx, *ctx ? ": " : "",
			       name ? name : "?", list);
	}
}

config_setting_t *
ng_member(config_setting_t *s, const char *key)
{
	return s ? config_setting_get_member(s, key) : NULL;
}

int
ng_get_string(struct loader *L, config_setting_t *parent, const char *key, const char *ctx, const char **out)
{
	config_setting_t *m = ng_member(parent, key);

	if (!m)
		return 0;
	if (config_setting_type(m) != CONFIG_TYPE_STRING) {
		ng_err(L, m, "%s%s%s: must be a string, not %s", ctx, *ctx ? "." : "", key,
		       ng_type_name(config_setting_type(m)));
		return -1;
	}
	*out = config_setting_get_string(m);
	return 1;
}

void
ng_get_bool(struct loader *L, config_setting_t *parent, const char *key, const char *ctx, int *out)
{
	config_setting_t *m = ng_member(parent, key);

	if (!m)
		return;
	if (config_setting_type(m) != CONFIG_TYPE_BOOL) {
		ng_err(L, m, "%s.%s: must be true or false, not %s", ctx, key, ng_type_name(config_setting_type(m)));
		return;
	}
	*out = config_setting_get_bool(m);
}

void
ng_get_uint(struct loader *L, config_setting_t *parent, const char *key, const char *ctx,
	    long long lo, long long hi, uint32_t *out)
{
	config_setting_t *m = ng_member(parent, key);
	long long v;

	if (!m)
		return;
	if (config_setting_type(m) != CONFIG_TYPE_INT && config_setting_type(m) != CONFIG_TYPE_INT64) {
		ng_err(L, m, "%s.%s: must be an integer, not %s", ctx, key, ng_type_name(config_setting_type(m)));
		return;
	}
	v = config_setting_get_int64(m);
	if (v < lo || v > hi) {
		ng_err(L, m, "%s.%s: %lld is out of range; use %lld to %lld", ctx, key, v, lo, hi);
		return;
	}
	*out = (uint32_t)v;
}

void
ng_get_enum(struct loader *L, config_setting_t *parent, const char *key, const char *ctx,
	    const struct ng_word *words, int *out)
{
	const char *s;
	char list[200] = "";

	if (ng_get_string(L, parent, key, ctx, &s) <= 0)
		return;
	for (size_t i = 0; words[i].w; i++) {
		if (strcmp(s, words[i].w) == 0) {
			*out = words[i].v;
			return;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s\"%s\"", i ? ", " : "", words[i].w);
	}
	ng_err(L, ng_member(parent, key), "%s%s%s: \"%s\" is not valid; use one of %s", ctx, *ctx ? "." : "", key, s,
	       list);
}

const struct ng_word ng_w_mode[] = { { "enforce", NG_MODE_ENFORCE }, { "audit", NG_MODE_AUDIT }, { NULL, 0 } };
const struct ng_word ng_w_ad[] = { { "allow", NG_ALLOW }, { "deny", NG_DENY }, { NULL, 0 } };
const struct ng_word ng_w_adj[] = { { "allow", NG_ALLOW }, { "deny", NG_DENY }, { "jail", NG_JAIL }, { NULL, 0 } };
const struct ng_word ng_w_errno[] = { { "EACCES", EACCES }, { "ECONNREFUSED", ECONNREFUSED },
				      { "ENETUNREACH", ENETUNREACH }, { "EPERM", EPERM }, { NULL, 0 } };
const struct ng_word ng_w_fmt[] = { { "text", NG_FMT_TEXT }, { "json", NG_FMT_JSON }, { NULL, 0 } };
const struct ng_word ng_w_proto[] = { { "tcp", NG_PROTO_TCP }, { "udp", NG_PROTO_UDP },
				      { "any", NG_PROTO_ANY }, { NULL, 0 } };
