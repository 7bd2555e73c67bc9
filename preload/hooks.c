/*
 * The table of hooked names, for dlsym/dlvsym (dlsym.c): a lookup of one of
 * these that lands in libc returns our hook instead.
 */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ng.h"

#define H(name) { #name, (void *)(name) }

void *ng_hook_for(const char *name);

static const struct {
	const char *name;
	void *fn;
} table[] = {
	H(socket), H(connect), H(send), H(sendto), H(sendmsg), H(sendmmsg), H(write), H(writev),
	H(recv), H(recvfrom), H(recvmsg), H(recvmmsg), H(read), H(readv),
	H(close), H(close_range), H(closefrom), H(dup2), H(dup3), H(fcntl),
	H(getaddrinfo), H(getaddrinfo_a), H(gai_error), H(getnameinfo), H(gethostbyname), H(gethostbyname2),
	H(gethostbyname_r), H(gethostbyname2_r), H(gethostbyaddr), H(gethostbyaddr_r),
	H(res_query), H(res_search), H(res_querydomain), H(res_send),
	H(res_nquery), H(res_nsearch), H(res_nquerydomain), H(res_nsend),
	H(__res_query), H(__res_search), H(__res_querydomain), H(__res_send),
	H(__res_nquery), H(__res_nsearch), H(__res_nquerydomain), H(__res_nsend),
	H(execve), H(execveat), H(fexecve), H(execv), H(execvp), H(execvpe), H(execl), H(execlp), H(execle),
	H(posix_spawn), H(posix_spawnp), H(system), H(popen), H(syscall),
};

NG_NOSAN void *
ng_hook_for(const char *name)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		const char *a = table[i].name, *b = name;

		while (*a && *a == *b) {
			a++;
			b++;
		}
		if (*a == *b)
			return table[i].fn;
	}
	return NULL;
}
