/*
 * Run policy cases: tests/policy/cases/NAME.case, one file per case.
 *
 *   policy:     the policy text (libconfig), up to "queries:" or "errors:"
 *   queries:    QUERY => VERDICT rule=NAME        (one per line)
 *   errors:     LINE: SUBSTRING                   (every error, in any order)
 *
 * Queries:
 *   connect HOST:PORT [tcp|udp] [names=a,b] [exe=PATH] [real=PATH]
 *   dns NAME [exe=PATH] [self]
 *   unix PATH [real=PATH] [exe=PATH]
 *   exec PATH [real=PATH] [interp=PATH] [interp_real=PATH] [argv0=NAME] [privileged] [unhookable]
 *   socket inet|inet6|unix|packet|netlink stream|dgram|raw
 *   dnsmsg NAME [qd=N] [tcp] [prefix-only] [exe=PATH]   (a DNS query written to a nameserver)
 * Any query may add mode=audit|enforce: the override of NETGUARD_MODE.
 * VERDICT may end in " mode=audit|enforce": the verdict's effective mode.
 *
 * The policy is written to a temporary file and compiled like any other, so
 * the error lines are the lines within the policy text.
 */
#include "config.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "policy/policy.h"
#include "tests/tap.h"

struct caseinfo {
	char *policy;
	char **queries;
	size_t nq;
	char **errors;
	size_t ne;
};

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)n + 1);
	if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
push(char ***v, size_t *n, char *s)
{
	*v = realloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = s;
}

static int
parse_case(char *text, struct caseinfo *c)
{
	enum { NONE, POLICY, QUERIES, ERRORS } sect = NONE;
	size_t cap = 1, len = 0;
	char *line, *save = NULL;

	memset(c, 0, sizeof(*c));
	c->policy = calloc(1, cap);
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* strtok_r skips empty lines; policy line numbers need them, so
		 * count the newlines we skipped */
		if (sect == POLICY && line > text && line[-1] == '\0') {
			char *p = line - 2;

			while (p >= text && *p == '\n') {
				if (len + 2 > cap) {
					cap = (len + 2) * 2;
					c->policy = realloc(c->policy, cap);
				}
				c->policy[len++] = '\n';
				c->policy[len] = '\0';
				p--;
			}
		}
		if (strcmp(line, "policy:") == 0) {
			sect = POLICY;
			continue;
		}
		if (strcmp(line, "queries:") == 0) {
			sect = QUERIES;
			continue;
		}
		if (strcmp(line, "errors:") == 0) {
			sect = ERRORS;
			continue;
		}
		if (sect == POLICY) {
			size_t n = strlen(line);

			if (len + n + 2 > cap) {
				cap = (len + n + 2) * 2;
				c->policy = realloc(c->policy, cap);
			}
			memcpy(c->policy + len, line, n);
			len += n;
			c->policy[len++] = '\n';
			c->policy[len] = '\0';
		} else if (sect != NONE && line[0] != '#' && line[strspn(line, " \t\r")]) {
			push(sect == QUERIES ? &c->queries : &c->errors, sect == QUERIES ? &c->nq : &c->ne, line);
		}
	}
	return sect == NONE ? -1 : 0;
}

static const char *
opt(char **tok, int n, const char *key)
{
	size_t kl = strlen(key);

	for (int i = 0; i < n; i++)
		if (strncmp(tok[i], key, kl) == 0 && tok[i][kl] == '=')
			return tok[i] + kl + 1;
	return NULL;
}

static int
flag(char **tok, int n, const char *word)
{
	for (int i = 0; i < n; i++)
		if (strcmp(tok[i], word) == 0)
			return 1;
	return 0;
}

/* socket DOMAIN TYPE: inet|inet6|unix|packet|netlink, stream|dgram|raw */
static int
socket_query(struct ng_policy *p, const char *dom, const char *type, struct ng_verdict *v)
{
	static const struct { const char *w; int v; } doms[] = {
		{ "inet", AF_INET }, { "inet6", AF_INET6 }, { "unix", AF_UNIX }, { "packet", AF_PACKET },
		{ "netlink", AF_NETLINK },
	}, types[] = { { "stream", SOCK_STREAM }, { "dgram", SOCK_DGRAM }, { "raw", SOCK_RAW } };
	int d = -1, t = -1;

	for (size_t i = 0; i < sizeof(doms) / sizeof(doms[0]); i++)
		if (strcmp(dom, doms[i].w) == 0)
			d = doms[i].v;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i].w) == 0)
			t = types[i].v;
	if (d < 0 || t < 0)
		return -1;
	ng_decide_socket(p, d, t | SOCK_CLOEXEC, v);
	return 0;
}

