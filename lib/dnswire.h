/*
 * DNS wire format, read-only (dnswire.c): bounded parsing of untrusted
 * messages, no allocation, async-signal-safe.
 */
#ifndef NG_LIB_DNSWIRE_H
#define NG_LIB_DNSWIRE_H

#include <stddef.h>

/*
 * A query with exactly one question, no answer or authority records, at
 * most one small EDNS OPT record and nothing after it: its name (dotted)
 * into out, 0.  Anything else (a response, several questions, trailing
 * bytes that could carry data): -1.
 */
int ng_dns_query_name(const unsigned char *msg, size_t len, char *out, size_t outsz);

/* A response to one question: its ID and the question's name; 0, or -1. */
int ng_dns_response_question(const unsigned char *msg, size_t len, unsigned *id, char *out, size_t outsz);
/* The ID of a message of at least 12 bytes. */
unsigned ng_dns_id(const unsigned char *msg);

/* Each A/AAAA answer of a response with one question, as (family, address
 * inside msg, the question's name). */
typedef void (*ng_dns_answer_fn)(void *ctx, int family, const void *addr, const char *qname);
void ng_dns_answers(const unsigned char *msg, size_t len, ng_dns_answer_fn fn, void *ctx);

#endif
