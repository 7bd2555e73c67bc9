/*
 * bench-spawn exec [ROUNDS]: one execution of `node -e 0`, every way --
 * plainly, under `netguard run`, as a child in a netguard tree, and under
 * each sandbox (spawn-common.c; those not installed or not able to run here
 * are left out with a note).
 */
#include "config.h"

#include "bench/spawn-common.h"

/* the workers: no preload, and a process under `netguard run -p P` */
enum { W_PLAIN, W_CHILD, NW };

/* the netguard rows, after the plain one and before the sandboxes */
#define NG_ROWS 2
static const struct {
	const char *label;
	int w;
	int ngrun;			/* the command is `netguard run -p P -- node -e 0` */
} ng_rows[NG_ROWS] = {
	{ "`netguard run -p P -- node -e 0`", W_PLAIN, 1 },
	{ "`node -e 0` started by a process under `netguard run -p P`", W_CHILD, 0 },
};

int
exec_main(int argc, char **argv)
{
	struct tools t;
	struct worker w[NW];
	struct cmdcfg c[NSB + NG_ROWS];
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
	start_cmd_worker(&w[W_PLAIN], "plain", &t, NULL, 0);
	start_cmd_worker(&w[W_CHILD], "child", &t, conf, 1);
	{
		char *node_av[] = { t.node, "-e", "0", NULL };
		char *ngrun[] = { t.ng, "run", "-p", conf, "--", NULL };

		nc = add_sandbox_rows(c, &w[W_PLAIN], &t, node_av, RUN_NODE, 1, notes, sizeof(notes));
		/* after the plain row (c[0]): the netguard rows */
		memmove(&c[1 + NG_ROWS], &c[1], (size_t)(nc - 1) * sizeof(c[0]));
		for (int k = 0; k < NG_ROWS; k++) {
			c[1 + k].label = ng_rows[k].label;
			c[1 + k].w = ng_rows[k].w;
			set_av(c[1 + k].av, ng_rows[k].ngrun ? ngrun : NULL, node_av);
		}
		nc += NG_ROWS;
	}
	run_cmd_table(c, nc, w, rounds, 350, 3, 7);
	worker_stop(&w[W_PLAIN]);
	worker_stop(&w[W_CHILD]);
	print_header_line("per execution", rounds, c, nc);
	print_cmd_table(c, nc, 0, rounds, "command");
	if (notes[0])
		printf("\n%s", notes);
	unlink(conf);
	rmdir(dir);
	return 0;
}