/* a DNS query for name: qd questions (the name each time), optional TCP length prefix */
static size_t
build_query(const char *name, int qd, int tcp, unsigned char *m, size_t cap)
{
	size_t at = tcp ? 2 : 0;
	static const unsigned char hdr[12] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };

	memcpy(m + at, hdr, 12);
	m[at + 5] = (unsigned char)qd;
	at += 12;
	for (int k = 0; k < qd; k++) {
		for (const char *l = name; *l;) {
			size_t len = strcspn(l, ".");

			if (at + len + 6 > cap)
				return 0;
			m[at++] = (unsigned char)len;
			memcpy(m + at, l, len);
			at += len;
			l += len;
			if (*l)
				l++;
		}
		memcpy(m + at, "\0\0\1\0\1", 5);
		at += 5;
	}
	if (tcp) {
		m[0] = (unsigned char)((at - 2) >> 8);
		m[1] = (unsigned char)(at - 2);
	}
	return at;
}

/* dnsmsg NAME [qd=N] [tcp] [prefix-only] [exe=PATH] */
static void
dnsmsg_query(struct ng_policy *p, char **tok, int n, struct ng_verdict *v)
{
	struct ng_query qq = { .op = NG_OP_DNS };
	unsigned char m[1024];
	char name[256];
	const char *qd = opt(tok, n, "qd");
	int tcp = flag(tok, n, "tcp");
	size_t len = build_query(tok[1], qd ? atoi(qd) : 1, tcp, m, sizeof(m));

	if (flag(tok, n, "prefix-only"))
		len = 2;
	qq.exe = opt(tok, n, "exe");
	ng_decide_dns_message(p, &qq, m, len, tcp, name, sizeof(name), v);
}

/*
 * Run one query line; returns "VERDICT rule=NAME" in out (with " mode=M"
 * when want_mode), or -1 on syntax.  A "mode=audit|enforce" word overrides
 * the file's mode for this query, as NETGUARD_MODE does.
 */
static int
run_query(struct ng_policy *p, char *q, char *out, size_t outsz, int want_mode)
{
	char *tok[16], *save = NULL, *t;
	int n = 0;
	struct ng_verdict v;
	const char *names[8];
	char namebuf[512];

	for (t = strtok_r(q, " \t", &save); t && n < 16; t = strtok_r(NULL, " \t", &save))
		tok[n++] = t;
	if (n < 2)
		return -1;
	p->mode_override = 0;
	if (opt(tok, n, "mode") && ng_policy_set_mode(p, opt(tok, n, "mode")) < 0)
		return -1;
	if (strcmp(tok[0], "connect") == 0) {
		struct ng_query qq = { .op = NG_OP_CONNECT, .proto = NG_Q_TCP };
		char *host = tok[1], *port;
		const char *nm = opt(tok, n, "names");

		if (host[0] == '[') {
			char *close = strchr(host, ']');

			if (!close || close[1] != ':')
				return -1;
			*close = '\0';
			port = close + 2;
			host++;
		} else {
			port = strrchr(host, ':');
			if (!port)
				return -1;
			*port++ = '\0';
		}
		qq.port = (uint16_t)atoi(port);
		if (flag(tok, n, "udp"))
			qq.proto = NG_Q_UDP;
		if (inet_pton(AF_INET, host, qq.addr) == 1)
			qq.family = AF_INET;
		else if (inet_pton(AF_INET6, host, qq.addr) == 1)
			qq.family = AF_INET6;
		else {
			names[qq.nnames++] = host;
		}
		if (nm) {
			snprintf(namebuf, sizeof(namebuf), "%s", nm);
			for (char *s2 = NULL, *x = strtok_r(namebuf, ",", &s2); x && qq.nnames < 8;
			     x = strtok_r(NULL, ",", &s2))
				names[qq.nnames++] = x;
		}
		qq.names = names;
		qq.exe = opt(tok, n, "exe");
		qq.exe_real = opt(tok, n, "real");
		ng_decide(p, &qq, &v);
	} else if (strcmp(tok[0], "dns") == 0) {
		struct ng_query qq = { .op = NG_OP_DNS, .proto = NG_Q_UDP };

		names[0] = tok[1];
		qq.names = names;
		qq.nnames = 1;
		qq.exe = opt(tok, n, "exe");
		qq.exe_real = opt(tok, n, "real");
		qq.hostname = flag(tok, n, "self") ? tok[1] : NULL;
		ng_decide(p, &qq, &v);
	} else if (strcmp(tok[0], "unix") == 0) {
		struct ng_query qq = { .op = NG_OP_CONNECT, .family = AF_UNIX, .proto = NG_Q_TCP };

		qq.unix_path = tok[1];
		qq.unix_real = opt(tok, n, "real");
		qq.exe = opt(tok, n, "exe");
		ng_decide(p, &qq, &v);
	} else if (strcmp(tok[0], "exec") == 0) {
		struct ng_exec_query eq = { 0 };

		eq.path = tok[1];
		eq.real = opt(tok, n, "real");
		eq.interp = opt(tok, n, "interp");
		eq.interp_real = opt(tok, n, "interp_real");
		eq.argv0 = opt(tok, n, "argv0");
		if (!eq.argv0)
			eq.argv0 = tok[1];
		if (flag(tok, n, "privileged"))
			eq.flags |= NG_EXEC_PRIVILEGED;
		if (flag(tok, n, "unhookable"))
			eq.flags |= NG_EXEC_UNHOOKABLE;
		ng_decide_exec(p, &eq, &v);
	} else if (strcmp(tok[0], "socket") == 0) {
		if (n < 3 || socket_query(p, tok[1], tok[2], &v) < 0)
			return -1;
	} else if (strcmp(tok[0], "dnsmsg") == 0) {
		dnsmsg_query(p, tok, n, &v);
	} else {
		return -1;
	}
	if (want_mode)
		snprintf(out, outsz, "%s rule=%s mode=%s", ng_verdict_word(&v), v.rule_name, ng_verdict_mode_word(&v));
	else
		snprintf(out, outsz, "%s rule=%s", ng_verdict_word(&v), v.rule_name);
	return 0;
}


