/*
 * ELF inspection: what kind of executable a file is (elf.c).
 * Async-signal-safe: raw pread into stack buffers, no allocation.
 */
#ifndef NG_LIB_ELF_H
#define NG_LIB_ELF_H

#include <stddef.h>

#define NG_ELF_STATIC     0x01u	/* no PT_INTERP */
#define NG_ELF_GO         0x02u	/* .note.go.buildid / .go.buildinfo */
#define NG_ELF_FOREIGN    0x04u	/* interpreter is not glibc's ld.so */
#define NG_ELF_URING      0x08u	/* DT_NEEDED liburing */
#define NG_ELF_CLASS      0x10u	/* another ELF class or machine */
#define NG_ELF_NOT_ELF    0x20u	/* not an ELF file (script, data) */
#define NG_ELF_BAD        0x40u	/* malformed */
#define NG_ELF_UNREADABLE 0x80u	/* executable but not readable by this user: unknown */
#define NG_ELF_ASAN       0x100u	/* DT_NEEDED libasan: its runtime must be loaded first */

/* The NG_ELF_* flags of the image in fd. */
unsigned ng_elf_inspect(int fd);
/* The same; with NG_ELF_ASAN, the libasan soname it needs into asan. */
unsigned ng_elf_inspect_ex(int fd, char *asan, size_t asz);
/* Human words for flags ("statically linked", "Go binary", ...), into buf. */
const char *ng_elf_describe(unsigned flags, char *buf, size_t n);

#endif
