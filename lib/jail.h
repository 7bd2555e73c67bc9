/*
 * The jail: fresh user and network namespaces (a mount namespace too when
 * there are host sockets to mask), entered by the calling process itself.
 * Shared by jailexec(1) and by libnetguard.so's exec hooks, which enter it
 * in a fresh child instead of exec'ing jailexec first.
 *
 * No allocation, no stdio, no locks: raw syscalls and the stack only, so it
 * is safe in a vfork child and in a fork child of a threaded program.
 */
#ifndef NG_LIB_JAIL_H
#define NG_LIB_JAIL_H

#define NG_JAIL_LOOPBACK 1	/* bring the jail's lo up (jailexec -n loopback) */

struct ng_jail_error {
	int err;		/* errno of the failing step */
	char call[192];		/* the step: "unshare(CLONE_NEWUSER|CLONE_NEWNET)" */
	const char *hint;	/* what to change, or NULL */
};

/*
 * Enter the jail; after 0 the caller execs its program.  Returns
 *   0   jailed: no network but the jail's own loopback
 *   1   nothing changed: this process cannot enter namespaces itself (it is
 *       multithreaded: unshare says EINVAL); jailexec can
 *  -1   failed: *e says which step, why, and what to change.  The process
 *       may be half-jailed (no network at all): it must not run the program.
 */
int ng_jail_enter(int flags, struct ng_jail_error *e);

/* "unshare(...): Operation not permitted" into buf; returns buf */
char *ng_jail_strerror(const struct ng_jail_error *e, char *buf, unsigned long n);

#endif