static void
trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static void
run_case(const char *dir, const char *name)
{
	char path[4096], tmp[] = "/tmp/ngcase-XXXXXX";
	struct caseinfo c;
	struct ng_diags d = { 0 };
	struct ng_blob blob = { 0 };
	struct ng_policy pol;
	char *text;
	int fd, rc;
	const char *why;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	text = slurp(path);
	if (!text || parse_case(text, &c) < 0) {
		tap_ok(0, "%s: cannot read case", name);
		free(text);
		return;
	}
	fd = mkstemp(tmp);
	if (fd < 0 || write(fd, c.policy, strlen(c.policy)) != (ssize_t)strlen(c.policy)) {
		tap_ok(0, "%s: cannot write temp policy", name);
		return;
	}
	close(fd);
	rc = ng_compile_file(tmp, 0, &blob, &d);
	unlink(tmp);
	if (c.ne) {
		/* every expected error reported, and nothing else */
		tap_ok(rc < 0, "%s: policy is rejected", name);
		for (size_t i = 0; i < c.ne; i++) {
			int line = atoi(c.errors[i]);
			const char *sub = strchr(c.errors[i], ':');
			int found = 0;

			sub = sub ? sub + 1 : "";
			while (*sub == ' ')
				sub++;
			for (size_t k = 0; k < d.n; k++)
				if (d.v[k].sev == NG_SEV_ERROR && d.v[k].line == line && strstr(d.v[k].msg, sub))
					found = 1;
			tap_ok(found, "%s: error at line %d mentioning \"%s\"", name, line, sub);
		}
		tap_ok(d.errors == c.ne, "%s: %zu error(s) reported, %zu expected", name, d.errors, c.ne);
		if (d.errors != c.ne || rc >= 0)
			for (size_t k = 0; k < d.n; k++)
				tap_diag("  got %d: %s", d.v[k].line, d.v[k].msg);
	} else {
		tap_ok(rc == 0, "%s: policy compiles", name);
		for (size_t k = 0; k < d.n; k++)
			tap_diag("  %d: %s", d.v[k].line, d.v[k].msg);
	}
	if (rc == 0) {
		if (ng_snap_verify(blob.data, blob.size, &why) < 0 || ng_snap_open(&pol, blob.data, blob.size, &why) < 0) {
			tap_ok(0, "%s: snapshot verifies (%s)", name, why);
		} else {
			ng_rx_init_heap(&pol);
			for (size_t i = 0; i < c.nq; i++) {
				char *arrow = strstr(c.queries[i], "=>");
				char q[1024], want[256], got[256];

				if (!arrow) {
					tap_ok(0, "%s: malformed query line: %s", name, c.queries[i]);
					continue;
				}
				snprintf(q, sizeof(q), "%.*s", (int)(arrow - c.queries[i]), c.queries[i]);
				snprintf(want, sizeof(want), "%s", arrow + 2 + strspn(arrow + 2, " "));
				trim(want);
				trim(q);
				{
					char qcopy[1024];

					snprintf(qcopy, sizeof(qcopy), "%s", q);
					if (run_query(&pol, qcopy, got, sizeof(got), strstr(want, " mode=") != NULL) < 0) {
						tap_ok(0, "%s: bad query: %s", name, q);
						continue;
					}
				}
				tap_ok(strcmp(got, want) == 0, "%s: %s => %s%s%s", name, q, want,
				       strcmp(got, want) ? "  (got: " : "", strcmp(got, want) ? got : "");
				if (strcmp(got, want))
					tap_diag("got %s", got);
			}
			ng_rx_fini_heap(&pol);
		}
	}
	ng_blob_free(&blob);
	ng_diags_free(&d);
	free(c.policy);
	free(c.queries);
	free(c.errors);
	free(text);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_case(const struct dirent *e)
{
	size_t n = strlen(e->d_name);

	return n > 5 && strcmp(e->d_name + n - 5, ".case") == 0;
}

int
main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "tests/policy/cases";
	struct dirent **list;
	int n;

	if (argc > 2) {
		for (int i = 2; i < argc; i++)
			run_case(dir, argv[i]);
		return tap_done();
	}
	n = scandir(dir, &list, is_case, by_name);
	if (n <= 0) {
		tap_ok(0, "no cases found in %s", dir);
		return tap_done();
	}
	for (int i = 0; i < n; i++) {
		run_case(dir, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	return tap_done();
}
