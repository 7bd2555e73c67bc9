/*
 * What comes back on a socket connected to a nameserver: the A/AAAA answers
 * of a DNS response the program parses itself are learned, so a later
 * connect to those addresses carries the name that was asked for.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"

static void
learn(int fd, const unsigned char *buf, size_t len)
{
	if (len >= 14 && ng_sock_proto(fd) == NG_Q_TCP && ((size_t)buf[0] << 8 | buf[1]) <= len - 2) {
		buf += 2;
		len -= 2;
	}
	if (atomic_load(&ng.phase) == NG_READY && ng.set.dns_learn)
		ng_dns_learn_response(buf, len);
}

static void
learn_iov(int fd, const struct iovec *iov, size_t n, size_t got)
{
	unsigned char buf[4096];
	size_t len = 0;

	for (size_t i = 0; i < n && len < got && len < sizeof(buf); i++) {
		size_t c = iov[i].iov_len;

		if (c > got - len)
			c = got - len;
		if (c > sizeof(buf) - len)
			c = sizeof(buf) - len;
		memcpy(buf + len, iov[i].iov_base, c);
		len += c;
	}
	learn(fd, buf, len);
}

ssize_t
ng_recv(int fd, void *buf, size_t len, int flags)
{
	ssize_t r;

	if (!ng_real.recv && ng_ready() < 0 && !ng_real.recv)
		return ng_sys(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
	r = ng_real.recv(fd, buf, len, flags);
	if (r > 0 && ng_dnsfd(fd) && !(flags & MSG_PEEK))
		learn(fd, buf, (size_t)r);
	return r;
}

ssize_t
ng_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	ssize_t r;

	if (!ng_real.recvfrom && ng_ready() < 0 && !ng_real.recvfrom)
		return ng_sys(SYS_recvfrom, fd, buf, len, flags, from, fromlen);
	r = ng_real.recvfrom(fd, buf, len, flags, from, fromlen);
	if (r > 0 && ng_dnsfd(fd) && !(flags & MSG_PEEK))
		learn(fd, buf, (size_t)r);
	return r;
}

ssize_t
ng_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t r;

	if (!ng_real.recvmsg && ng_ready() < 0 && !ng_real.recvmsg)
		return ng_sys(SYS_recvmsg, fd, msg, flags);
	r = ng_real.recvmsg(fd, msg, flags);
	if (r > 0 && ng_dnsfd(fd) && !(flags & MSG_PEEK))
		learn_iov(fd, msg->msg_iov, msg->msg_iovlen, (size_t)r);
	return r;
}

int
ng_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
{
	int r;

	if (!ng_real.recvmmsg && ng_ready() < 0 && !ng_real.recvmmsg)
		return (int)ng_sys(SYS_recvmmsg, fd, vec, vlen, flags, timeout);
	r = ng_real.recvmmsg(fd, vec, vlen, flags, timeout);
	if (r > 0 && ng_dnsfd(fd))
		for (int i = 0; i < r; i++)
			learn_iov(fd, vec[i].msg_hdr.msg_iov, vec[i].msg_hdr.msg_iovlen, vec[i].msg_len);
	return r;
}

ssize_t
ng_read(int fd, void *buf, size_t len)
{
	ssize_t r;

	if (!ng_real.read) {
		if (ng_ready() < 0 && !ng_real.read)
			return ng_sys(SYS_read, fd, buf, len);
	}
	r = ng_real.read(fd, buf, len);
	if (__builtin_expect(r > 0 && ng_dnsfd(fd), 0))
		learn(fd, buf, (size_t)r);
	return r;
}

ssize_t
ng_readv(int fd, const struct iovec *iov, int n)
{
	ssize_t r;

	if (!ng_real.readv) {
		if (ng_ready() < 0 && !ng_real.readv)
			return ng_sys(SYS_readv, fd, iov, n);
	}
	r = ng_real.readv(fd, iov, n);
	if (__builtin_expect(r > 0 && ng_dnsfd(fd), 0) && n > 0)
		learn_iov(fd, iov, (size_t)n, (size_t)r);
	return r;
}
