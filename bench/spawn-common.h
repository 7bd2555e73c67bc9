/*
 * What the modes of bench-spawn share (spawn-common.c): the command worker
 * they drive, the tables of timed commands, the tools they run, and the
 * sandboxes that start a program in a new network namespace.
 */
#ifndef NG_SPAWN_COMMON_H
#define NG_SPAWN_COMMON_H

#include <limits.h>

#include "bench/bench-common.h"

/* the modes, one file each */
int start_worker(int argc, char **argv);	/* spawn-start.c: --worker */
int start_main(int argc, char **argv);		/* spawn-start.c: bench-spawn [ROUNDS] */
int jail_main(int argc, char **argv);		/* spawn-jail.c */
int exec_main(int argc, char **argv);		/* spawn-exec.c */
int http_main(int argc, char **argv);		/* spawn-http.c */

const char *find_in_path(const char *prog, char *out, size_t n);

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
int cmd_worker(int argc, char **argv);

#define MAXARGS 24

/* one row of a table of timed commands */
struct cmdcfg {
	const char *label;		/* the table's first column */
	int w;				/* the worker that runs it */
	int fork;			/* fork + execve ("fgo"), not posix_spawn */
	char *av[MAXARGS];
	int batch;
	double *res;			/* ms, per round */
};

void run_cmd_table(struct cmdcfg *c, int nc, struct worker *w, int rounds, double budget_ms, int minb, int maxb);
double pair_diff(const struct cmdcfg *a, const struct cmdcfg *b, int rounds);
double res_median(const struct cmdcfg *c, int rounds);
void print_cmd_table(const struct cmdcfg *c, int nc, int base, int rounds, const char *head);
void print_header_line(const char *what, int rounds, const struct cmdcfg *c, int nc);
int find_row(const struct cmdcfg *c, int nc, const char *label);

struct tools {
	char self[PATH_MAX], ng[PATH_MAX], jail[PATH_MAX], unshare[PATH_MAX], bwrap[PATH_MAX], firejail[PATH_MAX],
		node[PATH_MAX], busybox[PATH_MAX];
	int have_bwrap, have_firejail, have_node, have_busybox;
};

void find_tools(struct tools *t);
void start_cmd_worker(struct worker *w, const char *label, const struct tools *t, const char *conf, int want_preload);
int check_netns_how(struct worker *w, int use_fork, char *const av[], int want, char *why, size_t whysz);
int check_netns(struct worker *w, char *const av[], int want, char *why, size_t whysz);
void set_av(char **out, char *const *prefix, char *const *prog);
void write_small_policy(const char *path, const char *unhookable, const char *logfile);
void add_note(char *notes, size_t notesz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The sandboxes (spawn-common.c has their table), in table order. */
enum { SB_PLAIN, SB_JAIL, SB_JAIL_NONE, SB_UNSHARE, SB_UNSHARE_M, SB_BWRAP, SB_FIREJAIL, NSB };
/* what they run: /bin/true (the jail table) or `node -e 0` (per execution) */
enum { RUN_TRUE, RUN_NODE };

const char *sandbox_label(int sb, int run);
int add_sandbox_rows(struct cmdcfg *c, struct worker *w0, const struct tools *t, char *const prog[], int run,
		     int skip_extra, char *notes, size_t notesz);

#endif
