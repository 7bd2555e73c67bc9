/*
 * What an exec will really run (exec.c): PATH search as the exec function
 * does it, "#!" interpreters and "/usr/bin/env X" followed, realpaths, and
 * the facts about the final program (its ELF kind, whether it is
 * privileged).  Async-signal-safe: raw syscalls and the caller's buffers.
 */
#ifndef NG_LIB_EXEC_H
#define NG_LIB_EXEC_H

#include <limits.h>
#include <stddef.h>

#include "lib/elf.h"

struct ng_exec_target {
	char path[PATH_MAX];		/* resolved path */
	char real[PATH_MAX];		/* its realpath */
	char interp[PATH_MAX];		/* script: the interpreter that runs */
	char interp_real[PATH_MAX];
	unsigned elf;			/* NG_ELF_* of what runs (interpreter for scripts) */
	char asan[64];			/* NG_ELF_ASAN: the libasan soname it needs */
	int privileged;			/* setuid, setgid or file capabilities */
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
/*
 * The same for a program already open as fd (fexecve, execveat): the file
 * behind fd itself; a script's interpreter is found by path.  t->fd stays
 * -1 (fd is the caller's).
 */
void ng_exec_inspect_fd(int fd, const char *path_env, struct ng_exec_target *t);

#endif
