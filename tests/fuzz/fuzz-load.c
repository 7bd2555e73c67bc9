/*
 * libFuzzer target: the loader and compiler on arbitrary policy text, then
 * the decision side on what they produce.  Every accepted policy must
 * compile to a snapshot that verifies.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "policy/ir.h"
#include "policy/policy.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	struct ir_policy ir;
	struct ng_diags d = { 0 };
	struct ng_blob b = { 0 };
	struct ng_policy p;
	const char *why;

	memcpy(text, data, size);
	text[size] = '\0';
	if (ng_ir_load_string(text, "fuzz.conf", &ir, &d) == 0) {
		if (ng_ir_compile(&ir, &b, &d) == 0) {
			if (ng_snap_verify(b.data, b.size, &why) != 0 || ng_snap_open(&p, b.data, b.size, &why) != 0)
				abort();	/* the compiler produced a bad snapshot */
			{
				const char *names[2] = { "api.example.com", "a.b.c.d.example.org" };
				struct ng_query q = { .op = NG_OP_CONNECT, .proto = NG_Q_TCP, .family = AF_INET,
						      .addr = { 10, 1, 2, 3 }, .port = 443, .names = names, .nnames = 2 };
				struct ng_exec_query e = { .path = "/usr/bin/curl", .argv0 = "curl" };
				struct ng_verdict v;

				ng_rx_init_heap(&p);
				ng_decide(&p, &q, &v);
				q.op = NG_OP_DNS;
				ng_decide(&p, &q, &v);
				q.family = AF_UNIX;
				q.op = NG_OP_CONNECT;
				q.unix_path = "/run/docker.sock";
				ng_decide(&p, &q, &v);
				ng_decide_exec(&p, &e, &v);
				ng_rx_fini_heap(&p);
			}
			ng_blob_free(&b);
		}
		ng_ir_free(&ir);
	}
	ng_diags_free(&d);
	free(text);
	return 0;
}
