/*
 * libnetguard.so internals: the real libc functions, the per-process state,
 * and the helpers every hook family shares.
 *
 * Rules for everything reachable from a hook: no malloc, no stdio, no
 * blocking locks; stack buffers and syscalls only.  The state is written
 * in ng_init() and read-only afterwards, except the descriptors fd.c moves
 * out of a program's way (snap_fd and the NETGUARD_SNAPSHOT sticky
 * value); the DNS table has its own lock-free protocol (dnstab.c).
 */
#ifndef NG_PRELOAD_H
#define NG_PRELOAD_H

#include <limits.h>
#include <netdb.h>
#include <signal.h>
#include <spawn.h>
#include <stdatomic.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <wordexp.h>

#include "lib/dnswire.h"
#include "lib/str.h"
#include "lib/sys.h"
#include "policy/policy.h"

#define NG_EXPORT __attribute__((visibility("default")))
#define NG_HIDDEN __attribute__((visibility("hidden")))
/* another exported name for an export defined in the same file */
#define NG_ALIAS(other, name) NG_EXPORT __typeof__(name) other __attribute__((alias(#name), copy(name)));
/* code the sanitizer runtime itself calls while it initialises (dlsym):
 * its shadow memory does not exist yet, so it must not be instrumented */
#define NG_NOSAN __attribute__((no_sanitize("address", "undefined")))

/* ---- the hooks (hooks.def) ------------------------------------------------ */

#include "hooks.h"

/* the real function behind each hook, resolved once in init */
struct ng_reals {
#define NG_GEN(r, name, T, P, A, C, s) r (*name) T;
#define NG_GENV(name, T, P, A, C, s) void (*name) T;
#define NG_GENRES(r, name, T, P, A) r (*name) T;
#define NG_MANUAL(r, name, T) r (*name) T;
#include "hooks.def"
#undef NG_GEN
#undef NG_GENV
#undef NG_GENRES
#undef NG_MANUAL
};

/* what each hook does, in its family's file; the export calls it */
#define NG_GEN(r, name, T, P, A, C, s) NG_HIDDEN r ng_##name P;
#define NG_GENV(name, T, P, A, C, s) NG_HIDDEN void ng_##name P;
#define NG_GENRES(r, name, T, P, A) NG_HIDDEN r ng_##name P;
#define NG_MANUAL(r, name, T)
#include "hooks.def"
#undef NG_GEN
#undef NG_GENV
#undef NG_GENRES
#undef NG_MANUAL

/* exec.c: may /bin/sh start (system, popen, wordexp)?  0 after restoring
 * the sticky environment into environ, or -errno */
NG_HIDDEN int ng_shell_allowed(void);

/* fd.c: fcntl and ioctl with their argument as a long (syscall() routes here) */
NG_HIDDEN int ng_fcntl_arg(int fd, int cmd, long arg);
NG_HIDDEN int ng_ioctl_arg(int fd, unsigned long req, long arg);

/* exports.c: the hook for a name (dlsym), and syscall()'s routing */
NG_HIDDEN void *ng_hook_for(const char *name);
NG_HIDDEN long ng_syscall_route(long n, const long *a, int *routed);


/* ---- per-process state -------------------------------------------------- */

enum ng_phase { NG_UNINIT = 0, NG_INITIALISING, NG_READY, NG_FAILED };

#define NG_MAX_STICKY 8
#define NG_MAX_NS 8
/* room for every string of the state; only the bytes used are touched */
#define NG_POOL (PATH_MAX * 16)
/* the sticky NETGUARD_SNAPSHOT entry is rewritten in place (fd.c) */
#define NG_SNAP_ENTRY 96

/* the nameservers of /etc/resolv.conf, read at the first DNS-port address */
struct ng_nameservers {
	struct sockaddr_storage ns[NG_MAX_NS];
	int n;
};

/*
 * Small fields first and every string in one pool after them, so that
 * starting a process writes two or three pages of this, not sixteen: each
 * page a process first writes is a page fault, and page faults are what a
 * child's start costs.
 */
struct ng_state {
	_Atomic int phase;
	_Atomic pid_t init_owner;	/* the thread running ng_init() */
	struct ng_reals real;		/* ng_real: the C library's functions */
	void *libc_dlsym, *libc_dlvsym;	/* libc's own (dlsym.c) */
	/* the DNS learning table (dnstab.c), mapped at init */
	void *dns_tab;
	uint32_t dns_mask, dns_ttl;
	struct ng_policy pol;
	struct ng_settings_view set;
	int snap_fd1;			/* the snapshot's fd + 1: 0 (none) in a zeroed state */
	unsigned long snap_dev, snap_ino;
	int secure;			/* AT_SECURE: environment ignored */
	/* logging */
	unsigned long log_dev, log_ino;	/* stderr sink: fd 2's file at start */
	int log_sink, log_format, log_allowed;
	const char *log_path;
	_Atomic long log_window_sec, log_suppressed;	/* rate limit (log.c) */
	_Atomic int log_window_count;
	/* who we are */
	pid_t pid;
	const char *exe, *exe_real, *hostname;
	const char *self;		/* absolute path of libnetguard.so */
	const char *jailexec;
	unsigned long rootns;		/* network namespace of the tree's root */
	/* sticky environment captured at init: "NAME=value" */
	char *sticky[NG_MAX_STICKY];
	int nsticky;
	const char *preload_env;	/* LD_PRELOAD as captured */
	char fail_reason[256];
	size_t pool_used;
	char pool[NG_POOL];
};

/* init.c: a copy of a + b in the state's pool, with room for at least
 * min bytes ("" when the pool is full: the state's strings only grow at init) */
