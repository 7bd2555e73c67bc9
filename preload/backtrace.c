/*
 * log.backtrace: the native call stack of a denied call, so an operator sees
 * which code tried.  libunwind is loaded only when the policy asks for it,
 * privately (dlopen RTLD_LOCAL): the host program never sees its symbols.
 * Walking the stack allocates nothing (libunwind's local unwinder caches in
 * static storage) and the result goes into the caller's buffer.
 */
#include "config.h"

#include <dlfcn.h>
#include <string.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "ng.h"

static int (*u_getcontext)(unw_context_t *);
static int (*u_init)(unw_cursor_t *, unw_context_t *);
static int (*u_step)(unw_cursor_t *);
static int (*u_name)(unw_cursor_t *, char *, size_t, unw_word_t *);
static int (*u_reg)(unw_cursor_t *, int, unw_word_t *);

/* ng_real.dlsym: our own dlsym is a hook */
#define SYM(var, name) (var = (__typeof__(var))ng_real.dlsym(h, name))

int
ng_bt_init(void)
{
	void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);

	if (!h)
		return -1;
#if defined(__x86_64__)
	SYM(u_getcontext, "_Ux86_64_getcontext");
	SYM(u_init, "_ULx86_64_init_local");
	SYM(u_step, "_ULx86_64_step");
	SYM(u_name, "_ULx86_64_get_proc_name");
	SYM(u_reg, "_ULx86_64_get_reg");
#elif defined(__aarch64__)
	SYM(u_getcontext, "_Uaarch64_getcontext");
	SYM(u_init, "_ULaarch64_init_local");
	SYM(u_step, "_ULaarch64_step");
	SYM(u_name, "_ULaarch64_get_proc_name");
	SYM(u_reg, "_ULaarch64_get_reg");
#endif
	if (!u_getcontext || !u_init || !u_step || !u_name || !u_reg) {
		u_getcontext = NULL;
		return -1;
	}
	return 0;
}

/* "sym+0x1a (module) < caller+0x40 (module) < ..." into buf. */
size_t
ng_bt_format(char *buf, size_t n)
{
	unw_context_t ctx;
	unw_cursor_t cur;
	size_t used = 0;
	int frames = 0;

	buf[0] = '\0';
	if (!u_getcontext || u_getcontext(&ctx) != 0 || u_init(&cur, &ctx) != 0)
		return 0;
	while (u_step(&cur) > 0 && frames < 12) {
		unw_word_t ip = 0, off = 0;
		char sym[128], hex[24];
		const char *mod = "?";
		Dl_info info;

		u_reg(&cur, UNW_REG_IP, &ip);
		if (dladdr((void *)ip, &info) && info.dli_fname) {
			mod = strrchr(info.dli_fname, '/') ? strrchr(info.dli_fname, '/') + 1 : info.dli_fname;
			if (strcmp(mod, "libnetguard.so") == 0)
				continue;	/* our own frames tell nothing */
		}
		if (u_name(&cur, sym, sizeof(sym), &off) != 0)
			ng_strlcpy(sym, "?", sizeof(sym));
		if (frames)
			used = ng_strlcat(buf, " < ", n);
		ng_strlcat(buf, sym, n);
		ng_strlcat(buf, "+0x", n);
		{
			static const char digits[] = "0123456789abcdef";
			int i = 0, j;
			char tmp[20];

			do {
				tmp[i++] = digits[off & 15];
				off >>= 4;
			} while (off && i < 16);
			for (j = 0; j < i; j++)
				hex[j] = tmp[i - 1 - j];
			hex[i] = '\0';
		}
		ng_strlcat(buf, hex, n);
		ng_strlcat(buf, " (", n);
		ng_strlcat(buf, mod, n);
		used = ng_strlcat(buf, ")", n);
		frames++;
		if (used >= n - 1)
			break;
	}
	return used;
}
