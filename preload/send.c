/*
 * sendto / sendmsg / sendmmsg carry their own destination: each datagram's
 * address is judged like a connect (TCP Fast Open, MSG_FASTOPEN, is one).
 * On sockets connected to a nameserver's port 53, send / write / writev and
 * the rest are judged by the DNS question they carry: exactly one question,
 * and a name the lookup rule allows.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"

#define DNS_MAX 4096

/*
 * Judge a DNS message written to a nameserver (buf NULL: too large to
 * read whole, which the engine refuses); 0 pass, -1 refuse.
 */
static int
dns_content(int fd, const unsigned char *buf, size_t len)
{
	int tcp = ng_sock_proto(fd) == NG_Q_TCP;

	if (ng_check_dns_message(buf, len, tcp) < 0)
		return -1;
	/* remember it: only its answer will be learned */
	if (buf && tcp && len >= 14 && ((size_t)buf[0] << 8 | buf[1]) == len - 2)
		ng_dnsq_sent(fd, buf + 2, len - 2);
	else if (buf)
		ng_dnsq_sent(fd, buf, len);
	return 0;
}

/* Gather iovecs into buf (truncating); returns the length copied. */
static size_t
gather(const struct iovec *iov, size_t n, unsigned char *buf, size_t cap)
{
	size_t len = 0;

	for (size_t i = 0; i < n && len < cap; i++) {
		size_t c = iov[i].iov_len < cap - len ? iov[i].iov_len : cap - len;

		if (iov[i].iov_base)
			memcpy(buf + len, iov[i].iov_base, c);
		len += c;
	}
	return len;
}

static size_t
iov_total(const struct iovec *iov, size_t n)
{
	size_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += iov[i].iov_len;
	return t;
}

/* Judge one datagram: destination (if any) and DNS content. */
static int
judge(int fd, const struct sockaddr *to, socklen_t tolen, const struct iovec *iov, size_t niov, int flags)
{
	struct sockaddr_storage dst;
	const struct sockaddr *d = (const struct sockaddr *)&dst;
	int k;

	if (ng_ready() < 0)
		return -1;
	k = ng_dest_of(fd, to, tolen, 1, &dst);
	if (k < 0) {
		errno = ng_refuse_unknown(to, "send");
		return -1;
	}
	if (k > 0) {
		if (d->sa_family != AF_UNIX && ng_is_nameserver(d, sizeof(dst))) {
			unsigned char buf[DNS_MAX];
			size_t len = gather(iov, niov, buf, sizeof(buf));

			if (dns_content(fd, iov_total(iov, niov) > sizeof(buf) ? NULL : buf, len) < 0)
				return -1;
			ng_dnsfd_mark(fd, 1);	/* answers come back here: learn them */
			return 0;
		}
		return ng_check_sock(fd, d, sizeof(dst), (flags & MSG_FASTOPEN) ? NG_OP_CONNECT : NG_OP_SEND);
	}
	if (ng_dnsfd(fd)) {
		unsigned char buf[DNS_MAX];
		size_t len = gather(iov, niov, buf, sizeof(buf));

		return dns_content(fd, iov_total(iov, niov) > sizeof(buf) ? NULL : buf, len);
	}
	return 0;
}

ssize_t
ng_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to, socklen_t tolen)
{
	struct iovec iov = { (void *)buf, len };

	if (!ng_real.sendto && ng_ready() < 0) {
		errno = EACCES;
		return -1;
	}
	if ((to || ng_dnsfd(fd)) && judge(fd, to, tolen, &iov, 1, flags) < 0) {
		errno = ng_deny_errno();
		return -1;
	}
	return ng_real.sendto(fd, buf, len, flags, to, tolen);
}

ssize_t
ng_send(int fd, const void *buf, size_t len, int flags)
{
	struct iovec iov = { (void *)buf, len };

	if (!ng_real.send && ng_ready() < 0) {
		errno = EACCES;
		return -1;
	}
	if (ng_dnsfd(fd) && judge(fd, NULL, 0, &iov, 1, flags) < 0) {
		errno = ng_deny_errno();
		return -1;
	}
	return ng_real.send(fd, buf, len, flags);
}

ssize_t
ng_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	if (!ng_real.sendmsg && ng_ready() < 0) {
		errno = EACCES;
		return -1;
	}
	if (msg && (msg->msg_name || ng_dnsfd(fd)) &&
	    judge(fd, msg->msg_name, msg->msg_namelen, msg->msg_iov, msg->msg_iovlen, flags) < 0) {
		errno = ng_deny_errno();
		return -1;
	}
	return ng_real.sendmsg(fd, msg, flags);
}

int
ng_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	unsigned int ok = 0;

	if (!ng_real.sendmmsg && ng_ready() < 0) {
		errno = EACCES;
		return -1;
	}
	/* every datagram's own address; send the allowed prefix */
	for (; vec && ok < vlen; ok++) {
		const struct msghdr *m = &vec[ok].msg_hdr;

		if ((m->msg_name || ng_dnsfd(fd)) &&
		    judge(fd, m->msg_name, m->msg_namelen, m->msg_iov, m->msg_iovlen, flags) < 0)
			break;
	}
	if (ok == 0 && vlen > 0) {
		errno = ng_deny_errno();
		return -1;
	}
	return ng_real.sendmmsg(fd, vec, ok, flags);
}

ssize_t
ng_write(int fd, const void *buf, size_t len)
{
	if (!ng_real.write) {
		if (ng_ready() < 0 && !ng_real.write)
			return ng_sys(SYS_write, fd, buf, len);
	}
	if (__builtin_expect(ng_dnsfd(fd), 0)) {
		struct iovec iov = { (void *)buf, len };

		if (judge(fd, NULL, 0, &iov, 1, 0) < 0) {
			errno = ng_deny_errno();
			return -1;
		}
	}
	return ng_real.write(fd, buf, len);
}

ssize_t
ng_writev(int fd, const struct iovec *iov, int n)
{
	if (!ng_real.writev) {
		if (ng_ready() < 0 && !ng_real.writev)
			return ng_sys(SYS_writev, fd, iov, n);
	}
	if (__builtin_expect(ng_dnsfd(fd), 0) && n >= 0 && judge(fd, NULL, 0, iov, (size_t)n, 0) < 0) {
		errno = ng_deny_errno();
		return -1;
	}
	return ng_real.writev(fd, iov, n);
}
