/*
 * The other ways into the network or to a program that libc exports, so
 * that no door is left open beside the hooked ones (tests/symbols.test
 * reads libc's symbol table and checks each is hooked or reasoned away):
 *
 *  - getnetbyname/getnetbyaddr and their _r forms: NSS "networks", which
 *    the dns module answers with DNS queries -- judged as lookups;
 *  - the r-commands (rcmd, rexec, ruserok, iruserok and their _af forms):
 *    they resolve and connect inside libc, where no hook sees the address
 *    (or resolve names read from ~/.rhosts) -- refused, always;
 *  - sendfile, splice, vmsplice: bytes into a socket other than by write;
 *    on a socket connected to a nameserver, whose content is judged
 *    message by message, refused;
 *  - wordexp: its command substitution runs /bin/sh inside libc, with the
 *    program's own environment -- judged like system(), and the sticky
 *    environment restored first;
 *  - glibc's exported aliases of hooked functions (__connect, __write...)
 *    are the hooks themselves (exports.c).
 */
#include "config.h"

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <wordexp.h>

#include "ng.h"

static int
refused(const char *what)
{
	struct ng_verdict v;
	struct ng_event e = { .op = "connect", .name = what,
			      .detail = "legacy r-commands resolve and connect inside libc: always refused" };

	ng_verdict_error(&v);
	v.rule_name = "r-commands";
	ng_log_verdict(&e, &v);
	errno = ng_deny_errno();
	return -1;
}

struct netent *
ng_getnetbyname(const char *name)
{
	if (!name || ng_check_lookup(name, "dns") < 0) {
		h_errno = HOST_NOT_FOUND;
		return NULL;
	}
	return ng_real.getnetbyname(name);
}

int
ng_getnetbyname_r(const char *name, struct netent *ret, char *buf, size_t n, struct netent **res, int *herr)
{
	if (!name || ng_check_lookup(name, "dns") < 0) {
		*res = NULL;
		if (herr)
			*herr = HOST_NOT_FOUND;
		return ENOENT;
	}
	return ng_real.getnetbyname_r(name, ret, buf, n, res, herr);
}

/* a network number's name: a PTR query that could carry anything; refused
 * like the reverse lookup of an address no rule allows */
struct netent *
ng_getnetbyaddr(uint32_t net, int type)
{
	(void)net;
	(void)type;
	h_errno = HOST_NOT_FOUND;
	return NULL;
}

int
ng_getnetbyaddr_r(uint32_t net, int type, struct netent *ret, char *buf, size_t n, struct netent **res, int *herr)
{
	(void)net; (void)type; (void)ret; (void)buf; (void)n;
	*res = NULL;
	if (herr)
		*herr = HOST_NOT_FOUND;
	return ENOENT;
}

int
ng_rcmd(char **ahost, unsigned short port, const char *lu, const char *ru, const char *cmd, int *fd2)
{
	(void)port; (void)lu; (void)ru; (void)cmd; (void)fd2;
	return refused(ahost && *ahost ? *ahost : "rcmd");
}

int
ng_rcmd_af(char **ahost, unsigned short port, const char *lu, const char *ru, const char *cmd, int *fd2,
	   sa_family_t af)
{
	(void)af;
	return ng_rcmd(ahost, port, lu, ru, cmd, fd2);
}

int
ng_rexec(char **ahost, int port, const char *user, const char *pass, const char *cmd, int *fd2)
{
	(void)port; (void)user; (void)pass; (void)cmd; (void)fd2;
	return refused(ahost && *ahost ? *ahost : "rexec");
}

int
ng_rexec_af(char **ahost, int port, const char *user, const char *pass, const char *cmd, int *fd2, sa_family_t af)
{
	(void)af;
	return ng_rexec(ahost, port, user, pass, cmd, fd2);
}

int
ng_ruserok(const char *rhost, int superuser, const char *ru, const char *lu)
{
	(void)superuser; (void)ru; (void)lu;
	return refused(rhost ? rhost : "ruserok");
}

int
ng_ruserok_af(const char *rhost, int superuser, const char *ru, const char *lu, sa_family_t af)
{
	(void)af;
	return ng_ruserok(rhost, superuser, ru, lu);
}

int
ng_iruserok(uint32_t raddr, int superuser, const char *ru, const char *lu)
{
	(void)raddr; (void)superuser; (void)ru; (void)lu;
	return refused("iruserok");
}

int
ng_iruserok_af(const void *raddr, int superuser, const char *ru, const char *lu, sa_family_t af)
{
	(void)raddr; (void)superuser; (void)ru; (void)lu; (void)af;
	return refused("iruserok");
}

/* bytes into a nameserver socket by a way that is not a message: refused */
static int
dns_sink(int fd)
{
	if (!ng_dnsfd(fd))
		return 0;
	errno = ng_deny_errno();
	return -1;
}

ssize_t
ng_sendfile(int out, int in, off_t *off, size_t n)
{
	if (dns_sink(out) < 0)
		return -1;
	return ng_real.sendfile(out, in, off, n);
}

ssize_t
ng_sendfile64(int out, int in, off_t *off, size_t n)
{
	if (dns_sink(out) < 0)
		return -1;
	return ng_real.sendfile64(out, in, off, n);
}

ssize_t
ng_splice(int in, off_t *inoff, int out, off_t *outoff, size_t n, unsigned int flags)
{
	if (dns_sink(out) < 0)
		return -1;
	return ng_real.splice(in, inoff, out, outoff, n, flags);
}

ssize_t
ng_vmsplice(int fd, const struct iovec *iov, size_t n, unsigned int flags)
{
	return ng_real.vmsplice(fd, iov, n, flags);	/* into a pipe only: splice judges its way on */
}

int
ng_wordexp(const char *words, wordexp_t *we, int flags)
{
	if (!(flags & WRDE_NOCMD) && strpbrk(words, "`$") && ng_shell_allowed() < 0)
		return WRDE_CMDSUB;	/* "command substitution requested": refused */
	return ng_real.wordexp(words, we, flags);
}