NG_HIDDEN char *ng_pool_put(const char *a, const char *b, size_t min);
/* the nameservers, read once (a racing thread reads into *local) */
NG_HIDDEN const struct ng_nameservers *ng_nameservers(struct ng_nameservers *local);

NG_HIDDEN extern struct ng_state ng;
#define ng_real (ng.real)

/* the snapshot's descriptor, -1 before it is mapped */
static inline int
ng_snap_fd(void)
{
	return ng.snap_fd1 - 1;
}

/* init.c: make sure the library is initialised; 0 ready, -1 fail closed */
NG_HIDDEN int ng_ready(void);

/* ---- decisions with logging (decide.c) ------------------------------- */

struct ng_event {
	const char *op;			/* "connect", "send", "dns", "exec", "socket", "ptr" */
	int proto;			/* NG_Q_TCP / NG_Q_UDP / 0 */
	const struct sockaddr *sa;	/* destination, or NULL */
	socklen_t salen;
	const char *name;		/* dns name / exec path / unix path */
	const char *const *names;	/* names learned for the address */
	size_t nnames;
	const char *detail;		/* extra words for the log line */
};

/* Decide a network event; logs; returns 0 allow (incl. audit) or -1 deny */
NG_HIDDEN int ng_check_sock(int fd, const struct sockaddr *sa, socklen_t len, enum ng_op op);
NG_HIDDEN int ng_check_net_as(const struct sockaddr *sa, socklen_t len, int proto, enum ng_op op, const char *as);
NG_HIDDEN int ng_check_lookup(const char *name, const char *op);
/* a DNS message written to a nameserver (NULL: too large to judge) */
NG_HIDDEN int ng_check_dns_message(const unsigned char *msg, size_t len, int tcp);
NG_HIDDEN void ng_log_verdict(const struct ng_event *e, const struct ng_verdict *v);
NG_HIDDEN int ng_deny_errno(void);

/* ---- DNS learning table (dnstab.c) ------------------------------------- */

NG_HIDDEN void ng_dns_init(uint32_t max_entries, uint32_t ttl);
NG_HIDDEN void ng_dns_learn(int family, const void *addr, const char *name);
/* names known for an address into out[] (pointers into buf); returns count */
NG_HIDDEN size_t ng_dns_names(int family, const void *addr, char buf[][256], size_t max);
NG_HIDDEN void ng_dns_touch(int family, const void *addr);

/* dnsq.c: queries sent to a nameserver, and whether an answer answers one */
NG_HIDDEN void ng_dnsq_sent(int fd, const unsigned char *msg, size_t len);
NG_HIDDEN int ng_dnsq_answered(int fd, unsigned id, const char *qname);
NG_HIDDEN void ng_dnsq_forget(int fd);

/* Learn the A/AAAA answers of a response (as the question's name). */
NG_HIDDEN void ng_dns_learn_response(const unsigned char *msg, size_t len);

/* ---- DNS sockets (sockets connected to a nameserver's port 53) ---------- */

NG_HIDDEN int ng_is_nameserver(const struct sockaddr *sa, socklen_t len);
/* the destination the kernel will use: 1 judge *out, 0 none, -1 refuse */
NG_HIDDEN int ng_dest_of(int fd, const struct sockaddr *sa, socklen_t len, int sending, struct sockaddr_storage *out);
/* an address no rule can classify, on an IP socket: log, and the errno */
NG_HIDDEN int ng_refuse_unknown(const struct sockaddr *sa, const char *op);
NG_HIDDEN void ng_dnsfd_mark(int fd, int on);
NG_HIDDEN int ng_dnsfd(int fd);
NG_HIDDEN int ng_sock_proto(int fd);

/* ---- fds (fd.c) ----------------------------------------------------------- */
NG_HIDDEN int ng_protected_fd(int fd);
NG_HIDDEN int ng_relocate_snapshot(void);
NG_HIDDEN int ng_close_range_keep_ours(unsigned first, unsigned last, int flags);

/* a jail is recognised by its network namespace differing from the root's */
NG_HIDDEN int ng_in_jail(void);

/* ---- environment (env.c) ------------------------------------------------- */
NG_HIDDEN void ng_env_capture(void);
/*
 * Build the environment a child gets: envp with LD_PRELOAD and NETGUARD_*
 * restored; first (or NULL) leads LD_PRELOAD (the ASan runtime a program
 * needs), no_preload drops it (a program of another ELF class).  out has room for cap pointers; strbuf holds new strings.
 */
NG_HIDDEN char **ng_env_child(char *const envp[], char **out, size_t cap, char *strbuf, size_t strsz, int no_preload,
			     const char *first);
NG_HIDDEN size_t ng_env_count(char *const envp[]);
NG_HIDDEN void ng_env_restore_environ(void);

/* spawn.c: posix_spawn by a child of our own that execs the inspected fd
 * (entering the jail first if jail); 0 or an errno value, -1: this glibc's
 * file actions cannot be read, use its posix_spawn (jailexec if jailed) */
struct ng_jail_error;
/* do the file actions put something at descriptor fd? (1 when unreadable) */
NG_HIDDEN int ng_spawn_targets(const posix_spawn_file_actions_t *fa, int fd);
NG_HIDDEN int ng_spawn(pid_t *pid, const char *path, int fd, const posix_spawn_file_actions_t *fa,
		       const posix_spawnattr_t *attr, char *const argv[], char *const envp[], int jail,
		       void (*refused)(void *, const struct ng_jail_error *), void *ctx);

/* backtrace.c: libunwind, loaded only for log.backtrace */
NG_HIDDEN int ng_bt_init(void);
NG_HIDDEN size_t ng_bt_format(char *buf, size_t n);

/* ---- async-signal-safe helpers (util.c; the string ones: lib/str.h) ----- */
NG_HIDDEN int ng_sockaddr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t n, unsigned *port);

#endif
