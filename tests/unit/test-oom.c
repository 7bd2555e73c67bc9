/*
 * Out of memory in the loader and the compiler: every allocation they make
 * is failed in turn (alone, then with every one after it), and each time
 * the load or compile must fail cleanly -- return -1, report "out of
 * memory" among its diagnostics, leave nothing allocated -- instead of
 * aborting or crashing.
 *
 * The allocator is replaced at link time (-Wl,--wrap=malloc,...), which
 * reaches the calls of our own code only, not those inside libconfig or
 * PCRE2.
 */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "policy/policy.h"
#include "tests/tap.h"

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_vasprintf(char **out, const char *fmt, va_list ap);
void __real_free(void *p);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
char *__wrap_strndup(const char *s, size_t n);
int __wrap_vasprintf(char **out, const char *fmt, va_list ap);
void __wrap_free(void *p);

static long nalloc;		/* allocations asked for since counting started */
static long fail_at = -1;	/* the one to fail; -1: none */
static int fail_rest;		/* and every one after it */
static long live;		/* blocks handed out and not yet freed */

static int
refuse(void)
{
	long n = nalloc++;

	return fail_at >= 0 && (n == fail_at || (fail_rest && n > fail_at));
}

static void *
counted(void *p)
{
	if (p)
		live++;
	return p;
}

void *
__wrap_malloc(size_t n)
{
	return refuse() ? NULL : counted(__real_malloc(n));
}

void *
__wrap_calloc(size_t n, size_t size)
{
	return refuse() ? NULL : counted(__real_calloc(n, size));
}

void *
__wrap_realloc(void *p, size_t n)
{
	void *q;

	if (refuse())
		return NULL;
	q = __real_realloc(p, n);
	return p ? q : counted(q);
}

char *
__wrap_strdup(const char *s)
{
	return refuse() ? NULL : counted(__real_strdup(s));
}

char *
__wrap_strndup(const char *s, size_t n)
{
	return refuse() ? NULL : counted(__real_strndup(s, n));
}

int
__wrap_vasprintf(char **out, const char *fmt, va_list ap)
{
	int n;

	if (refuse())
		return -1;
	n = __real_vasprintf(out, fmt, ap);
	if (n >= 0)
		live++;
	return n;
}

void
__wrap_free(void *p)
{
	if (p)
		live--;
	__real_free(p);
}

/* ---- the runs ---------------------------------------------------------- */

/* every target kind, lists, exec rules, a file log sink: every allocation the loader makes */
static const char good_text[] =
	"version = 1; mode = \"audit\"; default = \"deny\";\n"
	"log = { sink = \"file:/var/log/ng.log\"; format = \"json\"; };\n"
	"dns = { ttl = 60; max_entries = 100; };\n"
	"lists = { meta = ( \"169.254.169.254\", \"fd00:ec2::254\" ); };\n"
	"guard = ( { name = \"g\"; to = ( \"@meta\", \"unix:/run/docker.sock\" ); proto = \"tcp\"; } );\n"
	"rules = (\n"
	" { name = \"a\"; action = \"allow\"; to = ( \"api.example.com\", \".example.org\", \"*.cdn.example\" ); },\n"
	" { name = \"r\"; action = \"allow\"; to = ( \"~api-[0-9]+\\\\.corp\\\\.example\", \"~(a|b)+x\" );\n"
	"   ports = ( 443, \"8000-8080\" ); exe = ( \"*/node\" ); },\n"
	" { name = \"n\"; action = \"deny\"; to = ( \"10.0.0.0/8\", \"2001:db8::/32\", \"::ffff:1.2.3.4\", \"unix:@*\" ); },\n"
	" { name = \"s\"; action = \"allow\"; to = ( \"*\" ); proto = \"udp\"; },\n"
	" { name = \"any\"; action = \"allow\"; ports = ( 22 ); }\n"
	");\n"
	"exec = { rules = ( { name = \"t\"; program = ( \"@network_tools\" ); argv0 = ( \"x*\" ); action = \"jail\"; } ); };\n";

/* errors of every kind, each with its message to format */
static const char bad_text[] =
	"version = 2; mode = \"loud\"; bogus = 1;\n"
	"log = { sink = \"file:rel\"; allowed = 3; };\n"
	"dns = { ttl = -1; };\n"
	"rules = (\n"
	" { name = \"a\"; action = \"allow\"; to = ( \"a*.b\", \"10.0.0.1/8\", \"@nope\", \"~(\" ); ports = ( 0, \"9-8\" ); },\n"
	" { name = \"a\"; action = \"maybe\"; to = \"x\"; },\n"
	" { to = ( \"127.1\" ); }\n"
	");\n";

