/*
 * Policy engine benchmark: ns per decision at 10, 1 000 and 100 000 rules
 * (exact names, suffixes, CIDRs) and with 100 regexes; compile time of
 * 1 000- and 10 000-rule files; time to map and open their snapshots from a
 * sealed memfd, as every process does at start.
 *
 * Sizes are measured interleaved: each round runs every configuration once,
 * and the figure reported is the median over rounds.
 *
 *   make bench            (or: bench/bench-decide [ROUNDS])
 */
#include "config.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench-time.h"
#include "policy/policy.h"

/* A policy of n rules: a third exact names, a third suffixes, a third CIDRs. */
static char *
write_policy(int n, int regexes)
{
	static char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/tmp/ngbench-%d-%d.conf", n, regexes);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(1);
	}
	fprintf(f, "version = 1;\ndefault = \"deny\";\nrules = (\n");
	for (int i = 0; i < n; i++) {
		const char *sep = (i + 1 < n || regexes) ? "," : "";

		switch (i % 3) {
		case 0:
			fprintf(f, "{ name = \"r%d\"; action = \"allow\"; to = ( \"host%d.svc%d.example\" ); ports = ( 443 ); }%s\n",
				i, i, i % 97, sep);
			break;
		case 1:
			fprintf(f, "{ name = \"r%d\"; action = \"deny\"; to = ( \".zone%d.example\" ); }%s\n", i, i, sep);
			break;
		default:
			fprintf(f, "{ name = \"r%d\"; action = \"allow\"; to = ( \"%d.%d.%d.0/24\" ); }%s\n", i,
				10 + (i >> 16) % 100, (i >> 8) & 255, i & 255, sep);
		}
	}
	for (int i = 0; i < regexes; i++)
		fprintf(f, "{ name = \"x%d\"; action = \"allow\"; to = ( \"~api-[0-9]+\\\\.region%d\\\\.corp\\\\.example\" ); }%s\n",
			i, i, i + 1 < regexes ? "," : "");
	fprintf(f, ");\n");
	fclose(f);
	return path;
}

struct config {
	const char *label;
	int rules, regexes;
	struct ng_blob blob;
	struct ng_policy pol;
	double *samples;
};


/* Queries: hits and misses of every kind, names and addresses. */
#define NQ 8
static const char *qnames[NQ] = {
	"host3.svc3.example", "www.zone4.example", "nothing.example.net", "api-77.region42.corp.example",
	"host9999.svc9.example", "a.b.c.d.e.example.org", "api-1.regionx.corp.example", "deep.sub.zone7.example",
};

static double
time_decisions(struct config *c, int iters)
{
	struct ng_query q = { .op = NG_OP_CONNECT, .proto = NG_Q_TCP, .family = AF_INET, .port = 443 };
	struct ng_verdict v;
	volatile int sink = 0;
	double t0 = now_ns();

	for (int i = 0; i < iters; i++) {
		const char *nm[1] = { qnames[i % NQ] };

		q.addr[0] = 10;
		q.addr[1] = (uint8_t)(i * 7);
		q.addr[2] = (uint8_t)(i * 13);
		q.addr[3] = 9;
		q.names = nm;
		q.nnames = 1;
		ng_decide(&c->pol, &q, &v);
		sink += v.action;
	}
	(void)sink;
	return (now_ns() - t0) / iters;
}

static double
time_map(const struct ng_blob *b)
{
	int fd = memfd_create("ngbench", MFD_ALLOW_SEALING | MFD_CLOEXEC);
	double best;
	double s[31];

	if (fd < 0 || write(fd, b->data, b->size) != (ssize_t)b->size ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		perror("memfd");
		exit(1);
	}
	for (int r = 0; r < 31; r++) {
		double t0 = now_ns();
		void *m = mmap(NULL, b->size, PROT_READ, MAP_SHARED, fd, 0);
		struct ng_policy p;
		const char *why;

		if (m == MAP_FAILED || ng_snap_open(&p, m, b->size, &why) < 0) {
			fprintf(stderr, "map failed\n");
			exit(1);
		}
		s[r] = now_ns() - t0;
		munmap(m, b->size);
	}
	close(fd);
	best = median(s, 31);
	return best;
}

int
main(int argc, char **argv)
{
	struct config cfg[] = {
		{ "10 rules", 10, 0, { 0 }, { 0 }, 0 },
		{ "1 000 rules", 1000, 0, { 0 }, { 0 }, 0 },
		{ "100 000 rules", 100000, 0, { 0 }, { 0 }, 0 },
		{ "1 000 rules + 100 regexes", 1000, 100, { 0 }, { 0 }, 0 },
	};
	int ncfg = (int)(sizeof(cfg) / sizeof(cfg[0]));
	int rounds = argc > 1 ? atoi(argv[1]) : 15;
	const int iters = 200000;
	double comp[2][5];
	int comp_sizes[2] = { 1000, 10000 };

	printf("# policy engine: median of %d interleaved rounds, %d decisions each\n\n", rounds, iters);
	for (int i = 0; i < ncfg; i++) {
		struct ng_diags d = { 0 };
		const char *why;
		char *path = write_policy(cfg[i].rules, cfg[i].regexes);

		if (ng_compile_file(path, 0, &cfg[i].blob, &d) < 0 ||
		    ng_snap_open(&cfg[i].pol, cfg[i].blob.data, cfg[i].blob.size, &why) < 0) {
			fprintf(stderr, "cannot compile %s\n", path);
			return 1;
		}
		unlink(path);
		ng_rx_init_heap(&cfg[i].pol);
		cfg[i].samples = calloc((size_t)rounds, sizeof(double));
		time_decisions(&cfg[i], 20000);	/* warm up: caches, lazy JIT */
	}
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < ncfg; i++)
			cfg[i].samples[r] = time_decisions(&cfg[i], iters);
	printf("| policy | snapshot size | ns per decision | map + open snapshot (µs) |\n|---|---:|---:|---:|\n");
	for (int i = 0; i < ncfg; i++)
		printf("| %s | %zu KiB | %.0f | %.1f |\n", cfg[i].label, cfg[i].blob.size / 1024,
		       median(cfg[i].samples, rounds), time_map(&cfg[i].blob) / 1000);

	/* compile time: libconfig parse + validation + snapshot build */
	for (int s = 0; s < 2; s++) {
		char *path = write_policy(comp_sizes[s], 0);

		for (int r = 0; r < 5; r++) {
			struct ng_diags d = { 0 };
			struct ng_blob b = { 0 };
			double t0 = now_ns();

			ng_compile_file(path, 0, &b, &d);
			comp[s][r] = now_ns() - t0;
			ng_blob_free(&b);
			ng_diags_free(&d);
		}
		unlink(path);
	}
	printf("\n| policy file | compile time (ms) |\n|---|---:|\n");
	for (int s = 0; s < 2; s++)
		printf("| %d rules | %.1f |\n", comp_sizes[s], median(comp[s], 5) / 1e6);
	for (int i = 0; i < ncfg; i++) {
		ng_rx_fini_heap(&cfg[i].pol);
		ng_blob_free(&cfg[i].blob);
		free(cfg[i].samples);
	}
	return 0;
}
