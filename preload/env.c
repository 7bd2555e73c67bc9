/*
 * The sticky environment.  At init the library captures its own absolute
 * path, LD_PRELOAD and every NETGUARD_* variable; every program started
 * afterwards gets them back, whatever the program did to its environment
 * (env -i, unsetenv, NETGUARD_POLICY=$HOME/open.conf).  Other LD_PRELOAD
 * entries keep their order; the library is appended if it was removed, so
 * libasan.so stays first in a sanitizer run.
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

void
ng_env_capture(void)
{
	const char *p;

	ng.nsticky = 0;
	for (int i = 0; sticky_names[i] && ng.nsticky < NG_MAX_STICKY; i++) {
		const char *v = getenv(sticky_names[i]);

		if (ng.secure && strcmp(sticky_names[i], "NETGUARD_SNAPSHOT") != 0 &&
		    strcmp(sticky_names[i], "NETGUARD_ROOTNS") != 0)
			continue;
		if (!v)
			continue;
		ng_strlcpy(ng.sticky[ng.nsticky], sticky_names[i], sizeof(ng.sticky[0]));
		ng_strlcat(ng.sticky[ng.nsticky], "=", sizeof(ng.sticky[0]));
		ng_strlcat(ng.sticky[ng.nsticky], v, sizeof(ng.sticky[0]));
		ng.nsticky++;
	}
	p = getenv("LD_PRELOAD");
	ng_strlcpy(ng.preload_env, p ? p : "", sizeof(ng.preload_env));
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
	if (strlen(ng.self) == len && strncmp(entry, ng.self, len) == 0)
		return 1;
	/* the bare name form: LD_PRELOAD=libnetguard.so */
	b = memrchr(entry, '/', len);
	b = b ? b + 1 : entry;
	blen = len - (size_t)(b - entry);
	return blen == 14 && strncmp(b, "libnetguard.so", 14) == 0;
}

/*
 * LD_PRELOAD for a child: the program's entries in order, with every entry
 * that names a libnetguard.so (bare, or in another directory: a child could
 * point LD_LIBRARY_PATH or a path at a look-alike) replaced by this very
 * library's absolute path, once; appended if the program removed it.
 */
/* does LD_PRELOAD already load an ASan runtime first? */
static int
asan_first(const char *cur)
{
	size_t len = strcspn(cur, ": ");
	const char *b = memrchr(cur, '/', len);

	b = b ? b + 1 : cur;
	return strncmp(b, "libasan.so", 10) == 0;
}

static const char *
child_preload(const char *cur, const char *first, char *buf, size_t n)
{
	const char *self = ng.self[0] ? ng.self : "libnetguard.so";
	const char *p;
	int have_self = 0;

	if (!cur)
		cur = ng.preload_env;
	buf[0] = '\0';
	/* a program linked with ASan aborts unless its runtime comes first */
	if (first && !asan_first(cur))
		ng_strlcpy(buf, first, n);
	for (p = cur; *p;) {
		size_t len = strcspn(p, ": ");
		const char *entry = p;
		size_t elen = len;

		if (len && is_self(p, len)) {
			entry = have_self ? NULL : self;
			elen = entry ? strlen(self) : 0;
			have_self = 1;
		}
		if (entry && elen && elen < PATH_MAX) {
			char one[PATH_MAX];

			memcpy(one, entry, elen);
			one[elen] = '\0';
			if (buf[0])
				ng_strlcat(buf, ":", n);
			ng_strlcat(buf, one, n);
		}
		p += len;	/* the entry's own length, not its replacement's */
		if (*p)
			p++;
	}
	if (!have_self) {
		if (buf[0])
			ng_strlcat(buf, ":", n);
		ng_strlcat(buf, self, n);
	}
	return buf;
}

char **
ng_env_child(char *const envp[], char **out, size_t cap, char *strbuf, size_t strsz, int no_preload,
	     const char *first)
{
	size_t n = 0;
	const char *cur_preload = NULL;
	const char *pre;

	for (size_t i = 0; envp && envp[i]; i++) {
		if (strncmp(envp[i], "LD_PRELOAD=", 11) == 0) {
			cur_preload = envp[i] + 11;
			continue;
		}
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

		pre = child_preload(cur_preload, first, tmp, sizeof(tmp));
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
	pre = child_preload(getenv("LD_PRELOAD"), NULL, tmp, sizeof(tmp));
	if (pre)
		setenv("LD_PRELOAD", pre, 1);
}