static int
has_oom(const struct ng_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].sev == NG_SEV_ERROR && strcmp(d->v[i].msg, "out of memory") == 0)
			return 1;
	return 0;
}

/* Compile the file at path; 0 or -1.  Everything freed before it returns. */
static int
run_file(const char *path, struct ng_diags *d)
{
	struct ng_blob b = { 0 };
	int rc = ng_compile_file(path, 0, &b, d);

	ng_blob_free(&b);
	return rc;
}

/* The same, with the warnings of `netguard check`. */
static int
run_lint(const char *path, struct ng_diags *d)
{
	struct ng_blob b = { 0 };
	int rc = ng_compile_file(path, 1, &b, d);

	ng_blob_free(&b);
	return rc;
}

static int
run_builtin(const char *unused, struct ng_diags *d)
{
	struct ng_blob b = { 0 };
	int rc = ng_compile_builtin(&b, d);

	(void)unused;
	ng_blob_free(&b);
	return rc;
}

typedef int (*run_fn)(const char *path, struct ng_diags *d);

/* One run with allocation k failing (and, with rest, all after it). */
static int
run_failing(run_fn fn, const char *path, long k, int rest, char *why, size_t whysz)
{
	struct ng_diags d = { 0 };
	int rc, oom;

	nalloc = 0;
	live = 0;
	fail_at = k;
	fail_rest = rest;
	rc = fn(path, &d);
	oom = has_oom(&d);
	ng_diags_free(&d);
	fail_at = -1;
	if (rc != -1 || !oom || live != 0) {
		snprintf(why, whysz, "allocation %ld%s: rc %d, %s, %ld blocks left", k, rest ? " and on" : "", rc,
			 oom ? "out of memory reported" : "no out of memory", live);
		return -1;
	}
	return 0;
}

static void
test_run(const char *what, run_fn fn, const char *path, int want_rc)
{
	struct ng_diags d = { 0 };
	long total;
	int rc, bad = 0;
	char why[200] = "";

	nalloc = 0;
	live = 0;
	rc = fn(path, &d);
	total = nalloc;
	tap_ok(rc == want_rc && !has_oom(&d) && (want_rc < 0 ? d.errors > 0 : d.errors == 0) && total > 10,
	       "%s: rc %d with every allocation (%ld of them)", what, rc, total);
	ng_diags_free(&d);
	tap_ok(live == 0, "%s: nothing left allocated (%ld blocks)", what, live);
	for (int rest = 0; rest <= 1; rest++) {
		for (long k = 0; k < total && !bad; k++)
			bad = run_failing(fn, path, k, rest, why, sizeof(why)) < 0;
		tap_ok(!bad, "%s: %s of the %ld allocations fails: -1, \"out of memory\", nothing leaked%s%s", what,
		       rest ? "from each on, every one" : "each one alone", total, bad ? ": " : "", why);
		bad = 0;
	}
}

static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[300];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "w")))
		return -1;
	fputs(text, f);
	return fclose(f);
}

/*
 * The policies, as files: the two above, and one in two files for
 * @include, the file reader and lint (which warns that "b" is shadowed
 * by "a" and that "c" has only address targets).
 */
static int
write_files(const char *dir)
{
	if (write_file(dir, "good.conf", good_text) < 0 || write_file(dir, "bad.conf", bad_text) < 0 ||
	    write_file(dir, "main.conf", "version = 1;\n@include \"rules.conf\"\n") < 0)
		return -1;
	return write_file(dir, "rules.conf",
			  "rules = ( { name = \"a\"; action = \"allow\"; to = ( \".example.com\" ); },\n"
			  "  { name = \"b\"; action = \"allow\"; to = ( \"x.example.com\" ); },\n"
			  "  { name = \"c\"; action = \"allow\"; to = ( \"192.0.2.1\" ); } );\n");
}

static void
remove_files(const char *dir)
{
	static const char *const names[] = { "good.conf", "bad.conf", "main.conf", "rules.conf" };
	char path[300];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		unlink(path);
	}
	rmdir(dir);
}

int
main(void)
{
	char dir[] = "/tmp/ng-oom-XXXXXX", path[300];

	if (!mkdtemp(dir) || write_files(dir) < 0) {
		tap_ok(0, "write the policies under %s", dir);
		return tap_done();
	}
	snprintf(path, sizeof(path), "%s/good.conf", dir);
	test_run("a policy with every kind of target", run_file, path, 0);
	snprintf(path, sizeof(path), "%s/bad.conf", dir);
	test_run("a policy with errors of every kind", run_file, path, -1);
	snprintf(path, sizeof(path), "%s/main.conf", dir);
	test_run("a policy with @include, checked with warnings", run_lint, path, 0);
	test_run("the built-in default", run_builtin, NULL, 0);
	remove_files(dir);
	return tap_done();
}
