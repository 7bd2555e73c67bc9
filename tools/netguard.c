/*
 * netguard: check policies, explain decisions, compile snapshots.
 *
 *   netguard check [-p POLICY]
 *   netguard explain [-p POLICY] [--exe PATH] connect HOST[:PORT] [tcp|udp]
 *   netguard explain [-p POLICY] exec PROGRAM [ARG...]
 *   netguard compile [-p POLICY] -o FILE
 *   netguard run [-p POLICY] [--audit] [--log SINK] [--] PROGRAM [ARG...]
 */
#include "config.h"

#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/exec.h"
#include "lib/seal.h"
#include "lib/str.h"
#include "policy/policy.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define DEFAULT_POLICY SYSCONFDIR "/netguard/netguard.conf"

static const char synopsis[] =
	"usage: netguard run [-p POLICY] [--audit] [--log SINK] [--] PROGRAM [ARG...]\n"
	"       netguard check [-p POLICY]\n"
	"       netguard explain [-p POLICY] [--exe PATH] connect HOST[:PORT] [tcp|udp]\n"
	"       netguard explain [-p POLICY] exec PROGRAM [ARG...]\n"
	"       netguard compile [-p POLICY] -o FILE\n"
	"       netguard --help\n";

extern char **environ;

static void __attribute__((noreturn))
usage(const char *error, int status)
{
	if (error)
		fprintf(stderr, "netguard: %s\n", error);
	fputs(synopsis, status ? stderr : stdout);
	exit(status);
}

/* -p, else $NETGUARD_POLICY, else the system policy if present, else NULL (built-in) */
static const char *
policy_path(const char *opt)
{
	const char *env = getenv("NETGUARD_POLICY");
	struct stat st;

	if (opt)
		return opt;
	if (env && *env)
		return env;
	if (stat(DEFAULT_POLICY, &st) == 0)
		return DEFAULT_POLICY;
	return NULL;
}

static void
print_diags(const struct ng_diags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const struct ng_diag *g = &d->v[i];

		if (g->line > 0)
			fprintf(stderr, "netguard: %s:%d: %s%s\n", g->file, g->line,
				g->sev == NG_SEV_WARNING ? "warning: " : "", g->msg);
		else
			fprintf(stderr, "netguard: %s: %s%s\n", g->file, g->sev == NG_SEV_WARNING ? "warning: " : "",
				g->msg);
	}
}

struct loaded {
	struct ng_blob blob;
	struct ng_policy pol;
	const char *path;
};


/* Compile and map the policy; on failure print every error and return -1. */
static int
load_policy(const char *opt, int lint, struct loaded *L)
{
	struct ng_diags d = { 0 };
	const char *why;
	int rc;

	memset(L, 0, sizeof(*L));
	L->path = policy_path(opt);
	rc = L->path ? ng_compile_file(L->path, lint, &L->blob, &d) : ng_compile_builtin(&L->blob, &d);
	print_diags(&d);
	ng_diags_free(&d);
	if (rc < 0)
		return -1;
	if (ng_snap_verify(L->blob.data, L->blob.size, &why) < 0 ||
	    ng_snap_open(&L->pol, L->blob.data, L->blob.size, &why) < 0) {
		warnx("%s: compiled snapshot is invalid: %s", L->path ? L->path : "(built-in)", why);
		return -1;
	}
	if (ng_rx_init_heap(&L->pol) < 0) {
		warnx("cannot set up the regex runtime");
		return -1;
	}
	return 0;
}

static void
unload_policy(struct loaded *L)
{
	ng_rx_fini_heap(&L->pol);
	ng_blob_free(&L->blob);
}

/* ---- check ----------------------------------------------------------------- */

