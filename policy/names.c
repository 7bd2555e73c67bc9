/*
 * Canonical names and addresses, and the hashes the snapshot indexes use.
 * Shared by the compiler and the decision side; pure and allocation-free.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "policy.h"
#include "snapshot.h"

uint32_t
ng_fnv1a(const void *p, uint32_t n, uint32_t h)
{
	const unsigned char *c = p;

	while (n--) {
		h ^= *c++;
		h *= 16777619u;
	}
	return h;
}

static unsigned char
lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/*
 * Names are hashed from their last byte to their first, so one backward
 * pass over a query name yields the hash of every label-aligned suffix
 * (ng_hash_name_step / ng_hash_name_kind); the kind is mixed in last.
 */
uint32_t
ng_hash_name_step(uint32_t h, char c)
{
	h ^= lower((unsigned char)c);
	return h * 16777619u;
}

uint32_t
ng_hash_name_kind(uint32_t h, unsigned kind)
{
	h ^= kind * 0x9e3779b1u;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h ? h : 1;
}

uint32_t
ng_hash_name(unsigned kind, const char *s, uint32_t len)
{
	uint32_t h = NG_HASH_SEED;

	while (len--)
		h = ng_hash_name_step(h, s[len]);
	return ng_hash_name_kind(h, kind);
}

uint32_t
ng_hash_net(unsigned family, unsigned plen, const uint8_t *addr)
{
	uint32_t h = 2166136261u;
	unsigned char fp[2] = { (unsigned char)family, (unsigned char)plen };

	h = ng_fnv1a(fp, 2, h);
	h = ng_fnv1a(addr, family == 4 ? 4 : 16, h);
	return h ? h : 1;
}

int
ng_name_canon(const char *in, char *out, size_t outsz)
{
	size_t n = strlen(in);

	if (n && in[n - 1] == '.')
		n--;
	if (n + 1 > outsz)
		return -1;
	for (size_t i = 0; i < n; i++)
		out[i] = (char)lower((unsigned char)in[i]);
	out[n] = '\0';
	return (int)n;
}

int
ng_addr_canon(int family, uint8_t addr[16])
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (family == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
		memmove(addr, addr + 12, 4);
		memset(addr + 4, 0, 12);
		return AF_INET;
	}
	return family;
}
