/*
 * A shared library whose constructor connects: preloaded after
 * libnetguard.so, ld.so may run it before the preload's own constructor.
 * The hook must initialise itself on first use and refuse.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

int early_errno = -1;

__attribute__((constructor)) static void
early_connect(void)
{
	const char *ip = getenv("HOOKTEST_DENIED");
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	inet_pton(AF_INET, ip ? ip : "198.51.100.1", &a.sin_addr);
	early_errno = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : errno;
	close(fd);
}
