/*
 * spawntest: posix_spawn with every kind of file action and the attributes
 * a caller can set, so the preload's own spawn of a jailed program (preload/
 * spawn.c) can be compared with glibc's spawn of the same program allowed.
 *
 *   spawntest spawn OUT DIR   spawn this program as "ng-report" with stdout
 *                             opened on OUT, stderr dup'ed from it, fd 7
 *                             closed, cwd DIR (chdir / then fchdir DIR),
 *                             fds >= 20 closed, a new session, SIGUSR1
 *                             blocked, SIGUSR2 (ignored here) back to
 *                             default, ids reset; print the result of
 *                             posix_spawn, the exit status, then OUT
 *   spawntest fail            a spawn whose open action fails: its error
 *   spawntest rel PROG DIR    spawn PROG (a relative path) as "ng-report"
 *                             with a chdir DIR file action; print the result
 *                             and the exit status (the child reports to
 *                             stdout)
 *   spawntest report          (as ng-report) print what it was given
 */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static void
on_usr1(int sig)
{
	(void)sig;
}

static int
report(void)
{
	char buf[4096], cwd[1024], net[64] = "";
	FILE *f = fopen("/proc/self/status", "r");
	struct stat s1, s2;
	ssize_t n;

	n = readlink("/proc/self/ns/net", net, sizeof(net) - 1);
	net[n > 0 ? n : 0] = '\0';
	printf("net=%s\n", net);
	printf("session-leader=%d\n", getsid(0) == getpid());
	printf("cwd=%s\n", getcwd(cwd, sizeof(cwd)) ? cwd : "?");
	while (f && fgets(buf, sizeof(buf), f))
		if (strncmp(buf, "SigBlk:", 7) == 0 || strncmp(buf, "SigIgn:", 7) == 0)
			fputs(buf, stdout);
	if (f)
		fclose(f);
	printf("fd7=%s fd8=%s fd21=%s\n", fcntl(7, F_GETFD) < 0 ? "closed" : "open", fcntl(8, F_GETFD) < 0 ? "closed" : "open",
	       fcntl(21, F_GETFD) < 0 ? "closed" : "open");
	printf("stderr-is-stdout=%d\n", fstat(1, &s1) == 0 && fstat(2, &s2) == 0 && s1.st_ino == s2.st_ino &&
					      s1.st_dev == s2.st_dev && S_ISREG(s1.st_mode));
	printf("uid=%d euid=%d\n", (int)getuid(), (int)geteuid());
	return 0;
}

static int
do_spawn(const char *out, const char *dir)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t mask, def;
	char self[4096], *av[] = { "ng-report", "report", NULL }, buf[4096];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY), st = -1, rc;
	pid_t pid = 0;
	ssize_t n;
	FILE *f;

	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0 || dfd < 0)
		return 2;
	self[n] = '\0';
	signal(SIGUSR2, SIG_IGN);
	signal(SIGUSR1, on_usr1);
	if (dup2(0, 7) < 0 || dup2(0, 8) < 0 || dup2(0, 21) < 0)	/* inherited, no CLOEXEC */
		return 2;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	posix_spawn_file_actions_addclose(&fa, 7);
	posix_spawn_file_actions_addchdir_np(&fa, "/");
	posix_spawn_file_actions_addfchdir_np(&fa, dfd);
#ifdef HAVE_POSIX_SPAWN_FILE_ACTIONS_ADDCLOSEFROM_NP
	posix_spawn_file_actions_addclosefrom_np(&fa, 20);
#else
	posix_spawn_file_actions_addclose(&fa, 21);
#endif
	posix_spawnattr_init(&at);
	sigemptyset(&mask);
	sigaddset(&mask, SIGUSR1);
	sigemptyset(&def);
	sigaddset(&def, SIGUSR2);
	posix_spawnattr_setsigmask(&at, &mask);
	posix_spawnattr_setsigdefault(&at, &def);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					      POSIX_SPAWN_RESETIDS);
	rc = posix_spawn(&pid, self, &fa, &at, av, environ);
	printf("posix_spawn=%d (%s)\n", rc, rc ? strerror(rc) : "ok");
	if (rc == 0) {
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		printf("status=%d\n", st);
	}
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	if ((f = fopen(out, "r"))) {
		while (fgets(buf, sizeof(buf), f))
			fputs(buf, stdout);
		fclose(f);
	}
	return 0;
}

static int
do_fail(void)
{
	posix_spawn_file_actions_t fa;
	char self[4096], *av[] = { "ng-report", "report", NULL };
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid = 0;
	int rc;

	if (n <= 0)
		return 2;
	self[n] = '\0';
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 3, "/nonexistent/netguard-spawntest", O_RDONLY, 0);
	rc = posix_spawn(&pid, self, &fa, NULL, av, environ);
	printf("posix_spawn=%d (%s)\n", rc, rc ? strerror(rc) : "ok");
	if (rc == 0)
		waitpid(pid, NULL, 0);
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}

static int
do_rel(const char *prog, const char *dir)
{
	posix_spawn_file_actions_t fa;
	char *av[] = { "ng-report", "report", NULL };
	pid_t pid = 0;
	int rc, st = -1;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addchdir_np(&fa, dir);
	fflush(stdout);
	rc = posix_spawn(&pid, prog, &fa, NULL, av, environ);
	if (rc == 0)
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
	printf("posix_spawn=%d (%s) status=%d\n", rc, rc ? strerror(rc) : "ok", st);
	posix_spawn_file_actions_destroy(&fa);
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "report") == 0)
		return report();
	if (argc >= 4 && strcmp(argv[1], "spawn") == 0)
		return do_spawn(argv[2], argv[3]);
	if (argc >= 2 && strcmp(argv[1], "fail") == 0)
		return do_fail();
	if (argc >= 4 && strcmp(argv[1], "rel") == 0)
		return do_rel(argv[2], argv[3]);
	fprintf(stderr, "usage: spawntest spawn OUT DIR | fail | rel PROG DIR | report\n");
	return 2;
}
