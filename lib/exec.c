/*
 * What will actually run when a program is started (exec.h).
 *
 * Shared by the preload's exec hooks and `netguard explain exec`, so it is
 * async-signal-safe: raw syscalls and caller-provided buffers only
 * (realpaths come from /proc/self/fd, not realpath(3), which may allocate;
 * inside the preload, libc's close() would be the library's own hook).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lib/exec.h"
#include "lib/str.h"
#include "lib/sys.h"

static int
scopy(char *dst, size_t n, const char *src, size_t len)
{
	if (len + 1 > n)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

static int
open_ro(const char *path)
{
	return (int)ng_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
}

/*
 * Open a program to inspect and run, never blocking and never changing
 * what the kernel would say: an O_PATH handle first (a FIFO's open would
 * wait for a writer), then only a regular file is reopened for reading
 * through that very handle.  Not regular: -EACCES, as execve gives.  A file
 * this user may execute but not read (mode 0711): its O_PATH handle, with
 * *unreadable set -- the kernel runs it, we cannot look inside.
 */
static int
open_exec(const char *path, int *unreadable)
{
	char link[NG_FD_PATH_MAX];
	struct stat st;
	int pfd = (int)ng_sys(SYS_openat, AT_FDCWD, path, O_PATH | O_CLOEXEC), fd;

	*unreadable = 0;
	if (pfd < 0)
		return -errno;
	if (ng_sys(SYS_fstat, pfd, &st) < 0 || !S_ISREG(st.st_mode)) {
		ng_sys(SYS_close, pfd);
		return -EACCES;
	}
	fd = (int)ng_sys(SYS_openat, AT_FDCWD, ng_fd_path(pfd, link), O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)	/* no /proc: the path again, never blocking */
		fd = (int)ng_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		ng_sys(SYS_close, pfd);
		return fd;
	}
	if (errno != EACCES) {
		ng_sys(SYS_close, pfd);
		return -errno;
	}
	*unreadable = 1;
	return pfd;
}

static void
close_fd(int fd)
{
	ng_sys(SYS_close, fd);
}

/* realpath of an open fd through /proc; falls back to the given path */
static void
fd_real(int fd, const char *given, char *out, size_t n)
{
	char link[NG_FD_PATH_MAX];
	long r = ng_sys(SYS_readlinkat, AT_FDCWD, ng_fd_path(fd, link), out, n - 1);

	if (r <= 0 || out[0] != '/') {
		scopy(out, n, given, strlen(given));
		return;
	}
	out[r] = '\0';
}

/* one PATH candidate: 1 found (in out), 0 not here, -1 too long */
static int
try_dir(const char *dir, size_t dlen, const char *file, size_t flen, char *out, size_t n, int *saw_eacces)
{
	char cand[4096];
	size_t at = 0;
	struct stat st;

	if (dlen == 0) {
		cand[at++] = '.';
	} else if (dlen < sizeof(cand) - 2) {
		memcpy(cand, dir, dlen);
		at = dlen;
	}
	if (!at || at + 1 + flen >= sizeof(cand))
		return 0;
	cand[at++] = '/';
	memcpy(cand + at, file, flen + 1);
	if (ng_sys(SYS_faccessat, AT_FDCWD, cand, X_OK, 0) < 0) {
		if (errno == EACCES)
			*saw_eacces = 1;
		return 0;
	}
	if (ng_sys(SYS_newfstatat, AT_FDCWD, cand, &st, 0) < 0 || !S_ISREG(st.st_mode))
		return 0;
	return scopy(out, n, cand, strlen(cand)) ? -1 : 1;
}

int
ng_exec_search(const char *file, const char *path_env, char *out, size_t n)
{
	const char *p = path_env ? path_env : "/usr/local/bin:/bin:/usr/bin";
	size_t flen = strlen(file);
	int saw_eacces = 0;

	if (!*file)
		return -ENOENT;
	if (memchr(file, '/', flen))
		return scopy(out, n, file, flen) ? -ENAMETOOLONG : 0;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : strlen(p);
		int r = try_dir(p, dlen, file, flen, out, n, &saw_eacces);

		if (r)
			return r > 0 ? 0 : -ENAMETOOLONG;
		if (!colon)
			break;
		p = colon + 1;
	}
	return saw_eacces ? -EACCES : -ENOENT;
}

static int
privileged(int fd)
{
	struct stat st;

	if (ng_sys(SYS_fstat, fd, &st) < 0)
		return 0;
	if (st.st_mode & (S_ISUID | S_ISGID))
		return 1;
	if (ng_sys(SYS_fgetxattr, fd, "security.capability", NULL, 0) > 0)
		return 1;
	if (errno == EBADF) {	/* an O_PATH handle: by its /proc name */
		char link[NG_FD_PATH_MAX];

		return ng_sys(SYS_getxattr, ng_fd_path(fd, link), "security.capability", NULL, 0) > 0;
	}
	return 0;
}

