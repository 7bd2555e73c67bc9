/*
 * libFuzzer target: the DNS wire parser (lib/dnswire.c) on arbitrary
 * messages, as a query (what a program sends to a nameserver) and as a
 * response (what the preload learns from).  Every answer handed out must
 * carry a proper C string of at most 255 bytes and an address that lies
 * inside the message.
 */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/dnswire.h"

struct span {
	const unsigned char *p;
	size_t n;
};

static void
check_answer(void *ctx, int family, const void *addr, const char *name)
{
	const struct span *m = ctx;
	size_t n = family == AF_INET ? 4 : 16;

	if ((family != AF_INET && family != AF_INET6) || strnlen(name, 256) > 255)
		abort();
	if ((const unsigned char *)addr < m->p || (const unsigned char *)addr + n > m->p + m->n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256];
	unsigned char *copy = malloc(size ? size : 1);
	struct span m = { copy, size };

	memcpy(copy, data, size);
	if (ng_dns_query_name(copy, size, name, sizeof(name)) == 0 && strnlen(name, sizeof(name)) == sizeof(name))
		abort();
	ng_dns_answers(copy, size, check_answer, &m);
	free(copy);
	return 0;
}
