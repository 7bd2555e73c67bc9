/*
 * jailexec: run a program with no way out to the network.
 *
 *   jailexec [-n none|loopback] [-q] [--argv0 NAME] [--] PROGRAM [ARG...]
 *
 * Enters the jail of lib/jail.c (new user and network namespaces, a mount
 * namespace masking host sockets when there are any, lo up, inherited
 * network sockets closed, PR_SET_NO_NEW_PRIVS, TIOCSTI refused by seccomp)
 * and execs PROGRAM in place: same pid, argv, environment, fds, terminal.
 *
 * Any step that fails: say which syscall, why, and what to change, exit 125,
 * and never run PROGRAM.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/jail.h"

static int quiet;

static const char synopsis[] = "usage: jailexec [-n none|loopback] [-q] [--argv0 NAME] [--] PROGRAM [ARG...]\n";

static void __attribute__((noreturn))
usage(const char *error)
{
	if (error)
		fprintf(stderr, "jailexec: %s\n", error);
	fputs(synopsis, error ? stderr : stdout);
	exit(error ? 125 : 0);
}

/* "jailexec: STEP: strerror" and a line of hint; exit 125 */
static void __attribute__((noreturn))
fail(const struct ng_jail_error *e)
{
	char msg[300];

	fprintf(stderr, "jailexec: %s\n", ng_jail_strerror(e, msg, sizeof(msg)));
	if (e->hint)
		fprintf(stderr, "jailexec: %s\n", e->hint);
	fprintf(stderr, "jailexec: nothing was run (the program is never started without isolation)\n");
	exit(125);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "argv0", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *net = "loopback", *argv0 = NULL;
	int c;

	while ((c = getopt_long(argc, argv, "+n:qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': net = optarg; break;
		case 'q': quiet = 1; break;
		case 'a': argv0 = optarg; break;
		case 'h': usage(NULL);
		default: usage("unknown option");
		}
	}
	if (strcmp(net, "none") != 0 && strcmp(net, "loopback") != 0)
		usage("-n takes none or loopback");
	if (optind >= argc)
		usage("expected PROGRAM [ARG...]");
	argv += optind;

	{
		struct ng_jail_error e;

		if (ng_jail_enter(strcmp(net, "loopback") == 0 ? NG_JAIL_LOOPBACK : 0, &e) != 0)
			fail(&e);
	}
	if (!quiet && getenv("JAILEXEC_VERBOSE"))
		fprintf(stderr, "jailexec: %s jailed (network: %s)\n", argv[0], net);
	{
		char *orig = argv[0];

		if (argv0)
			argv[0] = (char *)argv0;
		execvp(orig, argv);
		c = errno;
		fprintf(stderr, "jailexec: %s: %s\n", orig, strerror(c));
		return c == ENOENT ? 127 : 126;
	}
}
