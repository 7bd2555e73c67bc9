/*
 * The name APIs a C program can use, in the test world (tests/world):
 * getaddrinfo_a (wait and no-wait), res_query/res_send, gethostbyname,
 * gethostbyaddr, getnameinfo.  Each refused lookup fails the standard way,
 * each allowed one works and teaches the preload the name, so a connect to
 * the address it returned is allowed by name.  The program also exports its
 * own config_init: the preload must not bring libconfig into the host.
 *
 * dns.test checks dnsmasq's log: the refused names and PTR queries never
 * arrived.
 */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/tap.h"

/* a host program with its own libconfig-like symbol */
int config_init(void *cfg);
int
config_init(void *cfg)
{
	(void)cfg;
	return 42;
}

static int
connect_to(const struct sockaddr *sa, socklen_t len)
{
	int fd = socket(sa->sa_family, SOCK_STREAM, 0), rc, e;

	rc = connect(fd, sa, len);
	e = errno;
	close(fd);
	return rc == 0 ? 0 : e;
}

static int
connect_v4(const void *addr4, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	memcpy(&a.sin_addr, addr4, 4);
	return connect_to((struct sockaddr *)&a, sizeof(a));
}

static void
test_gai_a(void)
{
	struct addrinfo hints = { .ai_family = AF_INET, .ai_socktype = SOCK_STREAM };
	struct gaicb ok = { .ar_name = "allowed.test", .ar_service = "80", .ar_request = &hints };
	struct gaicb bad = { .ar_name = "api.stripe.com", .ar_service = "80", .ar_request = &hints };
	struct gaicb *list[2] = { &ok, &bad };

	getaddrinfo_a(GAI_WAIT, list, 2, NULL);
	tap_ok(gai_error(&ok) == 0 && ok.ar_result, "getaddrinfo_a(GAI_WAIT) allowed.test resolves");
	tap_ok(gai_error(&bad) == EAI_NONAME, "getaddrinfo_a(GAI_WAIT) api.stripe.com: EAI_NONAME (got %d)",
	       gai_error(&bad));
	if (ok.ar_result)
		tap_ok(connect_to(ok.ar_result->ai_addr, ok.ar_result->ai_addrlen) == 0,
		       "and a connect to the address it returned is allowed by name");
	else
		tap_ok(0, "and a connect to the address it returned is allowed by name");
	freeaddrinfo(ok.ar_result);
	{
		struct gaicb nw = { .ar_name = "allowed.test", .ar_service = "80", .ar_request = &hints };
		struct gaicb *l2[1] = { &nw };
		const struct gaicb *wait[1] = { &nw };

		getaddrinfo_a(GAI_NOWAIT, l2, 1, NULL);
		gai_suspend(wait, 1, NULL);
		tap_ok(gai_error(&nw) == 0 && nw.ar_result && connect_to(nw.ar_result->ai_addr,
								     nw.ar_result->ai_addrlen) == 0,
		       "getaddrinfo_a(GAI_NOWAIT) + gai_suspend: resolves, and the name is learned");
		freeaddrinfo(nw.ar_result);
	}
}

static void
test_res(void)
{
	unsigned char ans[1024], q[512];
	ns_msg msg;
	ns_rr rr;
	int n = res_query("allowed.test", ns_c_in, ns_t_a, ans, sizeof(ans));

	tap_ok(n > 0, "res_query(allowed.test) answers");
	if (n > 0 && ns_initparse(ans, n, &msg) == 0 && ns_msg_count(msg, ns_s_an) > 0 &&
	    ns_parserr(&msg, ns_s_an, 0, &rr) == 0 && ns_rr_rdlen(rr) == 4)
		tap_ok(connect_v4(ns_rr_rdata(rr), 80) == 0, "a connect to its answer is allowed by name");
	else
		tap_ok(0, "a connect to its answer is allowed by name");
	h_errno = 0;
	n = res_query("denied.test", ns_c_in, ns_t_a, ans, sizeof(ans));
	tap_ok(n == -1 && h_errno == HOST_NOT_FOUND, "res_query(denied.test): -1, HOST_NOT_FOUND");
	n = res_search("tunnel1secret.evil.test", ns_c_in, ns_t_txt, ans, sizeof(ans));
	tap_ok(n == -1, "res_search(tunnel1secret.evil.test): refused");
	n = res_mkquery(ns_o_query, "tunnel2secret.evil.test", ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof(q));
	tap_ok(n > 0 && res_send(q, n, ans, sizeof(ans)) == -1, "res_send of a query for a denied name: refused");
	n = res_mkquery(ns_o_query, "allowed.test", ns_c_in, ns_t_a, NULL, 0, NULL, q, sizeof(q));
	tap_ok(n > 0 && res_send(q, n, ans, sizeof(ans)) > 0, "res_send of a query for allowed.test answers");
}

static void
test_hostent(void)
{
	struct hostent *h = gethostbyname("allowed.test");
	struct in_addr a;

	tap_ok(h && h->h_addrtype == AF_INET && connect_v4(h->h_addr_list[0], 80) == 0,
	       "gethostbyname(allowed.test) resolves and its address is reachable");
	h_errno = 0;
	h = gethostbyname("api.stripe.com");
	tap_ok(!h && h_errno == HOST_NOT_FOUND, "gethostbyname(api.stripe.com): NULL, HOST_NOT_FOUND");
	inet_pton(AF_INET, "203.0.113.5", &a);
	h = gethostbyaddr(&a, 4, AF_INET);
	tap_ok(!h, "gethostbyaddr(203.0.113.5), an address the policy denies: no answer");
	inet_pton(AF_INET, "127.0.0.1", &a);
	h = gethostbyaddr(&a, 4, AF_INET);
	tap_ok(h != NULL, "gethostbyaddr(127.0.0.1), an allowed address: answered (%s)", h ? h->h_name : "-");
}

static void
test_nameinfo(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
	char host[256];
	int rc;

	inet_pton(AF_INET, "203.0.113.5", &a.sin_addr);
	rc = getnameinfo((struct sockaddr *)&a, sizeof(a), host, sizeof(host), NULL, 0, NI_NAMEREQD);
	tap_ok(rc == EAI_NONAME, "getnameinfo(203.0.113.5, NI_NAMEREQD): EAI_NONAME");
	rc = getnameinfo((struct sockaddr *)&a, sizeof(a), host, sizeof(host), NULL, 0, 0);
	tap_ok(rc == 0 && strcmp(host, "203.0.113.5") == 0, "without NI_NAMEREQD: the numeric form (%s)", host);
	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	rc = getnameinfo((struct sockaddr *)&a, sizeof(a), host, sizeof(host), NULL, 0, NI_NAMEREQD);
	tap_ok(rc == 0 && strcmp(host, "127.0.0.1") != 0, "getnameinfo(127.0.0.1), allowed: a name (%s)", host);
}

int
main(void)
{
	tap_ok(config_init(NULL) == 42, "the program's own config_init is its own");
	test_gai_a();
	test_res();
	test_hostent();
	test_nameinfo();
	return tap_done();
}