static int
cmd_check(const char *popt)
{
	struct loaded L;

	if (load_policy(popt, 1, &L) < 0)
		return 1;
	{
		uint32_t g = ng_policy_count(&L.pol, NG_FROM_GUARD), r = ng_policy_count(&L.pol, NG_FROM_RULES);
		uint32_t e = ng_policy_count(&L.pol, NG_FROM_EXEC);

		printf("%s: ok: %u guard rule%s, %u rule%s, %u exec rule%s\n",
		       L.path ? L.path : "(built-in default)", g, g == 1 ? "" : "s", r, r == 1 ? "" : "s", e,
		       e == 1 ? "" : "s");
	}
	unload_policy(&L);
	return 0;
}

/* ---- compile --------------------------------------------------------------- */

static int
cmd_compile(const char *popt, const char *out)
{
	struct loaded L;
	int fd;
	size_t done = 0;

	if (!out)
		usage("compile: -o FILE is required", 2);
	if (load_policy(popt, 0, &L) < 0)
		return 1;
	fd = strcmp(out, "-") == 0 ? 1 : open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		err(1, "%s", out);
	while (done < L.blob.size) {
		ssize_t w = write(fd, L.blob.data + done, L.blob.size - done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			err(1, "write %s", out);
		}
		done += (size_t)w;
	}
	if (fd != 1 && close(fd) < 0)
		err(1, "close %s", out);
	unload_policy(&L);
	return 0;
}

/* ---- explain ------------------------------------------------------------------ */

static const char *
kind_word(int kind)
{
	switch (kind) {
	case 1: return "exact name";
	case 2: return "names strictly below";
	case 3: return "domain and names below";
	case 4: return "regular expression";
	case 5: return "address";
	case 6: return "network";
	case 7: return "unix socket glob";
	case 8: return "any destination";
	case 9: return "rule without \"to\" (any destination)";
	default: return "target";
	}
}

static void
print_first_line(const struct ng_verdict *v)
{
	if (v->file && v->line)
		printf("%s rule=%s at=%s:%u\n", ng_verdict_word(v), v->rule_name, v->file, v->line);
	else
		printf("%s rule=%s at=-\n", ng_verdict_word(v), v->rule_name);
}

static void
describe(const struct loaded *L, const char *what, const struct ng_verdict *v)
{
	struct ng_target_view tv;
	struct ng_settings_view s;

	ng_policy_settings(&L->pol, &s);
	printf("  %s: %s", what, ng_verdict_word(v));
	switch (v->origin) {
	case NG_FROM_GUARD:
	case NG_FROM_RULES:
		printf(" by %srule \"%s\" (%s:%u)", v->origin == NG_FROM_GUARD ? "guard " : "", v->rule_name, v->file,
		       v->line);
		if (ng_policy_target(&L->pol, v->target, &tv) == 0)
			printf(", target \"%s\" (%s) at %s:%u", tv.text, kind_word(tv.kind), tv.file, tv.line);
		break;
	case NG_FROM_DEFAULT:
		printf(" by default: no rule matched");
		break;
	case NG_FROM_BUILTIN:
		printf(": localhost and the machine's own name are always looked up");
		break;
	case NG_FROM_ERROR:
		printf(": the policy could not be evaluated (fail closed)");
		break;
	default:
		break;
	}
	if (v->audit)
		printf(" (audit mode: logged, not enforced)");
	printf("\n");
}

static int
parse_hostport(char *arg, char **host, unsigned *port, int *family, uint8_t addr[16])
{
	char *colon;
	long p = 443;

	*family = 0;
	if (arg[0] == '[') {
		char *close = strchr(arg, ']');

		if (!close)
			return -1;
		*close = '\0';
		*host = arg + 1;
		colon = close[1] == ':' ? close + 1 : NULL;
		if (close[1] && !colon)
			return -1;
	} else if (inet_pton(AF_INET6, arg, addr) == 1) {
		*host = arg;
		colon = NULL;
	} else {
		*host = arg;
		colon = strrchr(arg, ':');
		if (colon)
			*colon = '\0';
	}
	if (colon) {
		char *end;

		p = strtol(colon + 1, &end, 10);
		if (*end || p < 1 || p > 65535)
			return -1;
	}
	*port = (unsigned)p;
	if (inet_pton(AF_INET, *host, addr) == 1)
		*family = AF_INET;
	else if (inet_pton(AF_INET6, *host, addr) == 1)
		*family = AF_INET6;
	else if (!**host || strchr(*host, ':') || strchr(*host, '/'))
		return -1;
	return 0;
}

