/*
 * Process benchmarks: one driver, four tables (bench/RESULTS.md).
 *
 *   bench-spawn [ROUNDS]        process start with and without the preload
 *                               (below)
 *   bench-spawn jail [ROUNDS]   the jail: `jailexec -- /bin/true` against
 *                               /bin/true, `unshare -rn`, bwrap, firejail;
 *                               and the escalated exec: a parent under
 *                               `netguard run` spawning the static busybox
 *                               with exec.unhookable = "jail" vs "allow"
 *   bench-spawn exec [ROUNDS]   per execution: `node -e 0` plainly, under
 *                               `netguard run`, as a child in a netguard
 *                               tree, and under each sandbox
 *   bench-spawn http [ROUNDS]   per request: node http.get to a loopback
 *                               server, plain / under `netguard run` /
 *                               with bench/js-patch.js (JS module
 *                               patching); node side in bench/http-bench.js
 *                               (NG_BENCH_SRCDIR: the source tree, default
 *                               .); needs a private network namespace
 *
 * The jail and exec tables run every command from a --cmd-worker (a copy
 * of this program reading tab-separated command lines), each sandbox first
 * checked to really start its program in another network namespace; a
 * sandbox that is not installed or cannot run here is left out, with a
 * note saying why.  NG_BENCH_JAILEXEC (default tools/jailexec) and
 * NG_BENCH_BUSYBOX (default /bin/busybox) override the paths.
 *
 * Process start: what the preload adds to starting /bin/true and
 * `node -e 0`, at 10-, 1 000- and 10 000-rule policies.
 *
 *   no preload   a driver without the preload posix_spawns the program and
 *                waits for it: the baseline;
 *   tree root    the same driver spawns it with LD_PRELOAD=libnetguard.so
 *                and NETGUARD_POLICY=p.conf, as a bare LD_PRELOAD does: the
 *                program has no snapshot, so its preload runs `netguard
 *                compile` (one more process) and maps the result;
 *   child        the driver itself runs under `netguard run -p p.conf`, so
 *                it holds the sealed snapshot; it spawns the program with
 *                its environment (LD_PRELOAD, NETGUARD_SNAPSHOT): the
 *                driver's posix_spawn hook judges the exec, the child's
 *                preload maps the inherited snapshot.  This is what every
 *                process below the root of a tree pays.
 *
 * Drivers are copies of this program in --worker mode, one without the
 * preload (baseline and tree root) and one under `netguard run` per policy,
 * driven over pipes.  Each round runs every configuration once, in rotating
 * order, with a batch of spawns; the figures are the median over rounds of
 * the batch medians, and "added" the median over rounds of (configuration
 * - baseline) in the same round.  Times are posix_spawn to waitpid return,
 * taken with CLOCK_MONOTONIC in the driver: no shell in the way.
 *
 *   bench/bench-spawn [ROUNDS]    (NG_BENCH_NETGUARD: the netguard binary,
 *                                  default tools/netguard; NG_BENCH_PRELOAD:
 *                                  the library, default
 *                                  preload/.libs/libnetguard.so)
 */
#include "config.h"

#include <limits.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "bench-common.h"

#define MAXT 2

/* ---- worker ---------------------------------------------------------------- */

static int
worker(int argc, char **argv)
{
	/* argv: self --worker LIB TARGET... */
	const char *lib = argv[2];
	int ntargets = argc - 3;
	char line[PATH_MAX + 64], pre[PATH_MAX + 16], pol[PATH_MAX + 24];

	if (ntargets < 1 || ntargets > MAXT) {
		printf("error: usage\n");
		return 1;
	}
	snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", lib);
	printf("ready preload=%d\n", getenv("LD_PRELOAD") && getenv("NETGUARD_SNAPSHOT"));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		int t, n;
		char conf[PATH_MAX] = "";
		char **env = environ, **cleaned = NULL;
		char *av[4];
		double *s;

		if (sscanf(line, "go %d %d %4095s", &t, &n, conf) < 2 || t < 0 || t >= ntargets || n < 1) {
			printf("error: bad command\n");
			return 1;
		}
		if (conf[0]) {	/* tree root: bare LD_PRELOAD + NETGUARD_POLICY */
			snprintf(pol, sizeof(pol), "NETGUARD_POLICY=%s", conf);
			env = cleaned = clean_env(pre, pol);
		}
		av[0] = argv[3 + t];
		av[1] = strstr(av[0], "node") ? "-e" : NULL;
		av[2] = av[1] ? "0" : NULL;
		av[3] = NULL;
		s = calloc((size_t)n, sizeof(double));
		for (int i = 0; i < n; i++) {
			pid_t pid;
			int st, rc;
			double t0 = now_ns();

			rc = posix_spawn(&pid, av[0], NULL, NULL, av, env);
			if (rc != 0) {
				printf("error: posix_spawn %s: %s\n", av[0], strerror(rc));
				return 1;
			}
			while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
				;
			s[i] = now_ns() - t0;
			if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
				printf("error: %s exited with status %d\n", av[0], st);
				return 1;
			}
		}
		printf("%.0f\n", median(s, n));
		fflush(stdout);
		free(s);
		free(cleaned);
	}
	return 0;
}

/* ---- coordinator ---------------------------------------------------------- */

#define NPOL 3
/* configurations: 0 baseline, 1..NPOL tree root, NPOL+1..2*NPOL child */
#define NCFG (1 + 2 * NPOL)
#define ROOT_BATCH 5

