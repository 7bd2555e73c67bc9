/*
 * The loader's intermediate form: what netguard.conf says, validated, with
 * every rule, target and glob carrying its source location.  The loader
 * builds it (load.c and the parts loader.h lists), compile.c turns it into
 * a snapshot, lint.c reads it for warnings.  Internal to libngload.
 */
#ifndef NG_IR_H
#define NG_IR_H

#include <stdint.h>

#include "policy.h"

struct ir_target {
	char *text;		/* as written (after @list expansion) */
	char *key;		/* canonical name, glob, or regex literal suffix */
	int kind;		/* enum ng_tkind */
	int file, line;
	int list_idx;		/* index in the rule's "to" */
	int family, plen;	/* addresses and networks: 4/6 */
	uint8_t addr[16];
	void *re;		/* pcre2_code * for regexes */
	char *lit;		/* regex: lowercase literal suffix or NULL */
};

struct ir_glob {
	char *glob;
	int file, line;
};

struct ir_ports {
	uint16_t lo, hi;
};

struct ir_rule {
	char *name;
	int file, line;
	int action, mode, proto;
	struct ir_target *to;
	size_t nto;
	struct ir_ports *ports;
	size_t nports;
	struct ir_glob *exe, *prog, *argv0;
	size_t nexe, nprog, nargv0;
};

struct ir_policy {
#define NG_SET_ENUM(name, type, dflt, lo, hi) int name;
#define NG_SET_BOOL(name, dflt) int name;
#define NG_SET_I32(name, dflt) int name;
#define NG_SET_U32(name, dflt) uint32_t name;
#define NG_SET_STR(name) char *name;
#include "settings.def"
	struct ir_rule *guard, *rules, *exec;
	size_t nguard, nrules, nexec;
	char **files;		/* files[0] is the main policy file */
	size_t nfiles;
};

int ng_ir_load_file(const char *path, struct ir_policy *ir, struct ng_diags *d);
int ng_ir_load_string(const char *text, const char *name, struct ir_policy *ir, struct ng_diags *d);
void ng_ir_free(struct ir_policy *ir);
int ng_ir_compile(const struct ir_policy *ir, struct ng_blob *out, struct ng_diags *d);
void ng_ir_lint(const struct ir_policy *ir, const char *path, struct ng_diags *d);

/* diag.c */

/*
 * Add a diagnostic.  When memory runs out, an "out of memory" error is
 * recorded instead (at most one, and never needing memory itself).
 */
void ng_diag_add(struct ng_diags *d, enum ng_sev sev, const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
/* Report that memory ran out, once: "FILE: out of memory". */
void ng_diag_oom(struct ng_diags *d, const char *file);

/* target.c: a regex's literal suffix, its prefilter (lowercase, into run); its length, 0 if none */
size_t ng_regex_literal(const char *pattern, char *run, size_t runsz);
/* the same, malloc'd; NULL if none (or out of memory) */
char *ng_regex_literal_suffix(const char *pattern);

#endif
