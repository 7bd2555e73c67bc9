/*
 * DNS messages a program builds itself (c-ares in node, dig, Java): the
 * question of a query, and the A/AAAA answers of a response (dnswire.h).
 * Bounded parsing of untrusted bytes, no allocation; fuzzed by tests/fuzz.
 */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "lib/dnswire.h"

/* Read a (possibly compressed) name at *off into out (dotted); 0 ok. */
static int
read_name(const unsigned char *m, size_t len, size_t *off, char *out, size_t outsz)
{
	size_t pos = *off, o = 0;
	int jumped = 0, hops = 0;

	for (;;) {
		unsigned c;

		if (pos >= len)
			return -1;
		c = m[pos];
		if (c == 0) {
			if (!jumped)
				*off = pos + 1;
			break;
		}
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len || ++hops > 16)
				return -1;
			if (!jumped)
				*off = pos + 2;
			jumped = 1;
			pos = ((c & 0x3f) << 8) | m[pos + 1];
			continue;
		}
		if (c & 0xc0)
			return -1;
		if (pos + 1 + c > len || o + c + 2 > outsz)
			return -1;
		if (o)
			out[o++] = '.';
		for (unsigned i = 0; i < c; i++) {
			unsigned char ch = m[pos + 1 + i];

			/* a label with a dot or NUL in it is not a host name */
			if (ch == '.' || ch == 0)
				return -1;
			out[o++] = (char)ch;
		}
		pos += 1 + c;
	}
	out[o] = '\0';
	return 0;
}

static unsigned
u16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

int
ng_dns_query_name(const unsigned char *msg, size_t len, char *out, size_t outsz)
{
	size_t off = 12;

	if (len < 12)
		return -1;
	if (msg[2] & 0x80)	/* QR set: a response, not a query */
		return -1;
	if (u16(msg + 4) != 1 || u16(msg + 6) != 0 || u16(msg + 8) != 0)
		return -1;	/* exactly one question, no answers or authority */
	if (read_name(msg, len, &off, out, outsz) < 0 || off + 4 > len)
		return -1;
	if (!out[0])
		return -1;	/* the root: nothing to judge by name */
	off += 4;
	/* additional records: only one EDNS OPT (root name, type 41) with a
	 * small payload; anything else could carry data past the name check */
	if (u16(msg + 10) > 1)
		return -1;
	if (u16(msg + 10) == 1) {
		if (off + 11 > len || msg[off] != 0 || u16(msg + off + 1) != 41 || u16(msg + off + 9) > 128 ||
		    off + 11 + u16(msg + off + 9) != len)
			return -1;
	} else if (off != len) {
		return -1;	/* trailing bytes */
	}
	return 0;
}

void
ng_dns_answers(const unsigned char *msg, size_t len, ng_dns_answer_fn fn, void *ctx)
{
	char qname[256], rname[256];
	size_t off = 12;
	unsigned qd, an;

	if (len < 12 || !(msg[2] & 0x80))
		return;
	qd = u16(msg + 4);
	an = u16(msg + 6);
	if (qd != 1 || read_name(msg, len, &off, qname, sizeof(qname)) < 0)
		return;
	off += 4;
	for (unsigned i = 0; i < an && i < 64; i++) {
		unsigned type, rdlen;

		if (read_name(msg, len, &off, rname, sizeof(rname)) < 0 || off + 10 > len)
			return;
		type = u16(msg + off);
		rdlen = u16(msg + off + 8);
		off += 10;
		if (off + rdlen > len)
			return;
		/* learn the answers under the name the program asked for */
		if (type == 1 && rdlen == 4)
			fn(ctx, AF_INET, msg + off, qname);
		else if (type == 28 && rdlen == 16)
			fn(ctx, AF_INET6, msg + off, qname);
		off += rdlen;
	}
}

int
ng_dns_response_question(const unsigned char *msg, size_t len, unsigned *id, char *out, size_t outsz)
{
	size_t off = 12;

	if (len < 12 || !(msg[2] & 0x80) || u16(msg + 4) != 1)
		return -1;
	if (read_name(msg, len, &off, out, outsz) < 0 || off + 4 > len)
		return -1;
	*id = u16(msg);
	return 0;
}

unsigned
ng_dns_id(const unsigned char *msg)
{
	return u16(msg);
}