static const char *
find_in_path(const char *prog, char *out, size_t n)
{
	const char *p = getenv("PATH");
	char buf[4096], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", p ? p : "/usr/bin:/bin");
	for (char *d = strtok_r(buf, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		snprintf(out, n, "%s/%s", d, prog);
		if (access(out, X_OK) == 0)
			return out;
	}
	return NULL;
}

static int
spawn_main(int argc, char **argv)
{
	static const int rules[NPOL] = { 10, 1000, 10000 };
	static const char *rlabel[NPOL] = { "10 rules", "1 000 rules", "10 000 rules" };
	const char *ng, *libenv = getenv("NG_BENCH_PRELOAD");
	char self[PATH_MAX], lib[PATH_MAX], nodepath[PATH_MAX], line[512];
	char dir[] = "/tmp/ngbench-spawn-XXXXXX", conf[NPOL][PATH_MAX];
	const char *targets[MAXT];
	int batch[MAXT], ntargets = 0, rounds;
	struct worker w[1 + NPOL];
	double *res[MAXT][NCFG], *add[MAXT][NCFG];

	rounds = bench_start(argc, argv, self, &ng);
	if (!realpath(libenv ? libenv : "preload/.libs/libnetguard.so", lib))
		die(libenv ? libenv : "preload/.libs/libnetguard.so");
	targets[ntargets] = "/bin/true";
	batch[ntargets++] = 20;
	if (find_in_path("node", nodepath, sizeof(nodepath))) {
		targets[ntargets] = nodepath;
		batch[ntargets++] = 7;
	} else {
		fprintf(stderr, "bench-spawn: node not found in PATH, measuring /bin/true only\n");
	}
	if (!mkdtemp(dir))
		die("mkdtemp");
	for (int p = 0; p < NPOL; p++) {
		snprintf(conf[p], sizeof(conf[p]), "%s/p%d.conf", dir, rules[p]);
		write_policy(conf[p], rules[p]);
	}

	/* drivers: w[0] without the preload, w[1+p] under netguard run -p conf[p] */
	for (int k = 0; k < 1 + NPOL; k++) {
		char *av[12];
		int a = 0;

		w[k].label = k ? rlabel[k - 1] : "no preload";
		if (k) {
			av[a++] = (char *)ng;
			av[a++] = "run";
			av[a++] = "-p";
			av[a++] = conf[k - 1];
			av[a++] = "--";
		}
		av[a++] = self;
		av[a++] = "--worker";
		av[a++] = lib;
		for (int t = 0; t < ntargets; t++)
			av[a++] = (char *)targets[t];
		av[a] = NULL;
		worker_start(&w[k], av, line, sizeof(line));
		if ((strstr(line, "preload=1") != NULL) != (k != 0)) {
			fprintf(stderr, "bench-spawn: driver \"%s\" %s the preload\n", w[k].label,
				k ? "is not under" : "is under");
			return 1;
		}
	}
	for (int t = 0; t < ntargets; t++)
		for (int c = 0; c < NCFG; c++) {
			res[t][c] = calloc((size_t)rounds, sizeof(double));
			add[t][c] = calloc((size_t)rounds, sizeof(double));
		}

	/* warm-up: one of each, so page cache and the dynamic loader's caches are hot */
	for (int t = 0; t < ntargets; t++)
		for (int c = 0; c < NCFG; c++) {
			char cmd[PATH_MAX + 64];
			int k = c > NPOL ? c - NPOL : 0;

			snprintf(cmd, sizeof(cmd), "go %d 1 %s", t, c >= 1 && c <= NPOL ? conf[c - 1] : "");
			worker_ask(&w[k], cmd, line, sizeof(line));
		}

	for (int r = 0; r < rounds; r++)
		for (int t = 0; t < ntargets; t++) {
			for (int j = 0; j < NCFG; j++) {
				int c = (r + j) % NCFG, k = c > NPOL ? c - NPOL : 0;
				char cmd[PATH_MAX + 64];

				/* a tree root pays a compile (ms): fewer spawns suffice */
				snprintf(cmd, sizeof(cmd), "go %d %d %s", t, c >= 1 && c <= NPOL ? ROOT_BATCH : batch[t],
					 c >= 1 && c <= NPOL ? conf[c - 1] : "");
				worker_ask(&w[k], cmd, line, sizeof(line));
				res[t][c][r] = atof(line) / 1e6;	/* ms */
			}
			for (int c = 1; c < NCFG; c++)
				add[t][c][r] = res[t][c][r] - res[t][0][r];
		}
	for (int k = 0; k < 1 + NPOL; k++)
		worker_stop(&w[k]);
	for (int p = 0; p < NPOL; p++)
		unlink(conf[p]);
	rmdir(dir);

	printf("# process start (posix_spawn + waitpid, from a C driver): median over %d interleaved rounds of\n"
	       "# the batch median (per configuration and round: %d spawns of /bin/true, %d of node, %d as a tree\n"
	       "# root); \"added\" = median over rounds of (with preload - without) in the same round\n\n",
	       rounds, batch[0], ntargets > 1 ? batch[1] : 0, ROOT_BATCH);
	printf("| program | policy | no preload (ms) | tree root, bare LD_PRELOAD (ms) | added (ms) "
	       "| child under `netguard run` (ms) | added (ms) |\n|---|---|---:|---:|---:|---:|---:|\n");
	for (int t = 0; t < ntargets; t++) {
		double base = median(res[t][0], rounds);

		for (int p = 0; p < NPOL; p++) {
			int root = 1 + p, child = 1 + NPOL + p;

			printf("| %s | %s | %.3f | %.3f | %+.3f | %.3f | %+.3f |\n",
			       t == 0 ? "`/bin/true`" : "`node -e 0`", rlabel[p], base, median(res[t][root], rounds),
			       median(add[t][root], rounds), median(res[t][child], rounds), median(add[t][child], rounds));
		}
	}
	return 0;
}

/* ==== command tables: the jail, per execution, escalated exec ============== */

/*
 * A command worker (`bench-spawn --cmd-worker`, possibly under `netguard
 * run`) reads tab-separated lines:
 *
 *   go N PROG ARG...      posix_spawn PROG N times (stdout and stderr to
 *                         /dev/null) and wait for each; answers the median
 *                         ns; every run must exit 0
 *   fgo N PROG ARG...     the same with fork + execve in the child, as a
 *                         shell, perl or node starts a program
 *   netns PROG ARG...     run it once with stdout on a pipe (fnetns: fork +
 *                         execve); answers
 *                         "jailed=1" if the output names a network
 *                         namespace (net:[N]) other than the worker's,
 *                         "jailed=0" if the same, "jailed=-1" if none,
 *                         then " status=S out=FIRST LINE"
 */

#define MAXARGS 24

/* fork + execve, stdout and stderr to out (-1: /dev/null, opened in the
 * child as posix_spawn's file action does); -1 with errno */
static int
fork_exec(pid_t *pid, char *const av[], int out)
{
	*pid = fork();
	if (*pid < 0)
		return -1;
	if (*pid == 0) {
		int fd = out >= 0 ? out : open("/dev/null", O_WRONLY);

		if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
			_exit(126);
		if (out < 0)
			close(fd);
		execve(av[0], av, environ);
		_exit(127);
	}
	return 0;
}

static double
spawn_batch(char *const av[], int n, int use_fork, char *err, size_t errsz)
{
	posix_spawn_file_actions_t fa;
	double *s = calloc((size_t)n, sizeof(double)), m;

	if (!s)
		die("calloc");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	for (int i = 0; i < n; i++) {
		pid_t pid;
		int st, rc;
		double t0 = now_ns();

		rc = use_fork ? (fork_exec(&pid, av, -1) < 0 ? errno : 0) : posix_spawn(&pid, av[0], &fa, NULL, av, environ);
		if (rc != 0) {
			snprintf(err, errsz, "posix_spawn %s: %s", av[0], strerror(rc));
			free(s);
			return -1;
		}
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		s[i] = now_ns() - t0;
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			snprintf(err, errsz, "%s exited with status %d", av[0], st);
			free(s);
			return -1;
		}
	}
	posix_spawn_file_actions_destroy(&fa);
	m = median(s, n);
	free(s);
	return m;
}

