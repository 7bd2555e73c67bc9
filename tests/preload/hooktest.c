/*
 * Hooks exercised directly from C, in the situations that break preload
 * libraries: from a library constructor that runs before ours, in a forked
 * child, inside a signal handler, and from 16 threads at once; plus
 * syscall(), dlsym() through a libc handle, sendto/sendmmsg/TCP Fast Open,
 * IPv4-mapped IPv6, raw sockets, io_uring_setup, and the snapshot fd
 * surviving close_range/closefrom/dup2.
 *
 * Each check has both sides: a denied destination fails with EACCES (the
 * policy's deny_errno, which nothing else on a test machine returns for a
 * connect), and a loopback listener of our own still accepts.
 *
 * Usage: hooktest DENIED_IPV4  (run under LD_PRELOAD with a policy that
 * allows 127.0.0.0/8 and ::1 and denies the rest)
 */
#include "config.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tap.h"

static const char *denied_ip = "198.51.100.1";
static struct sockaddr_in listener;
static int ctor_errno = -1;

/* ---- a library constructor that runs before libnetguard's ------------- */

static int
try_connect(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0), rc, e;

	if (fd < 0)
		return errno;
	rc = connect(fd, sa, len);
	e = rc == 0 ? 0 : errno;
	close(fd);
	return e;
}

static struct sockaddr_in
v4(const char *ip, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

__attribute__((constructor(101))) static void
early(void)
{
	/* runs before main, and (being in the executable) possibly before the
	 * preload's own constructor: the hook must initialise itself */
	struct sockaddr_in a = v4(getenv("HOOKTEST_DENIED") ? getenv("HOOKTEST_DENIED") : "198.51.100.1", 80);

	ctor_errno = try_connect((struct sockaddr *)&a, sizeof(a));
}

/* ---- helpers ------------------------------------------------------------ */

static int
denied(void)
{
	struct sockaddr_in a = v4(denied_ip, 80);

	return try_connect((struct sockaddr *)&a, sizeof(a)) == EACCES;
}

static int
allowed(void)
{
	return try_connect((struct sockaddr *)&listener, sizeof(listener)) == 0;
}

static void *
accepter(void *arg)
{
	int fd = *(int *)arg;

	for (;;) {
		int c = accept(fd, NULL, NULL);

		if (c >= 0)
			close(c);
	}
	return NULL;
}

static void
start_listener(void)
{
	static int fd;
	socklen_t l = sizeof(listener);
	pthread_t t;

	fd = socket(AF_INET, SOCK_STREAM, 0);
	listener = v4("127.0.0.1", 0);
	if (bind(fd, (struct sockaddr *)&listener, sizeof(listener)) < 0 || listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&listener, &l) < 0) {
		perror("listener");
		exit(2);
	}
	pthread_create(&t, NULL, accepter, &fd);
	pthread_detach(t);
}

/* ---- cases ---------------------------------------------------------------- */

static volatile sig_atomic_t sig_denied = -1, sig_allowed = -1;

static void
on_signal(int sig)
{
	(void)sig;
	sig_denied = denied();
	sig_allowed = allowed();
}

static void *
thread_main(void *arg)
{
	int ok = 1;

	(void)arg;
	for (int i = 0; i < 50; i++)
		ok &= denied() && allowed();
	return (void *)(long)ok;
}

static void
test_threads(void)
{
	pthread_t t[16];
	int ok = 1;

	for (int i = 0; i < 16; i++)
		pthread_create(&t[i], NULL, thread_main, NULL);
	for (int i = 0; i < 16; i++) {
		void *r;

		pthread_join(t[i], &r);
		ok &= (int)(long)r;
	}
	tap_ok(ok, "16 threads x 50: denied refused and loopback accepted every time");
}

static void
test_fork(void)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		_exit(denied() && allowed() ? 0 : 1);
	waitpid(pid, &st, 0);
	tap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child: denied refused, loopback accepted");
}

