/*
 * Small string helpers that are async-signal-safe (no stdio, no locale, no
 * allocation): the preload's hooks, the jail (which runs in vfork
 * children) and the tools share them.
 */
#ifndef NG_LIB_STR_H
#define NG_LIB_STR_H

#include <stddef.h>

/* BSD strlcpy/strlcat: always terminated (n > 0); return the length tried */
size_t ng_strlcpy(char *dst, const char *src, size_t n);
size_t ng_strlcat(char *dst, const char *src, size_t n);
/* decimal of v into buf (at least 21 bytes); returns buf */
char *ng_utoa(unsigned long v, char *buf);

/* the value of name in envp ("NAME=value" strings), or NULL; unlike
 * getenv(3) this touches no locale and no lock */
const char *ng_env_get(char *const *envp, const char *name);
/* leading decimal digits of s (0 when none; saturates) */
unsigned long ng_atou(const char *s);

/* "/proc/self/fd/N" for fd into buf; returns buf */
#define NG_FD_PATH_MAX 32
char *ng_fd_path(int fd, char buf[NG_FD_PATH_MAX]);

#endif
