/*
 * Keep the library's own fds alive: the policy snapshot (inherited by every
 * descendant) and the log sink.  Python's close_fds=True, ssh and daemons
 * close every fd they did not open; close, close_range and closefrom skip
 * ours, and dup2/dup3 onto one of ours first move ours out of the way.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int
ng_protected_fd(int fd)
{
	return fd >= 0 && (fd == ng.snap_fd || fd == ng.log_fd);
}

/* Move a protected fd to a new number before fd is taken over. */
static void
relocate(int fd)
{
	int nfd = (int)ng_sys(SYS_fcntl, fd, fd == ng.log_fd ? F_DUPFD_CLOEXEC : F_DUPFD, fd + 1);

	if (nfd < 0)
		return;
	if (fd == ng.snap_fd) {
		char num[24];

		ng.snap_fd = nfd;
		ng_utoa((unsigned long)nfd, num);
		for (int i = 0; i < ng.nsticky; i++)
			if (strncmp(ng.sticky[i], "NETGUARD_SNAPSHOT=", 18) == 0) {
				ng_strlcpy(ng.sticky[i] + 18, num, sizeof(ng.sticky[i]) - 18);
			}
	} else {
		ng.log_fd = nfd;
	}
}

int
ng_close(int fd)
{
	if (ng_protected_fd(fd))
		return 0;	/* pretend: the library still needs it */
	ng_dnsfd_mark(fd, 0);
	if (!ng_real.close)
		return (int)ng_sys(SYS_close, fd);
	return ng_real.close(fd);
}

/* close_range around our fds; syscalls only (spawn.c calls it in a CLONE_VM child) */
int
ng_close_range_keep_ours(unsigned first, unsigned last, int flags)
{
	int keep[2] = { ng.snap_fd, ng.log_fd }, rc = 0;
	unsigned lo = first;

	/* sort the (at most two) protected fds */
	if (keep[0] > keep[1]) {
		int t = keep[0];

		keep[0] = keep[1];
		keep[1] = t;
	}
	for (int i = 0; i < 2; i++) {
		if (keep[i] < 0 || (unsigned)keep[i] < lo || (unsigned)keep[i] > last)
			continue;
		if ((unsigned)keep[i] > lo && ng_sys(SYS_close_range, lo, (unsigned)keep[i] - 1, flags) < 0)
			rc = -1;
		lo = (unsigned)keep[i] + 1;
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

int
ng_dup2(int oldfd, int newfd)
{
	if (ng_protected_fd(newfd) && oldfd != newfd)
		relocate(newfd);
	ng_dnsfd_mark(newfd, ng_dnsfd(oldfd));
	if (!ng_real.dup2)
		return (int)ng_sys(SYS_dup2, oldfd, newfd);
	return ng_real.dup2(oldfd, newfd);
}

int
ng_dup3(int oldfd, int newfd, int flags)
{
	if (ng_protected_fd(newfd) && oldfd != newfd)
		relocate(newfd);
	ng_dnsfd_mark(newfd, ng_dnsfd(oldfd));
	if (!ng_real.dup3)
		return (int)ng_sys(SYS_dup3, oldfd, newfd, flags);
	return ng_real.dup3(oldfd, newfd, flags);
}

NG_EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	/* the snapshot must survive exec: never let it become close-on-exec */
	if (fd == ng.snap_fd && fd >= 0 && cmd == F_SETFD && ((long)arg & FD_CLOEXEC))
		return 0;
	if (!ng_real.fcntl)
		return (int)ng_sys(SYS_fcntl, fd, cmd, arg);
	return ng_real.fcntl(fd, cmd, arg);
}
