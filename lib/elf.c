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
#include <stdint.h>
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

/*
 * The file, with its first HEAD bytes read once: the ELF header, program
 * headers, interpreter, notes and dynamic section of nearly every program
 * sit there, so an inspection is two or three preads, not forty.
 */
#define HEAD 4096
struct file {
	int fd;
	long hlen;			/* bytes in head (short: the file ends there) */
	unsigned char head[HEAD];
};

/* like pread: bytes got, 0 at the end, -1 on error */
static long
get(const struct file *f, void *buf, size_t n, off_t off)
{
	if (off < 0)
		return -1;
	if ((uint64_t)off + n <= (uint64_t)f->hlen || (f->hlen < HEAD && off <= f->hlen)) {
		size_t have = (uint64_t)off + n <= (uint64_t)f->hlen ? n : (size_t)(f->hlen - off);

		memcpy(buf, f->head + off, have);
		return (long)have;
	}
	return pread_raw(f->fd, buf, n, off);
}

static int
rd(const struct file *f, void *buf, size_t n, off_t off)
{
	return get(f, buf, n, off) == (long)n ? 0 : -1;
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
needed_flags(const struct file *f, const Phdr *ph, int nph, uint64_t strtab, const uint64_t *needed, int nneeded,
	     char *asan, size_t asz)
{
	unsigned flags = 0;

	for (int i = 0; i < nneeded; i++) {
		char name[64];
		off_t off = vaddr_off(ph, nph, strtab + needed[i]);

		if (off < 0)
			continue;
		memset(name, 0, sizeof(name));
		if (get(f, name, sizeof(name) - 1, off) <= 0)
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
scan_dynamic(const struct file *f, const Phdr *ph, int nph, const Phdr *dyn, char *asan, size_t asz)
{
	Dyn d[64];
	uint64_t strtab = 0;
	uint64_t needed[32];
	int nneeded = 0;
	size_t total = dyn->p_filesz / sizeof(Dyn);

	for (size_t base = 0; base < total && base < 1024; base += 64) {
		size_t n = total - base < 64 ? total - base : 64;

		if (rd(f, d, n * sizeof(Dyn), (off_t)(dyn->p_offset + base * sizeof(Dyn))) < 0)
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
	return needed_flags(f, ph, nph, strtab, needed, nneeded, asan, asz);
}
static int
go_note(const struct file *f, const Phdr *p)
{
	unsigned char buf[512];
	size_t n = p->p_filesz < sizeof(buf) ? p->p_filesz : sizeof(buf), pos = 0;

	if (rd(f, buf, n, (off_t)p->p_offset) < 0)
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

/* is section name at offset at a Go one?  From names[] (the first nlen
 * bytes of the section-name table), else read on its own */
static int
go_name(const struct file *f, const Shdr *strsec, const char *names, size_t nlen, uint32_t at)
{
	char name[24];

	if (at >= strsec->sh_size)
		return 0;
	memset(name, 0, sizeof(name));
	if (at + sizeof(name) - 1 <= nlen || (at < nlen && nlen == strsec->sh_size))	/* all there, or the table's end */
		memcpy(name, names + at, at + sizeof(name) - 1 <= nlen ? sizeof(name) - 1 : nlen - at);
	else if (get(f, name, sizeof(name) - 1, (off_t)(strsec->sh_offset + at)) <= 0)
		return 0;
	return strcmp(name, ".note.go.buildid") == 0 || strcmp(name, ".go.buildinfo") == 0;
}

static int
go_sections(const struct file *f, const Ehdr *eh)
{
	Shdr sh[32], strsec;
	char names[1024];
	long nlen;

	if (eh->e_shnum == 0 || eh->e_shnum > MAX_SHDRS || eh->e_shstrndx >= eh->e_shnum ||
	    eh->e_shentsize != sizeof(Shdr))
		return 0;
	if (rd(f, &strsec, sizeof(strsec), (off_t)(eh->e_shoff + eh->e_shstrndx * sizeof(Shdr))) < 0)
		return 0;
	nlen = get(f, names, strsec.sh_size < sizeof(names) ? strsec.sh_size : sizeof(names), (off_t)strsec.sh_offset);
	if (nlen < 0)
		nlen = 0;
	for (unsigned base = 0; base < eh->e_shnum; base += 32) {
		unsigned n = eh->e_shnum - base < 32 ? eh->e_shnum - base : 32;

		if (rd(f, sh, n * sizeof(Shdr), (off_t)(eh->e_shoff + base * sizeof(Shdr))) < 0)
			return 0;
		for (unsigned i = 0; i < n; i++)
			if (go_name(f, &strsec, names, (size_t)nlen, sh[i].sh_name))
				return 1;
	}
	return 0;
}

unsigned
ng_elf_inspect(int fd)
{
	return ng_elf_inspect_ex(fd, NULL, 0);
}

/* the program headers' flags: interpreter, dynamic section, Go notes;
 * *bad when the interpreter cannot be read */
static unsigned
scan_phdrs(const struct file *f, const Phdr *ph, int nph, char *asan, size_t asz, int *bad)
{
	unsigned flags = NG_ELF_STATIC;

	for (int i = 0; i < nph; i++) {
		if (ph[i].p_type == PT_INTERP) {
			char path[256];
			size_t n = ph[i].p_filesz < sizeof(path) - 1 ? ph[i].p_filesz : sizeof(path) - 1;

			memset(path, 0, sizeof(path));
			if (rd(f, path, n, (off_t)ph[i].p_offset) < 0) {
				*bad = 1;
				return NG_ELF_BAD;
			}
			flags &= ~(unsigned)NG_ELF_STATIC;
			if (!glibc_interp(path))
				flags |= NG_ELF_FOREIGN;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			flags |= scan_dynamic(f, ph, nph, &ph[i], asan, asz);
		} else if (ph[i].p_type == PT_NOTE && go_note(f, &ph[i])) {
			flags |= NG_ELF_GO;
		}
	}
	return flags;
}

unsigned
ng_elf_inspect_ex(int fd, char *asan, size_t asz)
{
	struct file f = { .fd = fd };
	Ehdr eh;
	Phdr ph[MAX_PHDRS];
	unsigned flags;
	int bad = 0;

	f.hlen = pread_raw(fd, f.head, sizeof(f.head), 0);
	if (f.hlen < SELFMAG || memcmp(f.head, ELFMAG, SELFMAG) != 0)
		return NG_ELF_NOT_ELF;
	if (f.hlen < EI_NIDENT || f.head[EI_CLASS] != NATIVE_CLASS)
		return f.hlen < EI_NIDENT ? NG_ELF_NOT_ELF : NG_ELF_CLASS;
	if (rd(&f, &eh, sizeof(eh), 0) < 0)
		return NG_ELF_BAD;
	if (eh.e_machine != NATIVE_MACHINE)
		return NG_ELF_CLASS;
	if (eh.e_phentsize != sizeof(Phdr) || eh.e_phnum == 0 || eh.e_phnum > MAX_PHDRS)
		return NG_ELF_BAD;
	if (rd(&f, ph, (size_t)eh.e_phnum * sizeof(Phdr), (off_t)eh.e_phoff) < 0)
		return NG_ELF_BAD;
	flags = scan_phdrs(&f, ph, eh.e_phnum, asan, asz, &bad);
	if (bad)
		return NG_ELF_BAD;
	if (go_sections(&f, &eh))
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
