/*
 * The macros that turn preload/hooks.def into code.  A consumer defines
 *
 *   NG_GEN(RET, NAME, (TYPES), (PARAMS), (ARGS), (CASTS), SYSNR)
 *   NG_GENV(NAME, (TYPES), (PARAMS), (ARGS), (CASTS), SYSNR)    void hooks
 *   NG_GENRES(RET, NAME, (TYPES), (PARAMS), (ARGS))             resolver hooks
 *   NG_MANUAL(RET, NAME, (TYPES))
 *
 * includes "preload/hooks.def", and undefines them: PARAMS names the
 * arguments a1..an, ARGS lists them, CASTS converts syscall()'s long
 * arguments a[0]..a[n-1] to the hook's types.
 */
#ifndef NG_PRELOAD_HOOKS_H
#define NG_PRELOAD_HOOKS_H

#include <sys/syscall.h>

/* no syscall() number is routed to this hook */
#define NG_NOSYS (-1L)
/* numbers that only some architectures have (aarch64 has no dup2) */
#ifdef SYS_dup2
#define NG_SYS_DUP2 SYS_dup2
#else
#define NG_SYS_DUP2 NG_NOSYS
#endif
#ifdef SYS_close_range
#define NG_SYS_CLOSE_RANGE SYS_close_range
#else
#define NG_SYS_CLOSE_RANGE NG_NOSYS
#endif

#define NG_HOOK1(r, name, t1, s) \
	NG_GEN(r, name, (t1), (t1 a1), (a1), ((t1)a[0]), s)
#define NG_RES1(r, name, t1) \
	NG_GENRES(r, name, (t1), (t1 a1), (a1))
#define NG_HOOK2(r, name, t1, t2, s) \
	NG_GEN(r, name, (t1, t2), (t1 a1, t2 a2), (a1, a2), ((t1)a[0], (t2)a[1]), s)
#define NG_RES2(r, name, t1, t2) \
	NG_GENRES(r, name, (t1, t2), (t1 a1, t2 a2), (a1, a2))
#define NG_HOOK3(r, name, t1, t2, t3, s) \
	NG_GEN(r, name, (t1, t2, t3), (t1 a1, t2 a2, t3 a3), (a1, a2, a3), ((t1)a[0], (t2)a[1], (t3)a[2]), s)
#define NG_RES3(r, name, t1, t2, t3) \
	NG_GENRES(r, name, (t1, t2, t3), (t1 a1, t2 a2, t3 a3), (a1, a2, a3))
#define NG_HOOK4(r, name, t1, t2, t3, t4, s) \
	NG_GEN(r, name, (t1, t2, t3, t4), (t1 a1, t2 a2, t3 a3, t4 a4), (a1, a2, a3, a4), ((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3]), s)
#define NG_RES4(r, name, t1, t2, t3, t4) \
	NG_GENRES(r, name, (t1, t2, t3, t4), (t1 a1, t2 a2, t3 a3, t4 a4), (a1, a2, a3, a4))
#define NG_HOOK5(r, name, t1, t2, t3, t4, t5, s) \
	NG_GEN(r, name, (t1, t2, t3, t4, t5), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5), (a1, a2, a3, a4, a5), ((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4]), s)
#define NG_RES5(r, name, t1, t2, t3, t4, t5) \
	NG_GENRES(r, name, (t1, t2, t3, t4, t5), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5), (a1, a2, a3, a4, a5))
#define NG_HOOK6(r, name, t1, t2, t3, t4, t5, t6, s) \
	NG_GEN(r, name, (t1, t2, t3, t4, t5, t6), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6), (a1, a2, a3, a4, a5, a6), ((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4], (t6)a[5]), s)
#define NG_RES6(r, name, t1, t2, t3, t4, t5, t6) \
	NG_GENRES(r, name, (t1, t2, t3, t4, t5, t6), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6), (a1, a2, a3, a4, a5, a6))
#define NG_HOOK7(r, name, t1, t2, t3, t4, t5, t6, t7, s) \
	NG_GEN(r, name, (t1, t2, t3, t4, t5, t6, t7), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6, t7 a7), (a1, a2, a3, a4, a5, a6, a7), ((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4], (t6)a[5], (t7)a[6]), s)
#define NG_RES7(r, name, t1, t2, t3, t4, t5, t6, t7) \
	NG_GENRES(r, name, (t1, t2, t3, t4, t5, t6, t7), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6, t7 a7), (a1, a2, a3, a4, a5, a6, a7))
#define NG_HOOK8(r, name, t1, t2, t3, t4, t5, t6, t7, t8, s) \
	NG_GEN(r, name, (t1, t2, t3, t4, t5, t6, t7, t8), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6, t7 a7, t8 a8), (a1, a2, a3, a4, a5, a6, a7, a8), ((t1)a[0], (t2)a[1], (t3)a[2], (t4)a[3], (t5)a[4], (t6)a[5], (t7)a[6], (t8)a[7]), s)
#define NG_RES8(r, name, t1, t2, t3, t4, t5, t6, t7, t8) \
	NG_GENRES(r, name, (t1, t2, t3, t4, t5, t6, t7, t8), (t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6, t7 a7, t8 a8), (a1, a2, a3, a4, a5, a6, a7, a8))
#define NG_HOOKV1(name, t1, s) NG_GENV(name, (t1), (t1 a1), (a1), ((t1)a[0]), s)

#endif
