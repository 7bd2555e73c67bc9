/*
 * posix_spawn by a child of our own.
 *
 * glibc's posix_spawn runs its child itself and execs a path: nothing of
 * ours runs there.  So the file it executes is looked up again after the
 * check (a program could swap it in between, or a chdir file action could
 * make a relative path name another file), and a jailed program could be
 * reached only by exec'ing jailexec first (an extra exec, ~0.6 ms).
 * Instead the spawn makes its own child the way glibc does --
 * clone(CLONE_VM|CLONE_VFORK) on a private stack, every signal blocked --
 * and the child applies the caller's attributes and file actions, enters
 * the jail (lib/jail.c) if the verdict says so, and execs the very fd
 * that was inspected.
 *
 * glibc has no API that reads a posix_spawn_file_actions_t back, so the
 * actions are read from glibc's own list.  Its layout is checked against
 * the running glibc once: a list holding every kind of action, built with
 * the public functions, must read back exactly.  If it does not, or an
 * action is of a kind this file does not know, ng_spawn returns -1 and
 * the caller uses glibc's posix_spawn (through jailexec for a jailed
 * program): by path, or slower, never unjailed.
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ng.h"
#include "lib/jail.h"

/* glibc's struct __spawn_action (posix/spawn_int.h), as read, never written */
enum { A_CLOSE, A_DUP2, A_OPEN, A_CHDIR, A_FCHDIR, A_CLOSEFROM, A_TCSETPGRP, A_KINDS };
struct glibc_action {
	int tag;
	union {
		struct { int fd; } close;
		struct { int fd, newfd; } dup2;
		struct { int fd; char *path; int oflag; mode_t mode; } open;
		struct { char *path; } chdir;
		struct { int fd; } fchdir;
		struct { int from; } closefrom;
		struct { int fd; } tcsetpgrp;
	} a;
};

static const struct glibc_action *
actions_of(const posix_spawn_file_actions_t *fa, int *n)
{
	*n = fa ? fa->__used : 0;
	return fa ? (const struct glibc_action *)fa->__actions : NULL;
}

/* 1: this glibc's list reads as struct glibc_action; checked once */
static int
layout_ok(void)
{
	static int state;	/* 0 unknown, 1 yes, -1 no: racing threads compute the same */
	posix_spawn_file_actions_t fa;
	const struct glibc_action *a;
	int n, ok, want = 5;

	if (state)
		return state > 0;
	if (posix_spawn_file_actions_init(&fa) != 0)
		return 0;
	ok = posix_spawn_file_actions_addclose(&fa, 3) == 0 && posix_spawn_file_actions_adddup2(&fa, 4, 5) == 0 &&
	     posix_spawn_file_actions_addopen(&fa, 6, "/ng-open", O_WRONLY | O_APPEND, 0640) == 0 &&
	     posix_spawn_file_actions_addchdir_np(&fa, "/ng-chdir") == 0 && posix_spawn_file_actions_addfchdir_np(&fa, 7) == 0;
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	ok = ok && posix_spawn_file_actions_addclosefrom_np(&fa, 8) == 0;
	want++;
#endif
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDTCSETPGRP_NP
	ok = ok && posix_spawn_file_actions_addtcsetpgrp_np(&fa, 9) == 0;
	want++;
#endif
	a = actions_of(&fa, &n);
	ok = ok && n == want && a && a[0].tag == A_CLOSE && a[0].a.close.fd == 3 && a[1].tag == A_DUP2 &&
	     a[1].a.dup2.fd == 4 && a[1].a.dup2.newfd == 5 && a[2].tag == A_OPEN && a[2].a.open.fd == 6 &&
	     a[2].a.open.path && strcmp(a[2].a.open.path, "/ng-open") == 0 && a[2].a.open.oflag == (O_WRONLY | O_APPEND) &&
	     a[2].a.open.mode == 0640 && a[3].tag == A_CHDIR && a[3].a.chdir.path &&
	     strcmp(a[3].a.chdir.path, "/ng-chdir") == 0 && a[4].tag == A_FCHDIR && a[4].a.fchdir.fd == 7;
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	ok = ok && a[5].tag == A_CLOSEFROM && a[5].a.closefrom.from == 8;
#endif
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDTCSETPGRP_NP
	ok = ok && a[want - 1].tag == A_TCSETPGRP && a[want - 1].a.tcsetpgrp.fd == 9;
#endif
	posix_spawn_file_actions_destroy(&fa);
	state = ok ? 1 : -1;
	return ok;
}

