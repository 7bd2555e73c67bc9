/*
 * jailexec: run a program with no way out to the network.
 *
 *   jailexec [-n none|loopback] [-q] [--argv0 NAME] [--] PROGRAM [ARG...]
 *
 * In bubblewrap's order: PR_SET_NO_NEW_PRIVS; unshare a user, network and
 * mount namespace (a new user namespace always, as root too: root in a bare
 * new network namespace could setns straight back); map the caller's uid
 * and gid to themselves (setgroups "deny" before gid_map); mask the host
 * sockets a network namespace does not cut (container runtimes, resolved,
 * nscd, the D-Bus system bus); bring lo up through netlink, reading the
 * kernel's own error; enter a nested user and mount namespace so those
 * masks are locked (root inside cannot unmount them); close inherited sockets of other families than
 * AF_UNIX beyond stdio; refuse TIOCSTI with seccomp; exec PROGRAM in place.
 *
 * Any step that fails: say which syscall, why, and what to change, exit 125,
 * and never run PROGRAM.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <seccomp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* "jailexec: SYSCALL: strerror" and a line of hint; exit 125 */
static void __attribute__((noreturn, format(printf, 3, 4)))
fail(int err, const char *hint, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "jailexec: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", strerror(err));
	if (hint)
		fprintf(stderr, "jailexec: %s\n", hint);
	fprintf(stderr, "jailexec: nothing was run (the program is never started without isolation)\n");
	exit(125);
}

static int
read_int(const char *path, long *v)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fscanf(f, "%ld", v) == 1;
	fclose(f);
	return ok ? 0 : -1;
}

