/*
 * Decisions that are not about a destination address: which sockets may be
 * created at all, and what a DNS message written straight to a nameserver
 * may ask.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "engine.h"
#include "lib/dnswire.h"
#include "lib/str.h"

void
ng_decide_socket(const struct ng_policy *p, int domain, int type, struct ng_verdict *v)
{
	int base = type & 0xf;	/* without SOCK_NONBLOCK / SOCK_CLOEXEC */
	int raw = domain == AF_PACKET || (base == SOCK_RAW && (domain == AF_INET || domain == AF_INET6));

	ng_verdict_init(v);
	if (!raw) {
		/* an ordinary socket reaches nothing by being created: connect
		 * and send decide (so also without a policy: they fail closed) */
		v->action = NG_ALLOW;
		return;
	}
	if (!p || !p->base) {
		ng_verdict_error(v);
		return;
	}
	ng_verdict_default(p, v, (enum ng_action)hdr(p)->s.raw_sockets, NG_FROM_DEFAULT, "raw_sockets");
}

void
ng_decide_dns_message(const struct ng_policy *p, const struct ng_query *q, const unsigned char *msg, size_t len,
		      int tcp, char *name, size_t namesz, struct ng_verdict *v)
{
	struct ng_query lq;
	char qname[NG_NAME_MAX_LEN];
	const char *np[1] = { qname };

	ng_verdict_init(v);
	if (!p || !p->base) {
		ng_verdict_error(v);
		return;
	}
	if (tcp && len == 2) {
		ng_strlcpy(name, "(a TCP length prefix)", namesz);
		ng_verdict_default(p, v, NG_ALLOW, NG_FROM_DEFAULT, "dns-content");
		return;
	}
	if (tcp && len >= 14 && ((size_t)msg[0] << 8 | msg[1]) == len - 2) {
		msg += 2;
		len -= 2;
	}
	if (ng_dns_query_name(msg, len, qname, sizeof(qname)) < 0) {
		ng_strlcpy(name, "(not a single-question query)", namesz);
		ng_verdict_default(p, v, NG_DENY, NG_FROM_DEFAULT, "dns-content");
		return;
	}
	ng_strlcpy(name, qname, namesz);
	lq = *q;
	lq.op = NG_OP_DNS;
	lq.proto = NG_Q_UDP;
	lq.names = np;
	lq.nnames = 1;
	ng_decide(p, &lq, v);
}
