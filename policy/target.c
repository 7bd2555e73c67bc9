/*
 * The grammar of one target (netguard.conf(5) "Targets"): names,
 * wildcards, regexes, addresses, networks, unix: globs and "*", each
 * checked and put in canonical form, with a message for what is wrong.
 * Pure: no loader state, and it calls nothing else of the loader's.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "loader.h"
#include "snapshot.h"

int
ng_all_digits(const char *s, size_t n)
{
	if (!n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int
hex_label(const char *s, size_t n)
{
	if (n < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'f')))
			return 0;
	return 1;
}

/*
 * A string made of numeric labels, or whose last label is numeric, is an
 * address in some legacy form (2130706433, 0x7f.1, 127.1): never a name.
 */
static int
numeric_form(const char *s)
{
	const char *p = s, *last = s;
	int all = 1;

	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);

		if (!ng_all_digits(p, n) && !hex_label(p, n))
			all = 0;
		last = p;
		if (!dot)
			break;
		p = dot + 1;
	}
	return all || ng_all_digits(last, strlen(last));
}

/* Validate a host name (no wildcard).  Returns NULL or why it is bad. */
static const char *
bad_name(const char *s, int min_labels)
{
	size_t len = strlen(s), lab = 0;
	int labels = 1;

	if (len && s[len - 1] == '.')
		len--;
	if (len == 0)
		return "empty name";
	if (len > 253)
		return "name longer than 253 characters";
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (lab == 0)
				return "empty label";
			lab = 0;
			labels++;
			continue;
		}
		if (c == '*')
			return "'*' inside a label; a wildcard stands alone as the first label, as in *.example.com";
		if (c >= 0x80)
			return "non-ASCII character; write internationalised names in punycode (xn--...)";
		if (!((c | 32) >= 'a' && (c | 32) <= 'z') && !(c >= '0' && c <= '9') && c != '-' && c != '_')
			return "invalid character in a name (letters, digits, '-' and '_' only)";
		if (++lab > 63)
			return "label longer than 63 characters";
	}
	if (lab == 0)
		return "empty label";
	if (labels < min_labels)
		return "a wildcard over a single label matches a whole top-level domain; "
		       "name the domain (*.example.com), or use \"*\" for every destination";
	return NULL;
}

/* Say why in why[whysz]; returns -1, for "return fail(...)". */
static int __attribute__((format(printf, 3, 4)))
fail(char *why, size_t whysz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whysz, fmt, ap);
	va_end(ap);
	return -1;
}

/* The address of a network, t->family set from it; -1 with why if it is none. */
static int
net_addr(const char *text, size_t alen, struct ir_target *t, char *why, size_t whysz)
{
	char addr[INET6_ADDRSTRLEN + 1];

	if (alen == 0 || alen >= sizeof(addr))
		return fail(why, whysz, "not a network; write ADDRESS/PREFIX, as in 10.0.0.0/8");
	memcpy(addr, text, alen);
	addr[alen] = '\0';
	if (inet_pton(AF_INET, addr, t->addr) == 1)
		t->family = 4;
	else if (inet_pton(AF_INET6, addr, t->addr) == 1)
		t->family = 6;
	else
		return fail(why, whysz, "\"%s\" is not an IPv4 or IPv6 address inet_pton accepts", addr);
	return 0;
}

/* Host bits set below the prefix are an error: say which network was meant. */
static int
host_bits(const struct ir_target *t, char *why, size_t whysz)
{
	uint8_t m[16];
	int bytes = t->family == 4 ? 4 : 16, hostbits = 0;
	char fixed[INET6_ADDRSTRLEN];

	memcpy(m, t->addr, 16);
	for (int i = 0; i < bytes; i++) {
		int keep = t->plen - i * 8;
		uint8_t mask = keep >= 8 ? 0xff : keep <= 0 ? 0 : (uint8_t)(0xff << (8 - keep));

		if (m[i] & ~mask)
			hostbits = 1;
		m[i] &= mask;
	}
	if (!hostbits)
		return 0;
	inet_ntop(t->family == 4 ? AF_INET : AF_INET6, m, fixed, sizeof(fixed));
	return fail(why, whysz, "host bits set; did you mean \"%s/%d\"?", fixed, t->plen);
}

