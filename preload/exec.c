/*
 * Program starts: the exec family, posix_spawn, system and popen.
 *
 * glibc runs its internal __execve from these, so each is caught at its own
 * entry: resolve what will really run (PATH search as the function does,
 * "#!" interpreters, /usr/bin/env X), decide, rebuild the environment with
 * the sticky variables, then call the real function.  An ELF target is
 * executed from the very fd that was inspected (execveat AT_EMPTY_PATH), so
 * swapping the file after the check gains nothing.
 *
 * Async-signal-safe throughout (vfork children, fork in threaded programs):
 * the read-only policy, syscalls and the stack.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"
#include "lib/exec.h"
#include "lib/jail.h"

extern char **environ;

#define ENV_EXTRA (NG_MAX_STICKY + 4)

enum how { H_EXECVE, H_FEXECVE, H_EXECVEAT, H_SPAWN };

struct plan {
	struct ng_exec_target t;
	struct ng_verdict v;
	int rc;			/* 0 go, -errno refuse */
	int jail;		/* run it under jailexec */
	int foreign;		/* another ELF class: no LD_PRELOAD for it */
};

static const char *
path_env(void)
{
	const char *p = getenv("PATH");

	return p ? p : "/usr/local/bin:/usr/bin:/bin";
}

static void
log_exec(const struct plan *pl, const char *detail)
{
	struct ng_event e = { .op = "exec", .name = pl->t.path[0] ? pl->t.path : "?", .detail = detail };

	ng_log_verdict(&e, &pl->v);
}

/* Decide on a resolved target; fills pl->rc. */
static void
decide(struct plan *pl, char *const argv[])
{
	struct ng_exec_query q;

	ng_exec_query_of(&pl->t, argv ? argv[0] : NULL, &q);
	ng_decide_exec(&ng.pol, &q, &pl->v);
	if (pl->v.action == NG_ALLOW) {
		if (ng.log_allowed)
			log_exec(pl, NULL);
		pl->rc = 0;
		return;
	}
	if (pl->v.audit) {
		log_exec(pl, NULL);
		pl->rc = 0;
		return;
	}
	if (pl->v.action == NG_JAIL) {
		pl->foreign = (pl->t.elf & NG_ELF_CLASS) != 0;
		switch (ng_in_jail()) {
		case 1:
			/* already inside a jail: its network is gone; exec in place */
			if (ng.log_allowed)
				log_exec(pl, "already jailed: in place");
			pl->rc = 0;
			return;
		case -1:
			/* a jail failed half-way here: never by another route */
			log_exec(pl, "a jail failed half-way in this process: refused");
			pl->rc = -EACCES;
			return;
		default:
			break;
		}
		log_exec(pl, NULL);
		pl->jail = 1;
		pl->rc = 0;
		return;
	}
	log_exec(pl, NULL);
	pl->rc = -EACCES;
}

/*
 * argv for jailexec: jailexec -q --argv0 ARGV0 -- PATH ARG...  The exec of
 * jailexec itself is never judged (it is run by the path captured at init,
 * never taken from the program's environment).
 */
