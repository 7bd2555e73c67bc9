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

/*
 * No libc string functions here: the sanitizer runtime calls dlsym while it
 * sets up its interceptors, and its strcmp is not usable yet.
 */
NG_STARTUP NG_NOSAN static int
same(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

NG_STARTUP NG_NOSAN static int
prefix(const char *s, const char *p)
{
	while (*p && *s == *p) {
		s++;
		p++;
	}
	return *p == '\0';
}

NG_STARTUP NG_NOSAN static const char *
base_of(const char *path)
{
	const char *b = path;

	for (const char *p = path; *p; p++)
		if (*p == '/')
			b = p + 1;
	return b;
}

typedef void *(*dlsym_fn)(void *, const char *);
typedef void *(*dlvsym_fn)(void *, const char *, const char *);

/* libc's own, kept in the state beside the other real functions */
#define real_dlsym ((dlsym_fn)ng.libc_dlsym)
#define real_dlvsym ((dlvsym_fn)ng.libc_dlvsym)

struct find {
	const char *name;
	void *addr;
};


NG_STARTUP NG_NOSAN static void *
resolve_sym(ElfW(Addr) base, const ElfW(Sym) *sym)
{
	void *addr = (void *)(base + sym->st_value);

	if (ELF64_ST_TYPE(sym->st_info) == STT_GNU_IFUNC)
		addr = ((void *(*)(void))addr)();
	return addr;
}

struct dynsyms {
	const ElfW(Sym) *symtab;
	const char *strtab;
	const uint32_t *gnuhash, *hash;
	const ElfW(Half) *versym;
	ElfW(Addr) base;
};

/* a defined function (or ifunc) called name? */
NG_STARTUP NG_NOSAN static int
is_func(const struct dynsyms *d, const ElfW(Sym) *sym, const char *name)
{
	int type = ELF64_ST_TYPE(sym->st_info);

	return sym->st_shndx != SHN_UNDEF && (type == STT_FUNC || type == STT_GNU_IFUNC) &&
	       same(d->strtab + sym->st_name, name);
}

/*
 * Symbol i matched: the default version wins at once; a hidden (compat)
 * version is kept in *hidden in case there is no default (__res_query
 * exists only as a compat version since glibc 2.34).  1 when done.
 */
NG_STARTUP NG_NOSAN static int
take(const struct dynsyms *d, uint32_t i, const ElfW(Sym) **found, const ElfW(Sym) **hidden)
{
	if (!(d->versym && (d->versym[i] & 0x8000))) {
		*found = &d->symtab[i];
		return 1;
	}
	if (!*hidden)
		*hidden = &d->symtab[i];
	return 0;
}

/* the GNU hash table: a bloom filter and one bucket chain, so each lookup
 * touches a handful of symbols, not all of them */
NG_STARTUP NG_NOSAN static const ElfW(Sym) *
gnu_lookup(const struct dynsyms *d, const char *name)
{
	const uint32_t *g = d->gnuhash;
	uint32_t nbuckets = g[0], symoffset = g[1], bloom_size = g[2], shift = g[3], h = 5381, i;
	const ElfW(Addr) *bloom = (const ElfW(Addr) *)(g + 4);
	const uint32_t *buckets = (const uint32_t *)(bloom + bloom_size), *chain = buckets + nbuckets;
	const unsigned bits = sizeof(ElfW(Addr)) * 8;
	const ElfW(Sym) *found = NULL, *hidden = NULL;
	ElfW(Addr) word, mask;

	for (const char *c = name; *c; c++)
		h = h * 33 + (unsigned char)*c;
	if (!nbuckets || !bloom_size)
		return NULL;
	word = bloom[(h / bits) % bloom_size];
	mask = ((ElfW(Addr))1 << (h % bits)) | ((ElfW(Addr))1 << ((h >> shift) % bits));
	if ((word & mask) != mask)
		return NULL;
	i = buckets[h % nbuckets];
	if (i < symoffset)
		return NULL;
	for (;; i++) {
		uint32_t h2 = chain[i - symoffset];

		if ((h | 1) == (h2 | 1) && is_func(d, &d->symtab[i], name) && take(d, i, &found, &hidden))
			return found;
		if (h2 & 1)
			break;
	}
	return hidden;
}

/* the SysV hash table: only its symbol count, then a linear scan */
NG_STARTUP NG_NOSAN static const ElfW(Sym) *
sysv_lookup(const struct dynsyms *d, const char *name)
{
	uint32_t nsyms = d->hash ? d->hash[1] : 0;
	const ElfW(Sym) *found = NULL, *hidden = NULL;

	for (uint32_t i = 0; i < nsyms; i++)
		if (is_func(d, &d->symtab[i], name) && take(d, i, &found, &hidden))
			return found;
	return hidden;
}

/* name in the dynamic symbol table at dyn (load bias base); NULL if absent */
NG_STARTUP NG_NOSAN static void *
lookup_dyn(const ElfW(Dyn) *dyn, ElfW(Addr) base, const char *name)
{
	struct dynsyms d = { .base = base };
	const ElfW(Sym) *sym;

	/* glibc relocates these d_ptr entries to absolute addresses */
	for (; dyn && dyn->d_tag != DT_NULL; dyn++) {
		switch (dyn->d_tag) {
		case DT_SYMTAB: d.symtab = (const ElfW(Sym) *)dyn->d_un.d_ptr; break;
		case DT_STRTAB: d.strtab = (const char *)dyn->d_un.d_ptr; break;
		case DT_GNU_HASH: d.gnuhash = (const uint32_t *)dyn->d_un.d_ptr; break;
		case DT_HASH: d.hash = (const uint32_t *)dyn->d_un.d_ptr; break;
		case DT_VERSYM: d.versym = (const ElfW(Half) *)dyn->d_un.d_ptr; break;
		default: break;
		}
	}
	if (!d.symtab || !d.strtab)
		return NULL;
	sym = d.gnuhash ? gnu_lookup(&d, name) : sysv_lookup(&d, name);
	return sym ? resolve_sym(base, sym) : NULL;
}

NG_STARTUP NG_NOSAN static int
find_in_libc(struct dl_phdr_info *info, size_t size, void *data)
{
	struct find *f = data;
	const char *base = info->dlpi_name && info->dlpi_name[0] ? base_of(info->dlpi_name) : NULL;
	const ElfW(Dyn) *dyn = NULL;

	(void)size;
	if (!base || !prefix(base, "libc.so."))
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++)
		if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
			dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
	f->addr = lookup_dyn(dyn, info->dlpi_addr, f->name);
	return 1;
}

