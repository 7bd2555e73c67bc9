/*
 * What the modes of bench-spawn share: the command worker, the tables of
 * timed commands, the tools, and the sandboxes (spawn-common.h).
 */
#include "config.h"

#include <stdarg.h>

#include "bench/spawn-common.h"

const char *
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

/* ---- the command worker ------------------------------------------------- */

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

int
cmd_worker(int argc, char **argv)
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

/* ---- tables of timed commands ------------------------------------------- */

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
void
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
double
pair_diff(const struct cmdcfg *a, const struct cmdcfg *b, int rounds)
{
	double *d = calloc((size_t)rounds, sizeof(double)), m;

	for (int r = 0; r < rounds; r++)
		d[r] = a->res[r] - b->res[r];
	m = median(d, rounds);
	free(d);
	return m;
}

double
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
void
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

/* ---- tools, workers, policies ------------------------------------------- */

void
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
void
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
int
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

int
check_netns(struct worker *w, char *const av[], int want, char *why, size_t whysz)
{
	return check_netns_how(w, 0, av, want, why, whysz);
}

/* fill argv: prefix (NULL-terminated list) then the program's own */
void
set_av(char **out, char *const *prefix, char *const *prog)
{
	int k = 0;

	for (int i = 0; prefix && prefix[i]; i++)
		out[k++] = prefix[i];
	for (int i = 0; prog[i]; i++)
		out[k++] = prog[i];
	out[k] = NULL;
}

void
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

/* notes[] += one line */
void
add_note(char *notes, size_t notesz, const char *fmt, ...)
{
	size_t l = strlen(notes);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(notes + l, notesz - l, fmt, ap);
	va_end(ap);
}

/* ---- the sandboxes ------------------------------------------------------ */

/*
 * The sandboxes that start a program in a new network namespace: the tool,
 * the arguments before the program, and the table labels.  `true` is given
 * by name where the spec writes it so (true_by_name); /bin/true and node
 * otherwise by path.  The extra ones are measured in the jail table only.
 */
enum { TOOL_NONE, TOOL_JAIL, TOOL_UNSHARE, TOOL_BWRAP, TOOL_FIREJAIL };

static const struct sandbox {
	const char *label[2];		/* [RUN_TRUE], [RUN_NODE] */
	int tool;
	const char *args[5];
	int extra, true_by_name;
} sandboxes[NSB] = {
	[SB_PLAIN] = { { "`/bin/true`", "`node -e 0`" }, TOOL_NONE, { NULL }, 0, 0 },
	[SB_JAIL] = { { "`jailexec -- /bin/true`", "`jailexec -- node -e 0`" }, TOOL_JAIL, { "--" }, 0, 0 },
	[SB_JAIL_NONE] = { { "`jailexec -n none -- /bin/true`", "`jailexec -n none -- node -e 0`" },
			   TOOL_JAIL, { "-n", "none", "--" }, 1, 0 },
	[SB_UNSHARE] = { { "`unshare -rn true`", "`unshare -rn node -e 0`" }, TOOL_UNSHARE, { "-rn" }, 0, 1 },
	[SB_UNSHARE_M] = { { "`unshare -rnm true` (+ a mount namespace)", "`unshare -rnm node -e 0`" },
			   TOOL_UNSHARE, { "-rnm" }, 1, 1 },
	[SB_BWRAP] = { { "`bwrap --unshare-net --ro-bind / / true`", "`bwrap --unshare-net --ro-bind / / node -e 0`" },
		       TOOL_BWRAP, { "--unshare-net", "--ro-bind", "/", "/" }, 0, 1 },
	[SB_FIREJAIL] = { { "`firejail --noprofile --net=none true`", "`firejail --noprofile --net=none node -e 0`" },
			  TOOL_FIREJAIL, { "--noprofile", "--net=none" }, 0, 1 },
};

const char *
sandbox_label(int sb, int run)
{
	return sandboxes[sb].label[run];
}

/* the tool's path, NULL when it is not installed */
static const char *
tool_path(const struct tools *t, int tool)
{
	switch (tool) {
	case TOOL_JAIL:
		return t->jail;
	case TOOL_UNSHARE:
		return t->unshare;
	case TOOL_BWRAP:
		return t->have_bwrap ? t->bwrap : NULL;
	case TOOL_FIREJAIL:
		return t->have_firejail ? t->firejail : NULL;
	}
	return NULL;
}

/* pre[]: the sandbox's argv before the program, NULL-terminated; -1 if not installed */
static int
sandbox_prefix(const struct tools *t, const struct sandbox *sb, char **pre)
{
	int a = 0;

	if (sb->tool != TOOL_NONE) {
		const char *path = tool_path(t, sb->tool);

		if (!path)
			return -1;
		pre[a++] = (char *)path;
		for (int i = 0; sb->args[i]; i++)
			pre[a++] = (char *)sb->args[i];
	}
	pre[a] = NULL;
	return 0;
}

/*
 * Add the sandbox rows for prog (argv, NULL-terminated; run says which
 * labels) to c[], checking each really starts it in a new network
 * namespace (probe: the same sandbox running `readlink /proc/self/ns/net`).
 * Returns the row count; notes[] gets a line per sandbox left out.
 */
int
add_sandbox_rows(struct cmdcfg *c, struct worker *w0, const struct tools *t, char *const prog[], int run,
		 int skip_extra, char *notes, size_t notesz)
{
	char *readlink_av[] = { "/bin/readlink", "/proc/self/ns/net", NULL };
	char *true_av[] = { "true", NULL };	/* by name, as the spec writes it */
	int n = 0;

	for (int k = 0; k < NSB; k++) {
		const struct sandbox *sb = &sandboxes[k];
		char *pre[8], *probe[MAXARGS], why[512];

		if (sb->extra && skip_extra)
			continue;
		if (sandbox_prefix(t, sb, pre) < 0) {
			add_note(notes, notesz, "%s: not installed, left out\n", sb->label[run]);
			continue;
		}
		set_av(probe, pre, readlink_av);
		if (k != SB_PLAIN && !check_netns(w0, probe, 1, why, sizeof(why))) {
			add_note(notes, notesz, "%s: could not run here (%s), left out\n", sb->label[run], why);
			continue;
		}
		c[n].label = sb->label[run];
		c[n].w = 0;
		set_av(c[n].av, pre, sb->true_by_name && strcmp(prog[0], "/bin/true") == 0 ? true_av : prog);
		n++;
	}
	return n;
}

int
find_row(const struct cmdcfg *c, int nc, const char *label)
{
	for (int k = 0; k < nc; k++)
		if (strcmp(c[k].label, label) == 0)
			return k;
	return -1;
}

void
print_header_line(const char *what, int rounds, const struct cmdcfg *c, int nc)
{
	printf("# %s: median over %d interleaved rounds of the batch median (posix_spawn + waitpid from a C\n"
	       "# driver, stdout/stderr to /dev/null); spawns per batch, in row order:", what, rounds);
	for (int k = 0; k < nc; k++)
		printf(" %d", c[k].batch);
	printf(";\n# \"added\" and \"×\" = median over rounds of (row - first row) and of (row / first row) in the\n# same round\n\n");
}