#define JAIL_ARGV(jv, path, argv)                                                   \
	size_t jv##_n = 0;                                                           \
	while (argv && argv[jv##_n])                                                 \
		jv##_n++;                                                            \
	char *jv[jv##_n + 7];                                                        \
	jv[0] = (char *)ng.jailexec;                                                   \
	jv[1] = "-q";                                                                \
	jv[2] = "--argv0";                                                           \
	jv[3] = (argv && argv[0]) ? argv[0] : (char *)(path);                        \
	jv[4] = "--";                                                                \
	jv[5] = (char *)(path);                                                      \
	for (size_t i_ = 1; i_ <= jv##_n; i_++)                                      \
		jv[5 + i_] = i_ < jv##_n ? argv[i_] : NULL;                          \
	if (!jv##_n)                                                                 \
		jv[6] = NULL

static void
plan_fail_closed(struct plan *pl, const char *path)
{
	ng_verdict_error(&pl->v);
	ng_strlcpy(pl->t.path, path ? path : "?", sizeof(pl->t.path));
	log_exec(pl, "netguard failed to start");
	pl->rc = -EACCES;
}

/* Resolve file (search: PATH as execvp does) and decide. */
static void
plan_path(struct plan *pl, const char *file, int search, char *const argv[])
{
	int rc;

	pl->t.fd = -1;
	pl->jail = pl->foreign = 0;
	if (ng_ready() < 0) {
		plan_fail_closed(pl, file);
		return;
	}
	rc = ng_exec_resolve(file, search, path_env(), &pl->t);
	if (rc < 0) {
		pl->rc = rc;	/* not found, not executable: as the real call would say */
		return;
	}
	decide(pl, argv);
	if (pl->rc < 0 && pl->t.fd >= 0) {
		ng_real.close(pl->t.fd);
		pl->t.fd = -1;
	}
}

static int
refuse(struct plan *pl)
{
	errno = -pl->rc;
	return -1;
}

/* The environment for the child, built on the caller's stack (no_preload:
 * a program of another ELF class gets no LD_PRELOAD). */
#define CHILD_ENV(name, envp, no_preload, first)                                     \
	size_t name##_cap = ng_env_count(envp) + ENV_EXTRA;                          \
	char *name##_v[name##_cap];                                                  \
	char name##_buf[PATH_MAX * 2 + 16];                                          \
	char **name = ng_env_child(envp, name##_v, name##_cap, name##_buf, sizeof(name##_buf), no_preload, first)

/* the ASan runtime the target needs first in LD_PRELOAD, or NULL */
static const char *
asan_of(const struct plan *pl)
{
	return (pl->t.elf & NG_ELF_ASAN) && pl->t.asan[0] ? pl->t.asan : NULL;
}

/* how exec_target may treat its fd */
enum { FD_OURS = 1, FD_ONLY = 2 };	/* close it if the exec fails; no path to fall back on */

/*
 * Exec the target from fd, the file that was inspected, when there is one;
 * by path where there is none, or where execveat is missing (ENOSYS) and
 * the fd is not the only handle.
 */
static int
exec_target(int fd, int how, const char *path, char *const argv[], char **env)
{
	if (fd >= 0) {
		int e;

		ng_real.execveat(fd, "", argv, env, AT_EMPTY_PATH);
		e = errno;
		if (how & FD_OURS)
			ng_real.close(fd);
		if (e != ENOSYS || (how & FD_ONLY)) {
			errno = e;
			return -1;
		}
	}
	return ng_real.execve(path, argv, env);
}

/* the jail route needs jailexec: without it, refuse (never run unjailed) */
static int
jailexec_missing(struct plan *pl)
{
	if (access(ng.jailexec, X_OK) == 0)
		return 0;
	log_exec(pl, "jailexec not found: refused");
	return 1;
}

/* the jail failed half-way: log the step, the error and the fix (ctx: the plan) */
static void
jail_refused(void *ctx, const struct ng_jail_error *je)
{
	char msg[sizeof(je->call) + 480];

	ng_jail_strerror(je, msg, sizeof(msg));
	if (je->hint) {
		ng_strlcat(msg, "; ", sizeof(msg));
		ng_strlcat(msg, je->hint, sizeof(msg));
	}
	ng_strlcat(msg, "; refused", sizeof(msg));
	log_exec(ctx, msg);
}

/*
 * Run a jailed target.  The fast path: this process enters the jail itself
 * (lib/jail.c: raw syscalls on the stack, safe in a vfork child) and
 * execs the target directly, from the inspected fd when there is one --
 * no jailexec in between.  The kernel lets only a single-threaded process
 * unshare a user namespace; a threaded one (ng_jail_enter returns 1,
 * nothing changed) execs jailexec instead, which replaces it the same way.
 * A jail that fails half-way leaves this process without network and the
 * exec refused.  With FD_ONLY, path is /proc/self/fd/N (a memfd).
 */
static int
run_jailed(struct plan *pl, const char *path, int fd, int how, char *const argv[], char **env)
{
	struct ng_jail_error je;
	int rc = ng_jail_enter(NG_JAIL_LOOPBACK, &je);

	if (rc == 0)
		return exec_target(fd, how, path, argv, env);
	if (fd >= 0 && (how & FD_OURS))
		ng_real.close(fd);
	if (rc < 0)
		jail_refused(pl, &je);
	if (rc < 0 || jailexec_missing(pl)) {
		errno = EACCES;
		return -1;
	}
	if (how & FD_ONLY) {
		int flags = (int)ng_sys(SYS_fcntl, fd, F_GETFD, 0);

		if (flags >= 0)
			ng_sys(SYS_fcntl, fd, F_SETFD, flags & ~FD_CLOEXEC);	/* it must reach jailexec */
	}
	{
		JAIL_ARGV(jv, path, argv);
		return ng_real.execve(ng.jailexec, jv, env);
	}
}

static int
run_plan(struct plan *pl, const char *orig, char *const argv[], char *const envp[])
{
	CHILD_ENV(env, envp, pl->foreign, asan_of(pl));
	const char *path = pl->t.path[0] ? pl->t.path : orig;

	if (pl->jail)
		return run_jailed(pl, path, pl->t.fd, FD_OURS, argv, env);
	return exec_target(pl->t.fd, FD_OURS, path, argv, env);
}

int
ng_execve(const char *path, char *const argv[], char *const envp[])
{
	struct plan pl;

	plan_path(&pl, path, 0, argv);
	if (pl.rc < 0)
		return refuse(&pl);
	return run_plan(&pl, path, argv, envp);
}

int
ng_execv(const char *path, char *const argv[])
{
	return ng_execve(path, argv, environ);
}

/*
 * execvp and execlp run a file the kernel cannot execute (no "#!", or
 * empty) with /bin/sh, as glibc does and POSIX requires: argv becomes
 * /bin/sh FILE ARG...  That exec is judged like any other.
 */
static int
sh_fallback(const char *path, char *const argv[], char *const envp[])
{
	size_t n = 0;

	while (argv && argv[n])
		n++;
	{
		char *sv[n + 3];

		sv[0] = "/bin/sh";
		sv[1] = (char *)path;
		for (size_t i = 1; i <= n; i++)
			sv[i + 1] = i < n ? argv[i] : NULL;
		if (n == 0)
			sv[2] = NULL;
		return ng_execve("/bin/sh", sv, envp);
	}
}

int
ng_execvpe(const char *file, char *const argv[], char *const envp[])
{
	struct plan pl;

	plan_path(&pl, file, 1, argv);
	if (pl.rc < 0)
		return refuse(&pl);
	run_plan(&pl, file, argv, envp);
	if (errno == ENOEXEC)
		return sh_fallback(pl.t.path[0] ? pl.t.path : file, argv, envp);
	return -1;
}

int
ng_execvp(const char *file, char *const argv[])
{
	return ng_execvpe(file, argv, environ);
}

/* execl* collect their variadic arguments on the stack */
#define COLLECT_ARGS(argv, arg0, ap, extra)                                         \
	size_t argc_ = 1;                                                            \
	va_list count_;                                                              \
	va_copy(count_, ap);                                                         \
	while (va_arg(count_, char *))                                               \
		argc_++;                                                             \
	va_end(count_);                                                              \
	char *argv[argc_ + 1];                                                       \
	argv[0] = (char *)(arg0);                                                    \
	for (size_t i_ = 1; i_ < argc_; i_++)                                        \
		argv[i_] = va_arg(ap, char *);                                       \
	argv[argc_] = va_arg(ap, char *); /* the NULL: execle's envp follows it */   \
	extra

NG_EXPORT int
execl(const char *path, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	COLLECT_ARGS(argv, arg, ap, ;);
	va_end(ap);
	return ng_execve(path, argv, environ);
}

NG_EXPORT int
execlp(const char *file, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	COLLECT_ARGS(argv, arg, ap, ;);
	va_end(ap);
	return ng_execvpe(file, argv, environ);
}

NG_EXPORT int
execle(const char *path, const char *arg, ...)
{
	va_list ap;
	char *const *envp;

	va_start(ap, arg);
	COLLECT_ARGS(argv, arg, ap, envp = va_arg(ap, char *const *););
	va_end(ap);
	return ng_execve(path, argv, envp);
}

/* fexecve / execveat on an fd: inspect that fd itself */
static void
plan_fd(struct plan *pl, int fd, char *const argv[])
{
	pl->jail = pl->foreign = 0;
	if (ng_ready() < 0) {
		memset(&pl->t, 0, sizeof(pl->t));
		pl->t.fd = -1;
		plan_fail_closed(pl, "(fd)");
		return;
	}
	ng_exec_inspect_fd(fd, path_env(), &pl->t);
	decide(pl, argv);
}

/* jail a program behind an fd (a memfd): run that fd (jailexec: /proc/self/fd/N);
 * how: FD_OURS if the fd is ours to close */
static int
jail_fd(struct plan *pl, int fd, int how, char *const argv[], char *const envp[])
{
	char path[NG_FD_PATH_MAX];
	CHILD_ENV(env, envp, pl->foreign, asan_of(pl));

	ng_fd_path(fd, path);
	pl->t.fd = -1;
	return run_jailed(pl, path, fd, how | FD_ONLY, argv, env);
}

int
ng_fexecve(int fd, char *const argv[], char *const envp[])
{
	struct plan pl;

	plan_fd(&pl, fd, argv);
	if (pl.rc < 0)
		return refuse(&pl);
	if (pl.jail)
		return jail_fd(&pl, fd, 0, argv, envp);
	{
		CHILD_ENV(env, envp, 0, asan_of(&pl));

		return ng_real.fexecve(fd, argv, env);
	}
}

int
ng_execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags)
{
	struct plan pl;

	if (!path[0] && (flags & AT_EMPTY_PATH)) {
		plan_fd(&pl, dirfd, argv);
		if (pl.rc == 0 && pl.jail)
			return jail_fd(&pl, dirfd, 0, argv, envp);
	} else if (path[0] != '/' && dirfd != AT_FDCWD) {
		int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0));

		if (fd < 0)
			return -1;
		plan_fd(&pl, fd, argv);
		if (pl.rc == 0 && pl.jail)
			return jail_fd(&pl, fd, FD_OURS, argv, envp);	/* the file judged, not PATH under the cwd */
		if (pl.rc == 0) {
			CHILD_ENV(env, envp, 0, asan_of(&pl));

			return exec_target(fd, FD_OURS | FD_ONLY, NULL, argv, env);
		}
		ng_real.close(fd);
	} else {
		plan_path(&pl, path, 0, argv);
		if (pl.rc == 0)
			return run_plan(&pl, path, argv, envp);
	}
	if (pl.rc < 0)
		return refuse(&pl);
	{
		CHILD_ENV(env, envp, 0, asan_of(&pl));

		return ng_real.execveat(dirfd, path, argv, env, flags);
	}
}

/*
 * posix_spawn: the caller's file actions and attributes, our env.  A child
 * of our own (spawn.c) runs the program from the fd that was inspected (a
 * script, which has none, by its path), entering the jail first for a
 * jailed one.  Under a glibc whose file actions we cannot read, glibc's
 * posix_spawn gets the path -- through jailexec for a jailed program.
 */
static int
spawn(int search, pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
      const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	struct plan pl;

	plan_path(&pl, file, search, argv);
	if (pl.rc < 0)
		return -pl.rc;
	/* a file action that would put something else at the snapshot's
	 * number: move the snapshot first (before the child's environment
	 * names it), or refuse the spawn */
	if (ng_snap_fd() >= 0 && ng_spawn_targets(fa, ng_snap_fd()) && ng_relocate_snapshot() < 0) {
		if (pl.t.fd >= 0)
			ng_real.close(pl.t.fd);
		return EMFILE;
	}
	{
		CHILD_ENV(env, envp, pl.foreign, asan_of(&pl));
		const char *path = pl.t.path;
		int rc = ng_spawn(pid, path, pl.t.fd, fa, attr, argv, env, pl.jail, jail_refused, &pl);

		if (pl.t.fd >= 0)
			ng_real.close(pl.t.fd);
		if (rc >= 0)
			return rc;
		if (!pl.jail)
			return ng_real.posix_spawn(pid, path, fa, attr, argv, env);
		if (jailexec_missing(&pl))
			return EACCES;
		{
			JAIL_ARGV(jv, path, argv);
			return ng_real.posix_spawn(pid, ng.jailexec, fa, attr, jv, env);
		}
	}
}

int
ng_posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
	    char *const argv[], char *const envp[])
{
	return spawn(0, pid, path, fa, attr, argv, envp);
}

int
ng_posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
	     char *const argv[], char *const envp[])
{
	return spawn(1, pid, file, fa, attr, argv, envp);
}

/* system / popen run /bin/sh, which inherits environ and runs under us */
int
ng_shell_allowed(void)
{
	struct plan pl;
	char *argv[2] = { "sh", NULL };

	plan_path(&pl, "/bin/sh", 0, argv);
	if (pl.t.fd >= 0)
		ng_real.close(pl.t.fd);
	if (pl.rc < 0)
		return pl.rc;
	if (pl.jail) {
		/* system() and popen() run the shell themselves; they cannot
		 * be routed through jailexec: refuse rather than run it free */
		log_exec(&pl, "system()/popen() of a jailed shell: refused");
		return -EACCES;
	}
	ng_env_restore_environ();
	return 0;
}

int
ng_system(const char *cmd)
{
	int rc;

	if (!cmd)
		return ng_ready() == 0 ? ng_real.system(NULL) : 0;
	rc = ng_shell_allowed();
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return ng_real.system(cmd);
}

FILE *
ng_popen(const char *cmd, const char *mode)
{
	int rc = ng_shell_allowed();

	if (rc < 0) {
		errno = -rc;
		return NULL;
	}
	return ng_real.popen(cmd, mode);
}
