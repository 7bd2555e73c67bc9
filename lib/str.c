/*
 * Async-signal-safe string helpers (str.h).
 */
#include "config.h"

#include "lib/sys.h"

#include <string.h>

#include "lib/str.h"

NG_STARTUP size_t
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

NG_STARTUP size_t
ng_strlcat(char *dst, const char *src, size_t n)
{
	size_t d = strnlen(dst, n);

	if (d == n)
		return d + strlen(src);
	return d + ng_strlcpy(dst + d, src, n - d);
}

NG_STARTUP char *
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

char *
ng_fd_path(int fd, char buf[NG_FD_PATH_MAX])
{
	char num[24];

	ng_strlcpy(buf, "/proc/self/fd/", NG_FD_PATH_MAX);
	ng_strlcat(buf, ng_utoa((unsigned long)(fd < 0 ? 0 : fd), num), NG_FD_PATH_MAX);
	return buf;
}

NG_STARTUP const char *
ng_env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

NG_STARTUP unsigned long
ng_atou(const char *s)
{
	unsigned long v = 0;

	for (; *s >= '0' && *s <= '9'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (v > (~0UL - d) / 10)
			return ~0UL;
		v = v * 10 + d;
	}
	return v;
}
