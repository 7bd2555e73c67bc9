/*
 * The loader's parts, and what they share: the state of one load (struct
 * loader) and the functions each part offers the ones after it.  Calls go
 * one way, down this list, never back up:
 *
 *   load.c     the sections, the root, the entry points (ir.h)
 *   rules.c    guard, rules and exec.rules: each rule and its fields
 *   target.c   the grammar of one target ("to" entries)
 *   getters.c  typed reads of libconfig settings, the word tables
 *   include.c  @include expansion into one text, and its line map
 *   diag.c     diagnostics: ng_diag_add, errors at a setting, memory
 *
 * Internal to libngload.
 */
#ifndef NG_LOADER_H
#define NG_LOADER_H

#include <libconfig.h>
#include <stddef.h>

#include "ir.h"

/* where an expanded line came from: ir->files[file], line */
struct srcline {
	int file, line;
};

struct loader {
	struct ir_policy *ir;
	struct ng_diags *d;
	struct srcline *map;	/* expanded line (1-based) -> origin */
	size_t nmap, capmap;
	char *text;
	size_t ntext, captext;
	config_t cfg;
	config_setting_t *lists;
	config_setting_t *tools;	/* exec.network_tools, or NULL */
	int bad;
	int oom;		/* memory ran out: stop expanding @include */
};

/* ---- diag.c -------------------------------------------------------------- */

/* Report an error at setting at (its file and line); the load fails. */
void ng_err(struct loader *L, const config_setting_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The file (index into ir->files) and line of a setting; 0, 0 if unknown. */
void ng_where(const struct loader *L, const config_setting_t *at, int *file, int *line);
/* The same for line n of the expanded text: 0, or -1 (no such line) leaving them alone. */
int ng_where_line(const struct loader *L, int n, int *file, int *line);
/* Memory ran out: report "out of memory" (once) and fail the load. */
void ng_oom(struct loader *L);
/* realloc/strdup that call ng_oom and return NULL on failure (p untouched). */
void *ng_lrealloc(struct loader *L, void *p, size_t n);
char *ng_lstrdup(struct loader *L, const char *s);

/* ---- include.c ----------------------------------------------------------- */

/* Add a name to ir->files: its index, or -1 (out of memory, reported). */
int ng_add_file(struct loader *L, const char *path);
/*
 * Append a file (or text) to L->text with its @includes expanded, and each
 * line's origin to L->map.  -1 when it cannot be read (reported) or memory
 * ran out (L->oom).
 */
int ng_expand_file(struct loader *L, const char *path, int from_file, int from_line, int depth);
int ng_expand_text(struct loader *L, const char *text, size_t len, int file, int depth);

/* ---- getters.c ----------------------------------------------------------- */

struct ng_word {
	const char *w;
	int v;
};

extern const struct ng_word ng_w_mode[], ng_w_ad[], ng_w_adj[], ng_w_errno[], ng_w_fmt[], ng_w_proto[];

/* "an integer", "a string", ...: a libconfig type for messages */
const char *ng_type_name(int t);
/* a list ( ) or an array [ ] */
int ng_is_seq(const config_setting_t *s);
/* member key of group s; NULL if s is NULL or has none */
config_setting_t *ng_member(config_setting_t *s, const char *key);
/* Report every member of group s whose name is not in keys[]. */
void ng_check_keys(struct loader *L, config_setting_t *s, const char *ctx, const char *const *keys);
/*
 * Read member key of parent into *out if it is there; a value of the wrong
 * type or out of range is reported and leaves *out alone.  ctx prefixes the
 * messages.  ng_get_string returns 1 (read), 0 (absent) or -1 (reported).
 */
int ng_get_string(struct loader *L, config_setting_t *parent, const char *key, const char *ctx, const char **out);
void ng_get_bool(struct loader *L, config_setting_t *parent, const char *key, const char *ctx, int *out);
void ng_get_uint(struct loader *L, config_setting_t *parent, const char *key, const char *ctx, long long lo,
		 long long hi, uint32_t *out);
void ng_get_enum(struct loader *L, config_setting_t *parent, const char *key, const char *ctx,
		 const struct ng_word *words, int *out);

/* ---- target.c ------------------------------------------------------------ */

/*
 * Parse one target string into *t.  Returns 0; -1 with why filled; or -2
 * when memory ran out (nothing left allocated in *t).
 */
int ng_parse_target(const char *text, struct ir_target *t, char *why, size_t whysz);
void ng_free_target(struct ir_target *t);
/* n > 0 characters, all decimal digits */
int ng_all_digits(const char *s, size_t n);

/* ---- rules.c ------------------------------------------------------------- */

enum ng_rkind { NG_RK_GUARD, NG_RK_RULE, NG_RK_EXEC };

/* Parse the list s of guard, rules or exec.rules into *out, *nout. */
void ng_parse_rules(struct loader *L, config_setting_t *s, enum ng_rkind kind, struct ir_rule **out, size_t *nout);
/* Rule names label log lines: report any used twice across the three lists. */
void ng_check_duplicates(struct loader *L);
void ng_free_rule(struct ir_rule *r);

#endif
