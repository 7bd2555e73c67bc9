/*
 * Keep the library's one descriptor alive: the policy snapshot, inherited
 * by every descendant (the log sink is opened per line, log.c).  Python's
 * close_fds=True, ssh and daemons close every fd they did not open; close,
 * close_range and closefrom skip it, and dup2/dup3 onto it first move it
 * out of the way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int
ng_protected_fd(int fd)
{
	return fd >= 0 && fd == ng_snap_fd();
}

/*
 * Move the snapshot to a new number before its fd is taken over: above it
 * if the descriptor limit allows, else any free number.  -1 when there is
 * none: the caller's call must then fail, never replace the snapshot (a
 * child would map whatever the program put there).
 */
int
ng_relocate_snapshot(void)
{
	int fd = ng_snap_fd(), nfd = (int)ng_sys(SYS_fcntl, fd, F_DUPFD, fd + 1);
	char num[24];

	if (nfd < 0)
		nfd = (int)ng_sys(SYS_fcntl, fd, F_DUPFD, 3);
	if (nfd < 0) {
		errno = EMFILE;
		return -1;
	}
	ng.snap_fd1 = nfd + 1;
	ng_utoa((unsigned long)nfd, num);
	for (int i = 0; i < ng.nsticky; i++)
		if (strncmp(ng.sticky[i], "NETGUARD_SNAPSHOT=", 18) == 0) {
			/* keep the identity after the number: NETGUARD_SNAPSHOT=FD:DEV:INO */
			char *rest = strchr(ng.sticky[i] + 18, ':');
			char tail[64] = "";

			if (rest)
				ng_strlcpy(tail, rest, sizeof(tail));
			ng_strlcpy(ng.sticky[i] + 18, num, NG_SNAP_ENTRY - 18);
			ng_strlcat(ng.sticky[i], tail, NG_SNAP_ENTRY);
		}
	return 0;
}

int
ng_close(int fd)
{
	if (ng_protected_fd(fd))
		return 0;	/* pretend: the library still needs it */
	if (ng_dnsfd(fd))
		ng_dnsq_forget(fd);
	ng_dnsfd_mark(fd, 0);
	if (!ng_real.close)
		return (int)ng_sys(SYS_close, fd);
	return ng_real.close(fd);
}

/* close_range around the snapshot; syscalls only (spawn.c calls it in a CLONE_VM child) */
int
ng_close_range_keep_ours(unsigned first, unsigned last, int flags)
{
	int keep = ng_snap_fd(), rc = 0;
	unsigned lo = first;

	if (keep >= 0 && (unsigned)keep >= lo && (unsigned)keep <= last) {
		if ((unsigned)keep > lo && ng_sys(SYS_close_range, lo, (unsigned)keep - 1, flags) < 0)
			rc = -1;
		lo = (unsigned)keep + 1;
	}
	if (lo <= last && ng_sys(SYS_close_range, lo, last, flags) < 0)
		rc = -1;
	return rc;
}

static int
close_range_guarded(unsigned first, unsigned last, int flags)
{
	int rc = ng_close_range_keep_ours(first, last, flags);

	if (!(flags & CLOSE_RANGE_CLOEXEC))
		for (unsigned fd = first; fd <= last && fd < 65536; fd++)
			ng_dnsfd_mark((int)fd, 0);
	return rc;
}

int
ng_close_range(unsigned first, unsigned last, int flags)
{
	if (first > last) {
		errno = EINVAL;
		return -1;
	}
	return close_range_guarded(first, last, flags);
}

void
ng_closefrom(int lowfd)
{
	if (lowfd < 0)
		lowfd = 0;
	close_range_guarded((unsigned)lowfd, ~0u, 0);
}

/* a copy of a nameserver socket is one too: its writes are judged */
int
ng_dup(int fd)
{
	int r = ng_real.dup ? ng_real.dup(fd) : (int)ng_sys(SYS_dup, fd);

	if (r >= 0)
		ng_dnsfd_mark(r, ng_dnsfd(fd));
	return r;
}

int
ng_dup2(int oldfd, int newfd)
{
	if (ng_protected_fd(newfd) && oldfd != newfd && ng_relocate_snapshot() < 0)
		return -1;
	ng_dnsfd_mark(newfd, ng_dnsfd(oldfd));
	if (!ng_real.dup2)
		return (int)ng_sys(SYS_dup2, oldfd, newfd);
	return ng_real.dup2(oldfd, newfd);
}

int
ng_dup3(int oldfd, int newfd, int flags)
{
	if (ng_protected_fd(newfd) && oldfd != newfd && ng_relocate_snapshot() < 0)
		return -1;
	ng_dnsfd_mark(newfd, ng_dnsfd(oldfd));
	if (!ng_real.dup3)
		return (int)ng_sys(SYS_dup3, oldfd, newfd, flags);
	return ng_real.dup3(oldfd, newfd, flags);
}

/*
 * The snapshot must survive exec: nothing may make it close-on-exec --
 * fcntl(F_SETFD) under either name (fcntl64 is what every
 * _FILE_OFFSET_BITS=64 program calls), ioctl(FIOCLEX), or the same through
 * syscall().  Such a call on it succeeds and changes nothing.
 */
int
ng_fcntl_arg(int fd, int cmd, long arg)
{
	int r;

	if (fd >= 0 && fd == ng_snap_fd() && cmd == F_SETFD && (arg & FD_CLOEXEC))
		return 0;
	r = ng_real.fcntl ? ng_real.fcntl(fd, cmd, arg) : (int)ng_sys(SYS_fcntl, fd, cmd, arg);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC))
		ng_dnsfd_mark(r, ng_dnsfd(fd));	/* the copy of a nameserver socket is one */
	return r;
}

int
ng_ioctl_arg(int fd, unsigned long req, long arg)
{
	if (fd >= 0 && fd == ng_snap_fd() && req == FIOCLEX)
		return 0;
	if (!ng_real.ioctl)
		return (int)ng_sys(SYS_ioctl, fd, req, arg);
	return ng_real.ioctl(fd, req, arg);
}

NG_EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	long arg;

	va_start(ap, cmd);
	arg = va_arg(ap, long);
	va_end(ap);
	return ng_fcntl_arg(fd, cmd, arg);
}

NG_EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	long arg;

	va_start(ap, req);
	arg = va_arg(ap, long);
	va_end(ap);
	return ng_ioctl_arg(fd, req, arg);
}

/* glibc's exported names of the same function: fcntl64 is what every
 * _FILE_OFFSET_BITS=64 program calls */
NG_ALIAS(fcntl64, fcntl)
NG_ALIAS(__fcntl, fcntl)
NG_ALIAS(__libc_fcntl64, fcntl)
