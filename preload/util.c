/*
 * Async-signal-safe string helpers for the hook path (no stdio, no locale).
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/un.h>

#include "ng.h"

size_t
ng_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n) {
		size_t c = len < n - 1 ? len : n - 1;

		memcpy(dst, src, c);
		dst[c] = '\0';
	}
	return len;
}

size_t
ng_strlcat(char *dst, const char *src, size_t n)
{
	size_t d = strnlen(dst, n);

	if (d == n)
		return d + strlen(src);
	return d + ng_strlcpy(dst + d, src, n - d);
}

/* decimal of v into buf (at least 21 bytes); returns buf */
char *
ng_utoa(unsigned long v, char *buf)
{
	char tmp[21];
	int n = 0, i = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		buf[i++] = tmp[--n];
	buf[i] = '\0';
	return buf;
}

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
