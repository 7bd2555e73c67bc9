/*
 * What comes back on a socket that sent a query to a nameserver: the A/AAAA
 * answers of a DNS response the program parses itself are learned, so a
 * later connect to those addresses carries the name that was asked for.
 *
 * Only a real answer teaches anything: it must come from a nameserver's
 * port 53 (a connected stream's peer is one: the socket was marked at
 * connect; a datagram's source is checked, so the receive calls ask the
 * kernel for it even when the program did not), and it must answer a query
 * this process let out on that socket, once (dnsq.c).  At most the bytes
 * the program's buffer received are read: with MSG_TRUNC the kernel
 * reports more than it copied.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"

/* the source of a datagram, or a stream's peer (sl 0): a nameserver's port 53? */
static int
from_nameserver(int fd, const struct sockaddr_storage *ss, socklen_t sl)
{
	struct sockaddr_storage peer;
	socklen_t pl = sizeof(peer);

	if (sl)
		return ng_is_nameserver((const struct sockaddr *)ss, sl);
	/* a stream: where it is really connected (a sendto naming the
	 * nameserver on a socket connected elsewhere marked it too) */
	return getpeername(fd, (struct sockaddr *)&peer, &pl) == 0 && ng_is_nameserver((struct sockaddr *)&peer, pl);
}

static void
learn(int fd, const unsigned char *buf, size_t len, const struct sockaddr_storage *ss, socklen_t sl)
{
	char qname[256];
	unsigned id;

	if (atomic_load(&ng.phase) != NG_READY || !ng.set.dns_learn || !from_nameserver(fd, ss, sl))
		return;
	if (len >= 14 && ng_sock_proto(fd) == NG_Q_TCP && ((size_t)buf[0] << 8 | buf[1]) <= len - 2) {
		buf += 2;
		len -= 2;
	}
	if (ng_dns_response_question(buf, len, &id, qname, sizeof(qname)) < 0 || !ng_dnsq_answered(fd, id, qname))
		return;
	ng_dns_learn_response(buf, len);
}

static void
learn_iov(int fd, const struct iovec *iov, size_t n, size_t got, const struct sockaddr_storage *ss, socklen_t sl)
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
	learn(fd, buf, len, ss, sl);
}

/* recvfrom that always learns the source of what a DNS socket receives */
static ssize_t
dns_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	ssize_t r = ng_real.recvfrom(fd, buf, len, flags, (struct sockaddr *)&ss, &sl);

	if (r < 0)
		return r;
	if (from && fromlen) {
		memcpy(from, &ss, *fromlen < sl ? *fromlen : sl);
		*fromlen = sl;
	}
	if (r > 0 && !(flags & MSG_PEEK))
		learn(fd, buf, (size_t)r < len ? (size_t)r : len, &ss, sl);
	return r;
}

/* recvmsg likewise, lending the message a source buffer if it has none */
static ssize_t
dns_recvmsg(int fd, struct msghdr *msg, int flags)
{
	struct sockaddr_storage ss;
	void *name = msg->msg_name;
	socklen_t namelen = msg->msg_namelen;
	ssize_t r;

	if (!name) {
		msg->msg_name = &ss;
		msg->msg_namelen = sizeof(ss);
	}
	r = ng_real.recvmsg(fd, msg, flags);
	if (!name) {
		msg->msg_name = NULL;
		namelen = msg->msg_namelen;
		msg->msg_namelen = 0;
	} else {
		namelen = msg->msg_namelen;
		memcpy(&ss, name, namelen < sizeof(ss) ? namelen : sizeof(ss));
	}
	if (r > 0 && !(flags & MSG_PEEK))
		learn_iov(fd, msg->msg_iov, msg->msg_iovlen, (size_t)r, &ss, namelen);
	return r;
}

ssize_t
ng_recv(int fd, void *buf, size_t len, int flags)
{
	if (!ng_real.recv && ng_ready() < 0 && !ng_real.recv)
		return ng_sys(SYS_recvfrom, fd, buf, len, flags, NULL, NULL);
	if (__builtin_expect(ng_dnsfd(fd), 0))
		return dns_recvfrom(fd, buf, len, flags, NULL, NULL);
	return ng_real.recv(fd, buf, len, flags);
}

ssize_t
ng_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from, socklen_t *fromlen)
{
	if (!ng_real.recvfrom && ng_ready() < 0 && !ng_real.recvfrom)
		return ng_sys(SYS_recvfrom, fd, buf, len, flags, from, fromlen);
	if (__builtin_expect(ng_dnsfd(fd), 0))
		return dns_recvfrom(fd, buf, len, flags, from, fromlen);
	return ng_real.recvfrom(fd, buf, len, flags, from, fromlen);
}

ssize_t
ng_recvmsg(int fd, struct msghdr *msg, int flags)
{
	if (!ng_real.recvmsg && ng_ready() < 0 && !ng_real.recvmsg)
		return ng_sys(SYS_recvmsg, fd, msg, flags);
	if (__builtin_expect(ng_dnsfd(fd), 0) && msg)
		return dns_recvmsg(fd, msg, flags);
	return ng_real.recvmsg(fd, msg, flags);
}

int
ng_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags, struct timespec *timeout)
{
	if (!ng_real.recvmmsg && ng_ready() < 0 && !ng_real.recvmmsg)
		return (int)ng_sys(SYS_recvmmsg, fd, vec, vlen, flags, timeout);
	if (__builtin_expect(ng_dnsfd(fd), 0) && vec && vlen > 0) {
		/* one message at a time, each with its source checked: a DNS
		 * socket may return fewer than asked, as recvmmsg may anyway */
		ssize_t r = dns_recvmsg(fd, &vec[0].msg_hdr, flags & ~MSG_WAITFORONE);

		if (r < 0)
			return -1;
		vec[0].msg_len = (unsigned)r;
		return 1;
	}
	return ng_real.recvmmsg(fd, vec, vlen, flags, timeout);
}

ssize_t
ng_read(int fd, void *buf, size_t len)
{
	if (!ng_real.read) {
		if (ng_ready() < 0 && !ng_real.read)
			return ng_sys(SYS_read, fd, buf, len);
	}
	if (__builtin_expect(ng_dnsfd(fd), 0))
		return dns_recvfrom(fd, buf, len, 0, NULL, NULL);
	return ng_real.read(fd, buf, len);
}

ssize_t
ng_readv(int fd, const struct iovec *iov, int n)
{
	if (!ng_real.readv) {
		if (ng_ready() < 0 && !ng_real.readv)
			return ng_sys(SYS_readv, fd, iov, n);
	}
	if (__builtin_expect(ng_dnsfd(fd), 0) && n > 0) {
		struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)n };

		return dns_recvmsg(fd, &m, 0);
	}
	return ng_real.readv(fd, iov, n);
}
