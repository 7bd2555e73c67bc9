/*
 * The sticky environment.  At init the library captures its own absolute
 * path, LD_PRELOAD and every NETGUARD_* variable; every program started
 * afterwards gets them back, whatever the program did to its environment
 * (env -i, unsetenv, NETGUARD_POLICY=$HOME/open.conf).  The loader's
 * environment is the root's too: LD_PRELOAD is rebuilt from the root's
 * (an ASan runtime first, then the library, then the root's other
 * entries) and LD_AUDIT is removed, so no program can make an allowed
 * child load code of its choosing.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "ng.h"

extern char **environ;

static const char *const sticky_names[] = {
	"NETGUARD_POLICY", "NETGUARD_LOG", "NETGUARD_MODE", "NETGUARD_JAILEXEC", "NETGUARD_SNAPSHOT",
	"NETGUARD_ROOTNS", NULL
};

NG_STARTUP void
ng_env_capture(void)
{
	const char *p;

	ng.nsticky = 0;
	for (int i = 0; sticky_names[i] && ng.nsticky < NG_MAX_STICKY; i++) {
		int snap = strcmp(sticky_names[i], "NETGUARD_SNAPSHOT") == 0;
		const char *v = ng_env_get(environ, sticky_names[i]);
		char name[32];

		if (ng.secure && !snap && strcmp(sticky_names[i], "NETGUARD_ROOTNS") != 0)
			continue;
		if (!v)
			continue;
		ng_strlcpy(name, sticky_names[i], sizeof(name));
		ng_strlcat(name, "=", sizeof(name));
		/* the snapshot's entry is rewritten in place when its fd moves */
		ng.sticky[ng.nsticky++] = ng_pool_put(name, v, snap ? NG_SNAP_ENTRY : 0);
	}
	p = ng_env_get(environ, "LD_PRELOAD");
	ng.preload_env = ng_pool_put(p ? p : "", "", 0);
}

size_t
ng_env_count(char *const envp[])
{
	size_t n = 0;

	while (envp && envp[n])
		n++;
	return n;
}

static int
is_self(const char *entry, size_t len)
{
	const char *b;
	size_t blen;

	if (!len)
		return 0;
	if (ng.self && strlen(ng.self) == len && strncmp(entry, ng.self, len) == 0)
		return 1;
	/* the bare name form: LD_PRELOAD=libnetguard.so */
	b = memrchr(entry, '/', len);
	b = b ? b + 1 : entry;
	blen = len - (size_t)(b - entry);
	return blen == 14 && strncmp(b, "libnetguard.so", 14) == 0;
}

/* is entry [p, p+len) an ASan runtime? */
static int
is_asan(const char *p, size_t len)
{
	const char *b = memrchr(p, '/', len);

	b = b ? b + 1 : p;
	return (size_t)(p + len - b) >= 10 && strncmp(b, "libasan.so", 10) == 0;
}

static void
append(char *buf, size_t n, const char *p, size_t len)
{
	char one[PATH_MAX];

	if (!len || len >= sizeof(one))
		return;
	memcpy(one, p, len);
	one[len] = '\0';
	if (buf[0])
		ng_strlcat(buf, ":", n);
	ng_strlcat(buf, one, n);
}

/* the entries of the root's LD_PRELOAD that are (asan 1) or are not (0)
 * ASan runtimes, leaving out every libnetguard.so */
static void
append_root(char *buf, size_t n, int asan)
{
	for (const char *p = ng.preload_env ? ng.preload_env : ""; *p;) {
		size_t len = strcspn(p, ": ");

		if (len && !is_self(p, len) && is_asan(p, len) == asan)
			append(buf, n, p, len);
		p += len;
		if (*p)
			p++;
	}
}

/*
 * LD_PRELOAD for a child: the tree root's, whatever the program did to its
 * own -- an ASan runtime first (the root's, or the one the target program
 * needs), then this very library by its absolute path, then the root's
 * other entries.  An entry the program added is dropped: it would load
 * native code of the program's choosing into an allowed child, whose
 * constructor could make system calls the library never sees.  A
 * libnetguard.so look-alike anywhere is the real library.
 */
static const char *
child_preload(const char *first, char *buf, size_t n)
{
	const char *self = ng.self && ng.self[0] ? ng.self : "libnetguard.so";

	buf[0] = '\0';
	append_root(buf, n, 1);
	if (first && !buf[0])
		ng_strlcpy(buf, first, n);	/* a program linked with ASan aborts unless its runtime comes first */
	append(buf, n, self, strlen(self));
	append_root(buf, n, 0);
	return buf;
}

char **
ng_env_child(char *const envp[], char **out, size_t cap, char *strbuf, size_t strsz, int no_preload,
	     const char *first)
{
	size_t n = 0;
	const char *pre;

	for (size_t i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0 || strncmp(envp[i], "LD_AUDIT=", 9) == 0)
			continue;	/* the root's, below: never the program's */
		if (strncmp(envp[i], "NETGUARD_", 9) == 0)
			continue;
		if (n + 1 < cap)
			out[n++] = envp[i];
	}
	for (int i = 0; i < ng.nsticky; i++)
		if (n + 1 < cap)
			out[n++] = ng.sticky[i];
	if (!no_preload) {
		char tmp[PATH_MAX * 2];

		pre = child_preload(first, tmp, sizeof(tmp));
		if (pre && n + 1 < cap) {
			ng_strlcpy(strbuf, "LD_PRELOAD=", strsz);
			ng_strlcat(strbuf, pre, strsz);
			out[n++] = strbuf;
		}
	}
	out[n] = NULL;
	return out;
}

/* Before system()/popen(): /bin/sh inherits environ itself. */
void
ng_env_restore_environ(void)
{
	char tmp[PATH_MAX * 2];
	const char *pre;

	for (char **e = environ; e && *e;) {
		if (strncmp(*e, "NETGUARD_", 9) == 0) {
			char name[64];
			size_t len = strcspn(*e, "=");

			if (len < sizeof(name)) {
				memcpy(name, *e, len);
				name[len] = '\0';
				unsetenv(name);
				e = environ;
				continue;
			}
		}
		e++;
	}
	for (int i = 0; i < ng.nsticky; i++) {
		char name[64];
		size_t len = strcspn(ng.sticky[i], "=");

		memcpy(name, ng.sticky[i], len);
		name[len] = '\0';
		setenv(name, ng.sticky[i] + len + 1, 1);
	}
	pre = child_preload(NULL, tmp, sizeof(tmp));
	if (pre)
		setenv("LD_PRELOAD", pre, 1);
	unsetenv("LD_AUDIT");
}
