/*
 * Process benchmarks: one program, four modes, a table of bench/RESULTS.md
 * each and a file each:
 *
 *   bench-spawn [ROUNDS]        process start with and without the preload
 *                               (spawn-start.c)
 *   bench-spawn jail [ROUNDS]   the jail: `jailexec -- /bin/true` against
 *                               /bin/true, `unshare -rn`, bwrap, firejail;
 *                               and the escalated exec: a parent under
 *                               `netguard run` spawning the static busybox
 *                               with exec.unhookable = "jail" vs "allow"
 *                               (spawn-jail.c)
 *   bench-spawn exec [ROUNDS]   per execution: `node -e 0` plainly, under
 *                               `netguard run`, as a child in a netguard
 *                               tree, and under each sandbox (spawn-exec.c)
 *   bench-spawn http [ROUNDS]   per request: node http.get to a loopback
 *                               server, plain / under `netguard run` /
 *                               with bench/js-patch.js (JS module
 *                               patching) (spawn-http.c)
 *
 * The modes time programs started by copies of this program, driven over
 * pipes: `--worker` (spawn-start.c) and `--cmd-worker` (spawn-common.c,
 * with what else the modes share).
 */
#include "config.h"

#include "bench/spawn-common.h"

static const struct mode {
	const char *name;		/* argv[1] */
	int (*run)(int argc, char **argv);
} modes[] = {
	{ "--worker", start_worker },
	{ "--cmd-worker", cmd_worker },
	{ "jail", jail_main },
	{ "exec", exec_main },
	{ "http", http_main },
};

int
main(int argc, char **argv)
{
	for (size_t i = 0; argc > 1 && i < sizeof(modes) / sizeof(modes[0]); i++)
		if (strcmp(argv[1], modes[i].name) == 0)
			return modes[i].run(argc, argv);
	return start_main(argc, argv);	/* bench-spawn [ROUNDS] */
}