/* ::ffff:a.b.c.d/96+n is the IPv4 network a.b.c.d/n. */
static void
unmap_v4(struct ir_target *t)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (t->family == 6 && t->plen >= 96 && memcmp(t->addr, mapped, 12) == 0) {
		memmove(t->addr, t->addr + 12, 4);
		memset(t->addr + 4, 0, 12);
		t->family = 4;
		t->plen -= 96;
	}
}

static int
parse_net(const char *text, struct ir_target *t, char *why, size_t whysz)
{
	const char *slash = strchr(text, '/');
	int max;
	long plen;
	char *end;

	if (net_addr(text, (size_t)(slash - text), t, why, whysz) < 0)
		return -1;
	max = t->family == 4 ? 32 : 128;
	errno = 0;
	plen = strtol(slash + 1, &end, 10);
	if (!ng_all_digits(slash + 1, strlen(slash + 1)) || *end || plen < 0 || plen > max || errno)
		return fail(why, whysz, "prefix length must be 0 to %d", max);
	t->plen = (int)plen;
	if (host_bits(t, why, whysz) < 0)
		return -1;
	unmap_v4(t);
	t->kind = NG_T_NET;
	return 0;
}

void
ng_free_target(struct ir_target *t)
{
	free(t->text);
	free(t->key);
	free(t->lit);
	pcre2_code_free(t->re);
}

/* t->key = a copy of s; -2 when memory ran out. */
static int
set_key(struct ir_target *t, const char *s)
{
	t->key = strdup(s);
	return t->key ? 0 : -2;
}

static int
parse_unix(const char *glob, struct ir_target *t, char *why, size_t whysz)
{
	const char *e;

	if (!glob[0])
		return fail(why, whysz, "empty unix: path; write unix:/path/to.sock or unix:@abstract");
	if (ng_glob_check(glob, &e) < 0)
		return fail(why, whysz, "bad glob: %s", e);
	t->kind = NG_T_UNIX;
	return set_key(t, glob);
}

/* ~REGEX: compiled anchored at both ends and caseless, as it will match. */
static int
parse_regex(const char *rx, struct ir_target *t, char *why, size_t whysz)
{
	int ec;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[160];
	char lit[256];

	if (!rx[0])
		return fail(why, whysz, "empty regular expression");
	t->re = pcre2_compile((PCRE2_SPTR)rx, PCRE2_ZERO_TERMINATED,
			      PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_CASELESS | PCRE2_NEVER_BACKSLASH_C, &ec,
			      &off, NULL);
	if (!t->re) {
		pcre2_get_error_message(ec, msg, sizeof(msg));
		return fail(why, whysz, "regular expression error at offset %zu: %s", (size_t)off, (char *)msg);
	}
	t->kind = NG_T_REGEX;
	if (set_key(t, rx) < 0 || (ng_regex_literal(rx, lit, sizeof(lit)) && !(t->lit = strdup(lit)))) {
		ng_free_target(t);
		return -2;
	}
	return 0;
}

/* An address inet_pton accepts (IPv4-mapped IPv6 taken as IPv4)?  Then 1. */
static int
parse_addr(const char *text, struct ir_target *t)
{
	if (inet_pton(AF_INET, text, t->addr) == 1)
		t->family = 4;
	else if (inet_pton(AF_INET6, text, t->addr) == 1)
		t->family = ng_addr_canon(AF_INET6, t->addr) == AF_INET ? 4 : 6;
	else
		return 0;
	t->kind = NG_T_ADDR;
	t->plen = t->family == 4 ? 32 : 128;
	return 1;
}

/* *.example.com (strictly below) or .example.com (it and below) */
static int
parse_wildcard(const char *text, struct ir_target *t, char *why, size_t whysz)
{
	const char *rest = text + (text[0] == '*' ? 2 : 1);
	const char *bad = bad_name(rest, 2);
	char canon[256];

	if (bad)
		return fail(why, whysz, "%s", bad);
	if (numeric_form(rest))
		return fail(why, whysz, "a wildcard over a numeric address; use a CIDR such as 10.0.0.0/8");
	ng_name_canon(rest, canon, sizeof(canon));
	t->kind = text[0] == '*' ? NG_T_SUB : NG_T_APEX;
	return set_key(t, canon);
}

static int
parse_name(const char *text, struct ir_target *t, char *why, size_t whysz)
{
	const char *bad;
	char canon[256];

	if (numeric_form(text))
		return fail(why, whysz, "not an address inet_pton accepts (only dotted-quad IPv4 and standard IPv6); "
			    "write it as a.b.c.d");
	if ((bad = bad_name(text, 1)))
		return fail(why, whysz, "%s", bad);
	ng_name_canon(text, canon, sizeof(canon));
	t->kind = NG_T_NAME;
	return set_key(t, canon);
}

