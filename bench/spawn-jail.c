/*
 * bench-spawn jail [ROUNDS]: the jail -- `jailexec -- /bin/true` against
 * /bin/true, `unshare -rn`, bwrap, firejail; and the escalated exec: a
 * parent under `netguard run` spawning the static busybox with
 * exec.unhookable = "jail" vs "allow".
 *
 * Every command runs from a --cmd-worker (spawn-common.c), each sandbox
 * first checked to really start its program in another network namespace;
 * a sandbox that is not installed or cannot run here is left out, with a
 * note saying why.  NG_BENCH_JAILEXEC (default tools/jailexec) and
 * NG_BENCH_BUSYBOX (default /bin/busybox) override the paths.
 */
#include "config.h"

#include "bench/spawn-common.h"

/* the workers: no preload, and under `netguard run` with a policy whose
 * exec.unhookable is theirs (it logs to a file of the same name) */
enum { W_PLAIN, W_JAIL, W_ALLOW, NW };
static const struct {
	const char *label, *unhookable;
} workers[NW] = {
	[W_PLAIN] = { "plain", NULL },
	[W_JAIL] = { "unhookable = jail", "jail" },
	[W_ALLOW] = { "unhookable = allow", "allow" },
};

/* the escalated exec: each worker starts `busybox true`, which
 * must then run jailed (1) or not (0), by posix_spawn and by fork + execve */
static const struct {
	int w, fork, jailed;
} esc_checks[] = {
	{ W_JAIL, 0, 1 }, { W_ALLOW, 0, 0 }, { W_PLAIN, 0, 0 }, { W_JAIL, 1, 1 }, { W_ALLOW, 1, 0 },
};

/* its rows: two tables of three, posix_spawn then fork + execve; the middle
 * row of each is what the others are measured against */
#define ESC_ROWS 3
static const struct {
	const char *label;
	int w, fork;
} esc_rows[2 * ESC_ROWS] = {
	{ "no preload: a plain parent spawns `busybox true`", W_PLAIN, 0 },
	{ "allowed: parent under `netguard run`, `exec.unhookable = \"allow\"`", W_ALLOW, 0 },
	{ "escalated: parent under `netguard run`, `exec.unhookable = \"jail\"`", W_JAIL, 0 },
	{ "no preload: a plain parent forks and execs `busybox true`", W_PLAIN, 1 },
	{ "allowed: parent under `netguard run`, `exec.unhookable = \"allow\"`", W_ALLOW, 1 },
	{ "escalated: parent under `netguard run`, `exec.unhookable = \"jail\"`", W_JAIL, 1 },
};
static const char *esc_heads[2] = { "parent, posix_spawn", "parent, fork + execve" };

/* jailexec against the other sandboxes, and what it should show */
static const struct {
	int sb;
	const char *command, *target;
} against[] = {
	{ SB_UNSHARE, "`unshare -rn true`", "≤ 0 (no slower)" },
	{ SB_BWRAP, "`bwrap --unshare-net --ro-bind / / true`", "< 0 (faster)" },
	{ SB_FIREJAIL, "`firejail --noprofile --net=none true`", "< 0 (faster)" },
};

/* the escalated-exec rows after c[0..nc), or 0 with a note why not */
static int
add_escalated_rows(struct cmdcfg *c, int nc, struct worker *w, struct tools *t, char conf[][PATH_MAX],
		   char *notes, size_t notesz)
{
	char *bb[] = { t->busybox, "true", NULL }, *rl[] = { t->busybox, "readlink", "/proc/self/ns/net", NULL };
	char why[512];

	if (!t->have_busybox) {
		add_note(notes, notesz, "escalated exec: not measured (%.200s not found; apt-get install busybox-static)\n",
			 t->busybox);
		return 0;
	}
	for (int k = W_PLAIN + 1; k < NW; k++)
		start_cmd_worker(&w[k], workers[k].label, t, conf[k], 1);
	for (size_t i = 0; i < sizeof(esc_checks) / sizeof(esc_checks[0]); i++)
		if (!check_netns_how(&w[esc_checks[i].w], esc_checks[i].fork, rl, esc_checks[i].jailed, why, sizeof(why))) {
			add_note(notes, notesz, "escalated exec: not measured (%s)\n", why);
			return 0;
		}
	for (int k = 0; k < 2 * ESC_ROWS; k++) {
		c[nc + k].label = esc_rows[k].label;
		c[nc + k].w = esc_rows[k].w;
		c[nc + k].fork = esc_rows[k].fork;
		set_av(c[nc + k].av, NULL, bb);
	}
	return 2 * ESC_ROWS;
}