static void
test_signal(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigaction(SIGUSR1, &sa, NULL);
	raise(SIGUSR1);
	tap_ok(sig_denied == 1 && sig_allowed == 1, "inside a signal handler: denied refused, loopback accepted");
}

static void
test_syscall(void)
{
	struct sockaddr_in a = v4(denied_ip, 80);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	long rc = syscall(SYS_connect, fd, &a, sizeof(a));

	tap_ok(rc == -1 && errno == EACCES, "syscall(SYS_connect) to a denied address: EACCES");
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	rc = syscall(SYS_connect, fd, &listener, sizeof(listener));
	tap_ok(rc == 0, "syscall(SYS_connect) to loopback works");
	close(fd);
	rc = syscall(SYS_getpid);
	tap_ok(rc == getpid(), "an unrelated syscall number is forwarded untouched");
	rc = syscall(SYS_io_uring_setup, 8, NULL);
	tap_ok(rc == -1 && errno == ENOSYS, "io_uring_setup fails with ENOSYS");
	rc = syscall(100000);
	tap_ok(rc == -1 && errno == ENOSYS, "an unknown number reaches the kernel (its own ENOSYS)");
}

static void
test_dlsym(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);
	int (*c)(int, const struct sockaddr *, socklen_t) =
		libc ? (int (*)(int, const struct sockaddr *, socklen_t))dlsym(libc, "connect") : NULL;
	struct sockaddr_in a = v4(denied_ip, 80);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	tap_ok(c && c(fd, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EACCES,
	       "dlsym(libc handle, \"connect\") returns the hook: denied");
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	tap_ok(c && c(fd, (struct sockaddr *)&listener, sizeof(listener)) == 0, "and it still connects to loopback");
	close(fd);
	c = (int (*)(int, const struct sockaddr *, socklen_t))dlvsym(libc, "connect", "GLIBC_2.2.5");
	fd = socket(AF_INET, SOCK_STREAM, 0);
	tap_ok(c && c(fd, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EACCES, "dlvsym too");
	close(fd);
	tap_ok(dlsym(RTLD_DEFAULT, "getpid") != NULL, "dlsym of an unhooked name still works");
}

static void
test_datagrams(void)
{
	struct sockaddr_in a = v4(denied_ip, 9001), lo;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rcv = socket(AF_INET, SOCK_DGRAM, 0);
	socklen_t l = sizeof(lo);
	struct mmsghdr m[2];
	struct iovec iov = { "x", 1 };
	char buf[8];

	lo = v4("127.0.0.1", 0);
	bind(rcv, (struct sockaddr *)&lo, sizeof(lo));
	getsockname(rcv, (struct sockaddr *)&lo, &l);
	tap_ok(sendto(fd, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EACCES,
	       "sendto a denied address: EACCES");
	tap_ok(sendto(fd, "x", 1, 0, (struct sockaddr *)&lo, sizeof(lo)) == 1 && recv(rcv, buf, sizeof(buf), 0) == 1,
	       "sendto loopback arrives");
	memset(m, 0, sizeof(m));
	m[0].msg_hdr.msg_name = &lo;
	m[0].msg_hdr.msg_namelen = sizeof(lo);
	m[0].msg_hdr.msg_iov = &iov;
	m[0].msg_hdr.msg_iovlen = 1;
	m[1] = m[0];
	m[1].msg_hdr.msg_name = &a;
	tap_ok(sendmmsg(fd, m, 2, 0) == 1, "sendmmsg sends the allowed datagram and stops at the denied one");
	tap_ok(recv(rcv, buf, sizeof(buf), MSG_DONTWAIT) == 1, "the allowed datagram arrived");
	m[0].msg_hdr.msg_name = &a;
	tap_ok(sendmmsg(fd, m, 2, 0) == -1 && errno == EACCES, "sendmmsg whose first datagram is denied: EACCES");
	close(fd);
	close(rcv);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	a.sin_port = htons(80);
	tap_ok(sendto(fd, "GET", 3, MSG_FASTOPEN, (struct sockaddr *)&a, sizeof(a)) == -1 && errno == EACCES,
	       "TCP Fast Open (sendto MSG_FASTOPEN) to a denied address: EACCES");
	close(fd);
}

static void
test_v6(void)
{
	struct sockaddr_in6 m = { .sin6_family = AF_INET6, .sin6_port = htons(80) };
	struct sockaddr_in6 lo6 = m;

	inet_pton(AF_INET6, "::ffff:198.51.100.1", &m.sin6_addr);
	tap_ok(try_connect((struct sockaddr *)&m, sizeof(m)) == EACCES, "IPv4-mapped ::ffff:%s: EACCES", denied_ip);
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &lo6.sin6_addr);
	lo6.sin6_port = listener.sin_port;
	tap_ok(try_connect((struct sockaddr *)&lo6, sizeof(lo6)) == 0, "IPv4-mapped loopback is loopback: accepted");
}

static void
test_raw(void)
{
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_TCP);

	tap_ok(fd == -1 && errno == EACCES, "a raw IP socket is refused (raw_sockets = deny)");
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	tap_ok(fd == -1 && errno == EACCES, "a packet socket is refused");
}

