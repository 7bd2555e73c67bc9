/*
 * socket() and connect().  A connect to a nameserver's port 53 is not judged
 * by address: the socket is marked, and what is sent through it is judged
 * by its DNS content (send.c), what comes back is learned (recv.c).
 */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ng.h"

int
ng_socket(int domain, int type, int protocol)
{
	struct ng_verdict v;

	if (!ng_real.socket && ng_ready() < 0 && !ng_real.socket)
		return (int)ng_sys(SYS_socket, domain, type, protocol);
	/* without a policy (init failed) the engine fails raw sockets closed */
	ng_decide_socket(ng_ready() == 0 ? &ng.pol : NULL, domain, type, &v);
	if (v.action != NG_ALLOW) {
		struct ng_event e = { .op = "socket", .name = domain == AF_PACKET ? "packet" : "raw",
				      .detail = "raw and packet sockets bypass every address rule" };

		ng_log_verdict(&e, &v);
		if (!v.audit) {
			errno = ng_deny_errno();
			return -1;
		}
	}
	return ng_real.socket(domain, type, protocol);
}

int
ng_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_storage to;

	if (!ng_real.connect && ng_ready() < 0 && !ng_real.connect) {
		errno = EACCES;
		return -1;
	}
	switch (ng_dest_of(fd, sa, len, 0, &to)) {
	case -1:
		errno = ng_refuse_unknown(sa, "connect");
		return -1;
	case 1:
		if (to.ss_family != AF_UNIX && ng_ready() == 0 && ng_is_nameserver((struct sockaddr *)&to, sizeof(to))) {
			ng_dnsfd_mark(fd, 1);
		} else {
			if (ng_check_sock(fd, (struct sockaddr *)&to, sizeof(to), NG_OP_CONNECT) < 0) {
				errno = ng_deny_errno();
				return -1;
			}
			ng_dnsfd_mark(fd, 0);
		}
		break;
	default:
		break;
	}
	return ng_real.connect(fd, sa, len);
}
