/*
 * Network decisions as the hooks need them: build the query from a
 * sockaddr (names learned for the address, the executable), decide, log.
 * Also which fds are DNS sockets (connected to a nameserver's port 53).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "ng.h"

int
ng_deny_errno(void)
{
	if (atomic_load(&ng.phase) != NG_READY)
		return EACCES;
	return ng.set.deny_errno ? ng.set.deny_errno : EACCES;
}

/* Verdict -> what the hook does: 0 proceed (allow, or audit), -1 refuse. */
static int
enforce(const struct ng_verdict *v)
{
	return v->action == NG_ALLOW || v->audit ? 0 : -1;
}

static void
log_fail_closed(const char *op, const struct sockaddr *sa, socklen_t len, const char *name)
{
	struct ng_verdict v;
	struct ng_event e = { .op = op, .sa = sa, .salen = len, .name = name, .detail = "netguard failed to start" };

	ng_verdict_error(&v);
	ng_log_verdict(&e, &v);
}

/* realpath of an AF_UNIX socket path without allocating */
static int
unix_real(const char *path, char *out, size_t n)
{
	char link[NG_FD_PATH_MAX];
	int fd;
	long r;

	if (path[0] != '/')
		return -1;
	fd = (int)ng_sys(SYS_openat, AT_FDCWD, path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return -1;
	r = ng_sys(SYS_readlinkat, AT_FDCWD, ng_fd_path(fd, link), out, n - 1);
	ng_sys(SYS_close, fd);
	if (r <= 0)
		return -1;
	out[r] = '\0';
	return 0;
}

/* bufs for a query's strings: AF_UNIX path and realpath, learned names */
struct qbufs {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
	char real[PATH_MAX];
	char names[8][256];
	const char *np[8];
};

/*
 * The query for a destination: 0, or 1 when its family is not ours to
 * judge.  The address is text only for AF_UNIX (the path); IP is formatted
 * only when a line is logged.
 */
static int
query_of(const struct sockaddr *sa, socklen_t len, int proto, enum ng_op op, struct ng_query *q, struct qbufs *b)
{
	unsigned port;

	memset(q, 0, sizeof(*q));
	q->op = op;
	q->proto = proto;
	q->exe = ng.exe;
	q->exe_real = ng.exe_real;
	if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		q->family = AF_INET;
		memcpy(q->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		q->port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	} else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		memcpy(q->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		q->family = ng_addr_canon(AF_INET6, q->addr);
		q->port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	} else if (sa && len >= sizeof(sa_family_t) && sa->sa_family == AF_UNIX) {
		q->family = ng_sockaddr_str(sa, len, b->path, sizeof(b->path), &port);
		q->unix_path = b->path;
		/* its realpath costs three syscalls: only when a target could match */
		if (ng.set.unix_targets && unix_real(b->path, b->real, sizeof(b->real)) == 0)
			q->unix_real = b->real;
		return 0;
	} else {
		return 1;
	}
	q->nnames = ng_dns_names(q->family, q->addr, b->names, 8);
	for (size_t i = 0; i < q->nnames; i++)
		b->np[i] = b->names[i];
	q->names = b->np;
	return 0;
}

/* decide, log, and keep a learned name used by an allowed connect alive */
static int
check(const struct sockaddr *sa, socklen_t len, int fd, int proto, enum ng_op op, const char *as)
{
	struct ng_query q;
	struct ng_verdict v;
	struct qbufs b;
	const char *opname = as ? as : op == NG_OP_SEND ? "send" : "connect";
	int ip;

	if (ng_ready() < 0) {
		log_fail_closed(opname, sa, len, NULL);
		return -1;
	}
	if (query_of(sa, len, proto, op, &q, &b))
		return 0;	/* other families are not ours to judge */
	ip = q.family == AF_INET || q.family == AF_INET6;
	if (fd >= 0 && ip && ng.set.proto_rules)
		q.proto = proto = ng_sock_proto(fd);
	ng_decide(&ng.pol, &q, &v);
	if (v.action != NG_ALLOW || ng.log_allowed) {
		struct ng_event e = { .op = opname, .sa = sa, .salen = len, .names = q.names, .nnames = q.nnames };

		if (fd >= 0 && ip && !proto)
			proto = ng_sock_proto(fd);
		e.proto = ip ? proto : 0;
		ng_log_verdict(&e, &v);
	}
	if (enforce(&v) == 0 && ip && q.nnames)
		ng_dns_touch(q.family, q.addr);
	return enforce(&v);
}

int
ng_check_net_as(const struct sockaddr *sa, socklen_t len, int proto, enum ng_op op, const char *as)
{
	return check(sa, len, -1, proto, op, as);
}

/*
 * A destination reached through socket fd.  The socket's protocol costs a
 * getsockopt: ask for it only when some rule names a protocol, or when the
 * line is logged (the log shows it); otherwise the decision is the same
 * with "any protocol".
 */
int
ng_check_sock(int fd, const struct sockaddr *sa, socklen_t len, enum ng_op op)
{
	return check(sa, len, fd, 0, op, NULL);
}

int
ng_refuse_unknown(const struct sockaddr *sa, const char *op)
{
	struct ng_verdict v;
	struct ng_event e = { .op = op, .name = "(an address of another family)",
			      .detail = "an IP socket given an address netguard cannot judge" };

	(void)sa;
	ng_verdict_error(&v);
	v.rule_name = "unknown-family";
	ng_log_verdict(&e, &v);
	return ng_deny_errno();
}

int
ng_check_lookup(const char *name, const char *op)
{
	struct ng_query q;
	struct ng_verdict v;
	const char *np[1] = { name };

	if (ng_ready() < 0) {
		log_fail_closed(op, NULL, 0, name);
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.op = NG_OP_DNS;
	q.proto = NG_Q_UDP;
	q.names = np;
	q.nnames = 1;
	q.exe = ng.exe;
	q.exe_real = ng.exe_real;
	q.hostname = ng.hostname;
	ng_decide(&ng.pol, &q, &v);
	if (v.action != NG_ALLOW || ng.log_allowed) {
		struct ng_event e = { .op = op, .name = name };

		ng_log_verdict(&e, &v);
	}
	return enforce(&v);
}

int
ng_check_dns_message(const unsigned char *msg, size_t len, int tcp)
{
	struct ng_query q;
	struct ng_verdict v;
	char name[256];

	if (ng_ready() < 0) {
		log_fail_closed("dns", NULL, 0, "(a DNS message)");
		return -1;
	}
	memset(&q, 0, sizeof(q));
	q.exe = ng.exe;
	q.exe_real = ng.exe_real;
	q.hostname = ng.hostname;
	ng_decide_dns_message(&ng.pol, &q, msg, len, tcp, name, sizeof(name), &v);
	if (v.action != NG_ALLOW || ng.log_allowed) {
		struct ng_event e = { .op = "dns", .name = name };

		if (v.origin == NG_FROM_DEFAULT && strcmp(v.rule_name, "dns-content") == 0 && v.action != NG_ALLOW)
			e.detail = "only single-question queries may reach a nameserver";
		ng_log_verdict(&e, &v);
	}
	return enforce(&v);
}

/* ---- nameserver sockets ---------------------------------------------------- */

/*
 * The destination the kernel will really use, judged by what the kernel
 * does rather than by the caller's claim (issue: a 24-byte sockaddr_in6,
 * AF_UNSPEC on an IPv4 datagram socket):
 *   AF_INET of at least 16 bytes; AF_INET6 of at least 24 (SIN6_LEN_RFC2133:
 *   no scope id) -- copied whole into *out;
 *   AF_UNSPEC: sending on an IPv4 socket, the kernel reads it as AF_INET;
 *   otherwise it disconnects (connect) or means "no address" (IPv6);
 *   AF_UNIX as given.
 * Returns 1 (judge *out), 0 (nothing to judge: the kernel refuses it or it
 * names no destination), or -1: an address the engine cannot classify on
 * an IP socket -- refuse.
 */
int
ng_dest_of(int fd, const struct sockaddr *sa, socklen_t len, int sending, struct sockaddr_storage *out)
{
	int dom = 0;
	socklen_t dl = sizeof(dom);

	memset(out, 0, sizeof(*out));
	if (!sa || len < sizeof(sa_family_t))
		return 0;
	switch (sa->sa_family) {
	case AF_INET:
		if (len < sizeof(struct sockaddr_in))
			return 0;	/* EINVAL from the kernel */
		memcpy(out, sa, sizeof(struct sockaddr_in));
		return 1;
	case AF_INET6:
		if (len < 24)
			return 0;
		memcpy(out, sa, len < sizeof(struct sockaddr_in6) ? len : sizeof(struct sockaddr_in6));
		return 1;
	case AF_UNIX:
		memcpy(out, sa, len < sizeof(*out) ? len : sizeof(*out));
		return 1;
	default:
		break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &dl) < 0 || (dom != AF_INET && dom != AF_INET6))
		return 0;	/* not an IP socket: not ours to judge */
	if (sa->sa_family == AF_UNSPEC) {
		if (dom != AF_INET || !sending)
			return 0;
		if (len < sizeof(struct sockaddr_in))
			return 0;
		memcpy(out, sa, sizeof(struct sockaddr_in));
		out->ss_family = AF_INET;
		return 1;
	}
	return -1;
}

/* family, address (canonical: ::ffff:a.b.c.d is IPv4) and port of sa */
static int
ip_of(const struct sockaddr *sa, socklen_t len, uint8_t addr[16], unsigned *port)
{
	memset(addr, 0, 16);
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		memcpy(addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		memcpy(addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		*port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
		return ng_addr_canon(AF_INET6, addr);
	}
	return -1;
}

/* a nameserver of resolv.conf, port 53 -- also written IPv4-mapped */
int
ng_is_nameserver(const struct sockaddr *sa, socklen_t len)
{
	uint8_t a[16], b[16];
	unsigned port, nsport;
	struct ng_nameservers local;
	const struct ng_nameservers *ns;
	int fam;

	if (!sa || atomic_load(&ng.phase) != NG_READY)
		return 0;
	fam = ip_of(sa, len, a, &port);
	if (fam < 0 || port != 53)
		return 0;
	ns = ng_nameservers(&local);
	for (int i = 0; i < ns->n; i++)
		if (ip_of((const struct sockaddr *)&ns->ns[i], sizeof(ns->ns[i]), b, &nsport) == fam &&
		    memcmp(a, b, fam == AF_INET ? 4 : 16) == 0)
			return 1;
	return 0;
}

#define DNSFD_MAX 65536
static _Atomic unsigned long dnsfds[DNSFD_MAX / (8 * sizeof(unsigned long))];

void
ng_dnsfd_mark(int fd, int on)
{
	size_t w = (size_t)fd / (8 * sizeof(unsigned long));
	unsigned long bit = 1ul << ((unsigned)fd % (8 * sizeof(unsigned long)));

	if (fd < 0 || fd >= DNSFD_MAX)
		return;
	if (on)
		atomic_fetch_or(&dnsfds[w], bit);
	else
		atomic_fetch_and(&dnsfds[w], ~bit);
}

int
ng_dnsfd(int fd)
{
	if (fd < 0 || fd >= DNSFD_MAX)
		return 0;
	return (atomic_load_explicit(&dnsfds[(size_t)fd / (8 * sizeof(unsigned long))], memory_order_relaxed) >>
		((unsigned)fd % (8 * sizeof(unsigned long)))) & 1;
}

int
ng_sock_proto(int fd)
{
	int type = 0;
	socklen_t l = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) < 0)
		return NG_Q_TCP;
	return type == SOCK_DGRAM ? NG_Q_UDP : NG_Q_TCP;
}