int
ng_spawn_targets(const posix_spawn_file_actions_t *fa, int fd)
{
	int n;
	const struct glibc_action *a = actions_of(fa, &n);

	if (n > 0 && !layout_ok())
		return 1;	/* cannot tell: move it anyway */
	for (int i = 0; i < n; i++)
		if ((a[i].tag == A_DUP2 && a[i].a.dup2.newfd == fd) || (a[i].tag == A_OPEN && a[i].a.open.fd == fd))
			return 1;
	return 0;
}

struct child {
	const char *path;
	int fd;			/* the inspected file, or -1 */
	struct stat st;		/* ... which it must still be after the file actions */
	char *const *argv, *const *envp;
	const struct glibc_action *act;
	int nact;
	int jail;		/* enter the jail before the exec */
	short flags;
	sigset_t sigdef, sigmask;
	pid_t pgrp;
	int policy;
	struct sched_param sp;
	void (*refused)(void *, const struct ng_jail_error *);
	void *ctx;
	volatile int err;	/* set by the child: errno, or -1 (enter the jail through jailexec) */
};

static int
move_fd(int from, int to)
{
	if (from == to) {
		int fl = (int)ng_sys(SYS_fcntl, to, F_GETFD, 0);

		return fl < 0 ? -1 : (int)ng_sys(SYS_fcntl, to, F_SETFD, fl & ~FD_CLOEXEC);
	}
	return ng_sys(SYS_dup2, from, to) < 0 ? -1 : 0;
}

static int
file_actions(const struct child *c)
{
	for (int i = 0; i < c->nact; i++) {
		const struct glibc_action *a = &c->act[i];
		int fd;

		switch (a->tag) {
		case A_CLOSE:
			/* as glibc: a close that fails is not an error; the
			 * library's own fds (policy snapshot, log) stay, as
			 * close() leaves them to a program */
			if (!ng_protected_fd(a->a.close.fd))
				ng_sys(SYS_close, a->a.close.fd);
			break;
		case A_DUP2:
			if (move_fd(a->a.dup2.fd, a->a.dup2.newfd) < 0)
				return -1;
			break;
		case A_OPEN:
			fd = (int)ng_sys(SYS_openat, AT_FDCWD, a->a.open.path, a->a.open.oflag, a->a.open.mode);
			if (fd < 0)
				return -1;
			if (fd != a->a.open.fd) {
				int rc = move_fd(fd, a->a.open.fd);

				ng_sys(SYS_close, fd);
				if (rc < 0)
					return -1;
			}
			break;
		case A_CHDIR:
			if (ng_sys(SYS_chdir, a->a.chdir.path) < 0)
				return -1;
			break;
		case A_FCHDIR:
			if (ng_sys(SYS_fchdir, a->a.fchdir.fd) < 0)
				return -1;
			break;
		case A_CLOSEFROM:
			if (ng_close_range_keep_ours((unsigned)a->a.closefrom.from, ~0U, 0) < 0)
				return -1;
			break;
		case A_TCSETPGRP: {
			pid_t pg = (pid_t)ng_sys(SYS_getpgid, 0);

			if (ng_sys(SYS_ioctl, a->a.tcsetpgrp.fd, TIOCSPGRP, &pg) < 0)
				return -1;
			break;
		}
		default:
			errno = EINVAL;	/* checked before the clone */
			return -1;
		}
	}
	return 0;
}

static int
child_main(void *arg)
{
	struct child *c = arg;
	struct ng_jail_error je;
	struct stat st;
	int rc;

	/* the parent's handlers must not run here (its memory is ours) */
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;

		if (sig == SIGKILL || sig == SIGSTOP)
			continue;
		if (sigaction(sig, NULL, &sa) < 0) {
			/* glibc's internal signals (libc refuses them): ignored, as
			 * glibc's own spawn child sets them */
			struct { void *handler; unsigned long flags; void *restorer; unsigned long mask; } k = { SIG_IGN, 0, 0, 0 };

			ng_sys(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
			continue;
		}
		if (sigismember(&c->sigdef, sig) ||
		    (sa.sa_handler != SIG_IGN && sa.sa_handler != SIG_DFL)) {
			memset(&sa, 0, sizeof(sa));
			sa.sa_handler = SIG_DFL;
			sigaction(sig, &sa, NULL);
		}
	}
	if (((c->flags & POSIX_SPAWN_SETSID) && ng_sys(SYS_setsid, 0) < 0) ||
	    ((c->flags & POSIX_SPAWN_SETPGROUP) && ng_sys(SYS_setpgid, 0, c->pgrp) < 0) ||
	    ((c->flags & POSIX_SPAWN_SETSCHEDULER) && ng_sys(SYS_sched_setscheduler, 0, c->policy, &c->sp) < 0) ||
	    ((c->flags & POSIX_SPAWN_SETSCHEDPARAM) && !(c->flags & POSIX_SPAWN_SETSCHEDULER) &&
	     ng_sys(SYS_sched_setparam, 0, &c->sp) < 0) ||
	    ((c->flags & POSIX_SPAWN_RESETIDS) &&
	     (ng_sys(SYS_setgid, ng_sys(SYS_getgid, 0)) < 0 || ng_sys(SYS_setuid, ng_sys(SYS_getuid, 0)) < 0)) ||
	    file_actions(c) < 0) {
		c->err = errno ? errno : EINVAL;
		return 127;
	}
	rc = c->jail ? ng_jail_enter(NG_JAIL_LOOPBACK, &je) : 0;
	if (rc != 0) {
		if (rc < 0)
			c->refused(c->ctx, &je);
		c->err = rc > 0 ? -1 : EACCES;
		return 127;
	}
	ng_sys(SYS_rt_sigprocmask, SIG_SETMASK, &c->sigmask, NULL, NSIG / 8);
	if (c->fd >= 0 && ng_sys(SYS_fstat, c->fd, &st) == 0 && st.st_dev == c->st.st_dev && st.st_ino == c->st.st_ino) {
		ng_real.execveat(c->fd, "", c->argv, c->envp, AT_EMPTY_PATH);
		if (errno != ENOSYS) {
			c->err = errno;
			return 127;
		}
	}
	ng_real.execve(c->path, c->argv, c->envp);
	c->err = errno;
	return 127;
}

