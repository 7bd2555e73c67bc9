/*
 * What will actually run when a program is started: PATH search as the exec
 * function would do it, "#!" interpreters (and "/usr/bin/env X") followed,
 * realpaths, and whether the final ELF is privileged or unhookable.
 *
 * Shared by the preload's exec hooks and `netguard explain exec`, so it is
 * async-signal-safe: syscalls and caller-provided buffers only (realpaths
 * come from /proc/self/fd, not realpath(3), which may allocate).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "execinfo.h"

static size_t
slen(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int
scopy(char *dst, size_t n, const char *src, size_t len)
{
	if (len + 1 > n)
		return -1;
	memcpy(dst, src, len);
	dst[len] = '\0';
	return 0;
}

/* realpath of an open fd through /proc; falls back to the given path */
static void
fd_real(int fd, const char *given, char *out, size_t n)
{
	char link[32] = "/proc/self/fd/";
	char digits[12];
	int d = 0, v = fd;
	ssize_t r;

	do {
		digits[d++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && d < 11);
	for (int i = 0; i < d; i++)
		link[14 + i] = digits[d - 1 - i];
	link[14 + d] = '\0';
	r = readlink(link, out, n - 1);
	if (r <= 0 || out[0] != '/') {
		scopy(out, n, given, slen(given));
		return;
	}
	out[r] = '\0';
}

/* Search PATH for file as execvp does; fills out; returns 0 or -errno. */
int
ng_exec_search(const char *file, const char *path_env, char *out, size_t n)
{
	const char *p = path_env ? path_env : "/usr/local/bin:/bin:/usr/bin";
	size_t flen = slen(file);
	int saw_eacces = 0;

	if (!*file)
		return -ENOENT;
	if (memchr(file, '/', flen))
		return scopy(out, n, file, flen) ? -ENAMETOOLONG : 0;
	for (;;) {
		const char *colon = strchr(p, ':');
		size_t dlen = colon ? (size_t)(colon - p) : slen(p);
		char cand[4096];
		size_t at = 0;

		if (dlen == 0) {
			cand[at++] = '.';
		} else if (dlen < sizeof(cand) - 2) {
			memcpy(cand, p, dlen);
			at = dlen;
		}
		if (at && at + 1 + flen < sizeof(cand)) {
			cand[at++] = '/';
			memcpy(cand + at, file, flen + 1);
			if (access(cand, X_OK) == 0) {
				struct stat st;

				if (stat(cand, &st) == 0 && S_ISREG(st.st_mode))
					return scopy(out, n, cand, slen(cand)) ? -ENAMETOOLONG : 0;
			} else if (errno == EACCES) {
				saw_eacces = 1;
			}
		}
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

	if (fstat(fd, &st) < 0)
		return 0;
	if (st.st_mode & (S_ISUID | S_ISGID))
		return 1;
	return fgetxattr(fd, "security.capability", NULL, 0) > 0;
}

/* Parse "#!interp [arg]" from fd.  Returns 1 if a script, 0 if not. */
static int
shebang(int fd, char *interp, size_t n, char *arg, size_t an)
{
	char buf[256];
	ssize_t r = pread(fd, buf, sizeof(buf) - 1, 0);
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

int
ng_exec_resolve(const char *file, int search, const char *path_env, struct ng_exec_target *t)
{
	char iarg[256];
	int fd, rc;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	rc = search ? ng_exec_search(file, path_env, t->path, sizeof(t->path))
		    : (scopy(t->path, sizeof(t->path), file, slen(file)) ? -ENAMETOOLONG : 0);
	if (rc < 0)
		return rc;
	fd = open(t->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	fd_real(fd, t->path, t->real, sizeof(t->real));
	t->elf = ng_elf_inspect(fd);
	if (privileged(fd))
		t->flags |= NG_EXEC_PRIVILEGED;
	/* A script: what runs is its interpreter, which may be a script too
	 * (the kernel follows up to 4 levels; so do we). */
	for (int depth = 0; (t->elf & NG_ELF_NOT_ELF) && depth < 4; depth++) {
		char next[sizeof(t->interp)];
		const char *b;
		int ifd = depth == 0 ? fd : open(t->interp, O_RDONLY | O_CLOEXEC);

		if (ifd < 0 || !shebang(ifd, next, sizeof(next), iarg, sizeof(iarg))) {
			if (ifd >= 0 && ifd != fd)
				close(ifd);
			break;
		}
		if (ifd != fd)
			close(ifd);
		t->script = 1;
		scopy(t->interp, sizeof(t->interp), next, slen(next));
		/* "#!/usr/bin/env X": the program that runs is X, found on PATH */
		b = strrchr(t->interp, '/');
		if (b && strcmp(b + 1, "env") == 0 && iarg[0] && iarg[0] != '-') {
			char found[sizeof(t->interp)];

			if (ng_exec_search(iarg, path_env, found, sizeof(found)) == 0)
				scopy(t->interp, sizeof(t->interp), found, slen(found));
		}
		ifd = open(t->interp, O_RDONLY | O_CLOEXEC);
		if (ifd < 0) {
			t->interp_real[0] = '\0';
			t->elf = NG_ELF_BAD;
			break;
		}
		fd_real(ifd, t->interp, t->interp_real, sizeof(t->interp_real));
		t->elf = ng_elf_inspect(ifd);
		if (privileged(ifd))
			t->flags |= NG_EXEC_PRIVILEGED;
		close(ifd);
	}
	if (t->script) {
		close(fd);
		fd = -1;
	}
	if (t->elf & NG_ELF_UNHOOKABLE_MASK)
		t->flags |= NG_EXEC_UNHOOKABLE;
	t->fd = fd;
	return 0;
}

void
ng_exec_query_of(const struct ng_exec_target *t, const char *argv0, struct ng_exec_query *q)
{
	memset(q, 0, sizeof(*q));
	q->path = t->path;
	q->real = t->real[0] ? t->real : NULL;
	q->interp = t->script ? t->interp : NULL;
	q->interp_real = t->script && t->interp_real[0] ? t->interp_real : NULL;
	q->argv0 = argv0 ? argv0 : t->path;
	q->flags = t->flags;
}
