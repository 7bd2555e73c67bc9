/*
 * What kind of executable is this?  Shared by the preload's exec hooks
 * (which run between vfork and exec: raw pread into stack buffers only, no
 * allocation, async-signal-safe) and by `netguard explain exec`.  Facts
 * only: which of them make a program unhookable is the policy's call.
 *
 * Flags: no PT_INTERP (static), a Go binary (raw syscalls even when
 * dynamically linked: .note.go.buildid / .go.buildinfo, or a "Go" note), an
 * interpreter that is not glibc's ld.so (musl), DT_NEEDED liburing (io_uring
 * submits I/O without any libc call), or an ELF class/machine this library
 * cannot be loaded into.
 */
#include "config.h"

#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>

#include "lib/elf.h"
#include "lib/sys.h"

#if defined(__x86_64__)
#define NATIVE_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define NATIVE_MACHINE EM_AARCH64
#elif defined(__i386__)
#define NATIVE_MACHINE EM_386
#else
#define NATIVE_MACHINE EM_NONE
#endif

#if UINTPTR_MAX == 0xffffffffu
#define NATIVE_CLASS ELFCLASS32
typedef Elf32_Ehdr Ehdr;
typedef Elf32_Phdr Phdr;
typedef Elf32_Shdr Shdr;
typedef Elf32_Dyn Dyn;
typedef Elf32_Nhdr Nhdr;
#else
#define NATIVE_CLASS ELFCLASS64
typedef Elf64_Ehdr Ehdr;
typedef Elf64_Phdr Phdr;
typedef Elf64_Shdr Shdr;
typedef Elf64_Dyn Dyn;
typedef Elf64_Nhdr Nhdr;
#endif

#define MAX_PHDRS 128
#define MAX_SHDRS 512

/* pread by the raw syscall: in the preload, this runs in vfork children */
static long
pread_raw(int fd, void *buf, size_t n, off_t off)
{
	return ng_sys(SYS_pread64, fd, buf, n, off);
}

static int
rd(int fd, void *buf, size_t n, off_t off)
{
	return pread_raw(fd, buf, n, off) == (long)n ? 0 : -1;
}

/* Map a virtual address to a file offset through the PT_LOAD segments. */
static off_t
vaddr_off(const Phdr *ph, int n, uint64_t va)
{
	for (int i = 0; i < n; i++)
		if (ph[i].p_type == PT_LOAD && va >= ph[i].p_vaddr && va < ph[i].p_vaddr + ph[i].p_filesz)
			return (off_t)(va - ph[i].p_vaddr + ph[i].p_offset);
	return -1;
}

static int
glibc_interp(const char *s)
{
	const char *b = strrchr(s, '/');

	b = b ? b + 1 : s;
	return strncmp(b, "ld-linux", 8) == 0 || strncmp(b, "ld64.so", 7) == 0 || strncmp(b, "ld.so", 5) == 0;
}

