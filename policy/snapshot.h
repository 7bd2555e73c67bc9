/*
 * The compiled policy snapshot: one flat, position-independent, read-only
 * blob.  Everything inside refers to everything else by offset and index,
 * never by pointer, so the same bytes work in every process that maps them.
 *
 * Layout: header, then sections (8-byte aligned).  The reader validates the
 * header and every section's bounds in O(1) when it maps a snapshot
 * (ng_snap_open); every index read during a decision is bounds-checked again
 * against its section, so a hostile blob can make a decision fail closed but
 * can never make the reader touch memory outside the blob.  The checksum
 * covers every byte after the header and is verified by ng_snap_verify()
 * (netguard check, the tests, the fuzzer); the preload relies on the memfd
 * seals instead of re-hashing megabytes at every process start.
 *
 * Internal to policy/: only the engine reads these structures.
 */
#ifndef NG_SNAPSHOT_H
#define NG_SNAPSHOT_H

#include <stdint.h>

#define NG_SNAP_MAGIC   "NGSNAP\r\n"
#define NG_SNAP_VERSION 2u

enum ng_section {
	NG_SEC_STR,	/* string pool: bytes, NUL-terminated strings; 0 = "" */
	NG_SEC_FILES,	/* uint32 string offsets: source files */
	NG_SEC_GUARD,	/* struct ng_rule */
	NG_SEC_RULES,	/* struct ng_rule */
	NG_SEC_EXEC,	/* struct ng_rule (exec rules) */
	NG_SEC_TARGETS,	/* struct ng_target, in rule order */
	NG_SEC_GLOBS,	/* struct ng_globref: exe, program, argv0 globs */
	NG_SEC_PORTS,	/* struct ng_portrange */
	NG_SEC_POST,	/* uint32 posting lists (ascending target ids) */
	NG_SEC_NAMES,	/* struct ng_hent: open-addressing hash of names */
	NG_SEC_NETS,	/* struct ng_nent: open-addressing hash of networks */
	NG_SEC_REGEX,	/* struct ng_regex */
	NG_SEC_BYTES,	/* serialised PCRE2 code */
	NG_SEC_COUNT
};

struct ng_secref {
	uint32_t off;	/* from the start of the blob */
	uint32_t count;	/* elements (bytes for STR and BYTES) */
};

/* The size of one element of each section (1 for STR and BYTES). */
extern const uint32_t ng_snap_elem_size[NG_SEC_COUNT];

/* A posting list: a run of uint32 in NG_SEC_POST. */
struct ng_list {
	uint32_t off;
	uint32_t count;
};

/*
 * The settings (settings.def): the 32-bit fields first, then the bytes, so
 * the header has no holes between them.
 */
struct ng_settings {
#define NG_SET_I32(name, dflt) int32_t name;
#define NG_SET_U32(name, dflt) uint32_t name;
#define NG_SET_STR(name) uint32_t name;
#include "settings.def"
#define NG_SET_ENUM(name, type, dflt, lo, hi) uint8_t name;
#define NG_SET_BOOL(name, dflt) uint8_t name;
#define NG_SET_DERIVED(name) uint8_t name;
#include "settings.def"
};

struct ng_snap_hdr {
	char magic[8];
	uint32_t version;
	uint32_t hdr_size;
	uint32_t size;		/* whole blob */
	uint32_t checksum;	/* FNV-1a over [hdr_size, size) */
	struct ng_settings s;
	struct ng_secref sec[NG_SEC_COUNT];
	uint32_t names_mask;	/* NAMES table size - 1 (power of two) */
	uint32_t nets_mask;
	uint64_t v4_plens;	/* bit n: some network of prefix n (0..32) */
	uint64_t v6_plens[3];	/* bit n: prefix n (0..128) */
	struct ng_list star;	/* targets "*" (and rules without "to") */
	struct ng_list unixt;	/* unix: targets */
	struct ng_list rx_any;	/* regex ids without a usable literal suffix */
	uint32_t nkind[5];	/* entries of each enum ng_hkind in NAMES */
};

/* target kinds */
enum ng_tkind {
	NG_T_NAME = 1,	/* api.example.com */
	NG_T_SUB,	/* *.example.com: strictly below */
	NG_T_APEX,	/* .example.com: it and below */
	NG_T_REGEX,	/* ~regex */
	NG_T_ADDR,	/* 1.2.3.4, 2001:db8::1 */
	NG_T_NET,	/* CIDR */
	NG_T_UNIX,	/* unix:GLOB */
	NG_T_STAR,	/* * */
	NG_T_ANY,	/* rule without "to": any IP destination or name */
};

struct ng_target {
	uint32_t text;	/* string as written (after @list expansion) */
	uint32_t key;	/* string: canonical name / glob / literal */
	uint32_t rule;	/* index into its rule section */
	uint32_t line;
	uint16_t file;
	uint8_t kind;	/* enum ng_tkind */
	uint8_t sect;	/* NG_SEC_GUARD or NG_SEC_RULES */
	uint32_t list;	/* index in the rule's "to" (before expansion) */
};

struct ng_globref {
	uint32_t glob;	/* string */
	uint32_t line;
	uint16_t file;
	uint16_t pad;
};

struct ng_portrange {
	uint16_t lo, hi;
};

#define NG_PROTO_TCP 1u
#define NG_PROTO_UDP 2u
#define NG_PROTO_ANY 3u

struct ng_rule {
	uint32_t name;		/* string */
	uint32_t line;
	uint16_t file;
	uint8_t action;		/* enum ng_action */
	uint8_t mode;		/* 0 inherit, NG_MODE_ENFORCE, NG_MODE_AUDIT */
	uint8_t proto;		/* NG_PROTO_* */
	uint8_t pad[3];
	uint32_t to_first, to_count;		/* NG_SEC_TARGETS */
	uint32_t ports_first, ports_count;	/* NG_SEC_PORTS; 0 = any */
	uint32_t exe_first, exe_count;		/* NG_SEC_GLOBS; 0 = any */
	uint32_t prog_first, prog_count;	/* exec rules */
	uint32_t argv0_first, argv0_count;	/* exec rules */
};

/* hash entry kinds for NG_SEC_NAMES */
enum ng_hkind {
	NG_H_NAME = 1,	/* exact name -> targets */
	NG_H_SUB,	/* *.KEY -> targets */
	NG_H_APEX,	/* .KEY -> targets */
	NG_H_RXSUF,	/* label-aligned regex literal suffix -> regex ids */
};

struct ng_hent {
	uint32_t hash;
	uint32_t key;		/* string; 0 = empty slot */
	uint8_t kind;
	uint8_t pad[3];
	struct ng_list list;
};

struct ng_nent {
	uint32_t hash;
	uint8_t used;
	uint8_t family;		/* 4 or 6 */
	uint8_t plen;
	uint8_t pad;
	uint8_t addr[16];	/* masked */
	struct ng_list list;
};

struct ng_regex {
	uint32_t target;	/* target id */
	uint32_t code_off;	/* NG_SEC_BYTES */
	uint32_t code_len;
	uint32_t lit;		/* string: lowercase literal suffix, 0 = none */
};

#define NG_HASH_SEED 2166136261u
uint32_t ng_hash_name(unsigned kind, const char *s, uint32_t len);
uint32_t ng_hash_name_step(uint32_t h, char c);
uint32_t ng_hash_name_kind(uint32_t h, unsigned kind);
uint32_t ng_hash_net(unsigned family, unsigned plen, const uint8_t *addr);
uint32_t ng_fnv1a(const void *p, uint32_t n, uint32_t h);

#endif
