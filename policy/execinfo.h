/*
 * Resolving what an exec will run (execinfo.c).  Async-signal-safe.
 */
#ifndef NG_EXECINFO_H
#define NG_EXECINFO_H

#include <limits.h>
#include <stddef.h>

#include "policy.h"

struct ng_exec_target {
	char path[PATH_MAX];		/* resolved path */
	char real[PATH_MAX];		/* its realpath */
	char interp[PATH_MAX];		/* script: the interpreter that runs */
	char interp_real[PATH_MAX];
	unsigned elf;			/* NG_ELF_* of what runs (interpreter for scripts) */
	unsigned flags;			/* NG_EXEC_* */
	int script;
	int fd;				/* ELF target opened for execveat, or -1 */
};

/* PATH search as execvp(3) does.  0, or -errno. */
int ng_exec_search(const char *file, const char *path_env, char *out, size_t n);
/*
 * Resolve file (searching path_env when search != 0 and file has no '/').
 * On success t->fd is an O_CLOEXEC fd of the ELF to run (not for scripts),
 * which the caller closes.  Returns 0 or -errno.
 */
int ng_exec_resolve(const char *file, int search, const char *path_env, struct ng_exec_target *t);

/* The exec query for a resolved target (what exec rules are matched against). */
void ng_exec_query_of(const struct ng_exec_target *t, const char *argv0, struct ng_exec_query *q);

#endif
