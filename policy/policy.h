/*
 * netguard policy engine.
 *
 * Two halves, two libtool libraries:
 *
 *  - libngload (load.c and its parts listed in loader.h, compile.c,
 *    lint.c, default.c): reads netguard.conf with libconfig and compiles
 *    it into a snapshot blob.  Used by the netguard tool, never linked
 *    into a host program.
 *
 *  - libngpolicy (snapshot.c, decide.c, glob.c, names.c, regex.c):
 *    maps a snapshot and decides.  Pure: no globals, no I/O, no allocation
 *    on the decision path; the only state is the caller's.  Thread-safe.
 */
#ifndef NG_POLICY_H
#define NG_POLICY_H

#include <stddef.h>
#include <stdint.h>

/* ---- verdicts -------------------------------------------------------- */

enum ng_action { NG_ALLOW = 1, NG_DENY = 2, NG_JAIL = 3 };
enum ng_mode { NG_MODE_ENFORCE = 1, NG_MODE_AUDIT = 2 };
enum ng_log_sink { NG_LOG_STDERR = 1, NG_LOG_SYSLOG, NG_LOG_FILE, NG_LOG_NONE };
enum ng_log_format { NG_FMT_TEXT = 1, NG_FMT_JSON };

enum ng_op {
	NG_OP_CONNECT = 1,	/* connect, sendto, sendmsg ... */
	NG_OP_SEND,		/* same decision as connect, logged as send */
	NG_OP_DNS,		/* a lookup of a name */
};

/* which list decided */
enum ng_origin {
	NG_FROM_DEFAULT = 1,	/* default / unix_default / exec.* default */
	NG_FROM_GUARD,
	NG_FROM_RULES,
	NG_FROM_EXEC,
	NG_FROM_BUILTIN,	/* localhost / own hostname lookups */
	NG_FROM_PRIVILEGED,	/* exec.privileged */
	NG_FROM_UNHOOKABLE,	/* exec.unhookable */
	NG_FROM_ERROR,		/* corrupt snapshot or engine error: fail closed */
};

struct ng_verdict {
	enum ng_action action;	/* what the policy says */
	enum ng_mode mode;	/* the effective mode of this decision */
	int audit;		/* mode is audit and action is not allow: proceed, log would-* */
	enum ng_origin origin;
	int32_t rule;		/* index within its list, -1 if none */
	int32_t target;		/* target id that matched, -1 if none */
	int32_t glob;		/* glob id (exec rules), -1 if none */
	const char *rule_name;	/* "default", rule name, ... never NULL */
	const char *file;	/* source file of the rule, or NULL */
	uint32_t line;		/* source line of the rule, 0 if none */
};

/* "allow", "deny", "would-deny", "jail", "would-jail" */
const char *ng_verdict_word(const struct ng_verdict *v);
/* "audit" or "enforce": the verdict's effective mode */
const char *ng_verdict_mode_word(const struct ng_verdict *v);
/* The verdict when nothing could be decided (no policy, corrupt snapshot):
 * deny, rule "error" -- fail closed. */
void ng_verdict_error(struct ng_verdict *v);

/* ---- a mapped snapshot ----------------------------------------------- */

struct ng_rx_runtime;

struct ng_policy {
	const unsigned char *base;
	uint32_t size;
	struct ng_rx_runtime *rx;	/* regex state; NULL: regexes fail closed */
	int mode_override;		/* NG_MODE_AUDIT/ENFORCE replaces the file's
					 * mode (NETGUARD_MODE); rules with their
					 * own mode keep it.  0: none */
};

/* Override the file's mode: "audit" or "enforce" (NETGUARD_MODE, --audit);
 * NULL or "" leaves it.  -1 for any other word. */
int ng_policy_set_mode(struct ng_policy *p, const char *word);

/*
 * Validate the header and section bounds of a snapshot (O(1) in its size)
 * and fill *p.  Returns 0, or -1 with *why set to a static message.
 */
int ng_snap_open(struct ng_policy *p, const void *base, size_t size, const char **why);
/* Full verification: header, checksum and every cross-reference. */
int ng_snap_verify(const void *base, size_t size, const char **why);

/*
 * Regex runtime: per-process state for lazily decoded and JIT-compiled
 * PCRE2 patterns.  Created at init (allocates); ng_rx_size() tells how much
 * memory the caller must provide so the runtime can live in an mmap'ed
 * region.  Patterns are decoded on first use with the allocator given here.
 */
size_t ng_rx_size(const struct ng_policy *p);
/* how many patterns: with none, the runtime is not needed at all */
size_t ng_rx_count(const struct ng_policy *p);
int ng_rx_init(struct ng_policy *p, void *mem, size_t memsize,
	       void *(*alloc)(size_t, void *), void (*release)(void *, void *), void *alloc_data);
void ng_rx_fini(struct ng_policy *p);
/* For programs that are not a preload (the CLI, tests, fuzzers, benchmarks):
 * the runtime and the patterns on the heap, with malloc/free. */
int ng_rx_init_heap(struct ng_policy *p);
void ng_rx_fini_heap(struct ng_policy *p);

/*
 * Settings of the snapshot: one field per line of settings.def (mode, dflt,
 * unix_dflt, ..., log_path, dns_ttl, dns_max, exec_dflt, ..., builtin,
 * proto_rules), then what the snapshot's contents say.
 */
