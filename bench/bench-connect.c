/*
 * Connect benchmark: what the preload adds to a connect() to a loopback
 * listener, with the loopback allow rule last in policies of 1 000 and
 * 100 000 rules (exact names, suffixes and CIDRs, as bench-decide).
 *
 * Three workers — copies of this program in --worker mode — run side by
 * side: one without the preload, one under `netguard run -p` each policy.
 * Each round asks every worker, in rotating order, for one batch of each:
 *
 *   thread  socket(SOCK_NONBLOCK) + SO_LINGER 0 + connect() + close() to a
 *           127.0.0.1 listener (ephemeral port) whose accept thread
 *           accepts and closes: what a client pays per connection.  The
 *           connect is non-blocking (0 or EINPROGRESS), the close abortive,
 *           so no TIME_WAIT piles up.  Includes waking the accept thread.
 *   inline  the same against a second listener that this thread accepts
 *           from right after the connect (on loopback the handshake is done
 *           by then): no cross-thread wake-ups, so far less scheduler noise.
 *   udp     connect() alone on one UDP socket, re-pointed at 127.0.0.1 each
 *           time: the connect hook's own cost, no handshake to hide it in.
 *
 * Figures: median over rounds of ns per call; "added" is the median over
 * rounds of (with preload - without) of the same round.
 *
 * Everything connects to 127.0.0.1 only (the probe that checks the preload
 * is active is a UDP connect, which sends nothing), and the coordinator
 * refuses to run in a network namespace with interfaces other than lo
 * (run-bench runs it under `unshare -n`; lo is brought up if down);
 * NG_BENCH_ANY_NETNS=1 overrides.
 *
 *   bench/bench-connect [ROUNDS]    (NG_BENCH_NETGUARD: the netguard binary,
 *                                    default tools/netguard)
 */
#include "config.h"

#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include "bench-common.h"

/* ---- worker --------------------------------------------------------------- */

static int lfd, ilfd, ufd;			/* thread listener, inline listener, UDP */
static struct sockaddr_in lo_addr, ilo_addr;

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

/* one client connection to to; -1 (errno set) if the connect failed */
static int
tcp_open(const struct sockaddr_in *to)
{
	static const struct linger lg = { 1, 0 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0 && errno != EINPROGRESS) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* ns per socket + connect + close, the accept thread on the other side */
static double
tcp_thread(int n)
{
	double t0 = now_ns();

	for (int i = 0; i < n; i++) {
		int fd = tcp_open(&lo_addr);

		if (fd < 0)
			return -1;
		close(fd);
	}
	return (now_ns() - t0) / n;
}

/* ns per socket + connect + accept + close + close, all in this thread */
static double
tcp_inline(int n)
{
	double t0 = now_ns();

	for (int i = 0; i < n; i++) {
		int fd = tcp_open(&ilo_addr), c;

		if (fd < 0)
			return -1;
		while ((c = accept4(ilfd, NULL, NULL, SOCK_CLOEXEC)) < 0) {
			if (errno != EAGAIN && errno != EINTR)
				return -1;
			sched_yield();	/* handshake not through yet (not seen on loopback) */
		}
		close(c);
		close(fd);
	}
	return (now_ns() - t0) / n;
}

/* ns per connect() of a UDP socket */
static double
udp_connect(int n)
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
listener(struct sockaddr_in *a, int flags)
{
	socklen_t l = sizeof(*a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);

	a->sin_family = AF_INET;
	a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a->sin_port = 0;
	if (fd < 0 || bind(fd, (struct sockaddr *)a, sizeof(*a)) < 0 || listen(fd, 4096) < 0 ||
	    getsockname(fd, (struct sockaddr *)a, &l) < 0) {
		printf("error: listener: %s\n", strerror(errno));
		exit(1);
	}
	return fd;
}

static int
worker(void)
{
	pthread_t th;
	char line[128];

	lfd = listener(&lo_addr, 0);
	ilfd = listener(&ilo_addr, SOCK_NONBLOCK);
	ufd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (pthread_create(&th, NULL, acceptor, NULL) != 0) {
		printf("error: pthread_create\n");
		return 1;
	}
	/* warm up: page in the hooks and the policy indexes the lookup touches */
	if (tcp_thread(2000) < 0 || tcp_inline(2000) < 0 || udp_connect(20000) < 0) {
		printf("error: connect to 127.0.0.1: %s\n", strerror(errno));
		return 1;
	}
	printf("ready preload=%d\n", preload_active());
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int nt = 0, nu = 0;
		double t, ti = -1, u = -1;

		if (sscanf(line, "go %d %d", &nt, &nu) != 2 || nt <= 0 || nu <= 0) {
			printf("error: bad command\n");
			return 1;
		}
		if ((t = tcp_thread(nt)) >= 0 && (ti = tcp_inline(nt)) >= 0)
			u = udp_connect(nu);
		if (u < 0)
			printf("error: connect to 127.0.0.1: %s\n", strerror(errno));
		else
			printf("%.1f %.1f %.1f\n", t, ti, u);
		fflush(stdout);
	}
	return 0;
}

