/*
 * dlsym / dlvsym hooks, and how the library finds the real functions.
 *
 * Python's ctypes.CDLL("libc.so.6").connect and any dlsym(handle, "connect")
 * would hand the program libc's own connect, past every hook.  So a lookup
 * of a hooked name that lands in libc returns the hook instead.
 *
 * Our own calls to dlsym would reach this very hook (we are first in the
 * global scope), so the real dlsym is found by reading libc's dynamic symbol
 * table through dl_iterate_phdr.
 */
#include "config.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <string.h>

#include "ng.h"

typedef void *(*dlsym_fn)(void *, const char *);
typedef void *(*dlvsym_fn)(void *, const char *, const char *);

static dlsym_fn real_dlsym;
static dlvsym_fn real_dlvsym;

struct find {
	const char *name;
	void *addr;
};

static uint32_t
gnu_nsyms(const uint32_t *gh)
{
	uint32_t nbuckets = gh[0], symoffset = gh[1], bloom = gh[2];
	const uint32_t *buckets = gh + 4 + bloom * (sizeof(ElfW(Addr)) / 4);
	const uint32_t *chain = buckets + nbuckets;
	uint32_t last = 0;

	for (uint32_t i = 0; i < nbuckets; i++)
		if (buckets[i] > last)
			last = buckets[i];
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1))
		last++;
	return last + 1;
}

static int
find_in_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find *f = data;
	const char *base = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;
	const ElfW(Dyn) *dyn = NULL;
	const ElfW(Sym) *symtab = NULL;
	const char *strtab = NULL;
	const uint32_t *gnuhash = NULL, *hash = NULL;
	uint32_t nsyms = 0;

	(void)size;
	if (!base || strncmp(base + 1, "libc.so.", 8) != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	if (!dyn)
		return 0;
	/* glibc relocates these d_ptr entries to absolute addresses */
	for (; dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: symtab = (const ElfW(Sym) *)dyn->d_un.d_ptr; break;
		case DT_STRTAB: strtab = (const char *)dyn->d_un.d_ptr; break;
		case DT_GNU_HASH: gnuhash = (const uint32_t *)dyn->d_un.d_ptr; break;
		case DT_HASH: hash = (const uint32_t *)dyn->d_un.d_ptr; break;
		default: break;
		}
	}
	if (!symtab || !strtab)
		return 0;
	nsyms = hash ? hash[1] : gnuhash ? gnu_nsyms(gnuhash) : 0;
	for (uint32_t i = 0; i < nsyms; i++) {
		const ElfW(Sym) *s = &symtab[i];

		if (s->st_shndx == SHN_UNDEF || ELF64_ST_TYPE(s->st_info) != STT_FUNC)
			continue;
		if (strcmp(strtab + s->st_name, f->name) == 0) {
			f->addr = (void *)(info->dlpi_addr + s->st_value);
			return 1;
		}
	}
	return 1;
}

static void *
libc_symbol(const char *name)
{
	struct find f = { name, NULL };

	dl_iterate_phdr(find_in_libc, &f);
	return f.addr;
}

/* The next definition of name after this library (RTLD_NEXT). */
void *ng_libc_dlsym(const char *name);
void *
ng_libc_dlsym(const char *name)
{
	if (!real_dlsym) {
		real_dlsym = (dlsym_fn)libc_symbol("dlsym");
		real_dlvsym = (dlvsym_fn)libc_symbol("dlvsym");
		ng_real.dlsym = real_dlsym;
		ng_real.dlvsym = real_dlvsym;
	}
	return real_dlsym ? real_dlsym(RTLD_NEXT, name) : NULL;
}

/* ---- the hooks ----------------------------------------------------------- */

NG_HIDDEN void *ng_hook_for(const char *name);	/* hooks.c: the table */

static int
from_libc(void *addr)
{
	Dl_info info;
	const char *b;

	if (!addr || !dladdr(addr, &info) || !info.dli_fname)
		return 0;
	b = strrchr(info.dli_fname, '/');
	b = b ? b + 1 : info.dli_fname;
	return strncmp(b, "libc.so.", 8) == 0;
}

static void *
substitute(const char *name, void *found)
{
	void *hook;

	if (!found || !name)
		return found;
	hook = ng_hook_for(name);
	if (hook && from_libc(found))
		return hook;
	return found;
}

NG_EXPORT void *
dlsym(void *handle, const char *name)
{
	if (!real_dlsym)
		ng_libc_dlsym("dlsym");
	if (!real_dlsym)
		return NULL;
	if (handle == RTLD_NEXT) {
		/*
		 * glibc resolves RTLD_NEXT from its own caller, which is now
		 * this library; walk the objects after the real caller instead.
		 */
		void *caller = __builtin_return_address(0);
		struct link_map *lm = NULL, *al = NULL;
		Dl_info info, ai;

		if (dladdr1(caller, &info, (void **)&lm, RTLD_DL_LINKMAP) && lm) {
			for (struct link_map *l = lm->l_next; l; l = l->l_next) {
				void *a = real_dlsym(l, name);

				if (a && dladdr1(a, &ai, (void **)&al, RTLD_DL_LINKMAP) && al == l)
					return substitute(name, a);
			}
			return NULL;
		}
	}
	return substitute(name, real_dlsym(handle, name));
}

NG_EXPORT void *
dlvsym(void *handle, const char *name, const char *version)
{
	if (!real_dlvsym)
		ng_libc_dlsym("dlvsym");
	if (!real_dlvsym)
		return NULL;
	return substitute(name, real_dlvsym(handle, name, version));
}
