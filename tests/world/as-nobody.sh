#!/bin/sh
# as-nobody.sh CMD [ARGS...] -- run CMD as uid/gid 65534 (nobody/nogroup)
# with no supplementary groups, inside the test world (tests/world/world.sh
# exports its path as WORLD_AS_NOBODY).
#
# uid 65534 can read nothing under /root: copy what it runs -- the preload
# library, policies, scripts -- to "$WORLD_PUB" (world-readable) first.
# The command starts in $WORLD_PUB with HOME=$WORLD_PUB.  Needs real root:
# in a world started by a non-root user (unshare -r) only uid 0 is mapped, so
# this exits 125 with a message.
set -u
[ $# -gt 0 ] || { echo "usage: as-nobody.sh CMD [ARGS...]" >&2; exit 125; }
if ! grep -Eq '^[[:space:]]*0[[:space:]]+0[[:space:]]+4294967295' /proc/self/uid_map; then
	echo "as-nobody.sh: uid 65534 is not mapped in this user namespace (world started without root)" >&2
	exit 125
fi
dir=${WORLD_PUB:-/}
cd "$dir" || exit 125
HOME=$dir exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"