static int
explain_connect(struct loaded *L, const char *exe, int argc, char **argv)
{
	struct ng_query q;
	struct ng_verdict look, conn;
	const struct ng_verdict *first;
	char *host, real[4096], *rp = NULL;
	const char *names[1];
	unsigned port;
	int proto = NG_Q_TCP;

	if (argc < 1 || argc > 2)
		usage("explain connect: expected HOST[:PORT] [tcp|udp]", 2);
	if (argc == 2) {
		if (strcmp(argv[1], "udp") == 0)
			proto = NG_Q_UDP;
		else if (strcmp(argv[1], "tcp") != 0)
			usage("explain connect: protocol must be tcp or udp", 2);
	}
	memset(&q, 0, sizeof(q));
	if (parse_hostport(argv[0], &host, &port, &q.family, q.addr) < 0)
		usage("explain connect: HOST[:PORT] must be a name, an IPv4 address or [IPv6] with a port 1-65535", 2);
	if (exe)
		rp = realpath(exe, real);
	q.op = NG_OP_CONNECT;
	q.proto = proto;
	q.port = (uint16_t)port;
	q.exe = exe;
	q.exe_real = rp;
	if (!q.family) {
		names[0] = host;
		q.names = names;
		q.nnames = 1;
		q.op = NG_OP_DNS;
		ng_decide(&L->pol, &q, &look);
		q.op = NG_OP_CONNECT;
	}
	ng_decide(&L->pol, &q, &conn);
	first = (!q.family && look.action != NG_ALLOW) ? &look : &conn;
	print_first_line(first);
	printf("connect %s%s%s:%u/%s%s%s\n", q.family == AF_INET6 ? "[" : "", host, q.family == AF_INET6 ? "]" : "",
	       port, proto == NG_Q_UDP ? "udp" : "tcp", exe ? " exe=" : "", exe ? exe : "");
	if (!q.family) {
		describe(L, "lookup", &look);
		if (look.action != NG_ALLOW && !look.audit)
			printf("  the lookup is refused, so the name never resolves and nothing connects\n");
		describe(L, "connect", &conn);
		printf("  the address it resolves to is judged too: guard rules and address targets apply to it\n");
	} else {
		describe(L, "connect", &conn);
	}
	return first->action == NG_ALLOW ? 0 : 1;
}

