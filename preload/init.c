/*
 * Initialisation: resolve the real libc functions, capture the sticky
 * environment, find or build the policy snapshot, open the log sink.
 *
 * Runs from our constructor, or earlier from the first hook that fires (a
 * library constructor can call connect before ours ran).  Every hook calls
 * ng_ready(); if initialisation failed, the hooks fail closed.
 *
 * The snapshot: a descendant maps the sealed memfd its parent left it
 * (NETGUARD_SNAPSHOT=FD:DEV:INO, lib/seal.h).  The root of a tree started by a bare LD_PRELOAD
 * has none, so it runs `netguard compile` (by an absolute path fixed at
 * build time; the preload never links libconfig into the host) and seals
 * the result into a memfd of its own.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <spawn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <sched.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/seal.h"
#include "ng.h"

#ifndef NG_NETGUARD_BIN
#define NG_NETGUARD_BIN "/usr/bin/netguard"
#endif
#ifndef NG_BUILD_NETGUARD
#define NG_BUILD_NETGUARD NG_NETGUARD_BIN
#endif
#ifndef NG_BUILD_PRELOAD
#define NG_BUILD_PRELOAD ""
#endif
#ifndef NG_JAILEXEC_BIN
#define NG_JAILEXEC_BIN "/usr/bin/jailexec"
#endif
#ifndef NG_BUILD_JAILEXEC
#define NG_BUILD_JAILEXEC NG_JAILEXEC_BIN
#endif

/*
 * Is this library the build tree's?  Only then may the helpers be the
 * build tree's too: an installed library uses installed paths only, or a
 * missing $(bindir)/netguard would make it run whatever sits at a build
 * path on the machine.
 */
static int
built_here(void)
{
	char real[PATH_MAX], self[PATH_MAX];

	return NG_BUILD_PRELOAD[0] && ng.self[0] && realpath(NG_BUILD_PRELOAD, real) && realpath(ng.self, self) &&
	       strcmp(real, self) == 0;
}


extern char **environ;

struct ng_state ng;	/* zeroed: in .bss, its pages untouched until used */

/* ---- real symbols ------------------------------------------------------- */

void *ng_libc_dlsym(const char *name);	/* dlsym.c */

static const struct {
	const char *name;
	unsigned short off;
	unsigned char res;	/* resolver function: __NAME before glibc 2.34 */
} reals[] = {
#define NG_GEN(r, name, T, P, A, C, s) { #name, offsetof(struct ng_reals, name), 0 },
#define NG_GENV(name, T, P, A, C, s) { #name, offsetof(struct ng_reals, name), 0 },
#define NG_GENRES(r, name, T, P, A) { #name, offsetof(struct ng_reals, name), 1 },
#define NG_MANUAL(r, name, T) { #name, offsetof(struct ng_reals, name), 0 },
#include "hooks.def"
#undef NG_GEN
#undef NG_GENV
#undef NG_GENRES
#undef NG_MANUAL
};

NG_STARTUP static void
resolve_real(void)
{
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		void *f = ng_libc_dlsym(reals[i].name);

		if (!f && reals[i].res) {
			char old[40] = "__";

			ng_strlcat(old, reals[i].name, sizeof(old));
			f = ng_libc_dlsym(old);
		}
		memcpy((char *)&ng_real + reals[i].off, &f, sizeof(f));
	}
}

/* ---- the state's strings ------------------------------------------------- */

NG_STARTUP char *
ng_pool_put(const char *a, const char *b, size_t min)
{
	size_t la = strlen(a), lb = strlen(b), n = la + lb + 1;
	char *p;

	if (n < min)
		n = min;
	if (n > sizeof(ng.pool) - ng.pool_used)
		return (char *)"";
	p = ng.pool + ng.pool_used;
	memcpy(p, a, la);
	memcpy(p + la, b, lb + 1);
	ng.pool_used += (n + 7) & ~(size_t)7;
	if (ng.pool_used > sizeof(ng.pool))
		ng.pool_used = sizeof(ng.pool);
	return p;
}

/* ---- failure -------------------------------------------------------------- */

static void
say(const char *a, const char *b)
{
	char msg[600];

	ng_strlcpy(msg, "netguard: ", sizeof(msg));
	ng_strlcat(msg, a, sizeof(msg));
	if (b)
		ng_strlcat(msg, b, sizeof(msg));
	ng_strlcat(msg, "\n", sizeof(msg));
	ng_sys(SYS_write, 2, msg, strlen(msg));	/* nowhere left to say it if this fails */
}

