/*
 * Name lookups: getaddrinfo and getaddrinfo_a, gethostbyname*,
 * gethostbyaddr*, getnameinfo, and the res_* family under all the names
 * glibc exports.
 *
 * A lookup of a name the policy would not let the program reach on any port
 * is refused before anything is sent (EAI_NONAME / HOST_NOT_FOUND), so a
 * denied name never reaches a resolver.  A successful lookup records
 * address -> name for connect.  Reverse lookups are answered only for
 * addresses the policy would allow; otherwise the numeric form, and no PTR
 * query leaves.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "ng.h"

/* ---- helpers ------------------------------------------------------------- */

/* Numeric host forms resolve without DNS (inet_aton accepts 127.1 too). */
static int
numeric_host(const char *node)
{
	struct in_addr a;
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 1];
	size_t n = strcspn(node, "%");

	if (inet_aton(node, &a))
		return 1;
	if (n >= sizeof(buf))
		return 0;
	memcpy(buf, node, n);
	buf[n] = '\0';
	return inet_pton(AF_INET6, buf, &a6) == 1;
}

static int
learning(void)
{
	return atomic_load(&ng.phase) == NG_READY && ng.set.dns_learn;
}

static void
learn_addrinfo(const char *name, const struct addrinfo *ai)
{
	if (!learning())
		return;
	for (; ai; ai = ai->ai_next) {
		if (!ai->ai_addr)
			continue;
		if (ai->ai_family == AF_INET)
			ng_dns_learn(AF_INET, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, name);
		else if (ai->ai_family == AF_INET6)
			ng_dns_learn(AF_INET6, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, name);
	}
}

static void
learn_hostent(const char *name, const struct hostent *h)
{
	if (!learning() || !h || !h->h_addr_list)
		return;
	for (char **a = h->h_addr_list; *a; a++)
		ng_dns_learn(h->h_addrtype, *a, name);
}

/* A forward lookup of name: 0 go ahead, -1 refused (logged). */
static int
lookup_ok(const char *name)
{
	if (!name || numeric_host(name))
		return ng_ready();
	return ng_check_lookup(name, "dns");
}

/* Reverse lookups: only for addresses the policy would let us connect to. */
static int
reverse_ok(int family, const void *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		memcpy(&in->sin_addr, addr, 4);
		len = sizeof(*in);
	} else if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		memcpy(&in6->sin6_addr, addr, 16);
		len = sizeof(*in6);
	} else {
		return ng_ready();
	}
	/* port 0, protocol 0: the first rule for this address, whatever its ports */
	return ng_check_net_as((struct sockaddr *)&ss, len, 0, NG_OP_CONNECT, "ptr");
}

/* ---- getaddrinfo ---------------------------------------------------------- */

int
ng_getaddrinfo(const char *node, const char *service, const struct addrinfo *hints, struct addrinfo **res)
{
	int rc;

	if (lookup_ok(node) < 0)
		return EAI_NONAME;
	rc = ng_real.getaddrinfo(node, service, hints, res);
	if (rc == 0 && node && !numeric_host(node))
		learn_addrinfo(node, *res);
	return rc;
}

int
ng_getaddrinfo_a(int mode, struct gaicb *list[], int n, struct sigevent *sev)
{
	/* a refused name becomes a numeric-only request that fails with
	 * EAI_NONAME at once, without a query */
	static const struct addrinfo numeric_only = { .ai_flags = AI_NUMERICHOST };
	int rc;

	if (ng_ready() < 0) {
		for (int i = 0; i < n; i++)
			if (list[i])
				list[i]->ar_request = &numeric_only;
	}
	for (int i = 0; i < n; i++)
		if (list[i] && list[i]->ar_name && lookup_ok(list[i]->ar_name) < 0)
			list[i]->ar_request = &numeric_only;
	rc = ng_real.getaddrinfo_a(mode, list, n, sev);
	if (rc == 0 && mode == GAI_WAIT)
		for (int i = 0; i < n; i++)
			if (list[i] && list[i]->ar_name && list[i]->ar_result && !numeric_host(list[i]->ar_name))
				learn_addrinfo(list[i]->ar_name, list[i]->ar_result);
	return rc;
}