static void
netns_probe(char *const av[], int use_fork)
{
	posix_spawn_file_actions_t fa;
	char out[4096] = "", self[64] = "", *p, *first;
	int pfd[2], st = -1, jailed = -1;
	size_t len = 0;
	ssize_t k, sl;
	pid_t pid;

	sl = readlink("/proc/self/ns/net", self, sizeof(self) - 1);
	if (sl > 0)
		self[sl] = 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		die("pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 2);
	if (use_fork ? fork_exec(&pid, av, pfd[1]) < 0 : posix_spawn(&pid, av[0], &fa, NULL, av, environ) != 0) {
		printf("jailed=-1 status=-1 out=cannot spawn %s\n", av[0]);
		fflush(stdout);
		close(pfd[0]);
		close(pfd[1]);
		return;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	while (len < sizeof(out) - 1 && (k = read(pfd[0], out + len, sizeof(out) - 1 - len)) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		len += (size_t)k;
	}
	out[len] = 0;
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if ((p = strstr(out, "net:["))) {
		p[strcspn(p, "\n")] = 0;
		jailed = strcmp(p, self) != 0;
	}
	first = out;
	while (*first == '\n')
		first++;
	first[strcspn(first, "\n")] = 0;
	printf("jailed=%d status=%d out=%.200s\n", jailed, st, first);
	fflush(stdout);
}

static int
cmd_worker(void)
{
	char line[16384], err[512];

	printf("ready preload=%d\n", getenv("LD_PRELOAD") && getenv("NETGUARD_SNAPSHOT"));
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char *av[MAXARGS + 1], *save = NULL, *verb, *tok;
		int ac = 0;

		line[strcspn(line, "\n")] = 0;
		verb = strtok_r(line, "\t", &save);
		while ((tok = strtok_r(NULL, "\t", &save)) && ac < MAXARGS)
			av[ac++] = tok;
		av[ac] = NULL;
		if (verb && (strcmp(verb, "go") == 0 || strcmp(verb, "fgo") == 0) && ac >= 2 && atoi(av[0]) > 0) {
			double m = spawn_batch(av + 1, atoi(av[0]), verb[0] == 'f', err, sizeof(err));

			if (m < 0)
				printf("error: %s\n", err);
			else
				printf("%.0f\n", m);
			fflush(stdout);
		} else if (verb && (strcmp(verb, "netns") == 0 || strcmp(verb, "fnetns") == 0) && ac >= 1) {
			netns_probe(av, verb[0] == 'f');
		} else {
			printf("error: bad command\n");
			return 1;
		}
	}
	return 0;
}

struct cmdcfg {
	const char *label;		/* the table's first column */
	int w;				/* the worker that runs it */
	int fork;			/* fork + execve ("fgo"), not posix_spawn */
	char *av[MAXARGS];
	int batch;
	double *res;			/* ms, per round */
};

static void
cmd_line(char *buf, size_t n, const char *verb, int count, char *const av[])
{
	size_t k = (size_t)snprintf(buf, n, "%s", verb);

	if (count > 0)
		k += (size_t)snprintf(buf + k, n - k, "\t%d", count);
	for (int i = 0; av[i] && k < n; i++)
		k += (size_t)snprintf(buf + k, n - k, "\t%s", av[i]);
	if (k >= n)
		die("command line too long");
}

/*
 * Every configuration once per round, in rotating order, a batch each; the
 * batch is sized from two warm-up runs to take about budget_ms (within
 * [minb, maxb]).  res[r] is the batch median in ms.
 */
static void
run_cmd_table(struct cmdcfg *c, int nc, struct worker *w, int rounds, double budget_ms, int minb, int maxb)
{
	char cmd[16384], line[512];

	for (int k = 0; k < nc; k++) {
		double t = 0;

		cmd_line(cmd, sizeof(cmd), c[k].fork ? "fgo" : "go", 1, c[k].av);
		for (int rep = 0; rep < 2; rep++) {
			worker_ask(&w[c[k].w], cmd, line, sizeof(line));
			t = atof(line) / 1e6;
		}
		c[k].batch = t > 0 ? (int)(budget_ms / t) : maxb;
		if (c[k].batch < minb)
			c[k].batch = minb;
		if (c[k].batch > maxb)
			c[k].batch = maxb;
		c[k].res = calloc((size_t)rounds, sizeof(double));
	}
	for (int r = 0; r < rounds; r++)
		for (int j = 0; j < nc; j++) {
			int k = (r + j) % nc;

			cmd_line(cmd, sizeof(cmd), c[k].fork ? "fgo" : "go", c[k].batch, c[k].av);
			worker_ask(&w[c[k].w], cmd, line, sizeof(line));
			c[k].res[r] = atof(line) / 1e6;
		}
}

/* median over rounds of (a - b) in the same round */
static double
pair_diff(const struct cmdcfg *a, const struct cmdcfg *b, int rounds)
{
	double *d = calloc((size_t)rounds, sizeof(double)), m;

	for (int r = 0; r < rounds; r++)
		d[r] = a->res[r] - b->res[r];
	m = median(d, rounds);
	free(d);
	return m;
}

static double
res_median(const struct cmdcfg *c, int rounds)
{
	double *d = calloc((size_t)rounds, sizeof(double)), m;

	memcpy(d, c->res, (size_t)rounds * sizeof(double));
	m = median(d, rounds);
	free(d);
	return m;
}

/* median over rounds of a / b in the same round */
static double
pair_ratio(const struct cmdcfg *a, const struct cmdcfg *b, int rounds)
{
	double *d = calloc((size_t)rounds, sizeof(double)), m;

	for (int r = 0; r < rounds; r++)
		d[r] = b->res[r] > 0 ? a->res[r] / b->res[r] : 0;
	m = median(d, rounds);
	free(d);
	return m;
}

/* a table: every row against row base */
static void
print_cmd_table(const struct cmdcfg *c, int nc, int base, int rounds, const char *head)
{
	printf("| %s | ms | added vs %s (ms) | × |\n|---|---:|---:|---:|\n", head, c[base].label);
	for (int k = 0; k < nc; k++) {
		double m = res_median(&c[k], rounds);

		if (k == base)
			printf("| %s | %.3f | — | 1.00 |\n", c[k].label, m);
		else
			printf("| %s | %.3f | %+.3f | %.2f |\n", c[k].label, m, pair_diff(&c[k], &c[base], rounds),
			       pair_ratio(&c[k], &c[base], rounds));
	}
}

struct tools {
	char self[PATH_MAX], ng[PATH_MAX], jail[PATH_MAX], unshare[PATH_MAX], bwrap[PATH_MAX], firejail[PATH_MAX],
		node[PATH_MAX], busybox[PATH_MAX];
	int have_bwrap, have_firejail, have_node, have_busybox;
};

static void
find_tools(struct tools *t)
{
	const char *ng = getenv("NG_BENCH_NETGUARD"), *j = getenv("NG_BENCH_JAILEXEC"), *bb = getenv("NG_BENCH_BUSYBOX");

	if (!realpath("/proc/self/exe", t->self))
		die("/proc/self/exe");
	if (!realpath(ng ? ng : "tools/netguard", t->ng))
		die(ng ? ng : "tools/netguard");
	if (!realpath(j ? j : "tools/jailexec", t->jail))
		die(j ? j : "tools/jailexec");
	if (!find_in_path("unshare", t->unshare, sizeof(t->unshare)))
		die("unshare not found in PATH");
	t->have_bwrap = find_in_path("bwrap", t->bwrap, sizeof(t->bwrap)) != NULL;
	t->have_firejail = find_in_path("firejail", t->firejail, sizeof(t->firejail)) != NULL;
	t->have_node = find_in_path("node", t->node, sizeof(t->node)) != NULL;
	snprintf(t->busybox, sizeof(t->busybox), "%s", bb ? bb : "/bin/busybox");
	t->have_busybox = access(t->busybox, X_OK) == 0;
}

/* a worker: this program in --cmd-worker mode, under `netguard run -p conf` if conf */
static void
start_cmd_worker(struct worker *w, const char *label, const struct tools *t, const char *conf, int want_preload)
{
	char *av[12], line[256];
	int a = 0;

	w->label = label;
	if (conf) {
		av[a++] = (char *)t->ng;
		av[a++] = "run";
		av[a++] = "-p";
		av[a++] = (char *)conf;
		av[a++] = "--";
	}
	av[a++] = (char *)t->self;
	av[a++] = "--cmd-worker";
	av[a] = NULL;
	worker_start(w, av, line, sizeof(line));
	if ((strstr(line, "preload=1") != NULL) != want_preload) {
		fprintf(stderr, "bench-spawn: worker \"%s\" %s the preload\n", label, want_preload ? "is not under" : "is under");
		exit(1);
	}
}

/*
 * Check that a command really starts its program in another network
 * namespace (jailed = 1) or the same one (0).  Returns 1 if so; else
 * prints why to stderr and into why[] and returns 0.
 */
static int
check_netns_how(struct worker *w, int use_fork, char *const av[], int want, char *why, size_t whysz)
{
	char cmd[16384], line[512];

	cmd_line(cmd, sizeof(cmd), use_fork ? "fnetns" : "netns", 0, av);
	worker_ask(w, cmd, line, sizeof(line));
	line[strcspn(line, "\n")] = 0;
	if (strncmp(line, want ? "jailed=1 " : "jailed=0 ", 9) == 0)
		return 1;
	snprintf(why, whysz, "%s", line);
	fprintf(stderr, "bench-spawn: %s (worker \"%s\"%s): expected jailed=%d, got: %s\n", av[0], w->label,
		use_fork ? ", fork + execve" : "", want, line);
	return 0;
}

static int
check_netns(struct worker *w, char *const av[], int want, char *why, size_t whysz)
{
	return check_netns_how(w, 0, av, want, why, whysz);
}

/* fill argv: prefix (NULL-terminated list) then the program's own */
static void
set_av(char **out, char *const *prefix, char *const *prog)
{
	int k = 0;

	for (int i = 0; prefix && prefix[i]; i++)
		out[k++] = prefix[i];
	for (int i = 0; prog[i]; i++)
		out[k++] = prog[i];
	out[k] = NULL;
}

static void
write_small_policy(const char *path, const char *unhookable, const char *logfile)
{
	FILE *f = fopen(path, "w");

	if (!f)
		die(path);
	fprintf(f, "version = 1;\ndefault = \"deny\";\n");
	if (logfile)
		fprintf(f, "log = { sink = \"file:%s\"; };\n", logfile);
	fprintf(f, "rules = (\n"
		   "  { name = \"stripe\"; action = \"allow\"; to = ( \".stripe.com\" ); ports = ( 443 ); proto = \"tcp\"; },\n"
		   "  { name = \"loopback\"; action = \"allow\"; to = ( \"127.0.0.0/8\", \"::1\", \"localhost\" ); }\n"
		   ");\n");
	if (unhookable)
		fprintf(f, "exec = { default = \"allow\"; unhookable = \"%s\"; };\n", unhookable);
	if (fclose(f) != 0)
		die(path);
}

/*
 * The sandboxes that start a program in a new network namespace: their
 * argv prefixes and labels.  `true` is given by name (as the commands are
 * written in the spec); /bin/true and node by path.
 */
enum { SB_PLAIN, SB_JAIL, SB_JAIL_NONE, SB_UNSHARE, SB_UNSHARE_M, SB_BWRAP, SB_FIREJAIL, NSB };

static int
sandbox_prefix(const struct tools *t, int sb, char **pre)
{
	int a = 0;

	switch (sb) {
	case SB_PLAIN:
		break;
	case SB_JAIL:
		pre[a++] = (char *)t->jail;
		pre[a++] = "--";
		break;
	case SB_JAIL_NONE:
		pre[a++] = (char *)t->jail;
		pre[a++] = "-n";
		pre[a++] = "none";
		pre[a++] = "--";
		break;
	case SB_UNSHARE:
		pre[a++] = (char *)t->unshare;
		pre[a++] = "-rn";
		break;
	case SB_UNSHARE_M:
		pre[a++] = (char *)t->unshare;
		pre[a++] = "-rnm";
		break;
	case SB_BWRAP:
		if (!t->have_bwrap)
			return -1;
		pre[a++] = (char *)t->bwrap;
		pre[a++] = "--unshare-net";
		pre[a++] = "--ro-bind";
		pre[a++] = "/";
		pre[a++] = "/";
		break;
	case SB_FIREJAIL:
		if (!t->have_firejail)
			return -1;
		pre[a++] = (char *)t->firejail;
		pre[a++] = "--noprofile";
		pre[a++] = "--net=none";
		break;
	}
	pre[a] = NULL;
	return 0;
}

static const char *sb_label_true[NSB] = {
	"`/bin/true`", "`jailexec -- /bin/true`", "`jailexec -n none -- /bin/true`", "`unshare -rn true`",
	"`unshare -rnm true` (+ a mount namespace)",
	"`bwrap --unshare-net --ro-bind / / true`", "`firejail --noprofile --net=none true`",
};
static const char *sb_label_node[NSB] = {
	"`node -e 0`", "`jailexec -- node -e 0`", "`jailexec -n none -- node -e 0`", "`unshare -rn node -e 0`",
	"`unshare -rnm node -e 0`",
	"`bwrap --unshare-net --ro-bind / / node -e 0`", "`firejail --noprofile --net=none node -e 0`",
};

/*
 * Add the sandbox rows for prog (argv, NULL-terminated) to c[], checking
 * each really starts it in a new network namespace (probe: the same
 * sandbox running `readlink /proc/self/ns/net`).  Returns the row count;
 * notes[] gets a line per sandbox left out.
 */
static int
add_sandbox_rows(struct cmdcfg *c, struct worker *w0, const struct tools *t, char *const prog[],
		 const char *const *labels, int skip_extra, char *notes, size_t notesz)
{
	char *readlink_av[] = { "/bin/readlink", "/proc/self/ns/net", NULL };
	char *true_av[] = { "true", NULL };	/* by name, as the spec writes it */
	int n = 0;

	for (int sb = 0; sb < NSB; sb++) {
		char *pre[8], *probe[MAXARGS], why[512];

		if ((sb == SB_JAIL_NONE || sb == SB_UNSHARE_M) && skip_extra)
			continue;
		if (sandbox_prefix(t, sb, pre) < 0) {
			size_t l = strlen(notes);

			snprintf(notes + l, notesz - l, "%s: not installed, left out\n", labels[sb]);
			continue;
		}
		set_av(probe, sb == SB_PLAIN ? NULL : pre, readlink_av);
		if (sb != SB_PLAIN && !check_netns(w0, probe, 1, why, sizeof(why))) {
			size_t l = strlen(notes);

			snprintf(notes + l, notesz - l, "%s: could not run here (%s), left out\n", labels[sb], why);
			continue;
		}
		c[n].label = labels[sb];
		c[n].w = 0;
		/* `unshare -rn true`, `bwrap ... true`, `firejail ... true`: true by name */
		set_av(c[n].av, sb == SB_PLAIN ? NULL : pre,
		       sb != SB_PLAIN && sb != SB_JAIL && sb != SB_JAIL_NONE && strcmp(prog[0], "/bin/true") == 0 ? true_av : prog);
		n++;
	}
	return n;
}

static int
find_row(const struct cmdcfg *c, int nc, const char *label)
{
	for (int k = 0; k < nc; k++)
		if (strcmp(c[k].label, label) == 0)
			return k;
	return -1;
}

static void
print_header_line(const char *what, int rounds, const struct cmdcfg *c, int nc)
{
	printf("# %s: median over %d interleaved rounds of the batch median (posix_spawn + waitpid from a C\n"
	       "# driver, stdout/stderr to /dev/null); spawns per batch, in row order:", what, rounds);
	for (int k = 0; k < nc; k++)
		printf(" %d", c[k].batch);
	printf(";\n# \"added\" and \"×\" = median over rounds of (row - first row) and of (row / first row) in the\n# same round\n\n");
}

/* `bench-spawn jail [ROUNDS]`: the jail, and the escalated exec */
static int
jail_main(int argc, char **argv)
{
	struct tools t;
	struct worker w[3];
	struct cmdcfg c[NSB + 6];
	char dir[] = "/tmp/ngbench-jail-XXXXXX", jconf[PATH_MAX], aconf[PATH_MAX], jlog[PATH_MAX], alog[PATH_MAX];
	char notes[4096] = "", why[512];
	char *true_av[] = { "/bin/true", NULL };
	int rounds = argc > 2 ? atoi(argv[2]) : 21, nc, nj, esc = 0;

	if (rounds < 1)
		rounds = 1;
	alarm(600);
	find_tools(&t);
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(jconf, sizeof(jconf), "%s/jail.conf", dir);
	snprintf(aconf, sizeof(aconf), "%s/allow.conf", dir);
	snprintf(jlog, sizeof(jlog), "%s/jail.log", dir);
	snprintf(alog, sizeof(alog), "%s/allow.log", dir);
	write_small_policy(jconf, "jail", jlog);
	write_small_policy(aconf, "allow", alog);

	memset(c, 0, sizeof(c));
	start_cmd_worker(&w[0], "plain", &t, NULL, 0);
	nj = nc = add_sandbox_rows(c, &w[0], &t, true_av, sb_label_true, 0, notes, sizeof(notes));

	if (t.have_busybox) {
		char *bb[] = { t.busybox, "true", NULL }, *rl[] = { t.busybox, "readlink", "/proc/self/ns/net", NULL };

		start_cmd_worker(&w[1], "unhookable = jail", &t, jconf, 1);
		start_cmd_worker(&w[2], "unhookable = allow", &t, aconf, 1);
		if (check_netns(&w[1], rl, 1, why, sizeof(why)) && check_netns(&w[2], rl, 0, why, sizeof(why)) &&
		    check_netns(&w[0], rl, 0, why, sizeof(why)) && check_netns_how(&w[1], 1, rl, 1, why, sizeof(why)) &&
		    check_netns_how(&w[2], 1, rl, 0, why, sizeof(why))) {
			esc = nc;
			c[nc].label = "no preload: a plain parent spawns `busybox true`";
			c[nc].w = 0;
			set_av(c[nc++].av, NULL, bb);
			c[nc].label = "allowed: parent under `netguard run`, `exec.unhookable = \"allow\"`";
			c[nc].w = 2;
			set_av(c[nc++].av, NULL, bb);
			c[nc].label = "escalated: parent under `netguard run`, `exec.unhookable = \"jail\"`";
			c[nc].w = 1;
			set_av(c[nc++].av, NULL, bb);
			c[nc].label = "no preload: a plain parent forks and execs `busybox true`";
			c[nc].w = 0;
			c[nc].fork = 1;
			set_av(c[nc++].av, NULL, bb);
			c[nc].label = "allowed: parent under `netguard run`, `exec.unhookable = \"allow\"`";
			c[nc].w = 2;
			c[nc].fork = 1;
			set_av(c[nc++].av, NULL, bb);
			c[nc].label = "escalated: parent under `netguard run`, `exec.unhookable = \"jail\"`";
			c[nc].w = 1;
			c[nc].fork = 1;
			set_av(c[nc++].av, NULL, bb);
		} else {
			size_t l = strlen(notes);

			snprintf(notes + l, sizeof(notes) - l, "escalated exec: not measured (%s)\n", why);
		}
	} else {
		size_t l = strlen(notes);

		snprintf(notes + l, sizeof(notes) - l, "escalated exec: not measured (%.200s not found; apt-get install busybox-static)\n",
			 t.busybox);
	}

	run_cmd_table(c, nc, w, rounds, 40, 5, 20);
	worker_stop(&w[0]);
	if (esc) {
		worker_stop(&w[1]);
		worker_stop(&w[2]);
	}

	print_header_line("jail", rounds, c, nc);
	print_cmd_table(c, nj, 0, rounds, "command");
	if (notes[0])
		printf("\n%s", notes);
	{
		int j = find_row(c, nj, sb_label_true[SB_JAIL]), u = find_row(c, nj, sb_label_true[SB_UNSHARE]),
		    b = find_row(c, nj, sb_label_true[SB_BWRAP]), f = find_row(c, nj, sb_label_true[SB_FIREJAIL]);

		printf("\n| jailexec -- /bin/true against | difference (ms, median of per-round differences) | target |\n"
		       "|---|---:|---|\n");
		if (u >= 0)
			printf("| `unshare -rn true` | %+.3f | ≤ 0 (no slower) |\n", pair_diff(&c[j], &c[u], rounds));
		if (b >= 0)
			printf("| `bwrap --unshare-net --ro-bind / / true` | %+.3f | < 0 (faster) |\n", pair_diff(&c[j], &c[b], rounds));
		if (f >= 0)
			printf("| `firejail --noprofile --net=none true` | %+.3f | < 0 (faster) |\n", pair_diff(&c[j], &c[f], rounds));
	}
	if (esc) {
		printf("\n# escalated exec: a C driver under `netguard run -p P` starts the static %s (argv\n"
		       "# `%s true`); P jails unhookable programs or allows them; same rounds as above.\n"
		       "# posix_spawn: glibc runs the child, the preload re-routes the spawn through jailexec;\n"
		       "# fork + execve: the exec hook runs in the child, which enters the jail itself\n\n",
		       t.busybox, t.busybox);
		for (int g = 0; g < 2; g++) {
			int b = esc + 3 * g;

			printf("%s| %s | ms | added vs allowed (ms) |\n|---|---:|---:|\n", g ? "\n" : "",
			       g ? "parent, fork + execve" : "parent, posix_spawn");
			printf("| %s | %.3f | %+.3f |\n", c[b].label, res_median(&c[b], rounds), pair_diff(&c[b], &c[b + 1], rounds));
			printf("| %s | %.3f | — |\n", c[b + 1].label, res_median(&c[b + 1], rounds));
			printf("| %s | %.3f | %+.3f |\n", c[b + 2].label, res_median(&c[b + 2], rounds),
			       pair_diff(&c[b + 2], &c[b + 1], rounds));
		}
	}
	unlink(jconf);
	unlink(aconf);
	unlink(jlog);
	unlink(alog);
	rmdir(dir);
	return 0;
}

/* `bench-spawn exec [ROUNDS]`: one execution of `node -e 0`, every way */
static int
exec_main(int argc, char **argv)
{
	struct tools t;
	struct worker w[2];
	struct cmdcfg c[NSB + 2];
	char dir[] = "/tmp/ngbench-exec-XXXXXX", conf[PATH_MAX], notes[4096] = "";
	int rounds = argc > 2 ? atoi(argv[2]) : 15, nc;

	if (rounds < 1)
		rounds = 1;
	alarm(600);
	find_tools(&t);
	if (!t.have_node) {
		printf("# per execution: node not found in PATH, not measured\n");
		return 0;
	}
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(conf, sizeof(conf), "%s/loopback.conf", dir);
	write_small_policy(conf, NULL, NULL);
	memset(c, 0, sizeof(c));
	start_cmd_worker(&w[0], "plain", &t, NULL, 0);
	start_cmd_worker(&w[1], "child", &t, conf, 1);
	{
		char *node_av[] = { t.node, "-e", "0", NULL };
		char *ngrun[] = { t.ng, "run", "-p", conf, "--", NULL };

		nc = add_sandbox_rows(c, &w[0], &t, node_av, sb_label_node, 1, notes, sizeof(notes));
		/* after the plain row: netguard run as the tree root, and as a child in a tree */
		memmove(&c[3], &c[1], (size_t)(nc - 1) * sizeof(c[0]));
		c[1].label = "`netguard run -p P -- node -e 0`";
		c[1].w = 0;
		set_av(c[1].av, ngrun, node_av);
		c[2].label = "`node -e 0` started by a process under `netguard run -p P`";
		c[2].w = 1;
		set_av(c[2].av, NULL, node_av);
		nc += 2;
	}
	run_cmd_table(c, nc, w, rounds, 350, 3, 7);
	worker_stop(&w[0]);
	worker_stop(&w[1]);
	print_header_line("per execution", rounds, c, nc);
	print_cmd_table(c, nc, 0, rounds, "command");
	if (notes[0])
		printf("\n%s", notes);
	unlink(conf);
	rmdir(dir);
	return 0;
}

/* ==== per request: node's http.get to a loopback server ==================== */


#define NHTTP 3
#define HTTP_BATCH 200

/* `bench-spawn http [ROUNDS]` (NG_BENCH_SRCDIR: where bench/http-bench.js is, default .) */
static int
http_main(int argc, char **argv)
{
	static const char *labels[NHTTP] = { "plain node", "node under `netguard run -p P`",
					     "node -r bench/js-patch.js (JS module patching)" };
	static const char *guards[NHTTP] = { "none", "preload", "patch" };
	const char *src = getenv("NG_BENCH_SRCDIR");
	struct tools t;
	struct worker srv, w[NHTTP];
	char dir[] = "/tmp/ngbench-http-XXXXXX", conf[PATH_MAX], js[PATH_MAX], patch[PATH_MAX], tmp[PATH_MAX];
	char line[512], port[16], cmd[32], want[64], version[32] = "?";
	double *v[NHTTP][2], *d[NHTTP][2], *q[NHTTP][2];
	int rounds = argc > 2 ? atoi(argv[2]) : 21;

	if (rounds < 1)
		rounds = 1;
	find_tools(&t);
	if (!t.have_node) {
		printf("# per request: node not found in PATH, not measured\n");
		return 0;
	}
	bench_private_netns("bench-spawn http");
	alarm(600);
	snprintf(tmp, sizeof(tmp), "%s/bench/http-bench.js", src ? src : ".");
	if (!realpath(tmp, js))
		die(tmp);
	snprintf(tmp, sizeof(tmp), "%s/bench/js-patch.js", src ? src : ".");
	if (!realpath(tmp, patch))
		die(tmp);
	if (!mkdtemp(dir))
		die("mkdtemp");
	snprintf(conf, sizeof(conf), "%s/loopback.conf", dir);
	write_small_policy(conf, NULL, NULL);

	{
		char *av[] = { t.node, js, "server", NULL };

		srv.label = "server";
		worker_start(&srv, av, line, sizeof(line));
		if (sscanf(line, "ready port=%15s version=%31s", port, version) != 2) {
			fprintf(stderr, "bench-spawn http: server: %s", line);
			return 1;
		}
	}
	for (int c = 0; c < NHTTP; c++) {
		char *av[16];
		int a = 0;

		w[c].label = labels[c];
		if (c == 1) {
			av[a++] = t.ng;
			av[a++] = "run";
			av[a++] = "-p";
			av[a++] = conf;
			av[a++] = "--log";	/* the probe's refusal: not on make bench's stderr */
			av[a++] = "none";
			av[a++] = "--";
		}
		av[a++] = t.node;
		if (c == 2) {
			av[a++] = "-r";
			av[a++] = patch;
		}
		av[a++] = js;
		av[a++] = "client";
		av[a++] = port;
		av[a++] = (char *)guards[c];
		av[a] = NULL;
		worker_start(&w[c], av, line, sizeof(line));
		snprintf(want, sizeof(want), "ready guard=%s\n", guards[c]);
		if (strcmp(line, want) != 0) {
			fprintf(stderr, "bench-spawn http: client \"%s\": %s", labels[c], line);
			return 1;
		}
		for (int m = 0; m < 2; m++) {
			v[c][m] = calloc((size_t)rounds, sizeof(double));
			d[c][m] = calloc((size_t)rounds, sizeof(double));
			q[c][m] = calloc((size_t)rounds, sizeof(double));
		}
	}
	snprintf(cmd, sizeof(cmd), "go %d", HTTP_BATCH);
	for (int c = 0; c < NHTTP; c++)	/* warm-up: the JIT, the page cache */
		worker_ask(&w[c], cmd, line, sizeof(line));
	for (int r = 0; r < rounds; r++) {
		for (int j = 0; j < NHTTP; j++) {
			int c = (r + j) % NHTTP;

			worker_ask(&w[c], cmd, line, sizeof(line));
			if (sscanf(line, "%lf %lf", &v[c][0][r], &v[c][1][r]) != 2) {
				fprintf(stderr, "bench-spawn http: client \"%s\": %s", labels[c], line);
				return 1;
			}
		}
		for (int c = 1; c < NHTTP; c++)
			for (int m = 0; m < 2; m++) {
				d[c][m][r] = v[c][m][r] - v[0][m][r];
				q[c][m][r] = v[c][m][r] / v[0][m][r];
			}
	}
	for (int c = 0; c < NHTTP; c++)
		worker_stop(&w[c]);
	worker_stop(&srv);
	unlink(conf);
	rmdir(dir);

	printf("# per request: node %s, sequential http.get to a node HTTP server on 127.0.0.1 (another process),\n"
	       "# keep-alive off (agent: false: a new TCP connection per request); median over %d interleaved\n"
	       "# rounds of the mean per request of a batch of %d; \"added\" and \"×\" = median over rounds of\n"
	       "# (row - plain) and of (row / plain) in the same round\n\n",
	       version, rounds, HTTP_BATCH);
	printf("| client | `http://127.0.0.1:PORT/` (µs) | added | × | `http://localhost:PORT/` (µs) | added | × |\n"
	       "|---|---:|---:|---:|---:|---:|---:|\n");
	for (int c = 0; c < NHTTP; c++) {
		printf("| %s", labels[c]);
		for (int m = 0; m < 2; m++) {
			double x = median(v[c][m], rounds);

			if (c == 0)
				printf(" | %.0f | — | 1.00", x);
			else
				printf(" | %.0f | %+.0f | %.2f", x, median(d[c][m], rounds), median(q[c][m], rounds));
		}
		printf(" |\n");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "--worker") == 0)
		return worker(argc, argv);
	if (argc > 1 && strcmp(argv[1], "--cmd-worker") == 0)
		return cmd_worker();
	if (argc > 1 && strcmp(argv[1], "jail") == 0)
		return jail_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "exec") == 0)
		return exec_main(argc, argv);
	if (argc > 1 && strcmp(argv[1], "http") == 0)
		return http_main(argc, argv);
	return spawn_main(argc, argv);
}