static void
test_fds(void)
{
	const char *s = getenv("NETGUARD_SNAPSHOT");
	int snap = s ? atoi(s) : -1;

	tap_ok(snap >= 0 && fcntl(snap, F_GETFD) >= 0, "the snapshot fd %d is open", snap);
	closefrom(3);
	tap_ok(fcntl(snap, F_GETFD) >= 0, "closefrom(3) leaves the snapshot open");
	close_range(3, ~0u, 0);
	tap_ok(fcntl(snap, F_GETFD) >= 0, "close_range(3, ~0) leaves it open");
	close(snap);
	tap_ok(fcntl(snap, F_GETFD) >= 0, "close() of it is a no-op");
	fcntl(snap, F_SETFD, FD_CLOEXEC);
	tap_ok(!(fcntl(snap, F_GETFD) & FD_CLOEXEC), "it cannot be made close-on-exec");
	dup2(1, snap);
	{
		struct stat a, b;
		int moved = -1;

		tap_ok(fstat(snap, &a) == 0 && fstat(1, &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev,
		       "dup2 onto the snapshot's number gives the program what it asked for");
		for (int fd = 3; fd < 4096 && moved < 0; fd++) {
			char link[64], target[128];
			ssize_t n;

			snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
			n = readlink(link, target, sizeof(target) - 1);
			if (n > 0) {
				target[n] = '\0';
				if (strstr(target, "memfd:netguard-policy"))
					moved = fd;
			}
		}
		tap_ok(moved >= 0 && moved != snap, "and the snapshot moved to fd %d", moved);
	}
	start_listener();
	tap_ok(denied() && allowed(), "and the hooks still decide afterwards");
}

int
main(int argc, char **argv)
{
	if (argc > 1)
		denied_ip = argv[1];
	tap_ok(ctor_errno == EACCES, "connect from a constructor before main: EACCES (got %s)", strerror(ctor_errno));
	if (getenv("HOOKTEST_EARLY")) {
		int *e = dlsym(RTLD_DEFAULT, "early_errno");

		tap_ok(e && *e == EACCES, "connect from a preloaded library's constructor (libearly.so): EACCES (got %s)",
		       e ? strerror(*e) : "library not loaded");
	}
	start_listener();
	tap_ok(denied(), "connect to %s: EACCES", denied_ip);
	tap_ok(allowed(), "connect to our loopback listener works");
	test_fork();
	test_signal();
	test_threads();
	test_syscall();
	test_dlsym();
	test_datagrams();
	test_v6();
	test_raw();
	test_fds();
	return tap_done();
}