/*
 * Parse one target string.  Returns 0; -1 with why filled; or -2 when
 * memory ran out (nothing left allocated in *t).
 */
int
ng_parse_target(const char *text, struct ir_target *t, char *why, size_t whysz)
{
	memset(t, 0, sizeof(*t));
	if (strncmp(text, "unix:", 5) == 0)
		return parse_unix(text + 5, t, why, whysz);
	if (strcmp(text, "*") == 0) {
		t->kind = NG_T_STAR;
		return 0;
	}
	if (text[0] == '~')
		return parse_regex(text + 1, t, why, whysz);
	if (strchr(text, '/'))
		return parse_net(text, t, why, whysz);
	if (parse_addr(text, t))
		return 0;
	if (strchr(text, ':'))
		return fail(why, whysz, "not an IPv6 address inet_pton accepts");
	if (strncmp(text, "*.", 2) == 0 || (text[0] == '.' && text[1] != '.'))
		return parse_wildcard(text, t, why, whysz);
	return parse_name(text, t, why, whysz);
}

enum rx_tok { RX_GIVE_UP, RX_BREAK, RX_CHAR };

/* The ']' closing the class that opens at p[i], or 0: do not guess. */
static size_t
class_end(const char *p, size_t i)
{
	size_t j = i + 1;

	if (p[j] == '^')
		j++;
	if (p[j] == ']')
		j++;
	while (p[j] && p[j] != ']') {
		if (p[j] == '\\' && p[j + 1])
			j++;
		else if (p[j] == '[' && p[j + 1] == ':')
			return 0;	/* POSIX class: do not guess */
		j++;
	}
	return p[j] ? j : 0;
}

/*
 * The regex token at p[*i], leaving *i on its last character: a literal
 * character (in *c), something that ends a run of literals (a class, a
 * group, a quantifier, an escape such as \d), or something not understood.
 */
static enum rx_tok
rx_token(const char *p, size_t *i, unsigned char *c)
{
	const char *close;
	size_t j;

	*c = (unsigned char)p[*i];
	if (*c >= 0x80)
		return RX_GIVE_UP;
	if (*c == '\\') {
		*c = (unsigned char)p[++*i];
		if (!*c)
			return RX_GIVE_UP;
		if (strchr("dwsDWShvHVRbBAzZGKX", *c))
			return RX_BREAK;
		if (((*c | 32) >= 'a' && (*c | 32) <= 'z') || (*c >= '0' && *c <= '9'))
			return RX_GIVE_UP;
		return RX_CHAR;
	}
	if (*c == '[') {
		if (!(j = class_end(p, *i)))
			return RX_GIVE_UP;
		*i = j;
		return RX_BREAK;
	}
	if (*c == '{') {
		if (!(close = strchr(p + *i, '}')))
			return RX_GIVE_UP;
		*i = (size_t)(close - p);
		return RX_BREAK;
	}
	return strchr("().^$*+?", *c) ? RX_BREAK : RX_CHAR;
}

/*
 * The literal text a regex must end with, lowercased, if any.  Used only to
 * skip regexes that cannot match, so it must never claim more than the
 * pattern guarantees: any alternation, inline option or escape it does not
 * understand gives none (no prefilter), and every quantifier, class or group
 * restarts the run.  Written to run[runsz]; returns its length, 0 if none.
 */
size_t
ng_regex_literal(const char *p, char *run, size_t runsz)
{
	size_t n = 0;
	unsigned char c;

	if (strchr(p, '|') || strstr(p, "(?") || strstr(p, "(*"))
		return 0;
	for (size_t i = 0; p[i]; i++) {
		switch (rx_token(p, &i, &c)) {
		case RX_GIVE_UP:
			return 0;
		case RX_BREAK:
			n = 0;
			break;
		case RX_CHAR:
			if (n + 1 >= runsz)
				return 0;
			run[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
			break;
		}
	}
	if (n == 0)
		return 0;
	run[n] = '\0';
	return n;
}

/* The same, malloc'd; NULL if none. */
char *
ng_regex_literal_suffix(const char *p)
{
	char run[256];

	return ng_regex_literal(p, run, sizeof(run)) ? strdup(run) : NULL;
}
