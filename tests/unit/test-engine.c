/*
 * Unit tests of the engine pieces that are not policy cases: globs, name and
 * address canonicalisation, the regex prefilter, ELF inspection, snapshot
 * validation against corrupted and hostile blobs, and the built-in default.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/elf.h"
#include "policy/ir.h"
#include "policy/policy.h"
#include "policy/snapshot.h"
#include "tests/tap.h"

static void
test_globs(void)
{
	static const struct {
		const char *pat, *s;
		int want;
	} g[] = {
		{ "*/node", "/usr/bin/node", 1 },
		{ "*/node", "/usr/bin/nodejs", 0 },
		{ "/usr/bin/*", "/usr/bin/x/y", 1 },	/* '*' crosses '/' */
		{ "curl", "curl", 1 },
		{ "curl", "curl2", 0 },
		{ "python3*", "python3.11", 1 },
		{ "?url", "curl", 1 },
		{ "?url", "url", 0 },
		{ "[cw]get", "wget", 1 },
		{ "[!cw]get", "wget", 0 },
		{ "[a-c]x", "bx", 1 },
		{ "[a-c]x", "dx", 0 },
		{ "*a*b*c", "xxaxxbxxc", 1 },
		{ "*a*b*c", "xxaxxcxxb", 0 },
		{ "@*", "@abstract", 1 },
		{ "\\*", "*", 1 },
		{ "\\*", "a", 0 },
		{ "", "", 1 },
		{ "*", "", 1 },
		{ "[abc", "a", 0 },	/* malformed never matches */
	};

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++)
		tap_ok(ng_glob_match(g[i].pat, g[i].s) == g[i].want, "glob \"%s\" vs \"%s\" = %d", g[i].pat, g[i].s,
		       g[i].want);
	{
		const char *why;

		tap_ok(ng_glob_check("[abc", &why) < 0, "glob check rejects an unterminated class");
		tap_ok(ng_glob_check("a\\", &why) < 0, "glob check rejects a trailing backslash");
		tap_ok(ng_glob_check("/run/user/*/docker.sock", &why) == 0, "glob check accepts a plain glob");
	}
}

static void
test_canon(void)
{
	char out[256];
	uint8_t a[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 7 };

	tap_ok(ng_name_canon("API.Example.COM.", out, sizeof(out)) == 15 && strcmp(out, "api.example.com") == 0,
	       "names are lowercased and lose one trailing dot");
	tap_ok(ng_name_canon("x", out, 1) < 0, "a name longer than the buffer is refused");
	tap_ok(ng_addr_canon(AF_INET6, a) == AF_INET && a[0] == 198 && a[3] == 7 && a[4] == 0,
	       "::ffff:198.51.100.7 becomes 198.51.100.7");
}

static void
test_literal_suffix(void)
{
	static const struct {
		const char *re, *want;
	} t[] = {
		{ "api-[0-9]+\\.corp\\.example", ".corp.example" },
		{ "API\\.Example\\.COM", "api.example.com" },
		{ "a|b\\.example\\.com", NULL },	/* alternation: no prefilter */
		{ "(?x) a b", NULL },			/* inline options: no prefilter */
		{ "foo\\.ex.mple", "mple" },		/* '.' is any character */
		{ "foo\\.examp*", NULL },
		{ "x\\d+y", "y" },
		{ "x{2}\\.com", ".com" },
		{ "x\\x41", NULL },			/* escape it does not model */
		{ "[a-z]+", NULL },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char *got = ng_regex_literal_suffix(t[i].re);
		int ok = (!got && !t[i].want) || (got && t[i].want && strcmp(got, t[i].want) == 0);

		tap_ok(ok, "literal suffix of /%s/ is %s (got %s)", t[i].re, t[i].want ? t[i].want : "none",
		       got ? got : "none");
		free(got);
	}
}

