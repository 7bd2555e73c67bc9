/*
 * Connect benchmark: what the preload adds to a connect() to a loopback
 * listener, with the loopback allow rule last in policies of 1 000 and
 * 100 000 rules (exact names, suffixes and CIDRs, as bench-decide).
 *
 * Three workers — copies of this program in --worker mode — run side by
 * side: one without the preload, one under `netguard run -p` each policy.
 * Every worker has its own 127.0.0.1 listener (ephemeral port, an accept
 * thread that accepts and closes).  Each round asks every worker, in
 * rotating order, for one batch of
 *
 *   - TCP: socket(SOCK_NONBLOCK) + SO_LINGER 0 + connect() + close(), the
 *     connect non-blocking (0 or EINPROGRESS) and the close abortive so no
 *     TIME_WAIT piles up: what a client pays per connection;
 *   - UDP: connect() alone on one UDP socket, re-pointed at the listener's
 *     address each time: the hook's own cost, without a handshake to hide
 *     it in.
 *
 * Figures: median over rounds of ns per call; "added" is the median over
 * rounds of (with preload - without) of the same round.
 *
 * Everything connects to 127.0.0.1 only, and it refuses to run in a
 * network namespace with interfaces other than lo (run-bench runs it under
 * `unshare -n`); NG_BENCH_ANY_NETNS=1 overrides.
 *
 *   bench/bench-connect [ROUNDS]    (NG_BENCH_NETGUARD: the netguard binary,
 *                                    default tools/netguard)
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "bench-common.h"

/* ---- worker --------------------------------------------------------------- */

static int lfd;

static void *
acceptor(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED && errno != EAGAIN)
			return NULL;
	}
}

static struct sockaddr_in lo_addr;

/* n rounds of socket + connect + close; -1 if any connect failed */
static double
tcp_batch(int n)
{
	struct linger lg = { 1, 0 };
	double t0 = now_ns();

	for (int i = 0; i < n; i++) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

		if (fd < 0)
			return -1;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(fd, (struct sockaddr *)&lo_addr, sizeof(lo_addr)) < 0 && errno != EINPROGRESS) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
		close(fd);
	}
	return (now_ns() - t0) / n;
}

static int ufd;

static double
udp_batch(int n)
{
	double t0 = now_ns();

	for (int i = 0; i < n; i++)
		if (connect(ufd, (struct sockaddr *)&lo_addr, sizeof(lo_addr)) < 0)
			return -1;
	return (now_ns() - t0) / n;
}

/*
 * Is the preload judging us?  A UDP connect to 192.0.2.1 (TEST-NET-1; a
 * UDP connect sends nothing) is refused with EACCES by the policy, and
 * fails with ENETUNREACH (or succeeds) without it.
 */
static int
preload_active(void)
{
	struct sockaddr_in t = { .sin_family = AF_INET, .sin_port = htons(9) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

	inet_pton(AF_INET, "192.0.2.1", &t.sin_addr);
	rc = connect(fd, (struct sockaddr *)&t, sizeof(t)) < 0 && errno == EACCES;
	close(fd);
	return rc;
}

static int
worker(void)
{
	socklen_t l = sizeof(lo_addr);
	pthread_t th;
	char line[128];
	int one = 1;

	lo_addr.sin_family = AF_INET;
	lo_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&lo_addr, sizeof(lo_addr)) < 0 || listen(lfd, 4096) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&lo_addr, &l) < 0) {
		printf("error: listener: %s\n", strerror(errno));
		return 1;
	}
	if (pthread_create(&th, NULL, acceptor, NULL) != 0) {
		printf("error: pthread_create\n");
		return 1;
	}
	ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	/* warm up: page in the hooks and the policy indexes the lookup touches */
	if (tcp_batch(2000) < 0 || udp_batch(20000) < 0) {
		printf("error: connect to 127.0.0.1: %s\n", strerror(errno));
		return 1;
	}
	printf("ready preload=%d port=%u\n", preload_active(), ntohs(lo_addr.sin_port));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int nt = 0, nu = 0;
		double t, u;

		if (sscanf(line, "go %d %d", &nt, &nu) != 2 || nt <= 0 || nu <= 0) {
			printf("error: bad command\n");
			return 1;
		}
		t = tcp_batch(nt);
		u = t < 0 ? -1 : udp_batch(nu);
		if (t < 0 || u < 0)
			printf("error: connect to 127.0.0.1: %s\n", strerror(errno));
		else
			printf("%.1f %.1f\n", t, u);
		fflush(stdout);
	}
	return 0;
}

/* ---- coordinator ---------------------------------------------------------- */