NG_STARTUP NG_NOSAN static void *
libc_symbol(const char *name)
{
	struct find f = { name, NULL };

	dl_iterate_phdr(find_in_libc, &f);
	return f.addr;
}

/*
 * The next definition of name after object from, in the global load order.
 * glibc's own RTLD_NEXT searches the caller's dependency scope instead, in
 * which a sanitizer runtime we link against would come before libc.
 */
NG_STARTUP NG_NOSAN static void *
next_after(struct link_map *from, const char *name)
{
	for (struct link_map *l = from ? from->l_next : NULL; l; l = l->l_next) {
		const char *b = l->l_name ? base_of(l->l_name) : "";
		void *a;

		if (prefix(b, "linux-vdso") || prefix(b, "linux-gate") || !l->l_ld)
			continue;
		a = lookup_dyn(l->l_ld, l->l_addr, name);
		if (a)
			return a;
	}
	return NULL;
}

NG_STARTUP NG_NOSAN static struct link_map *
map_of(void *addr)
{
	struct link_map *m = NULL;
	Dl_info info;

	if (!dladdr1(addr, &info, (void **)&m, RTLD_DL_LINKMAP))
		return NULL;
	return m;
}

/* The next definition of name after this library (RTLD_NEXT). */
void *ng_libc_dlsym(const char *name);
NG_STARTUP NG_NOSAN void *
ng_libc_dlsym(const char *name)
{
	if (!real_dlsym) {
		ng.libc_dlsym = libc_symbol("dlsym");
		ng.libc_dlvsym = libc_symbol("dlvsym");
		ng_real.dlsym = real_dlsym;
		ng_real.dlvsym = real_dlvsym;
	}
	{
		void *a = next_after(map_of((void *)ng_libc_dlsym), name);

		if (a)
			return a;
	}
	return real_dlsym ? real_dlsym(RTLD_NEXT, name) : NULL;
}