struct ng_settings_view {
#define NG_SET_ENUM(name, type, dflt, lo, hi) type name;
#define NG_SET_BOOL(name, dflt) int name;
#define NG_SET_I32(name, dflt) int name;
#define NG_SET_U32(name, dflt) uint32_t name;
#define NG_SET_STR(name) const char *name;
#define NG_SET_DERIVED(name) int name;
#include "settings.def"
	int unix_targets;	/* some guard or rule has a unix: target */
	const char *source;	/* the main policy file */
};
void ng_policy_settings(const struct ng_policy *p, struct ng_settings_view *out);

/* ---- queries ----------------------------------------------------------- */

#define NG_Q_TCP 1
#define NG_Q_UDP 2

struct ng_query {
	enum ng_op op;
	int proto;			/* NG_Q_TCP / NG_Q_UDP; 0 any */
	int family;			/* AF_INET, AF_INET6, AF_UNIX, or 0 (no address) */
	uint8_t addr[16];		/* network order; v4 in the first 4 bytes */
	uint16_t port;			/* host order; 0 any (first rule whatever its ports) */
	const char *unix_path;		/* AF_UNIX: as given ("@name" = abstract) */
	const char *unix_real;		/* AF_UNIX: realpath, or NULL */
	const char *const *names;	/* learned names (connect) / the name (dns) */
	size_t nnames;
	const char *exe;		/* executable as exec'd, or NULL */
	const char *exe_real;		/* its realpath, or NULL */
	const char *hostname;		/* dns: the machine's own name (always looked up) */
};

/* Decide a connect/send/dns query.  Pure; never allocates. */
void ng_decide(const struct ng_policy *p, const struct ng_query *q, struct ng_verdict *v);

/*
 * Creating a socket: AF_PACKET sockets and SOCK_RAW sockets of the IP
 * families bypass every address rule, so raw_sockets decides them (rule
 * "raw_sockets"); every other socket is allowed.
 */
void ng_decide_socket(const struct ng_policy *p, int domain, int type, struct ng_verdict *v);

/*
 * A DNS message a program writes itself to a nameserver's port 53 (SPEC
 * 3.2): judged by its content, not by address.  Exactly one question whose
 * name passes the lookup rule (q supplies exe and hostname); anything else
 * is denied (rule "dns-content").  On a TCP socket the message may start
 * with its two-byte length, or be that length alone (allowed: it carries
 * no name).  The question's name, or what the message is instead, goes to
 * name for the log line.
 */
void ng_decide_dns_message(const struct ng_policy *p, const struct ng_query *q, const unsigned char *msg,
			   size_t len, int tcp, char *name, size_t namesz, struct ng_verdict *v);

#define NG_EXEC_PRIVILEGED 0x1u	/* setuid, setgid, file capabilities */
#define NG_EXEC_UNHOOKABLE 0x2u	/* static, Go, musl, liburing, other class */

struct ng_exec_query {
	const char *path;		/* resolved path */
	const char *real;		/* its realpath */
	const char *interp;		/* script interpreter (resolved), or NULL */
	const char *interp_real;
	const char *argv0;
	unsigned flags;			/* NG_EXEC_* */
};

void ng_decide_exec(const struct ng_policy *p, const struct ng_exec_query *q, struct ng_verdict *v);

/*
 * The exec query for a target lib/exec.c resolved: which of its facts make
 * it privileged or unhookable is decided here (SPEC 3.4).
 */
struct ng_exec_target;
void ng_exec_query_of(const struct ng_exec_target *t, const char *argv0, struct ng_exec_query *q);

/* ---- helpers shared by the engine, the preload and the tools --------- */

/* Lowercase, drop one trailing dot.  Returns the length or -1 if too long. */
int ng_name_canon(const char *in, char *out, size_t outsz);
/* ::ffff:a.b.c.d -> a.b.c.d in place; returns the new family. */
int ng_addr_canon(int family, uint8_t addr[16]);
/* Shell-like glob: '*' any run (including '/'), '?' one char, [...] class. */
int ng_glob_match(const char *pat, const char *s);
/* 0 if the glob is well formed, else -1 and *why. */
int ng_glob_check(const char *pat, const char **why);

/* Target/glob introspection for explain and check. */
struct ng_target_view {
	const char *text, *file;
	uint32_t line;
	int kind;
	int32_t rule;
	int guard;
};
int ng_policy_target(const struct ng_policy *p, int32_t id, struct ng_target_view *out);
int ng_policy_glob(const struct ng_policy *p, int32_t id, const char **glob, const char **file, uint32_t *line);
uint32_t ng_policy_count(const struct ng_policy *p, int which); /* NG_FROM_GUARD/RULES/EXEC */

/* ---- loading and compiling (libngload) -------------------------------- */

enum ng_sev { NG_SEV_ERROR = 1, NG_SEV_WARNING };

struct ng_diag {
	enum ng_sev sev;
	char *file;
	int line;
	char *msg;
};

struct ng_diags {
	struct ng_diag *v;
	size_t n, cap;
	size_t errors, warnings;
};

void ng_diags_free(struct ng_diags *d);

struct ng_blob {
	unsigned char *data;
	size_t size;
};

/*
 * Compile a policy file (following @include relative to the including file).
 * Returns 0 and a blob, or -1 with every error in *d.  With lint != 0 the
 * warnings of `netguard check` are added to *d too.
 */
int ng_compile_file(const char *path, int lint, struct ng_blob *out, struct ng_diags *d);
/* The built-in default policy of netguard.conf(5). */
int ng_compile_builtin(struct ng_blob *out, struct ng_diags *d);
extern const char ng_builtin_policy[];
void ng_blob_free(struct ng_blob *b);

#endif