/* ---- coordinator ---------------------------------------------------------- */

#define NCFG 3
#define NM 3	/* measures: thread, inline, udp */

int
main(int argc, char **argv)
{
	static const int rules[NCFG] = { 0, 1000, 100000 };
	static const char *labels[NCFG] = { "no preload", "1 000 rules, loopback rule last",
					    "100 000 rules, loopback rule last" };
	const int nt = 3000, nu = 30000;
	struct worker w[NCFG];
	char self[PATH_MAX], dir[] = "/tmp/ngbench-connect-XXXXXX", conf[NCFG][PATH_MAX], line[256];
	const char *ng;
	double *v[NCFG][NM], *d[NCFG][NM];
	int rounds;

	if (argc > 1 && strcmp(argv[1], "--worker") == 0)
		return worker();
	bench_private_netns("bench-connect");
	rounds = bench_start(argc, argv, self, &ng);
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
			char *av[] = { (char *)ng, "run", "-p", conf[c], "--log", "none", "--", self, "--worker", NULL };

			worker_start(&w[c], av, line, sizeof(line));
		}
		if ((strstr(line, "preload=1") != NULL) != (rules[c] != 0)) {
			fprintf(stderr, "bench-connect: worker \"%s\" %s the preload\n", labels[c],
				rules[c] ? "is not under" : "is under");
			return 1;
		}
		for (int m = 0; m < NM; m++) {
			v[c][m] = calloc((size_t)rounds, sizeof(double));
			d[c][m] = calloc((size_t)rounds, sizeof(double));
		}
	}
	for (int r = 0; r < rounds; r++) {
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "go %d %d", nt, nu);
		for (int j = 0; j < NCFG; j++) {
			int c = (r + j) % NCFG;

			worker_ask(&w[c], cmd, line, sizeof(line));
			if (sscanf(line, "%lf %lf %lf", &v[c][0][r], &v[c][1][r], &v[c][2][r]) != NM) {
				fprintf(stderr, "bench-connect: worker %s: %s", labels[c], line);
				return 1;
			}
		}
		for (int c = 1; c < NCFG; c++)
			for (int m = 0; m < NM; m++)
				d[c][m][r] = v[c][m][r] - v[0][m][r];
	}
	for (int c = 0; c < NCFG; c++) {
		worker_stop(&w[c]);
		if (rules[c])
			unlink(conf[c]);
	}
	rmdir(dir);

	printf("# connect to a loopback listener: median of %d interleaved rounds; per round and worker %d TCP\n"
	       "# connections of each kind and %d UDP connect() calls; \"added\" = median over rounds of\n"
	       "# (with preload - without) in the same round\n\n",
	       rounds, nt, nu);
	printf("| policy | TCP, accept thread (ns) | added | TCP, accept inline (ns) | added "
	       "| UDP connect() alone (ns) | added |\n|---|---:|---:|---:|---:|---:|---:|\n");
	for (int c = 0; c < NCFG; c++) {
		printf("| %s", labels[c]);
		for (int m = 0; m < NM; m++) {
			if (c == 0)
				printf(" | %.0f | —", median(v[c][m], rounds));
			else
				printf(" | %.0f | %+.0f", median(v[c][m], rounds), median(d[c][m], rounds));
		}
		printf(" |\n");
	}
	return 0;
}