static int
fail(const char *why, const char *detail)
{
	ng_strlcpy(ng.fail_reason, why, sizeof(ng.fail_reason));
	if (detail)
		ng_strlcat(ng.fail_reason, detail, sizeof(ng.fail_reason));
	say(ng.fail_reason, "; denying all network access and program starts (fail closed)");
	return -1;
}

/* ---- environment -------------------------------------------------------- */

NG_STARTUP static const char *
env(const char *name)
{
	return ng.secure ? NULL : ng_env_get(environ, name);
}

/* ---- the snapshot ------------------------------------------------------- */

/* Map the sealed snapshot at fd; with want, only if it is that file. */
NG_STARTUP static int
map_snapshot(int fd, const struct ng_sealed *want)
{
	struct ng_sealed sd;
	const char *why;
	void *m;

	if (ng_seal_check(fd, &sd, &why) < 0)
		return fail(why, NULL);
	if (want && (sd.dev != want->dev || sd.ino != want->ino))
		return fail("the descriptor NETGUARD_SNAPSHOT names is not the tree's policy snapshot", NULL);
	m = mmap(NULL, sd.size, PROT_READ, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return fail("cannot map the policy snapshot: ", strerror(errno));
	if (ng_snap_open(&ng.pol, m, sd.size, &why) < 0) {
		munmap(m, sd.size);
		return fail("invalid policy snapshot: ", why);
	}
	ng.snap_fd1 = fd + 1;
	ng.snap_dev = sd.dev;
	ng.snap_ino = sd.ino;
	return 0;
}

/* Start `netguard compile -o -` with its stdout on a pipe; *rfd reads it. */
static int
spawn_compiler(pid_t *pid, int *rfd)
{
	const char *helper = NG_NETGUARD_BIN, *policy = env("NETGUARD_POLICY");
	char *argv[] = { "netguard", "compile", "-o", "-", NULL };
	char *envp[3] = { "PATH=/usr/bin:/bin", NULL, NULL };
	char polenv[PATH_MAX + 20];
	posix_spawn_file_actions_t fa;
	int pipefd[2], rc;

	if (access(helper, X_OK) != 0 && built_here())
		helper = NG_BUILD_NETGUARD;
	if (access(helper, X_OK) != 0)
		return fail("cannot compile the policy: netguard not found at ", NG_NETGUARD_BIN);
	if (policy) {
		ng_strlcpy(polenv, "NETGUARD_POLICY=", sizeof(polenv));
		ng_strlcat(polenv, policy, sizeof(polenv));
		envp[1] = polenv;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fail("pipe: ", strerror(errno));
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	rc = ng_real.posix_spawn(pid, helper, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	ng_sys(SYS_close, pipefd[1]);
	if (rc != 0) {
		ng_sys(SYS_close, pipefd[0]);
		return fail("cannot run netguard compile: ", strerror(rc));
	}
	*rfd = pipefd[0];
	return 0;
}

/* Copy everything from rfd into a new sealable memfd; its fd, or -1. */
static int
drain_to_memfd(int rfd)
{
	char buf[8192];
	int mfd = ng_seal_create();
	long r;

	if (mfd < 0)
		return fail("memfd_create: ", strerror(errno));
	while ((r = ng_sys(SYS_read, rfd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 || ng_seal_write(mfd, buf, (size_t)r) < 0) {
			ng_sys(SYS_close, mfd);
			return fail("cannot read the compiled policy", NULL);
		}
	}
	return mfd;
}

/* 0 if the child exited 0 */
static int
reap(pid_t pid)
{
	int status = 0;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/*
 * The root of a bare-LD_PRELOAD tree: run `netguard compile` (by an
 * absolute path fixed at build time), seal its output into a memfd at a
 * high, inheritable fd, and name it in NETGUARD_SNAPSHOT for descendants.
 */
static int
compile_snapshot(void)
{
	int rfd, mfd, fd, ok;
	const char *why;
	char val[80];
	pid_t pid;

	if (spawn_compiler(&pid, &rfd) < 0)
		return -1;
	mfd = drain_to_memfd(rfd);
	ng_sys(SYS_close, rfd);
	ok = reap(pid) == 0;
	if (mfd < 0)
		return -1;
	if (!ok) {
		ng_sys(SYS_close, mfd);
		return fail("the policy did not load", env("NETGUARD_POLICY") ? " (see the errors above)" : "");
	}
	fd = ng_seal_finish(mfd, &why);
	if (fd < 0)
		return fail("cannot seal the policy snapshot: ", why);
	if (map_snapshot(fd, NULL) < 0)
		return -1;
	{
		struct ng_sealed id = { .dev = ng.snap_dev, .ino = ng.snap_ino };

		setenv("NETGUARD_SNAPSHOT", ng_seal_env(fd, &id, val, sizeof(val)), 1);
	}
	ng_policy_settings(&ng.pol, &ng.set);
	if (ng.set.builtin)
		say("no policy file (NETGUARD_POLICY unset, none in " SYSCONFDIR "/netguard); "
		    "using the built-in default: loopback only, network tools jailed", NULL);
	return 0;
}

NG_STARTUP static int
setup_snapshot(void)
{
	const char *s = env("NETGUARD_SNAPSHOT");

	if (s && *s) {
		struct ng_sealed id;
		int has_id, fd = ng_seal_parse(s, &id, &has_id);

		if (fd < 0)
			return fail("NETGUARD_SNAPSHOT is not FD:DEV:INO: ", s);
		if (map_snapshot(fd, has_id ? &id : NULL) < 0)
			return -1;
		if (!has_id)	/* checked after the fd, so a bad fd says what is wrong with it */
			return fail("NETGUARD_SNAPSHOT names no snapshot identity (FD:DEV:INO): ", s);
		return 0;
	}
	return compile_snapshot();
}

/* ---- regex runtime: an mmap'ed arena, bump-allocated ------------------ */

static char *arena;
static _Atomic size_t arena_used;
static size_t arena_size;

static void *
arena_alloc(size_t n, void *data)
{
	size_t at;

	(void)data;
	n = (n + 15) & ~(size_t)15;
	at = atomic_fetch_add(&arena_used, n);
	if (at + n > arena_size)
		return NULL;
	return arena + at;
}

static void
arena_free(void *p, void *data)
{
	(void)p;
	(void)data;
}

NG_STARTUP static int
setup_regex(void)
{
	size_t rx = ng_rx_size(&ng.pol);

	if (ng_rx_count(&ng.pol) == 0)
		return 0;	/* no regex: nothing to set up, nothing touched */
	arena_size = (size_t)64 << 20;	/* reserved, touched only as used */
	arena = mmap(NULL, arena_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (arena == MAP_FAILED)
		return fail("mmap: ", strerror(errno));
	atomic_store(&arena_used, (rx + 15) & ~(size_t)15);
	if (ng_rx_init(&ng.pol, arena, rx, arena_alloc, arena_free, NULL) < 0)
		return fail("cannot set up the regex runtime", NULL);
	return 0;
}

/* ---- log sink ------------------------------------------------------------ */

/* the sink of the policy, then NETGUARD_LOG over it */
NG_STARTUP static void
choose_sink(void)
{
	const char *o = env("NETGUARD_LOG");

	ng.log_sink = ng.set.log_sink;
	ng.log_format = ng.set.log_format;
	ng.log_allowed = ng.set.log_allowed;
	ng.log_path = ng.set.log_path ? ng.set.log_path : "";	/* in the snapshot */
	if (!o || !*o)
		return;
	if (strcmp(o, "stderr") == 0) {
		ng.log_sink = NG_LOG_STDERR;
	} else if (strcmp(o, "syslog") == 0) {
		ng.log_sink = NG_LOG_SYSLOG;
	} else if (strcmp(o, "none") == 0) {
		ng.log_sink = NG_LOG_NONE;
	} else if (strncmp(o, "file:/", 6) == 0) {
		ng.log_sink = NG_LOG_FILE;
		ng.log_path = ng_pool_put(o + 5, "", 0);
	} else {
		say("NETGUARD_LOG: unknown sink, keeping the policy's: ", o);
	}
}

/* log to fd 2 while it stays the file it is now (log.c checks) */
NG_STARTUP static void
stderr_sink(void)
{
	struct stat st;

	ng.log_sink = NG_LOG_STDERR;
	if (ng_sys(SYS_fstat, 2, &st) == 0) {
		ng.log_dev = (unsigned long)st.st_dev;
		ng.log_ino = (unsigned long)st.st_ino;
	}
}

/* The sink is opened per line (log.c); here only checked once. */
NG_STARTUP static void
setup_log(void)
{
	int fd;

	choose_sink();
	if (ng.log_sink == NG_LOG_STDERR)
		stderr_sink();
	if (ng.log_sink != NG_LOG_FILE)
		return;
	fd = (int)ng_sys(SYS_openat, AT_FDCWD, ng.log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (fd >= 0) {
		ng_sys(SYS_close, fd);
		return;
	}
	say("cannot open the log file, logging to stderr: ", ng.log_path);
	stderr_sink();
}

/* ---- nameservers ------------------------------------------------------- */

/* "nameserver ADDR" into ns */
static void
add_nameserver(struct ng_nameservers *ns, char *line)
{
	struct sockaddr_in *in = (struct sockaddr_in *)&ns->ns[ns->n];
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ns->ns[ns->n];
	char *p = line + strspn(line, " \t"), *e;

	if (strncmp(p, "nameserver", 10) != 0)
		return;
	p += 10;
	p += strspn(p, " \t");
	for (e = p; *e && *e != ' ' && *e != '\t' && *e != '%' && *e != '\r'; e++)
		;
	*e = '\0';
	memset(&ns->ns[ns->n], 0, sizeof(ns->ns[0]));
	if (inet_pton(AF_INET, p, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		ns->n++;
	} else if (inet_pton(AF_INET6, p, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		ns->n++;
	}
}

static void
read_nameservers(struct ng_nameservers *ns)
{
	char buf[4096];
	int fd = (int)ng_sys(SYS_openat, AT_FDCWD, "/etc/resolv.conf", O_RDONLY | O_CLOEXEC);
	long n;
	char *line, *save = NULL;

	ns->n = 0;
	if (fd < 0)
		return;
	n = ng_sys(SYS_read, fd, buf, sizeof(buf) - 1);
	ng_sys(SYS_close, fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	for (line = strtok_r(buf, "\n", &save); line && ns->n < NG_MAX_NS; line = strtok_r(NULL, "\n", &save))
		add_nameserver(ns, line);
}

/*
 * Read when a program first addresses port 53, not in every process: most
 * never do.  One thread reads them into the state and publishes them; a
 * thread that finds that under way reads its own copy (no waiting).
 */
static struct ng_nameservers nameservers;
static _Atomic int nameservers_state;	/* 0 unread, 1 being read, 2 read */

const struct ng_nameservers *
ng_nameservers(struct ng_nameservers *local)
{
	int st = atomic_load_explicit(&nameservers_state, memory_order_acquire);

	if (st == 2)
		return &nameservers;
	if (st == 0 && atomic_compare_exchange_strong(&nameservers_state, &st, 1)) {
		read_nameservers(&nameservers);
		atomic_store_explicit(&nameservers_state, 2, memory_order_release);
		return &nameservers;
	}
	read_nameservers(local);
	return local;
}

/* ---- who we are ------------------------------------------------------------ */

NG_STARTUP static void
setup_identity(void)
{
	const char *fn = (const char *)getauxval(AT_EXECFN);
	char buf[PATH_MAX];
	long n = ng_sys(SYS_readlink, "/proc/self/exe", buf, sizeof(buf) - 1);
	struct utsname u;
	Dl_info info;

	buf[n > 0 ? n : 0] = '\0';
	ng.exe_real = ng_pool_put(buf, "", 0);
	ng.exe = fn ? ng_pool_put(fn, "", 0) : ng.exe_real;
	if (ng_sys(SYS_uname, &u) == 0)
		ng.hostname = ng_pool_put(u.nodename, "", 0);
	if (dladdr((void *)setup_identity, &info) && info.dli_fname) {
		/* a descendant's path is its parent's resolved one; the root
		 * resolves the user's, so no link it names can be swapped later */
		if (info.dli_fname[0] == '/' && env("NETGUARD_SNAPSHOT"))
			ng.self = ng_pool_put(info.dli_fname, "", 0);
		else if (realpath(info.dli_fname, buf))
			ng.self = ng_pool_put(buf, "", 0);
		else
			ng.self = ng_pool_put(info.dli_fname, "", 0);
	}
	ng.pid = (pid_t)ng_sys(SYS_getpid, 0);
}

NG_STARTUP static void
setup_jailexec(void)
{
	const char *j = env("NETGUARD_JAILEXEC"), *r = env("NETGUARD_ROOTNS");
	struct stat st;

	if (j && j[0] == '/') {
		ng.jailexec = ng_pool_put(j, "", 0);
	} else {
		/* the root finds it once; its descendants inherit the answer */
		j = NG_JAILEXEC_BIN;
		if (access(j, X_OK) != 0 && built_here() && access(NG_BUILD_JAILEXEC, X_OK) == 0)
			j = NG_BUILD_JAILEXEC;	/* run from the build tree */
		ng.jailexec = ng_pool_put(j, "", 0);
		if (!ng.secure)
			setenv("NETGUARD_JAILEXEC", ng.jailexec, 1);
	}
	/* the tree's root records its network namespace; descendants inherit it */
	if (r && *r) {
		ng.rootns = ng_atou(r);
	} else if (stat("/proc/self/ns/net", &st) == 0) {
		char v[24];

		ng.rootns = (unsigned long)st.st_ino;
		setenv("NETGUARD_ROOTNS", ng_utoa(ng.rootns, v), 1);
	}
}

/*
 * Are we in a jail?  1: the network namespace differs from the tree
 * root's and the jail is whole: its seccomp filter, the last step of
 * lib/jail.c, is in place.  -1: the namespace differs but the
 * jail is not whole: a jail failed half-way in this process (the shell then
 * retries the next PATH entry); no jailed program may start here.  0: not
 * jailed.
 */
int
ng_in_jail(void)
{
	struct stat st;

	if (ng_sys(SYS_newfstatat, AT_FDCWD, "/proc/self/ns/net", &st, 0) < 0)
		return 0;	/* cannot tell: not jailed, so jail verdicts escalate */
	if (!ng.rootns || (unsigned long)st.st_ino == ng.rootns)
		return 0;
	/* the jail's own seccomp filter, its last step, answers TIOCSTI with
	 * EPERM whatever the descriptor; the kernel says EBADF for fd -1 (a
	 * container's seccomp mode or no_new_privs would prove nothing) */
	if (ng_sys(SYS_ioctl, -1, TIOCSTI, NULL) < 0 && errno == EPERM)
		return 1;
	return -1;
}

NG_STARTUP static int
do_init(void)
{
	const char *m;

	ng.exe = ng.exe_real = ng.hostname = ng.self = ng.jailexec = ng.log_path = ng.preload_env = "";
	resolve_real();
	if (!ng_real.connect || !ng_real.execve || !ng_real.getaddrinfo)
		return fail("cannot find the C library's functions", NULL);
	ng.secure = getauxval(AT_SECURE) != 0;
	setup_identity();
	setup_jailexec();
	if (setup_snapshot() < 0)
		return -1;
	ng_policy_settings(&ng.pol, &ng.set);
	m = env("NETGUARD_MODE");
	if (ng_policy_set_mode(&ng.pol, m) < 0)
		say("NETGUARD_MODE: not audit or enforce, keeping the policy's mode: ", m);
	if (setup_regex() < 0)
		return -1;
	ng_dns_init(ng.set.dns_max, ng.set.dns_ttl);
	setup_log();
	if (ng.set.log_backtrace && ng_bt_init() < 0)
		say("log.backtrace: cannot load libunwind.so.8; logging without call stacks", NULL);
	ng_env_capture();
	return 0;
}

NG_STARTUP static int
ng_init(void)
{
	int expected = NG_UNINIT;
	pid_t self = (pid_t)ng_sys(SYS_gettid, 0);

	if (atomic_compare_exchange_strong(&ng.phase, &expected, NG_INITIALISING)) {
		int rc;

		atomic_store(&ng.init_owner, self);
		rc = do_init();
		if (rc < 0 && !ng.log_sink)
			stderr_sink();	/* init failed before the log: refusals go to stderr */
		atomic_store(&ng.phase, rc < 0 ? NG_FAILED : NG_READY);
		return rc;
	}
	/* another thread is initialising: wait for it (init only, never in
	 * a steady-state hook); the same thread re-entering fails closed */
	while (atomic_load(&ng.phase) == NG_INITIALISING) {
		if (atomic_load(&ng.init_owner) == self)
			return -1;
		sched_yield();
	}
	return atomic_load(&ng.phase) == NG_READY ? 0 : -1;
}

NG_STARTUP int
ng_ready(void)
{
	int phase = atomic_load_explicit(&ng.phase, memory_order_acquire);

	if (phase == NG_READY)
		return 0;
	if (phase == NG_FAILED)
		return -1;
	return ng_init();
}

/*
 * The library's DT_FINI (-Wl,-fini in Makefile.am): the C runtime's _fini
 * does nothing here but sits at the far end of the text, a page fault in
 * every process's exit; this one sits with the start-up code.
 */
NG_STARTUP NG_HIDDEN void ng_fini(void);
NG_STARTUP NG_HIDDEN void
ng_fini(void)
{
}

NG_STARTUP __attribute__((constructor)) static void
ng_constructor(void)
{
	(void)ng_ready();
}
