/*
 * Raw system calls: the instruction itself, not libc's wrapper.
 *
 * libnetguard.so hooks libc's syscall(), close(), read(), write() and
 * more, so the library's own plumbing must never call them; the jail runs
 * in vfork children, where only the stack and the kernel are safe.  Every
 * file in lib/ that talks to the kernel does it through ng_sys().
 *
 * x86_64 and aarch64 (configure stops on other hosts).  Errors are
 * returned as -1 with errno set, as libc's wrappers do.
 */
#ifndef NG_LIB_SYS_H
#define NG_LIB_SYS_H

/*
 * Code every process under the library runs as it starts.  The linker puts
 * .text.hot.* first, so this code sits together in one window of the
 * library's text: the kernel maps file pages 64 KiB at a time, and each
 * further window a process starts in is one more page fault.
 */
#define NG_STARTUP __attribute__((section(".text.hot.ng_startup")))

NG_STARTUP long ng_raw_syscall(long n, long a1, long a2, long a3, long a4, long a5, long a6);

#define ng_sys(n, ...) ng_sys_(n, __VA_ARGS__, 0, 0, 0, 0, 0, 0)
#define ng_sys_(n, a, b, c, d, e, f, ...) \
	ng_raw_syscall((long)(n), (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), (long)(f))

#endif