/* Asynchronous results are learned when the program collects them. */
int
ng_gai_error(struct gaicb *req)
{
	int rc;

	if (!ng_real.gai_error && ng_ready() < 0 && !ng_real.gai_error)
		return EAI_SYSTEM;
	rc = ng_real.gai_error(req);
	if (rc == 0 && req && req->ar_name && req->ar_result && !numeric_host(req->ar_name))
		learn_addrinfo(req->ar_name, req->ar_result);
	return rc;
}

/* ---- gethostbyname family -------------------------------------------------- */

struct hostent *
ng_gethostbyname(const char *name)
{
	struct hostent *h;

	if (lookup_ok(name) < 0) {
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	h = ng_real.gethostbyname(name);
	if (h && !numeric_host(name))
		learn_hostent(name, h);
	return h;
}

struct hostent *
ng_gethostbyname2(const char *name, int af)
{
	struct hostent *h;

	if (lookup_ok(name) < 0) {
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	h = ng_real.gethostbyname2(name, af);
	if (h && !numeric_host(name))
		learn_hostent(name, h);
	return h;
}

int
ng_gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen, struct hostent **result,
		int *h_errnop)
{
	int rc;

	if (lookup_ok(name) < 0) {
		*result = NULL;
		if (h_errnop)
			*h_errnop = HOST_NOT_FOUND;
		return ENOENT;
	}
	rc = ng_real.gethostbyname_r(name, ret, buf, buflen, result, h_errnop);
	if (rc == 0 && *result && !numeric_host(name))
		learn_hostent(name, *result);
	return rc;
}

int
ng_gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf, size_t buflen, struct hostent **result,
		 int *h_errnop)
{
	int rc;

	if (lookup_ok(name) < 0) {
		*result = NULL;
		if (h_errnop)
			*h_errnop = HOST_NOT_FOUND;
		return ENOENT;
	}
	rc = ng_real.gethostbyname2_r(name, af, ret, buf, buflen, result, h_errnop);
	if (rc == 0 && *result && !numeric_host(name))
		learn_hostent(name, *result);
	return rc;
}

/* ---- reverse lookups ----------------------------------------------------------- */

struct hostent *
ng_gethostbyaddr(const void *addr, socklen_t len, int type)
{
	if (reverse_ok(type, addr) < 0) {
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	return ng_real.gethostbyaddr(addr, len, type);
}

int
ng_gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret, char *buf, size_t buflen,
		struct hostent **result, int *h_errnop)
{
	if (reverse_ok(type, addr) < 0) {
		*result = NULL;
		if (h_errnop)
			*h_errnop = HOST_NOT_FOUND;
		h_errno = HOST_NOT_FOUND;	/* Python reads the global one */
		return ENOENT;
	}
	return ng_real.gethostbyaddr_r(addr, len, type, ret, buf, buflen, result, h_errnop);
}

