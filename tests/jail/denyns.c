/*
 * denyns: make one syscall fail with a chosen errno, then exec a program --
 * a stand-in for a seccomp policy or container runtime that refuses what
 * jailexec needs, so tests can check that jailexec fails closed.
 *
 *   denyns SYSCALL ERRNO [A0] -- PROGRAM [ARG...]
 *
 * SYSCALL is a name libseccomp knows (unshare, socket, ...); ERRNO a name
 * (EPERM, ENOSPC, EACCES, EINVAL, ENOSYS) or a number; A0, when given, limits
 * the rule to calls whose first argument equals it (socket's domain: 16 for
 * AF_NETLINK).  Sets PR_SET_NO_NEW_PRIVS, so it works unprivileged.
 * Exit 2 on misuse, 3 when the filter cannot be installed.
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static const struct { const char *name; int err; } errnos[] = {
	{ "EPERM", EPERM }, { "ENOSPC", ENOSPC }, { "EACCES", EACCES },
	{ "EINVAL", EINVAL }, { "ENOSYS", ENOSYS }, { "EROFS", EROFS },
};

static int
parse_errno(const char *s)
{
	char *end;
	long v;

	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(s, errnos[i].name) == 0)
			return errnos[i].err;
	v = strtol(s, &end, 0);
	return *s && !*end && v > 0 && v < 4096 ? (int)v : -1;
}

int
main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	int sys, err, rc, i;
	int have_a0 = 0;
	scmp_datum_t a0 = 0;

	if (argc < 5)
		goto usage;
	sys = seccomp_syscall_resolve_name(argv[1]);
	err = parse_errno(argv[2]);
	i = 3;
	if (strcmp(argv[i], "--") != 0) {
		char *end;

		a0 = (scmp_datum_t)strtoull(argv[i], &end, 0);
		if (!*argv[i] || *end)
			goto usage;
		have_a0 = 1;
		i++;
	}
	if (sys == __NR_SCMP_ERROR || err < 0 || i >= argc || strcmp(argv[i], "--") != 0 || i + 1 >= argc)
		goto usage;
	i++;

	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx) {
		fprintf(stderr, "denyns: seccomp_init failed\n");
		return 3;
	}
	if (have_a0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), sys, 1, SCMP_A0(SCMP_CMP_EQ, a0));
	else
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(err), sys, 0);
	if (rc == 0 && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		rc = -errno;
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0) {
		fprintf(stderr, "denyns: cannot install the filter: %s\n", strerror(-rc));
		return 3;
	}
	execvp(argv[i], argv + i);
	fprintf(stderr, "denyns: %s: %s\n", argv[i], strerror(errno));
	return errno == ENOENT ? 127 : 126;
usage:
	fprintf(stderr, "usage: denyns SYSCALL ERRNO [A0] -- PROGRAM [ARG...]\n");
	return 2;
}