/* ---- the hooks ----------------------------------------------------------- */

NG_HIDDEN void *ng_hook_for(const char *name);	/* hooks.c: the table */

NG_NOSAN static int
from_libc(void *addr)
{
	Dl_info info;
	const char *b;

	if (!addr || !dladdr(addr, &info) || !info.dli_fname)
		return 0;
	b = base_of(info.dli_fname);
	return prefix(b, "libc.so.");
}

/*
 * Functions no program links against -- GLIBC_PRIVATE internals and
 * compat-only symbols -- that reach the network inside libc, where no hook
 * sees the address: a dlsym/dlvsym of one finds nothing.
 */
static const char *const withheld[] = {
	"__res_context_query", "__res_context_search", "__res_context_send", "__write_nocancel",
	"_nss_dns_getcanonname_r", "_nss_dns_gethostbyaddr2_r", "_nss_dns_gethostbyaddr_r",
	"_nss_dns_gethostbyname2_r", "_nss_dns_gethostbyname3_r", "_nss_dns_gethostbyname4_r",
	"_nss_dns_gethostbyname_r", "_nss_dns_getnetbyaddr_r", "_nss_dns_getnetbyname_r",
	"__libc_clntudp_bufcreate", "callrpc", "clnt_broadcast", "clnt_create", "clnttcp_create",
	"clntudp_bufcreate", "clntudp_create", "clntunix_create", "getrpcport", "pmap_getmaps", "pmap_getport", "pmap_rmtcall",
	"pmap_set", "pmap_unset", "res_gethostbyaddr", "res_gethostbyname", "res_gethostbyname2", NULL
};

NG_NOSAN static int
is_withheld(const char *name)
{
	for (int i = 0; withheld[i]; i++)
		if (same(withheld[i], name))
			return 1;
	return 0;
}

NG_NOSAN static void *
substitute(const char *name, void *found)
{
	void *hook;

	if (!found || !name)
		return found;
	if (is_withheld(name)) {
		/* not found, as a caller checks it: dlerror() must say so */
		if (real_dlsym)
			(void)real_dlsym(RTLD_DEFAULT, "netguard: withheld: it reaches the network unjudged");
		return NULL;
	}
	hook = ng_hook_for(name);
	if (hook && from_libc(found))
		return hook;
	return found;
}

NG_NOSAN NG_EXPORT void *
dlsym(void *handle, const char *name)
{
	if (!real_dlsym)
		ng_libc_dlsym("dlsym");
	if (!real_dlsym)
		return NULL;
	if (handle == RTLD_NEXT) {
		/* next after the real caller, not after us (glibc would see us) */
		struct link_map *caller = map_of(__builtin_return_address(0));
		struct link_map *self = map_of((void *)ng_libc_dlsym);

		if (caller) {
			void *f = next_after(caller, name);

			/* the symbol tables are read for functions only: an object
			 * or TLS variable (stdout, environ) is the loader's to find */
			if (!f)
				return substitute(name, real_dlsym(RTLD_NEXT, name));
			/* a wrapper loaded after us chains to what follows it: do
			 * not hand it our hook back, or the two would loop */
			for (struct link_map *l = self ? self->l_next : NULL; l; l = l->l_next)
				if (l == caller)
					return f;
			return substitute(name, f);
		}
	}
	return substitute(name, real_dlsym(handle, name));
}

NG_NOSAN NG_EXPORT void *
dlvsym(void *handle, const char *name, const char *version)
{
	if (!real_dlvsym)
		ng_libc_dlsym("dlvsym");
	if (!real_dlvsym)
		return NULL;
	return substitute(name, real_dlvsym(handle, name, version));
}