static unsigned
needed_flags(int fd, const Phdr *ph, int nph, uint64_t strtab, const uint64_t *needed, int nneeded, char *asan,
	     size_t asz)
{
	unsigned flags = 0;

	for (int i = 0; i < nneeded; i++) {
		char name[64];
		off_t off = vaddr_off(ph, nph, strtab + needed[i]);

		if (off < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (pread_raw(fd, name, sizeof(name) - 1, off) <= 0)
			continue;
		if (strncmp(name, "liburing", 8) == 0)
			flags |= NG_ELF_URING;
		if (strncmp(name, "libasan.so", 10) == 0 && asan && strlen(name) < asz) {
			memcpy(asan, name, strlen(name) + 1);
			flags |= NG_ELF_ASAN;
		}
	}
	return flags;
}

/* the DT_NEEDED names that matter: liburing; libasan (whose runtime must
 * come first in LD_PRELOAD: its soname into asan) */
static unsigned
scan_dynamic(int fd, const Phdr *ph, int nph, const Phdr *dyn, char *asan, size_t asz)
{
	Dyn d[64];
	uint64_t strtab = 0;
	uint64_t needed[32];
	int nneeded = 0;
	size_t total = dyn->p_filesz / sizeof(Dyn);

	for (size_t base = 0; base < total && base < 1024; base += 64) {
		size_t n = total - base < 64 ? total - base : 64;

		if (rd(fd, d, n * sizeof(Dyn), (off_t)(dyn->p_offset + base * sizeof(Dyn))) < 0)
			return NG_ELF_BAD;
		for (size_t i = 0; i < n; i++) {
			if (d[i].d_tag == DT_NULL)
				goto done;
			if (d[i].d_tag == DT_STRTAB)
				strtab = d[i].d_un.d_ptr;
			else if (d[i].d_tag == DT_NEEDED && nneeded < 32)
				needed[nneeded++] = d[i].d_un.d_val;
		}
	}
done:
	if (!strtab)
		return 0;
	return needed_flags(fd, ph, nph, strtab, needed, nneeded, asan, asz);
}
static int
go_note(int fd, const Phdr *p)
{
	unsigned char buf[512];
	size_t n = p->p_filesz < sizeof(buf) ? p->p_filesz : sizeof(buf), pos = 0;

	if (rd(fd, buf, n, (off_t)p->p_offset) < 0)
		return 0;
	while (pos + sizeof(Nhdr) <= n) {
		Nhdr nh;

		memcpy(&nh, buf + pos, sizeof(nh));
		pos += sizeof(nh);
		if (nh.n_namesz == 3 && pos + 3 <= n && memcmp(buf + pos, "Go", 3) == 0)
			return 1;
		pos += ((nh.n_namesz + 3) & ~3u) + ((nh.n_descsz + 3) & ~3u);
	}
	return 0;
}

static int
go_sections(int fd, const Ehdr *eh)
{
	Shdr sh[16], strsec;
	char name[24];

	if (eh->e_shnum == 0 || eh->e_shnum > MAX_SHDRS || eh->e_shstrndx >= eh->e_shnum ||
	    eh->e_shentsize != sizeof(Shdr))
		return 0;
	if (rd(fd, &strsec, sizeof(strsec), (off_t)(eh->e_shoff + eh->e_shstrndx * sizeof(Shdr))) < 0)
		return 0;
	for (unsigned base = 0; base < eh->e_shnum; base += 16) {
		unsigned n = eh->e_shnum - base < 16 ? eh->e_shnum - base : 16;

		if (rd(fd, sh, n * sizeof(Shdr), (off_t)(eh->e_shoff + base * sizeof(Shdr))) < 0)
			return 0;
		for (unsigned i = 0; i < n; i++) {
			memset(name, 0, sizeof(name));
			if (sh[i].sh_name >= strsec.sh_size ||
			    pread_raw(fd, name, sizeof(name) - 1, (off_t)(strsec.sh_offset + sh[i].sh_name)) <= 0)
				continue;
			if (strcmp(name, ".note.go.buildid") == 0 || strcmp(name, ".go.buildinfo") == 0)
				return 1;
		}
	}
	return 0;
}

unsigned
ng_elf_inspect(int fd)
{
	return ng_elf_inspect_ex(fd, NULL, 0);
}

unsigned
ng_elf_inspect_ex(int fd, char *asan, size_t asz)
{
	Ehdr eh;
	Phdr ph[MAX_PHDRS];
	unsigned char ident[EI_NIDENT];
	unsigned flags = 0;
	int interp = 0, nph;

	if (rd(fd, ident, sizeof(ident), 0) < 0 || memcmp(ident, ELFMAG, SELFMAG) != 0)
		return NG_ELF_NOT_ELF;
	if (ident[EI_CLASS] != NATIVE_CLASS)
		return NG_ELF_CLASS;
	if (rd(fd, &eh, sizeof(eh), 0) < 0)
		return NG_ELF_BAD;
	if (eh.e_machine != NATIVE_MACHINE)
		return NG_ELF_CLASS;
	if (eh.e_phentsize != sizeof(Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		return NG_ELF_BAD;
	nph = eh.e_phnum;
	if (rd(fd, ph, (size_t)nph * sizeof(Phdr), (off_t)eh.e_phoff) < 0)
		return NG_ELF_BAD;
	for (int i = 0; i < nph; i++) {
		if (ph[i].p_type == PT_INTERP) {
			char path[256];
			size_t n = ph[i].p_filesz < sizeof(path) - 1 ? ph[i].p_filesz : sizeof(path) - 1;

			memset(path, 0, sizeof(path));
			if (rd(fd, path, n, (off_t)ph[i].p_offset) < 0)
				return NG_ELF_BAD;
			interp = 1;
			if (!glibc_interp(path))
				flags |= NG_ELF_FOREIGN;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			flags |= scan_dynamic(fd, ph, nph, &ph[i], asan, asz);
		} else if (ph[i].p_type == PT_NOTE && go_note(fd, &ph[i])) {
			flags |= NG_ELF_GO;
		}
	}
	if (!interp)
		flags |= NG_ELF_STATIC;
	if (go_sections(fd, &eh))
		flags |= NG_ELF_GO;
	return flags;
}

const char *
ng_elf_describe(unsigned flags, char *buf, size_t n)
{
	static const struct {
		unsigned bit;
		const char *word;
	} words[] = {
		{ NG_ELF_STATIC, "statically linked" }, { NG_ELF_GO, "Go binary" },
		{ NG_ELF_FOREIGN, "non-glibc interpreter (musl?)" }, { NG_ELF_URING, "links liburing" },
		{ NG_ELF_CLASS, "another ELF class or machine" }, { NG_ELF_NOT_ELF, "not ELF" },
		{ NG_ELF_BAD, "malformed ELF" }, { NG_ELF_UNREADABLE, "not readable by this user: cannot tell" },
	};
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (flags & words[i].bit) {
			int w = snprintf(buf + used, n - used, "%s%s", used ? ", " : "", words[i].word);

			if (w < 0 || (size_t)w >= n - used)
				break;
			used += (size_t)w;
		}
	if (!used)
		snprintf(buf, n, "dynamically linked against glibc");
	return buf;
}
