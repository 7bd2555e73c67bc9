/*
 * syscall(): the numbers of hooked calls go to their hooks (the routing is
 * generated from hooks.def), so syscall(SYS_connect, ...) is judged like
 * connect().  io_uring_setup fails with ENOSYS (libuv and tokio fall back
 * to plain syscalls, which we see).  Every other number is forwarded
 * untouched, all six arguments: never ENOSYS for a number we do not know.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"

NG_EXPORT long
syscall(long n, ...)
{
	va_list ap;
	long a[6], r;
	int routed;

	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
#ifdef SYS_io_uring_setup
	if (n == SYS_io_uring_setup) {
		errno = ENOSYS;
		return -1;
	}
#endif
	if (n == SYS_fcntl)
		return ng_fcntl_arg((int)a[0], (int)a[1], a[2]);
	if (n == SYS_ioctl)
		return ng_ioctl_arg((int)a[0], (unsigned long)a[1], a[2]);
	r = ng_syscall_route(n, a, &routed);
	if (routed)
		return r;
	if (!ng_real.syscall) {
		(void)ng_ready();
		if (!ng_real.syscall)
			return ng_raw_syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	return ng_real.syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
