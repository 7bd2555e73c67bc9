/*
 * The queries this process sent to a nameserver itself and has not had an
 * answer to.  A DNS answer a program reads back is learned only when it
 * answers one of them: same socket, same ID, same question -- and only
 * once.  Anything else (a forged "answer" a program sends itself over
 * loopback, a second copy, a reply to a query never sent) teaches nothing.
 *
 * Lock-free and allocation-free, like everything on the hook path: each
 * slot is claimed with one compare-and-swap; a full table drops the oldest
 * claim it meets (the worst that does is a name not learned).
 */
#include "config.h"

#include <string.h>

#include "ng.h"

#define SLOTS 64

enum { FREE, BUSY, READY };

struct pending {
	_Atomic int state;
	int fd;
	unsigned id;
	char name[256];		/* canonical */
};

static struct pending pend[SLOTS];
static _Atomic unsigned next_slot;

void
ng_dnsq_sent(int fd, const unsigned char *msg, size_t len)
{
	char name[256], canon[256];

	if (len < 12 || ng_dns_query_name(msg, len, name, sizeof(name)) < 0 ||
	    ng_name_canon(name, canon, sizeof(canon)) <= 0)
		return;
	for (unsigned tries = 0; tries < SLOTS; tries++) {
		struct pending *p = &pend[atomic_fetch_add(&next_slot, 1) % SLOTS];
		int want = p->state == READY ? READY : FREE;

		if (!atomic_compare_exchange_strong(&p->state, &want, BUSY))
			continue;
		p->fd = fd;
		p->id = ng_dns_id(msg);
		memcpy(p->name, canon, sizeof(canon));
		atomic_store(&p->state, READY);
		return;
	}
}

int
ng_dnsq_answered(int fd, unsigned id, const char *qname)
{
	char canon[256];

	if (ng_name_canon(qname, canon, sizeof(canon)) <= 0)
		return 0;
	for (int i = 0; i < SLOTS; i++) {
		struct pending *p = &pend[i];
		int want = READY;

		if (atomic_load(&p->state) != READY || p->fd != fd || p->id != id)
			continue;
		if (!atomic_compare_exchange_strong(&p->state, &want, BUSY))
			continue;
		if (p->fd == fd && p->id == id && strcmp(p->name, canon) == 0) {
			atomic_store(&p->state, FREE);	/* answered: once */
			return 1;
		}
		atomic_store(&p->state, READY);
	}
	return 0;
}

void
ng_dnsq_forget(int fd)
{
	for (int i = 0; i < SLOTS; i++) {
		int want = READY;

		if (pend[i].fd == fd && atomic_compare_exchange_strong(&pend[i].state, &want, BUSY)) {
			if (pend[i].fd == fd)
				pend[i].fd = -1;
			atomic_store(&pend[i].state, pend[i].fd == -1 ? FREE : READY);
		}
	}
}