static void
test_elf(void)
{
	static const struct {
		const char *path;
		unsigned want_set, want_clear;
	} t[] = {
		{ "/bin/true", 0, NG_ELF_STATIC | NG_ELF_GO | NG_ELF_FOREIGN | NG_ELF_URING | NG_ELF_CLASS | NG_ELF_BAD | NG_ELF_NOT_ELF },
		{ "/bin/busybox", NG_ELF_STATIC, NG_ELF_NOT_ELF },
		{ "/etc/hostname", NG_ELF_NOT_ELF, 0 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int fd = open(t[i].path, O_RDONLY);
		unsigned f;

		if (fd < 0) {
			tap_ok(0, "open %s for ELF inspection", t[i].path);
			continue;
		}
		f = ng_elf_inspect(fd);
		close(fd);
		tap_ok((f & t[i].want_set) == t[i].want_set && !(f & t[i].want_clear), "%s: ELF flags 0x%x", t[i].path,
		       f);
	}
}

static int
compile_text(const char *text, struct ng_blob *b)
{
	struct ir_policy ir;
	struct ng_diags d = { 0 };
	int rc = ng_ir_load_string(text, "test.conf", &ir, &d);

	if (rc == 0) {
		rc = ng_ir_compile(&ir, b, &d);
		ng_ir_free(&ir);
	}
	for (size_t i = 0; i < d.n; i++)
		tap_diag("%d: %s", d.v[i].line, d.v[i].msg);
	ng_diags_free(&d);
	return rc;
}

static void
test_hostile(void)
{
	struct ng_blob b;
	struct ng_policy p;
	const char *why;
	unsigned char *copy;
	int flipped_ok = 0, opened_bad = 0, rc;

	if (compile_text("version = 1; rules = ( { name = \"a\"; action = \"allow\"; to = ( \"a.example\", "
			 "\"10.0.0.0/8\", \"~x[0-9]\\\\.example\" ); } );",
			 &b) < 0) {
		tap_ok(0, "compile a small policy");
		return;
	}
	tap_ok(ng_snap_verify(b.data, b.size, &why) == 0, "a fresh snapshot verifies");
	rc = ng_snap_open(&p, b.data, b.size - 8, &why);
	tap_ok(rc < 0, "a truncated snapshot is refused (%s)", why);
	copy = aligned_alloc(8, (b.size + 7) & ~(size_t)7);
	memcpy(copy, b.data, b.size);
	copy[0] ^= 1;
	rc = ng_snap_open(&p, copy, b.size, &why);
	tap_ok(rc < 0, "bad magic is refused (%s)", why);
	memcpy(copy, b.data, b.size);
	((struct ng_snap_hdr *)copy)->sec[NG_SEC_POST].off = 0x7ffffff0;
	rc = ng_snap_open(&p, copy, b.size, &why);
	tap_ok(rc < 0, "a section outside the blob is refused (%s)", why);
	/* flip every byte after the header in turn: verify must catch it, and
	 * deciding on what open accepts must never crash */
	for (size_t i = sizeof(struct ng_snap_hdr); i < b.size; i++) {
		struct ng_query q = { .op = NG_OP_CONNECT, .proto = NG_Q_TCP, .family = AF_INET, .port = 443 };
		const char *names[1] = { "a.example" };
		struct ng_verdict v;

		memcpy(copy, b.data, b.size);
		copy[i] ^= 0x5a;
		if (ng_snap_verify(copy, b.size, &why) == 0)
			continue;
		flipped_ok++;
		if (ng_snap_open(&p, copy, b.size, &why) < 0)
			continue;
		opened_bad++;
		q.names = names;
		q.nnames = 1;
		ng_decide(&p, &q, &v);
	}
	tap_ok(flipped_ok == (int)(b.size - sizeof(struct ng_snap_hdr)), "the checksum catches every flipped byte "
	       "(%d of %zu)", flipped_ok, b.size - sizeof(struct ng_snap_hdr));
	tap_ok(opened_bad > 0, "decisions on %d corrupted-but-openable snapshots did not crash", opened_bad);
	free(copy);
	ng_blob_free(&b);
}

static void
test_builtin(void)
{
	struct ng_blob b = { 0 };
	struct ng_diags d = { 0 };
	struct ng_policy p;
	struct ng_settings_view s;
	const char *why;

	tap_ok(ng_compile_builtin(&b, &d) == 0, "the built-in default compiles");
	tap_ok(ng_snap_open(&p, b.data, b.size, &why) == 0, "and maps");
	ng_policy_settings(&p, &s);
	tap_ok(s.builtin && s.dflt == NG_DENY && s.exec_unhookable == NG_JAIL && s.exec_privileged == NG_DENY,
	       "built-in settings: default deny, unhookable jail, privileged deny");
	ng_blob_free(&b);
	ng_diags_free(&d);
}

int
main(void)
{
	test_globs();
	test_canon();
	test_literal_suffix();
	test_elf();
	test_hostile();
	test_builtin();
	return tap_done();
}