/* Why could unshare(CLONE_NEWUSER) fail here? */
static const char *
userns_hint(int err)
{
	long v;

	if (read_int("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0)
		return "user namespaces are disabled: sysctl user.max_user_namespaces is 0; set it to 15000 or more "
		       "(sysctl -w user.max_user_namespaces=15000)";
	if (err == ENOSPC)
		return "too many user namespaces: raise sysctl user.max_user_namespaces";
	if (read_int("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 && v == 0 && getuid() != 0)
		return "unprivileged user namespaces are disabled: sysctl kernel.unprivileged_userns_clone is 0; "
		       "set it to 1";
	if (read_int("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 && v == 1)
		return "AppArmor restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1); "
		       "give jailexec an AppArmor profile with the userns permission, or set it to 0";
	if (err == EPERM)
		return "the kernel or a security policy (seccomp, AppArmor, SELinux, a container runtime) refuses new "
		       "user namespaces here; allow unshare/clone for this program, or run it on a host that permits them";
	if (err == EINVAL || err == ENOSYS)
		return "this kernel lacks user or network namespace support (CONFIG_USER_NS, CONFIG_NET_NS)";
	return NULL;
}

static void
write_file(const char *path, const char *text, const char *hint)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	size_t n = strlen(text);

	if (fd < 0)
		fail(errno, hint, "open(%s)", path);
	if (write(fd, text, n) != (ssize_t)n) {
		int e = errno;

		close(fd);
		fail(e, hint, "write(%s, \"%.*s\")", path, (int)(n && text[n - 1] == '\n' ? n - 1 : n), text);
	}
	close(fd);
}

static void
map_ids(uid_t uid, gid_t gid)
{
	static const char hint[] =
		"writing the namespace's id maps was refused: AppArmor's restrict_unprivileged_userns does this to "
		"programs without a userns profile; a read-only /proc does it too (mount /proc read-write)";
	char buf[64];

	write_file("/proc/self/setgroups", "deny", hint);
	snprintf(buf, sizeof(buf), "%u %u 1\n", (unsigned)uid, (unsigned)uid);
	write_file("/proc/self/uid_map", buf, hint);
	snprintf(buf, sizeof(buf), "%u %u 1\n", (unsigned)gid, (unsigned)gid);
	write_file("/proc/self/gid_map", buf, hint);
}

/* ---- the mount namespace: mask host sockets a netns does not cut ---------- */

static const char *const masked[] = {
	"/var/run/docker.sock", "/run/docker.sock", "/run/user/*/docker.sock",
	"/run/containerd/containerd.sock", "/run/containerd/containerd.sock.ttrpc",
	"/run/podman/podman.sock", "/run/user/*/podman/podman.sock",
	"/run/systemd/resolve", "/run/nscd", "/var/run/nscd",
	"/run/dbus/system_bus_socket", "/var/run/dbus/system_bus_socket",
	NULL
};

static void
mask_one(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return;	/* absent: nothing to hide (a symlink is followed to its target) */
	if (S_ISDIR(st.st_mode)) {
		if (mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY, "size=4k,mode=755") < 0)
			fail(errno, "cannot hide a host service directory from the jail", "mount(tmpfs, %s)", path);
	} else {
		if (mount("/dev/null", path, NULL, MS_BIND, NULL) < 0)
			fail(errno, "cannot hide a host socket from the jail", "mount(/dev/null, %s, MS_BIND)", path);
	}
}

static void
setup_mounts(void)
{
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		fail(errno, NULL, "mount(/, MS_REC|MS_PRIVATE)");
	for (int i = 0; masked[i]; i++) {
		glob_t g;

		if (!strchr(masked[i], '*')) {
			mask_one(masked[i]);
			continue;
		}
		if (glob(masked[i], GLOB_NOSORT, NULL, &g) == 0) {
			for (size_t k = 0; k < g.gl_pathc; k++)
				mask_one(g.gl_pathv[k]);
			globfree(&g);
		}
	}
}

/* ---- loopback up through rtnetlink, with the kernel's own error ---------- */

static void
loopback_up(void)
{
	struct {
		struct nlmsghdr nh;
		struct ifinfomsg ifi;
	} req;
	char buf[4096];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	unsigned idx = if_nametoindex("lo");
	ssize_t n;

	if (fd < 0)
		fail(errno, "cannot configure the jail's network (a seccomp or LSM policy refuses netlink sockets?)",
		     "socket(AF_NETLINK, NETLINK_ROUTE)");
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.ifi));
	req.nh.nlmsg_type = RTM_NEWLINK;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.nh.nlmsg_seq = 1;
	req.ifi.ifi_family = AF_UNSPEC;
	req.ifi.ifi_index = (int)(idx ? idx : 1);
	req.ifi.ifi_flags = IFF_UP;
	req.ifi.ifi_change = IFF_UP;
	if (sendto(fd, &req, req.nh.nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail(errno, NULL, "sendto(NETLINK_ROUTE, RTM_NEWLINK lo up)");
	n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		fail(errno, NULL, "recv(NETLINK_ROUTE)");
	for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_type == NLMSG_ERROR) {
			struct nlmsgerr *e = NLMSG_DATA(h);

			if (e->error)
				fail(-e->error, "the kernel refused to bring the jail's loopback up (AppArmor's "
				     "restrict_unprivileged_userns does this); use -n none if the program needs no "
				     "loopback", "RTM_NEWLINK(lo, IFF_UP)");
			break;
		}
	}
	close(fd);
}

/* ---- inherited sockets of the host's network ------------------------------ */

static void
close_host_sockets(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;

	if (!d)
		fail(errno, "cannot list inherited file descriptors to close host sockets", "opendir(/proc/self/fd)");
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name), dom = 0;
		socklen_t l = sizeof(dom);
		struct stat st;

		if (e->d_name[0] == '.' || fd <= 2 || fd == dirfd(d))
			continue;
		if (fstat(fd, &st) < 0 || !S_ISSOCK(st.st_mode))
			continue;
		if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &dom, &l) == 0 && dom == AF_UNIX)
			continue;	/* an AF_UNIX socket reaches no network by itself */
		close(fd);
	}
	closedir(d);
}

/* ---- seccomp: no keystrokes pushed into the parent's terminal -------------- */

static void
deny_tiocsti(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int rc;

	if (!ctx)
		fail(ENOMEM, NULL, "seccomp_init");
	rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
			      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t)TIOCSTI));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, (scmp_datum_t)TIOCLINUX));
	if (rc == 0)
		rc = seccomp_load(ctx);
	seccomp_release(ctx);
	if (rc < 0)
		fail(-rc, "the kernel refused the seccomp filter that stops TIOCSTI", "seccomp_load");
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
	uid_t uid = getuid();
	gid_t gid = getgid();
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

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		fail(errno, NULL, "prctl(PR_SET_NO_NEW_PRIVS)");
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWNS) < 0) {
		int e = errno;

		fail(e, userns_hint(e), "unshare(CLONE_NEWUSER|CLONE_NEWNET|CLONE_NEWNS)");
	}
	map_ids(uid, gid);
	setup_mounts();
	if (strcmp(net, "loopback") == 0)
		loopback_up();
	/*
	 * A second user and mount namespace: the masks above become locked
	 * mounts that even root inside the jail cannot unmount.  (The network
	 * namespace stays owned by the first one: lo had to be up before.)
	 */
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		int e = errno;

		fail(e, userns_hint(e), "unshare(CLONE_NEWUSER|CLONE_NEWNS) (nested, to lock the masks)");
	}
	map_ids(uid, gid);
	close_host_sockets();
	deny_tiocsti();
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