static void
print_against(const struct cmdcfg *c, int nj, int rounds)
{
	int j = find_row(c, nj, sandbox_label(SB_JAIL, RUN_TRUE));

	printf("\n| jailexec -- /bin/true against | difference (ms, median of per-round differences) | target |\n"
	       "|---|---:|---|\n");
	for (size_t i = 0; i < sizeof(against) / sizeof(against[0]); i++) {
		int o = find_row(c, nj, sandbox_label(against[i].sb, RUN_TRUE));

		if (j >= 0 && o >= 0)
			printf("| %s | %+.3f | %s |\n", against[i].command, pair_diff(&c[j], &c[o], rounds), against[i].target);
	}
}

static void
print_escalated(const struct cmdcfg *c, const struct tools *t, int rounds)
{
	printf("\n# escalated exec: a C driver under `netguard run -p P` starts the static %s (argv\n"
	       "# `%s true`); P jails unhookable programs or allows them; same rounds as above.\n"
	       "# posix_spawn: glibc runs the child, the preload re-routes the spawn through jailexec;\n"
	       "# fork + execve: the exec hook runs in the child, which enters the jail itself\n\n",
	       t->busybox, t->busybox);
	for (int g = 0; g < 2; g++) {
		const struct cmdcfg *b = &c[ESC_ROWS * g];

		printf("%s| %s | ms | added vs allowed (ms) |\n|---|---:|---:|\n", g ? "\n" : "", esc_heads[g]);
		printf("| %s | %.3f | %+.3f |\n", b[0].label, res_median(&b[0], rounds), pair_diff(&b[0], &b[1], rounds));
		printf("| %s | %.3f | — |\n", b[1].label, res_median(&b[1], rounds));
		printf("| %s | %.3f | %+.3f |\n", b[2].label, res_median(&b[2], rounds), pair_diff(&b[2], &b[1], rounds));
	}
}

int
jail_main(int argc, char **argv)
{
	struct tools t;
	struct worker w[NW];
	struct cmdcfg c[NSB + 2 * ESC_ROWS];
	char dir[] = "/tmp/ngbench-jail-XXXXXX", conf[NW][PATH_MAX], logfile[NW][PATH_MAX];
	char notes[4096] = "";
	char *true_av[] = { "/bin/true", NULL };
	int rounds = argc > 2 ? atoi(argv[2]) : 21, nc, nj, esc;

	if (rounds < 1)
		rounds = 1;
	alarm(600);
	find_tools(&t);
	if (!mkdtemp(dir))
		die("mkdtemp");
	for (int k = W_PLAIN + 1; k < NW; k++) {
		snprintf(conf[k], sizeof(conf[k]), "%s/%s.conf", dir, workers[k].unhookable);
		snprintf(logfile[k], sizeof(logfile[k]), "%s/%s.log", dir, workers[k].unhookable);
		write_small_policy(conf[k], workers[k].unhookable, logfile[k]);
	}

	memset(c, 0, sizeof(c));
	start_cmd_worker(&w[W_PLAIN], workers[W_PLAIN].label, &t, NULL, 0);
	nj = nc = add_sandbox_rows(c, &w[W_PLAIN], &t, true_av, RUN_TRUE, 0, notes, sizeof(notes));
	esc = add_escalated_rows(c, nc, w, &t, conf, notes, sizeof(notes));
	nc += esc;

	run_cmd_table(c, nc, w, rounds, 40, 5, 20);
	worker_stop(&w[W_PLAIN]);
	if (esc)
		for (int k = W_PLAIN + 1; k < NW; k++)
			worker_stop(&w[k]);

	print_header_line("jail", rounds, c, nc);
	print_cmd_table(c, nj, 0, rounds, "command");
	if (notes[0])
		printf("\n%s", notes);
	print_against(c, nj, rounds);
	if (esc)
		print_escalated(&c[nj], &t, rounds);
	for (int k = W_PLAIN + 1; k < NW; k++) {
		unlink(conf[k]);
		unlink(logfile[k]);
	}
	rmdir(dir);
	return 0;
}
