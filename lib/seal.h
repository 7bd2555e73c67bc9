/*
 * Sealed policy snapshots and the descriptor protocol that hands them down
 * a process tree (seal.c).
 *
 * The compiled policy lives in a memfd sealed against every change
 * (F_SEAL_WRITE|F_SEAL_SHRINK|F_SEAL_GROW|F_SEAL_SEAL), at an inheritable
 * descriptor at or above NG_SNAPSHOT_FD_MIN, named to descendants by
 * NETGUARD_SNAPSHOT=N.  `netguard run` and the root of a bare-LD_PRELOAD
 * tree create it; every process of the tree checks and maps it.
 *
 * Raw syscalls only (inside the preload, libc's fcntl and close are hooks).
 */
#ifndef NG_LIB_SEAL_H
#define NG_LIB_SEAL_H

#include <stddef.h>

#define NG_SNAPSHOT_FD_MIN 200

/*
 * The lowest descriptor the library's own fds take: NG_SNAPSHOT_FD_MIN,
 * or lower within a small RLIMIT_NOFILE (a descriptor limit of 64 still
 * has room for them).
 */
int ng_fd_min(void);

struct ng_sealed {
	size_t size;
	unsigned long dev, ino;
};

/* A new, empty, sealable memfd (close-on-exec); -1 with errno. */
int ng_seal_create(void);
/* Write all of buf to fd; 0, or -1 with errno. */
int ng_seal_write(int fd, const void *buf, size_t n);
/*
 * Seal fd and move it to an inheritable descriptor >= ng_fd_min()
 * (fd is closed either way).  Returns the new descriptor, or -1 with errno
 * and *why naming the step.
 */
int ng_seal_finish(int fd, const char **why);
/* create + write + finish for a whole blob */
int ng_seal_blob(const void *data, size_t n, const char **why);
/* Is fd a sealed, non-empty regular file?  0 and *out, or -1 and *why. */
int ng_seal_check(int fd, struct ng_sealed *out, const char **why);
/*
 * NETGUARD_SNAPSHOT=FD:DEV:INO names the descriptor and the snapshot's
 * identity: a child maps only the tree's own snapshot, not whatever
 * sealed file a program managed to put at that number.
 * ng_seal_env formats the value into buf (>= 64 bytes); ng_seal_parse
 * reads it: the fd, or -1 if it names none; *has_id tells whether the
 * identity was there.
 */
char *ng_seal_env(int fd, const struct ng_sealed *sd, char *buf, size_t n);
int ng_seal_parse(const char *s, struct ng_sealed *id, int *has_id);

#endif
