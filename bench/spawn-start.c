/*
 * bench-spawn [ROUNDS]: process start -- what the preload adds to starting
 * /bin/true and `node -e 0`, at 10-, 1 000- and 10 000-rule policies.
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

#include "bench/spawn-common.h"

/* the programs started: /bin/true always, node when it is on PATH */
#define MAXT 2
static const struct target {
	const char *prog, *label;
	int batch;			/* spawns per batch */
} targets[MAXT] = {
	{ "/bin/true", "`/bin/true`", 20 },
	{ "node", "`node -e 0`", 7 },
};

/* the policies: bench-decide's rules (write_policy) */
#define NPOL 3
static const struct policy {
	int rules;
	const char *label;
} policies[NPOL] = {
	{ 10, "10 rules" },
	{ 1000, "1 000 rules" },
	{ 10000, "10 000 rules" },
};

/*
 * The configurations, each with every policy but the baseline: who spawns
 * the program (driver 0 without the preload, driver 1 + p under `netguard
 * run -p p.conf`) and whether it passes the tree root's environment.  The
 * baseline comes first: "added" is against configs[0].
 */
enum { BASELINE, TREE_ROOT, CHILD };
#define NCFG (1 + 2 * NPOL)
static const struct config {
	int kind, pol;
} configs[NCFG] = {
	{ BASELINE, -1 },
	{ TREE_ROOT, 0 }, { TREE_ROOT, 1 }, { TREE_ROOT, 2 },
	{ CHILD, 0 }, { CHILD, 1 }, { CHILD, 2 },
};
#define ROOT_BATCH 5		/* a tree root pays a compile (ms): fewer spawns suffice */

/* ---- the driver ------------------------------------------------------------ */

int
start_worker(int argc, char **argv)
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

static int
config_index(int kind, int pol)
{
	for (int c = 0; c < NCFG; c++)
		if (configs[c].kind == kind && configs[c].pol == pol)
			return c;
	abort();
}

/* the worker that runs configuration c, and its command for target t, n spawns */
static struct worker *
config_cmd(const struct config *cfg, struct worker *w, char conf[][PATH_MAX], int t, int n, char *cmd, size_t cmdsz)
{
	snprintf(cmd, cmdsz, "go %d %d %s", t, n, cfg->kind == TREE_ROOT ? conf[cfg->pol] : "");
	return &w[cfg->kind == CHILD ? 1 + cfg->pol : 0];
}

int
start_main(int argc, char **argv)
{
	const char *ng, *libenv = getenv("NG_BENCH_PRELOAD");
	char self[PATH_MAX], lib[PATH_MAX], nodepath[PATH_MAX], line[512];
	char dir[] = "/tmp/ngbench-spawn-XXXXXX", conf[NPOL][PATH_MAX];
	const char *prog[MAXT];
	int ntargets = 0, rounds;
	struct worker w[1 + NPOL];
	double *res[MAXT][NCFG], *add[MAXT][NCFG];

	rounds = bench_start(argc, argv, self, &ng);
	if (!realpath(libenv ? libenv : "preload/.libs/libnetguard.so", lib))
		die(libenv ? libenv : "preload/.libs/libnetguard.so");
	prog[ntargets++] = targets[0].prog;
	if (find_in_path(targets[1].prog, nodepath, sizeof(nodepath))) {
		prog[ntargets++] = nodepath;
	} else {
		fprintf(stderr, "bench-spawn: node not found in PATH, measuring /bin/true only\n");
	}
	if (!mkdtemp(dir))
		die("mkdtemp");
	for (int p = 0; p < NPOL; p++) {
		snprintf(conf[p], sizeof(conf[p]), "%s/p%d.conf", dir, policies[p].rules);
		write_policy(conf[p], policies[p].rules);
	}

	/* drivers: w[0] without the preload, w[1+p] under netguard run -p conf[p] */
	for (int k = 0; k < 1 + NPOL; k++) {
		char *av[12];
		int a = 0;

		w[k].label = k ? policies[k - 1].label : "no preload";
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
			av[a++] = (char *)prog[t];
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

			worker_ask(config_cmd(&configs[c], w, conf, t, 1, cmd, sizeof(cmd)), cmd, line, sizeof(line));
		}

	for (int r = 0; r < rounds; r++)
		for (int t = 0; t < ntargets; t++) {
			for (int j = 0; j < NCFG; j++) {
				int c = (r + j) % NCFG;
				int n = configs[c].kind == TREE_ROOT ? ROOT_BATCH : targets[t].batch;
				char cmd[PATH_MAX + 64];

				worker_ask(config_cmd(&configs[c], w, conf, t, n, cmd, sizeof(cmd)), cmd, line, sizeof(line));
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
	       rounds, targets[0].batch, ntargets > 1 ? targets[1].batch : 0, ROOT_BATCH);
	printf("| program | policy | no preload (ms) | tree root, bare LD_PRELOAD (ms) | added (ms) "
	       "| child under `netguard run` (ms) | added (ms) |\n|---|---|---:|---:|---:|---:|---:|\n");
	for (int t = 0; t < ntargets; t++) {
		double base = median(res[t][config_index(BASELINE, -1)], rounds);

		for (int p = 0; p < NPOL; p++) {
			int root = config_index(TREE_ROOT, p), child = config_index(CHILD, p);

			printf("| %s | %s | %.3f | %.3f | %+.3f | %.3f | %+.3f |\n",
			       targets[t].label, policies[p].label, base, median(res[t][root], rounds),
			       median(add[t][root], rounds), median(res[t][child], rounds), median(add[t][child], rounds));
		}
	}
	return 0;
}