static void
require_private_netns(void)
{
	struct if_nameindex *ifs = if_nameindex(), *i;
	const char *o = getenv("NG_BENCH_ANY_NETNS");

	if (o && strcmp(o, "1") == 0)
		return;
	if (!ifs)
		die("if_nameindex");
	for (i = ifs; i->if_index; i++)
		if (strcmp(i->if_name, "lo") != 0) {
			fprintf(stderr, "bench-connect: interface %s present: run me in a private network namespace "
					"(unshare -n; ip link set lo up), or set NG_BENCH_ANY_NETNS=1\n", i->if_name);
			exit(1);
		}
	if_freenameindex(ifs);
}

#define NCFG 3

int
main(int argc, char **argv)
{
	static const int rules[NCFG] = { 0, 1000, 100000 };
	static const char *labels[NCFG] = { "no preload", "1 000 rules + loopback rule last",
					    "100 000 rules + loopback rule last" };
	const int nt = 3000, nu = 30000;
	struct worker w[NCFG];
	char self[PATH_MAX], dir[] = "/tmp/ngbench-connect-XXXXXX", conf[NCFG][PATH_MAX], line[256];
	const char *ng = getenv("NG_BENCH_NETGUARD");
	double *tcp[NCFG], *udp[NCFG], *dt[NCFG], *du[NCFG];
	int rounds;

	if (argc > 1 && strcmp(argv[1], "--worker") == 0)
		return worker();
	rounds = argc > 1 ? atoi(argv[1]) : 15;
	if (rounds < 1)
		rounds = 1;
	require_private_netns();
	if (!realpath("/proc/self/exe", self))
		die("/proc/self/exe");
	if (!ng)
		ng = "tools/netguard";
	if (access(ng, X_OK) != 0)
		die(ng);
	if (!mkdtemp(dir))
		die("mkdtemp");

	for (int c = 0; c < NCFG; c++) {
		w[c].label = labels[c];
		if (rules[c] == 0) {
			char *av[] = { self, "--worker", NULL };

			worker_start(&w[c], av, line, sizeof(line));
		} else {
			snprintf(conf[c], sizeof(conf[c]), "%s/p%d.conf", dir, rules[c]);
			write_policy(conf[c], rules[c]);
			char *av[] = { (char *)ng, "run", "-p", conf[c], "--", self, "--worker", NULL };

			worker_start(&w[c], av, line, sizeof(line));
		}
		if ((strstr(line, "preload=1") != NULL) != (rules[c] != 0)) {
			fprintf(stderr, "bench-connect: worker \"%s\" %s the preload\n", labels[c],
				rules[c] ? "is not under" : "is under");
			return 1;
		}
		tcp[c] = calloc((size_t)rounds, sizeof(double));
		udp[c] = calloc((size_t)rounds, sizeof(double));
		dt[c] = calloc((size_t)rounds, sizeof(double));
		du[c] = calloc((size_t)rounds, sizeof(double));
	}
	for (int r = 0; r < rounds; r++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "go %d %d", nt, nu);
		for (int j = 0; j < NCFG; j++) {
			int c = (r + j) % NCFG;

			worker_ask(&w[c], cmd, line, sizeof(line));
			if (sscanf(line, "%lf %lf", &tcp[c][r], &udp[c][r]) != 2) {
				fprintf(stderr, "bench-connect: worker %s: %s", labels[c], line);
				return 1;
			}
		}
		for (int c = 1; c < NCFG; c++) {
			dt[c][r] = tcp[c][r] - tcp[0][r];
			du[c][r] = udp[c][r] - udp[0][r];
		}
	}
	for (int c = 0; c < NCFG; c++) {
		worker_stop(&w[c]);
		if (rules[c])
			unlink(conf[c]);
	}
	rmdir(dir);

	printf("# connect to a loopback listener: median of %d interleaved rounds; per round and worker %d TCP\n"
	       "# connects (socket + connect + close) and %d UDP connect() calls; \"added\" = median over rounds\n"
	       "# of (with preload - without) in the same round\n\n",
	       rounds, nt, nu);
	printf("| policy | TCP socket + connect + close (ns) | added (ns) | UDP connect() alone (ns) | added (ns) |\n"
	       "|---|---:|---:|---:|---:|\n");
	for (int c = 0; c < NCFG; c++) {
		if (c == 0)
			printf("| %s | %.0f | — | %.0f | — |\n", labels[c], median(tcp[c], rounds), median(udp[c], rounds));
		else
			printf("| %s | %.0f | %+.0f | %.0f | %+.0f |\n", labels[c], median(tcp[c], rounds),
			       median(dt[c], rounds), median(udp[c], rounds), median(du[c], rounds));
	}
	return 0;
}
