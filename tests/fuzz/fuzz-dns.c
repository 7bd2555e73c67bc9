/*
 * libFuzzer target: the preload's DNS wire parser (preload/dnswire.c) on
 * arbitrary messages, as a query (what a program sends to a nameserver)
 * and as a response (what it learns from).  The learning table is replaced
 * by a checker: every name handed to it must be a proper C string of at
 * most 255 bytes and every address must lie inside the message.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "preload/ng.h"

static const unsigned char *cur;
static size_t curlen;

void
ng_dns_learn(int family, const void *addr, const char *name)
{
	size_t n = family == AF_INET ? 4 : 16;

	if ((family != AF_INET && family != AF_INET6) || strnlen(name, 256) > 255)
		abort();
	if ((const unsigned char *)addr < cur || (const unsigned char *)addr + n > cur + curlen)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[256];
	unsigned char *copy = malloc(size ? size : 1);

	memcpy(copy, data, size);
	cur = copy;
	curlen = size;
	if (ng_dns_query_name(copy, size, name, sizeof(name)) == 0 && strnlen(name, sizeof(name)) == sizeof(name))
		abort();
	ng_dns_learn_response(copy, size);
	free(copy);
	return 0;
}