/*
 * The path the child runs when it has no inspected fd: a relative path is
 * the caller's, not the one a chdir file action leads to -- what was judged
 * is what runs (a script runs by path; argv[0] is kept).  0 or an errno.
 */
static int
spawn_path(struct child *c, const char *path, char *abspath, size_t n)
{
	c->path = path;
	for (int i = 0; i < c->nact && path[0] != '/'; i++) {
		if (c->act[i].tag != A_CHDIR && c->act[i].tag != A_FCHDIR)
			continue;
		if (!getcwd(abspath, n - 1) || ng_strlcat(abspath, "/", n) >= n || ng_strlcat(abspath, path, n) >= n)
			return ENAMETOOLONG;
		c->path = abspath;
		break;
	}
	return 0;
}

static void
spawn_attrs(struct child *c, const posix_spawnattr_t *attr)
{
	sigemptyset(&c->sigdef);
	if (!attr)
		return;
	posix_spawnattr_getflags(attr, &c->flags);
	if (c->flags & POSIX_SPAWN_SETSIGDEF)
		posix_spawnattr_getsigdefault(attr, &c->sigdef);
	posix_spawnattr_getsigmask(attr, &c->sigmask);
	posix_spawnattr_getpgroup(attr, &c->pgrp);
	posix_spawnattr_getschedpolicy(attr, &c->policy);
	posix_spawnattr_getschedparam(attr, &c->sp);
}

/* clone the child as glibc does, every signal blocked; its pid, or an errno */
static int
spawn_child(struct child *c, pid_t *pid)
{
	enum { STACK = 128 * 1024 };
	sigset_t all, old;
	char *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t p;
	int rc;

	if (stack == MAP_FAILED)
		return errno;
	sigfillset(&all);
	ng_sys(SYS_rt_sigprocmask, SIG_BLOCK, &all, &old, NSIG / 8);
	if (!(c->flags & POSIX_SPAWN_SETSIGMASK))
		c->sigmask = old;
	p = clone(child_main, stack + STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, c);
	rc = p < 0 ? errno : c->err;
	if (p > 0 && c->err != 0)
		while (waitpid(p, NULL, 0) < 0 && errno == EINTR)
			;
	ng_sys(SYS_rt_sigprocmask, SIG_SETMASK, &old, NULL, NSIG / 8);
	munmap(stack, STACK);
	if (rc == 0 && pid)
		*pid = p;
	return rc;
}

int
ng_spawn(pid_t *pid, const char *path, int fd, const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
	 char *const argv[], char *const envp[], int jail, void (*refused)(void *, const struct ng_jail_error *),
	 void *ctx)
{
	char abspath[PATH_MAX];
	struct child c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.act = actions_of(fa, &c.nact);
	if (c.nact > 0 && !layout_ok())
		return -1;
	for (int i = 0; i < c.nact; i++)
		if (c.act[i].tag < 0 || c.act[i].tag >= A_KINDS)
			return -1;	/* a kind of action newer than this file */
	rc = spawn_path(&c, path, abspath, sizeof(abspath));
	if (rc)
		return rc;
	c.fd = fd >= 0 && fstat(fd, &c.st) == 0 ? fd : -1;
	c.argv = argv;
	c.envp = envp;
	c.jail = jail;
	c.refused = refused;
	c.ctx = ctx;
	spawn_attrs(&c, attr);
	return spawn_child(&c, pid);
}
