/*
 * Async-signal-safe helpers for the hook path (no stdio, no locale); the
 * string ones are policy/str.c, shared with the jail and the tools.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/un.h>

#include "ng.h"

/*
 * The address of sa as text (inet_ntop is async-signal-safe in glibc: no
 * allocation, no locks); AF_UNIX as its path or "@abstract".  *port is set
 * for IP families.  Returns the family, or -1 when sa is unusable.
 */
int
ng_sockaddr_str(const struct sockaddr *sa, socklen_t len, char *buf, size_t n, unsigned *port)
{
	*port = 0;
	buf[0] = '\0';
	if (!sa || len < sizeof(sa_family_t))
		return -1;
	switch (sa->sa_family) {
	case AF_INET: {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (len < sizeof(*in))
			return -1;
		inet_ntop(AF_INET, &in->sin_addr, buf, (socklen_t)n);
		*port = ntohs(in->sin_port);
		return AF_INET;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (len < sizeof(*in6))
			return -1;
		inet_ntop(AF_INET6, &in6->sin6_addr, buf, (socklen_t)n);
		*port = ntohs(in6->sin6_port);
		return AF_INET6;
	}
	case AF_UNIX: {
		const struct sockaddr_un *un = (const struct sockaddr_un *)sa;
		size_t plen = len - offsetof(struct sockaddr_un, sun_path);

		if (len <= offsetof(struct sockaddr_un, sun_path)) {
			ng_strlcpy(buf, "(unnamed)", n);
			return AF_UNIX;
		}
		if (plen > sizeof(un->sun_path))
			plen = sizeof(un->sun_path);
		if (un->sun_path[0] == '\0') {
			size_t c = plen - 1 < n - 2 ? plen - 1 : n - 2;

			buf[0] = '@';
			memcpy(buf + 1, un->sun_path + 1, c);
			buf[c + 1] = '\0';
			/* abstract names may hold NULs: cut at the first */
		} else {
			size_t c = strnlen(un->sun_path, plen);

			if (c > n - 1)
				c = n - 1;
			memcpy(buf, un->sun_path, c);
			buf[c] = '\0';
		}
		return AF_UNIX;
	}
	default:
		return -1;
	}
}
