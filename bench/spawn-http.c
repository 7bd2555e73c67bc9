/*
 * bench-spawn http [ROUNDS]: per request -- node http.get to a loopback
 * server, plain / under `netguard run` / with bench/js-patch.js (JS module
 * patching); the node side is bench/http-bench.js (NG_BENCH_SRCDIR: the
 * source tree, default .).  Needs a private network namespace.
 */
#include "config.h"

#include "bench/spawn-common.h"

#define HTTP_BATCH 200

/* the clients, the first the one the others are measured against */
#define NHTTP 3
static const struct client {
	const char *label;
	const char *guard;		/* what http-bench.js checks is in place */
	int ngrun;			/* under `netguard run -p P --log none` */
	int patch;			/* node -r bench/js-patch.js */
} clients[NHTTP] = {
	{ "plain node", "none", 0, 0 },
	{ "node under `netguard run -p P`", "preload", 1, 0 },
	{ "node -r bench/js-patch.js (JS module patching)", "patch", 0, 1 },
};

/* start client c, talking to the server on port */
static void
client_start(struct worker *w, const struct client *c, const struct tools *t, const char *conf, const char *js,
	     const char *patch, const char *port)
{
	char *av[16], line[512], want[64];
	int a = 0;

	w->label = c->label;
	if (c->ngrun) {
		av[a++] = (char *)t->ng;
		av[a++] = "run";
		av[a++] = "-p";
		av[a++] = (char *)conf;
		av[a++] = "--log";	/* the probe's refusal: not on make bench's stderr */
		av[a++] = "none";
		av[a++] = "--";
	}
	av[a++] = (char *)t->node;
	if (c->patch) {
		av[a++] = "-r";
		av[a++] = (char *)patch;
	}
	av[a++] = (char *)js;
	av[a++] = "client";
	av[a++] = (char *)port;
	av[a++] = (char *)c->guard;
	av[a] = NULL;
	worker_start(w, av, line, sizeof(line));
	snprintf(want, sizeof(want), "ready guard=%s\n", c->guard);
	if (strcmp(line, want) != 0) {
		fprintf(stderr, "bench-spawn http: client \"%s\": %s", c->label, line);
		exit(1);
	}
}

int
http_main(int argc, char **argv)
{
	const char *src = getenv("NG_BENCH_SRCDIR");
	struct tools t;
	struct worker srv, w[NHTTP];
	char dir[] = "/tmp/ngbench-http-XXXXXX", conf[PATH_MAX], js[PATH_MAX], patch[PATH_MAX], tmp[PATH_MAX];
	char line[512], port[16], cmd[32], version[32] = "?";
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
		client_start(&w[c], &clients[c], &t, conf, js, patch, port);
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
				fprintf(stderr, "bench-spawn http: client \"%s\": %s", clients[c].label, line);
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
		printf("| %s", clients[c].label);
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