/* Parse "#!interp [arg]" from fd.  Returns 1 if a script, 0 if not. */
static int
shebang(int fd, char *interp, size_t n, char *arg, size_t an)
{
	char buf[256];
	long r = ng_sys(SYS_pread64, fd, buf, sizeof(buf) - 1, 0);
	char *p, *e, *nl;

	if (r < 2 || buf[0] != '#' || buf[1] != '!')
		return 0;
	buf[r] = '\0';
	nl = memchr(buf, '\n', (size_t)r);
	if (nl)
		*nl = '\0';
	p = buf + 2;
	while (*p == ' ' || *p == '\t')
		p++;
	e = p;
	while (*e && *e != ' ' && *e != '\t')
		e++;
	if (scopy(interp, n, p, (size_t)(e - p)) < 0)
		return 0;
	while (*e == ' ' || *e == '\t')
		e++;
	p = e;
	while (*e && *e != ' ' && *e != '\t' && *e != '\r')
		e++;
	scopy(arg, an, p, (size_t)(e - p));
	return 1;
}

/* "#!/usr/bin/env X": the program that runs is X, found on PATH */
static void
follow_env(struct ng_exec_target *t, const char *iarg, const char *path_env)
{
	const char *b = strrchr(t->interp, '/');
	char found[sizeof(t->interp)];

	if (b && strcmp(b + 1, "env") == 0 && iarg[0] && iarg[0] != '-' &&
	    ng_exec_search(iarg, path_env, found, sizeof(found)) == 0)
		scopy(t->interp, sizeof(t->interp), found, strlen(found));
}

/*
 * A script: what runs is its interpreter, which may be a script too (the
 * kernel follows up to 4 levels; so do we).  fd is the script itself.
 */
static void
follow_interpreters(struct ng_exec_target *t, int fd, const char *path_env)
{
	char iarg[256];

	for (int depth = 0; (t->elf & NG_ELF_NOT_ELF) && depth < 4; depth++) {
		char next[sizeof(t->interp)];
		int ifd = depth == 0 ? fd : open_ro(t->interp);

		if (ifd < 0 || !shebang(ifd, next, sizeof(next), iarg, sizeof(iarg))) {
			if (ifd >= 0 && ifd != fd)
				close_fd(ifd);
			break;
		}
		if (ifd != fd)
			close_fd(ifd);
		t->script = 1;
		scopy(t->interp, sizeof(t->interp), next, strlen(next));
		follow_env(t, iarg, path_env);
		ifd = open_ro(t->interp);
		if (ifd < 0) {
			t->interp_real[0] = '\0';
			t->elf = NG_ELF_BAD;
			break;
		}
		fd_real(ifd, t->interp, t->interp_real, sizeof(t->interp_real));
		t->elf = ng_elf_inspect_ex(ifd, t->asan, sizeof(t->asan));
		t->privileged |= privileged(ifd);
		close_fd(ifd);
	}
}

int
ng_exec_resolve(const char *file, int search, const char *path_env, struct ng_exec_target *t)
{
	int fd, rc, unreadable;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	rc = search ? ng_exec_search(file, path_env, t->path, sizeof(t->path))
		    : (scopy(t->path, sizeof(t->path), file, strlen(file)) ? -ENAMETOOLONG : 0);
	if (rc < 0)
		return rc;
	fd = open_exec(t->path, &unreadable);
	if (fd < 0)
		return fd;
	fd_real(fd, t->path, t->real, sizeof(t->real));
	t->privileged = privileged(fd);
	if (unreadable) {
		/* what it is cannot be known: run by path (a script could not
		 * run from an O_PATH handle), under whatever the policy says of
		 * programs it cannot see into */
		t->elf = NG_ELF_UNREADABLE;
		ng_sys(SYS_close, fd);
		return 0;
	}
	t->elf = ng_elf_inspect_ex(fd, t->asan, sizeof(t->asan));
	follow_interpreters(t, fd, path_env);
	if (t->script) {
		close_fd(fd);
		fd = -1;
	}
	t->fd = fd;
	return 0;
}

void
ng_exec_inspect_fd(int fd, const char *path_env, struct ng_exec_target *t)
{
	char link[NG_FD_PATH_MAX];
	long r;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	r = ng_sys(SYS_readlinkat, AT_FDCWD, ng_fd_path(fd, link), t->real, sizeof(t->real) - 1);
	t->real[r > 0 ? r : 0] = '\0';
	ng_strlcpy(t->path, r > 0 ? t->real : link, sizeof(t->path));
	t->elf = ng_elf_inspect_ex(fd, t->asan, sizeof(t->asan));
	if (t->elf & NG_ELF_NOT_ELF) {
		/* a script behind an fd: resolve its interpreter by path */
		struct ng_exec_target t2;

		if (r > 0 && ng_exec_resolve(t->real, 0, path_env, &t2) == 0) {
			if (t2.fd >= 0)
				close_fd(t2.fd);
			*t = t2;
			t->fd = -1;
		} else {
			t->elf |= NG_ELF_BAD;	/* cannot tell what runs */
		}
	}
	t->privileged |= privileged(fd);
}
