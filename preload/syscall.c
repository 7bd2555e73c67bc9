/*
 * syscall(): the socket, exec and close numbers go to the hooks, so
 * syscall(SYS_connect, ...) is judged like connect().  io_uring_setup fails
 * with ENOSYS (libuv and tokio fall back to plain syscalls, which we see).
 * Every other number is forwarded untouched, all six arguments: never
 * ENOSYS for a number we do not know.
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
	long a[6];

	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	switch (n) {
	case SYS_socket:
		return socket((int)a[0], (int)a[1], (int)a[2]);
	case SYS_connect:
		return connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case SYS_sendto:
		return sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3], (const struct sockaddr *)a[4],
			      (socklen_t)a[5]);
	case SYS_sendmsg:
		return sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case SYS_sendmmsg:
		return sendmmsg((int)a[0], (struct mmsghdr *)a[1], (unsigned)a[2], (int)a[3]);
	case SYS_execve:
		return execve((const char *)a[0], (char *const *)a[1], (char *const *)a[2]);
	case SYS_execveat:
		return execveat((int)a[0], (const char *)a[1], (char *const *)a[2], (char *const *)a[3], (int)a[4]);
	case SYS_close:
		return close((int)a[0]);
#ifdef SYS_close_range
	case SYS_close_range:
		return close_range((unsigned)a[0], (unsigned)a[1], (int)a[2]);
#endif
	case SYS_dup2:
		return dup2((int)a[0], (int)a[1]);
	case SYS_dup3:
		return dup3((int)a[0], (int)a[1], (int)a[2]);
#ifdef SYS_io_uring_setup
	case SYS_io_uring_setup:
		errno = ENOSYS;
		return -1;
#endif
	default:
		break;
	}
	if (!ng_real.syscall) {
		(void)ng_ready();
		if (!ng_real.syscall)
			return ng_raw_syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	return ng_real.syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
}
