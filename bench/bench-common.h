/*
 * Helpers shared by the preload benchmarks (bench-connect, bench-spawn):
 * clocks and medians, policy files like bench-decide's, and workers — copies
 * of the benchmark started with or without the preload, driven over a pipe
 * so that every configuration runs once per round (interleaved) while each
 * process pays its start-up (and the policy compile) only once.
 */
#ifndef NG_BENCH_COMMON_H
#define NG_BENCH_COMMON_H

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-time.h"

extern char **environ;

static inline void
die(const char *what)
{
	fprintf(stderr, "bench: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

/*
 * The start every driver makes: ROUNDS from argv[1] (default 21, at least
 * 1), a 10-minute alarm (a stuck worker must not hang `make bench`), this
 * program's own path into self (PATH_MAX), and in *ng the netguard to run
 * workers under ($NG_BENCH_NETGUARD, else the build tree's).
 */
static inline int
bench_start(int argc, char **argv, char *self, const char **ng)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 21;

	alarm(600);
	if (!realpath("/proc/self/exe", self))
		die("/proc/self/exe");
	*ng = getenv("NG_BENCH_NETGUARD");
	if (!*ng)
		*ng = "tools/netguard";
	if (access(*ng, X_OK) != 0)
		die(*ng);
	return rounds < 1 ? 1 : rounds;
}

/*
 * Refuse to run outside a private network namespace (only lo may exist; a
 * benchmark must not be able to reach anything), then bring lo up.
 * NG_BENCH_ANY_NETNS=1 skips the check.
 */
static inline void
bench_private_netns(const char *who)
{
	const char *o = getenv("NG_BENCH_ANY_NETNS");
	struct if_nameindex *ifs, *i;
	struct ifreq ifr;
	int fd;

	if (!(o && strcmp(o, "1") == 0)) {
		if (!(ifs = if_nameindex()))
			die("if_nameindex");
		for (i = ifs; i->if_index; i++)
			if (strcmp(i->if_name, "lo") != 0) {
				fprintf(stderr, "%s: interface %s present: run me in a private network namespace "
						"(unshare -n), or set NG_BENCH_ANY_NETNS=1\n", who, i->if_name);
				exit(1);
			}
		if_freenameindex(ifs);
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (fd < 0 || ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS lo");
	if (!(ifr.ifr_flags & IFF_UP)) {
		ifr.ifr_flags |= IFF_UP;
		if (ioctl(fd, SIOCSIFFLAGS, &ifr) < 0)
			die("bringing lo up");
	}
	close(fd);
}

/*
 * A policy of n rules as bench-decide writes them — a third exact names
 * (port 443), a third suffixes, a third /24 CIDRs in 10.0.0.0/8 — followed
 * by the loopback allow rule, LAST, so a connect to 127.0.0.1 has to look
 * through every index before it finds its rule.
 */
static inline void
write_policy(const char *path, int n)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die(path);
	fprintf(f, "version = 1;\ndefault = \"deny\";\nrules = (\n");
	for (int i = 0; i < n; i++) {
		switch (i % 3) {
		case 0:
			fprintf(f, "{ name = \"r%d\"; action = \"allow\"; to = ( \"host%d.svc%d.example\" ); ports = ( 443 ); },\n",
				i, i, i % 97);
			break;
		case 1:
			fprintf(f, "{ name = \"r%d\"; action = \"deny\"; to = ( \".zone%d.example\" ); },\n", i, i);
			break;
		default:
			fprintf(f, "{ name = \"r%d\"; action = \"allow\"; to = ( \"%d.%d.%d.0/24\" ); },\n", i,
				10 + (i >> 16) % 100, (i >> 8) & 255, i & 255);
		}
	}
	fprintf(f, "{ name = \"lo\"; action = \"allow\"; to = ( \"127.0.0.0/8\" ); }\n);\n");
	if (fclose(f) != 0)
		die(path);
}

/* environ without LD_PRELOAD and NETGUARD_*, plus up to two extra entries. */
static inline char **
clean_env(const char *extra1, const char *extra2)
{
	size_t n = 0, k = 0;
	char **e;

	while (environ[n])
		n++;
	e = calloc(n + 3, sizeof(char *));
	if (!e)
		die("calloc");
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0 && strncmp(environ[i], "NETGUARD_", 9) != 0)
			e[k++] = environ[i];
	if (extra1)
		e[k++] = (char *)extra1;
	if (extra2)
		e[k++] = (char *)extra2;
	e[k] = NULL;
	return e;
}

struct worker {
	const char *label;
	pid_t pid;
	FILE *to, *from;
};

/*
 * Start argv[] (a copy of this program in --worker mode, possibly under
 * `netguard run`) with a clean environment, stdin/stdout on pipes to us.
 * Waits for its first line ("ready ...") and returns it in line[].
 */
static inline void
worker_start(struct worker *w, char *const argv[], char *line, size_t linesz)
{
	int in[2], out[2];
	posix_spawn_file_actions_t fa;
	char **env = clean_env(NULL, NULL);
	int rc;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0)
		die("pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], 0);
	posix_spawn_file_actions_adddup2(&fa, out[1], 1);
	posix_spawn_file_actions_addclose(&fa, in[1]);
	posix_spawn_file_actions_addclose(&fa, out[0]);
	rc = posix_spawn(&w->pid, argv[0], &fa, NULL, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	if (rc != 0) {
		errno = rc;
		die(argv[0]);
	}
	close(in[0]);
	close(out[1]);
	w->to = fdopen(in[1], "w");
	w->from = fdopen(out[0], "r");
	if (!w->to || !w->from)
		die("fdopen");
	if (!fgets(line, (int)linesz, w->from) || strncmp(line, "ready", 5) != 0) {
		fprintf(stderr, "bench: worker %s did not start\n", w->label);
		exit(1);
	}
}

/* Send one command line, return the worker's one-line answer in line[]. */
static inline void
worker_ask(struct worker *w, const char *cmd, char *line, size_t linesz)
{
	if (fprintf(w->to, "%s\n", cmd) < 0 || fflush(w->to) != 0)
		die("write to worker");
	if (!fgets(line, (int)linesz, w->from)) {
		fprintf(stderr, "bench: worker %s died\n", w->label);
		exit(1);
	}
	if (strncmp(line, "error", 5) == 0) {
		fprintf(stderr, "bench: worker %s: %s", w->label, line);
		exit(1);
	}
}

static inline void
worker_stop(struct worker *w)
{
	int st;

	fclose(w->to);		/* EOF on its stdin: it exits */
	fclose(w->from);
	while (waitpid(w->pid, &st, 0) < 0 && errno == EINTR)
		;
}

#endif