static int
explain_exec(struct loaded *L, int argc, char **argv)
{
	struct ng_exec_target t;
	struct ng_exec_query q;
	struct ng_verdict v;
	char desc[160];
	int rc;

	if (argc < 1)
		usage("explain exec: expected PROGRAM [ARG...]", 2);
	rc = ng_exec_resolve(argv[0], 1, getenv("PATH"), &t);
	if (rc < 0) {
		warnx("%s: %s", argv[0], strerror(-rc));
		return 2;
	}
	if (t.fd >= 0)
		close(t.fd);
	ng_exec_query_of(&t, argv[0], &q);
	ng_decide_exec(&L->pol, &q, &v);
	print_first_line(&v);
	printf("exec %s", t.path);
	if (strcmp(t.path, t.real))
		printf(" (%s)", t.real);
	if (t.script)
		printf(", a script run by %s (%s)", t.interp, t.interp_real);
	printf("\n  program: %s%s\n", ng_elf_describe(t.elf, desc, sizeof(desc)),
	       t.privileged ? "; privileged (setuid, setgid or file capabilities)" : "");
	printf("  exec: %s", ng_verdict_word(&v));
	switch (v.origin) {
	case NG_FROM_EXEC: {
		const char *g, *f;
		uint32_t line;

		printf(" by exec rule \"%s\" (%s:%u)", v.rule_name, v.file, v.line);
		if (ng_policy_glob(&L->pol, v.glob, &g, &f, &line) == 0 && line)
			printf(", glob \"%s\" at %s:%u", g, f, line);
		else if (ng_policy_glob(&L->pol, v.glob, &g, &f, &line) == 0)
			printf(", glob \"%s\" of the default exec.network_tools", g);
		break;
	}
	case NG_FROM_PRIVILEGED:
		printf(" by exec.privileged: the loader runs privileged programs without the preload");
		break;
	case NG_FROM_UNHOOKABLE:
		printf(" by exec.unhookable: the preload cannot see inside this program");
		break;
	case NG_FROM_DEFAULT:
		printf(" by exec.default: no exec rule matched");
		break;
	default:
		break;
	}
	printf("%s\n", v.audit ? " (audit mode: logged, not enforced)" : "");
	return v.action == NG_ALLOW ? 0 : 1;
}

static int
cmd_explain(const char *popt, const char *exe, int argc, char **argv)
{
	struct loaded L;
	int rc;

	if (argc < 1)
		usage("explain: expected connect or exec", 2);
	if (strcmp(argv[0], "connect") != 0 && strcmp(argv[0], "exec") != 0)
		usage("explain: expected connect or exec", 2);
	if (load_policy(popt, 0, &L) < 0)
		return 2;
	if (strcmp(argv[0], "connect") == 0)
		rc = explain_connect(&L, exe, argc - 1, argv + 1);
	else
		rc = explain_exec(&L, argc - 1, argv + 1);
	unload_policy(&L);
	return rc;
}


/* ---- run ------------------------------------------------------------------- */

#ifndef NG_PRELOAD_LIB
#define NG_PRELOAD_LIB "/usr/lib/libnetguard.so"
#endif
#ifndef NG_BUILD_NETGUARD
#define NG_BUILD_NETGUARD ""
#endif
#ifndef NG_BUILD_PRELOAD
#define NG_BUILD_PRELOAD ""
#endif
#ifndef NG_BUILD_JAILEXEC
#define NG_BUILD_JAILEXEC ""
#endif
#ifndef NG_JAILEXEC_BIN
#define NG_JAILEXEC_BIN "/usr/bin/jailexec"
#endif

