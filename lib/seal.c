/*
 * Sealed snapshots (seal.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "lib/seal.h"
#include "lib/str.h"
#include "lib/sys.h"

#define SEALS (F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)

int
ng_seal_create(void)
{
	return (int)ng_sys(SYS_memfd_create, "netguard-policy", MFD_ALLOW_SEALING | MFD_CLOEXEC);
}

int
ng_seal_write(int fd, const void *buf, size_t n)
{
	const unsigned char *p = buf;

	while (n) {
		long w = ng_sys(SYS_write, fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
failed(int fd, const char **why, const char *step)
{
	int e = errno;

	if (fd >= 0)
		ng_sys(SYS_close, fd);
	*why = step;
	errno = e;
	return -1;
}

int
ng_fd_min(void)
{
	struct rlimit rl;

	if (ng_sys(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) < 0 || rl.rlim_cur > 2 * NG_SNAPSHOT_FD_MIN)
		return NG_SNAPSHOT_FD_MIN;
	/* ulimit -n 64: F_DUPFD 200 would fail with EINVAL; stay in the
	 * upper quarter of what the process may have */
	return rl.rlim_cur > 16 ? (int)(rl.rlim_cur - rl.rlim_cur / 4) : 3;
}

int
ng_seal_finish(int fd, const char **why)
{
	int hi;

	if (ng_sys(SYS_fcntl, fd, F_ADD_SEALS, SEALS) < 0)
		return failed(fd, why, "fcntl(F_ADD_SEALS)");
	/* inheritable (no FD_CLOEXEC), out of the program's way */
	hi = (int)ng_sys(SYS_fcntl, fd, F_DUPFD, ng_fd_min());
	if (hi < 0)
		return failed(fd, why, "fcntl(F_DUPFD)");
	ng_sys(SYS_close, fd);
	return hi;
}

int
ng_seal_blob(const void *data, size_t n, const char **why)
{
	int fd = ng_seal_create();

	if (fd < 0)
		return failed(-1, why, "memfd_create");
	if (ng_seal_write(fd, data, n) < 0)
		return failed(fd, why, "writing the policy snapshot");
	return ng_seal_finish(fd, why);
}

NG_STARTUP int
ng_seal_check(int fd, struct ng_sealed *out, const char **why)
{
	struct stat st;
	long seals;

	if (ng_sys(SYS_fstat, fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
		*why = "inherited policy snapshot is not a file";
		return -1;
	}
	seals = ng_sys(SYS_fcntl, fd, F_GET_SEALS, 0);
	if (seals < 0 || (seals & SEALS) != SEALS) {
		*why = "inherited policy snapshot is not sealed";
		return -1;
	}
	out->size = (size_t)st.st_size;
	out->dev = (unsigned long)st.st_dev;
	out->ino = (unsigned long)st.st_ino;
	return 0;
}

char *
ng_seal_env(int fd, const struct ng_sealed *sd, char *buf, size_t n)
{
	char num[24];

	ng_strlcpy(buf, ng_utoa((unsigned long)fd, num), n);
	ng_strlcat(buf, ":", n);
	ng_strlcat(buf, ng_utoa(sd->dev, num), n);
	ng_strlcat(buf, ":", n);
	ng_strlcat(buf, ng_utoa(sd->ino, num), n);
	return buf;
}

/* a decimal number up to the next ':' or the end; -1 if none */
NG_STARTUP static int
number(const char **s, unsigned long *v)
{
	const char *p = *s;

	*v = 0;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (*v > (~0ul - 9) / 10)
			return -1;
		*v = *v * 10 + (unsigned long)(*p - '0');
	}
	*s = p;
	return 0;
}

NG_STARTUP int
ng_seal_parse(const char *s, struct ng_sealed *id, int *has_id)
{
	unsigned long fd;

	*has_id = 0;
	if (!s || number(&s, &fd) < 0 || fd > 1 << 20)
		return -1;
	if (!*s)
		return (int)fd;
	if (*s++ != ':' || number(&s, &id->dev) < 0 || *s++ != ':' || number(&s, &id->ino) < 0 || *s)
		return -1;
	*has_id = 1;
	return (int)fd;
}
