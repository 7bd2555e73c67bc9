/*
 * The built-in default policy of netguard.conf(5) section "THE BUILT-IN
 * DEFAULT", used when no policy file exists anywhere.  It is data read by
 * the same loader as any file, not a second code path.
 */
#include "config.h"

#include <stdlib.h>

#include "ir.h"

const char ng_builtin_policy[] =
	"version = 1; default = \"deny\";\n"
	"guard = ( { name = \"container-runtimes\"; to = ( \"unix:/var/run/docker.sock\", \"unix:/run/docker.sock\",\n"
	"            \"unix:/run/user/*/docker.sock\", \"unix:/run/containerd/containerd.sock\",\n"
	"            \"unix:/run/podman/podman.sock\", \"unix:/run/user/*/podman/podman.sock\" ); } );\n"
	"rules = ( { name = \"loopback\"; action = \"allow\"; to = ( \"127.0.0.0/8\", \"::1\", \"localhost\" ); } );\n"
	"exec  = { default = \"allow\"; unhookable = \"jail\"; privileged = \"deny\";\n"
	"          rules = ( { name = \"network-tools\"; program = ( \"@network_tools\" );\n"
	"                      argv0 = ( \"@network_tools\" ); action = \"jail\"; } ); };\n";

static int
compile_ir(struct ir_policy *ir, int lint, const char *path, struct ng_blob *out, struct ng_diags *d)
{
	size_t errors = d->errors;
	int rc;

	if (lint)
		ng_ir_lint(ir, path, d);
	/* the only error lint can add: no memory left to say a warning */
	if (d->errors > errors) {
		ng_ir_free(ir);
		return -1;
	}
	rc = ng_ir_compile(ir, out, d);
	ng_ir_free(ir);
	return rc;
}

int
ng_compile_file(const char *path, int lint, struct ng_blob *out, struct ng_diags *d)
{
	struct ir_policy ir;

	if (ng_ir_load_file(path, &ir, d) < 0)
		return -1;
	return compile_ir(&ir, lint, path, out, d);
}

int
ng_compile_builtin(struct ng_blob *out, struct ng_diags *d)
{
	struct ir_policy ir;

	if (ng_ir_load_string(ng_builtin_policy, "(built-in default)", &ir, d) < 0)
		return -1;
	ir.builtin = 1;
	return compile_ir(&ir, 0, NULL, out, d);
}