static void __attribute__((noreturn))
die(int status, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "netguard: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

static int
from_build_tree(void)
{
	char self[PATH_MAX], build[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n <= 0 || !NG_BUILD_NETGUARD[0])
		return 0;
	self[n] = '\0';
	return realpath(NG_BUILD_NETGUARD, build) && strcmp(self, build) == 0;
}

static const char *
jailexec_path(void)
{
	if (from_build_tree() && access(NG_BUILD_JAILEXEC, X_OK) == 0)
		return NG_BUILD_JAILEXEC;
	return NG_JAILEXEC_BIN;
}

/* The preload to use: the build tree's when this netguard is the build tree's. */
static const char *
preload_path(void)
{
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (n > 0 && NG_BUILD_NETGUARD[0]) {
		char build[PATH_MAX];

		self[n] = '\0';
		if (realpath(NG_BUILD_NETGUARD, build) && strcmp(self, build) == 0 && access(NG_BUILD_PRELOAD, R_OK) == 0)
			return NG_BUILD_PRELOAD;
	}
	return NG_PRELOAD_LIB;
}

/* Seal the compiled policy into an inheritable memfd; returns its fd. */
static int
seal_snapshot(const struct ng_blob *b)
{
	const char *why;
	int fd = ng_seal_blob(b->data, b->size, &why);

	if (fd < 0)
		die(125, "%s: %s", why, strerror(errno));
	return fd;
}

static void
set_preload(const char *lib)
{
	const char *cur = getenv("LD_PRELOAD");
	char *v;

	if (access(lib, R_OK) != 0)
		die(125, "%s: %s; is netguard installed? (libnetguard.so must be on the loader's path)", lib,
		    strerror(errno));
	if (cur && *cur && strstr(cur, lib))
		return;
	if (asprintf(&v, "%s%s%s", cur && *cur ? cur : "", cur && *cur ? ":" : "", lib) < 0)
		die(125, "out of memory");
	setenv("LD_PRELOAD", v, 1);
	free(v);
}

/* a program linked with ASan aborts unless its runtime comes first */
static void
asan_first(const struct ng_exec_target *t)
{
	const char *cur = getenv("LD_PRELOAD");
	char *v;

	if (!(t->elf & NG_ELF_ASAN) || !t->asan[0] || (cur && strstr(cur, "libasan.so") == cur))
		return;
	if (asprintf(&v, "%s%s%s", t->asan, cur && *cur ? ":" : "", cur ? cur : "") < 0)
		die(125, "out of memory");
	setenv("LD_PRELOAD", v, 1);
	free(v);
}

static int
valid_sink(const char *s)
{
	return !strcmp(s, "stderr") || !strcmp(s, "syslog") || !strcmp(s, "none") || !strncmp(s, "file:/", 6);
}

/*
 * The program itself is judged like any exec: a static binary started
 * directly would otherwise escape the preload.  Dies on deny (126) and on
 * a jail without jailexec; says so when audit lets it run anyway.
 */
static void
judge_program(const struct loaded *L, char **argv, struct ng_exec_target *t, struct ng_verdict *v)
{
	struct ng_exec_query q;
	int rc = ng_exec_resolve(argv[0], 1, getenv("PATH"), t);

	if (rc < 0)
		die(rc == -ENOENT ? 127 : 126, "%s: %s", argv[0], strerror(-rc));
	ng_exec_query_of(t, argv[0], &q);
	ng_decide_exec(&L->pol, &q, v);
	if (v->action == NG_DENY && !v->audit)
		die(126, "%s: the policy denies starting it (rule=%s%s%s)", t->path, v->rule_name,
		    v->file ? " at " : "", v->file ? v->file : "");
	if (v->action == NG_JAIL && !v->audit && access(jailexec_path(), X_OK) != 0)
		die(126, "%s: the policy jails it (rule=%s), and %s is missing; refusing to run it unconfined", t->path,
		    v->rule_name, jailexec_path());
	if (v->action != NG_ALLOW && (v->action != NG_JAIL || v->audit))
		fprintf(stderr, "netguard: %s %s rule=%s (audit: running it anyway)\n", ng_verdict_word(v), t->path,
			v->rule_name);
}

/* The snapshot and the sticky NETGUARD_* variables the tree inherits. */
static void
export_tree(const struct loaded *L, int audit, const char *sink)
{
	char num[24], abspol[PATH_MAX];
	struct stat st;

	{
		int fd = seal_snapshot(&L->blob);
		struct ng_sealed id;
		const char *why;
		char val[80];

		if (ng_seal_check(fd, &id, &why) < 0)
			die(125, "%s", why);
		setenv("NETGUARD_SNAPSHOT", ng_seal_env(fd, &id, val, sizeof(val)), 1);
	}
	if (L->path) {
		if (!realpath(L->path, abspol))
			die(125, "%s: %s", L->path, strerror(errno));
		setenv("NETGUARD_POLICY", abspol, 1);
	} else {
		unsetenv("NETGUARD_POLICY");
	}
	if (audit)
		setenv("NETGUARD_MODE", "audit", 1);
	if (sink)
		setenv("NETGUARD_LOG", sink, 1);
	set_preload(preload_path());
	setenv("NETGUARD_JAILEXEC", jailexec_path(), 1);
	if (stat("/proc/self/ns/net", &st) == 0)
		setenv("NETGUARD_ROOTNS", ng_utoa((unsigned long)st.st_ino, num), 1);
}

/* jailexec runs it in place: same pid, argv, environment, fds */
static void __attribute__((noreturn))
exec_jailed(const struct ng_exec_target *t, int argc, char **argv)
{
	char **jv = calloc((size_t)argc + 7, sizeof(char *));

	if (!jv)
		die(125, "out of memory");
	jv[0] = (char *)jailexec_path();
	jv[1] = "-q";
	jv[2] = "--argv0";
	jv[3] = argv[0];
	jv[4] = "--";
	jv[5] = (char *)t->path;
	for (int i = 1; i < argc; i++)
		jv[5 + i] = argv[i];
	if (t->fd >= 0)
		close(t->fd);
	execv(jv[0], jv);
	die(125, "%s: %s", jv[0], strerror(errno));
}

static int
cmd_run(const char *popt, int audit, const char *sink, int argc, char **argv)
{
	struct loaded L;
	struct ng_exec_target t;
	struct ng_verdict v;

	if (argc < 1)
		usage("run: expected PROGRAM [ARG...]", 125);
	if (sink && !valid_sink(sink))
		usage("run: --log takes stderr, syslog, file:/path or none", 125);
	if (load_policy(popt, 0, &L) < 0)
		die(125, "%s: the policy did not load; nothing was run", L.path ? L.path : "(built-in default)");
	if (audit)
		ng_policy_set_mode(&L.pol, "audit");
	judge_program(&L, argv, &t, &v);
	export_tree(&L, audit, sink);
	asan_first(&t);
	unload_policy(&L);
	if (v.action == NG_JAIL && !v.audit)
		exec_jailed(&t, argc, argv);
	if (t.fd >= 0) {
		syscall(SYS_execveat, t.fd, "", argv, environ, AT_EMPTY_PATH);
		if (errno != ENOSYS)
			die(126, "%s: %s", t.path, strerror(errno));
	}
	execv(t.path, argv);
	die(errno == ENOENT ? 127 : 126, "%s: %s", t.path, strerror(errno));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "exe", required_argument, NULL, 'e' },
		{ "audit", no_argument, NULL, 'a' },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	const char *popt = NULL, *exe = NULL, *out = NULL, *sink = NULL, *cmd;
	int c, audit = 0;

	if (argc < 2)
		usage("missing command", 2);
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		usage(NULL, 0);
	cmd = argv[1];
	argc--;
	argv++;
	/* options before the positional words; '+' stops at the first one */
	while ((c = getopt_long(argc, argv, "+p:o:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'p': popt = optarg; break;
		case 'o': out = optarg; break;
		case 'e': exe = optarg; break;
		case 'a': audit = 1; break;
		case 'l': sink = optarg; break;
		case 'h': usage(NULL, 0);
		default: usage(NULL, 2);
		}
	}
	argc -= optind;
	argv += optind;
	if (strcmp(cmd, "run") == 0) {
		if (exe || out)
			usage("run: unexpected --exe or -o", 125);
		return cmd_run(popt, audit, sink, argc, argv);
	}
	if (audit || sink)
		usage("--audit and --log are options of run", 2);
	if (strcmp(cmd, "check") == 0) {
		if (argc || exe || out)
			usage("check: unexpected arguments", 2);
		return cmd_check(popt);
	}
	if (strcmp(cmd, "explain") == 0) {
		if (out)
			usage("explain: unexpected -o", 2);
		return cmd_explain(popt, exe, argc, argv);
	}
	if (strcmp(cmd, "compile") == 0) {
		if (argc || exe)
			usage("compile: unexpected arguments", 2);
		return cmd_compile(popt, out);
	}
	usage("unknown command", 2);
}
