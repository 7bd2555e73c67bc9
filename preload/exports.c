/*
 * The exported symbols, generated from hooks.def: each is one line calling
 * the internal ng_NAME() of its family's file.  Also generated here: the
 * table dlsym/dlvsym substitute from, and the syscall() routing.
 *
 * Only this file defines (and so only this file may reference) an exported
 * hook by name; tests/preload.test checks the objects for that.
 */
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "ng.h"

/* ---- prototypes: libc's headers do not declare every one of these ---------- */
#define NG_GEN(r, name, T, P, A, C, s) NG_EXPORT r name T;
#define NG_GENV(name, T, P, A, C, s) NG_EXPORT void name T;
#define NG_GENRES(r, name, T, P, A) NG_EXPORT r name T; NG_EXPORT r __##name T;
#define NG_MANUAL(r, name, T)
#include "hooks.def"
#undef NG_GEN
#undef NG_GENV
#undef NG_GENRES
#undef NG_MANUAL

/* ---- the exports ------------------------------------------------------------- */
#define NG_GEN(r, name, T, P, A, C, s) NG_EXPORT r name P { return ng_##name A; }
#define NG_GENV(name, T, P, A, C, s) NG_EXPORT void name P { ng_##name A; }
/* glibc's <resolv.h> renames res_query to __res_query and so on: both names */
#define NG_GENRES(r, name, T, P, A) \
	NG_EXPORT r name P { return ng_##name A; } \
	NG_EXPORT r __##name T __attribute__((alias(#name)));
#define NG_MANUAL(r, name, T)
#include "hooks.def"
#undef NG_GEN
#undef NG_GENV
#undef NG_GENRES
#undef NG_MANUAL

/* ---- glibc's exported aliases of hooked functions are the hooks too ------------ */
NG_ALIAS(__connect, connect)
NG_ALIAS(__send, send)
NG_ALIAS(__sendmmsg, sendmmsg)
NG_ALIAS(__socket, socket)
NG_ALIAS(__write, write)
NG_ALIAS(__read, read)
NG_ALIAS(__recv, recv)
NG_ALIAS(__close, close)
NG_ALIAS(__dup2, dup2)
NG_ALIAS(_IO_popen, popen)

/* ---- dlsym / dlvsym: a lookup of a hooked name that lands in libc gets the hook -- */
static const struct {
	const char *name;
	void *fn;
} hooks[] = {
#define NG_GEN(r, name, T, P, A, C, s) { #name, (void *)name },
#define NG_GENV(name, T, P, A, C, s) { #name, (void *)name },
#define NG_GENRES(r, name, T, P, A) { #name, (void *)name }, { "__" #name, (void *)__##name },
#define NG_MANUAL(r, name, T) { #name, (void *)name },
#include "hooks.def"
	{ "__connect", (void *)connect }, { "__send", (void *)send }, { "__sendmmsg", (void *)sendmmsg },
	{ "__socket", (void *)socket }, { "__write", (void *)write }, { "__read", (void *)read },
	{ "__recv", (void *)recv }, { "__close", (void *)close }, { "__dup2", (void *)dup2 },
	{ "__fcntl", (void *)fcntl }, { "__libc_fcntl64", (void *)fcntl64 }, { "_IO_popen", (void *)popen },
#undef NG_GEN
#undef NG_GENV
#undef NG_GENRES
#undef NG_MANUAL
};

/* No libc string functions: the sanitizer runtime calls dlsym (and so
 * this) while it sets up its interceptors, before its strcmp works. */
NG_NOSAN void *
ng_hook_for(const char *name)
{
	for (size_t i = 0; i < sizeof(hooks) / sizeof(hooks[0]); i++) {
		const char *a = hooks[i].name, *b = name;

		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == *b)
			return hooks[i].fn;
	}
	return NULL;
}

/* ---- syscall(): the numbers of hooked calls go to their hooks --------------------- */

/*
 * *routed = 1 and the hook's result, or *routed = 0 for a number no hook
 * takes.  The compiler drops the NG_NOSYS lines: what is left is a dozen
 * compares.
 */
long
ng_syscall_route(long n, const long *a, int *routed)
{
	*routed = 1;
#define NG_GEN(r, name, T, P, A, C, s) if ((s) != NG_NOSYS && n == (s)) return (long)ng_##name C;
#define NG_GENV(name, T, P, A, C, s) if ((s) != NG_NOSYS && n == (s)) { ng_##name C; return 0; }
#define NG_GENRES(r, name, T, P, A)
#define NG_MANUAL(r, name, T)
#include "hooks.def"
#undef NG_GEN
#undef NG_GENV
#undef NG_GENRES
#undef NG_MANUAL
	*routed = 0;
	return 0;
}