int
ng_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host, socklen_t hostlen, char *serv,
	    socklen_t servlen, int flags)
{
	if (host && hostlen && !(flags & NI_NUMERICHOST) && sa &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6)) {
		const void *a = sa->sa_family == AF_INET ? (const void *)&((const struct sockaddr_in *)sa)->sin_addr
							 : (const void *)&((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (reverse_ok(sa->sa_family, a) < 0) {
			if (flags & NI_NAMEREQD)
				return EAI_NONAME;
			flags |= NI_NUMERICHOST;	/* the numeric form; no PTR query */
		}
	}
	return ng_real.getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
}

/* ---- res_* ----------------------------------------------------------------------- */

static int
res_refused(void)
{
	h_errno = HOST_NOT_FOUND;
	return -1;
}

static void
res_learn(const unsigned char *answer, int n)
{
	if (n > 0 && learning())
		ng_dns_learn_response(answer, (size_t)n);
}

static int
res_msg_ok(const unsigned char *msg, int len)
{
	return ng_check_dns_message(len > 0 ? msg : NULL, len > 0 ? (size_t)len : 0, 0);
}

static int
join_ok(const char *name, const char *domain)
{
	char full[512];

	if (!name)
		return -1;
	ng_strlcpy(full, name, sizeof(full));
	if (domain && *domain) {
		ng_strlcat(full, ".", sizeof(full));
		ng_strlcat(full, domain, sizeof(full));
	}
	return lookup_ok(full);
}

/* the real function, or refused (init failed before finding it) */
#define RES_GUARD(real) \
	do { \
		if (!(real)) \
			(void)ng_ready(); \
		if (!(real)) \
			return res_refused(); \
	} while (0)

int
ng_res_query(const char *dname, int class, int type, unsigned char *answer, int anslen)
{
	int n;

	RES_GUARD(ng_real.res_query);
	if (lookup_ok(dname) < 0)
		return res_refused();
	n = ng_real.res_query(dname, class, type, answer, anslen);
	res_learn(answer, n);
	return n;
}

int
ng_res_search(const char *dname, int class, int type, unsigned char *answer, int anslen)
{
	int n;

	RES_GUARD(ng_real.res_search);
	if (lookup_ok(dname) < 0)
		return res_refused();
	n = ng_real.res_search(dname, class, type, answer, anslen);
	res_learn(answer, n);
	return n;
}

int
ng_res_querydomain(const char *name, const char *domain, int class, int type, unsigned char *answer, int anslen)
{
	int n;

	RES_GUARD(ng_real.res_querydomain);
	if (join_ok(name, domain) < 0)
		return res_refused();
	n = ng_real.res_querydomain(name, domain, class, type, answer, anslen);
	res_learn(answer, n);
	return n;
}

int
ng_res_send(const unsigned char *msg, int len, unsigned char *answer, int anslen)
{
	int n;

	RES_GUARD(ng_real.res_send);
	if (res_msg_ok(msg, len) < 0)
		return res_refused();
	n = ng_real.res_send(msg, len, answer, anslen);
	res_learn(answer, n);
	return n;
}

int
ng_res_nquery(void *st, const char *dname, int class, int type, unsigned char *answer, int anslen)
{
	int n;

	RES_GUARD(ng_real.res_nquery);
	if (lookup_ok(dname) < 0)
		return res_refused();
	n = ng_real.res_nquery(st, dname, class, type, answer, anslen);
	res_learn(answer, n);
	return n;
}

int
ng_res_nsearch(void *st, const char *dname, int class, int type, unsigned char *answer, int anslen)
{
	int n;

	RES_GUARD(ng_real.res_nsearch);
	if (lookup_ok(dname) < 0)
		return res_refused();
	n = ng_real.res_nsearch(st, dname, class, type, answer, anslen);
	res_learn(answer, n);
	return n;
}

int
ng_res_nquerydomain(void *st, const char *name, const char *domain, int class, int type, unsigned char *answer,
		 int anslen)
{
	int n;

	RES_GUARD(ng_real.res_nquerydomain);
	if (join_ok(name, domain) < 0)
		return res_refused();
	n = ng_real.res_nquerydomain(st, name, domain, class, type, answer, anslen);
	res_learn(answer, n);
	return n;
}

int
ng_res_nsend(void *st, const unsigned char *msg, int len, unsigned char *answer, int anslen)
{
	int n;

	RES_GUARD(ng_real.res_nsend);
	if (res_msg_ok(msg, len) < 0)
		return res_refused();
	n = ng_real.res_nsend(st, msg, len, answer, anslen);
	res_learn(answer, n);
	return n;
}
