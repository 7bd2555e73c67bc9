# Shell helpers for TAP tests.  Source it; call ok/not_ok/is/like, then done.
# automake's TAP driver hands a test its log on fd 3 as well as on stderr:
# closed, so that a test starts with stdio alone.  jail.test counts on the
# descriptors a process gets next (denyns fails writes to fd 3; a shell's
# command substitution takes the lowest free pair).
exec 3>&-
_tap_n=0 failed=0
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
	_tap_n=$((_tap_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_tap_n - $2"; else echo "not ok $_tap_n - $2"; failed=$((failed + 1)); fi
}
is() { # is GOT WANT DESCRIPTION
	if [ "$1" = "$2" ]; then ok 0 "$3"; else ok 1 "$3"; printf '#   got:  %s\n#   want: %s\n' "$1" "$2"; fi
}
like() { # like TEXT REGEX DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else ok 1 "$3"; printf '#   text: %s\n#   want: /%s/\n' "$1" "$2" | head -n 20; fi
}
unlike() { # unlike TEXT REGEX DESCRIPTION
	if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 1 "$3"; printf '#   text: %s\n#   must not match: /%s/\n' "$1" "$2" | head -n 20; else ok 0 "$3"; fi
}
done_testing() { echo "1..$_tap_n"; [ "$failed" -eq 0 ]; }
srcdir=${srcdir:-.}
builddir=${builddir:-.}
NETGUARD=$(cd "$builddir" && pwd)/tools/netguard
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
# The preload as tests must pass it.  In a sanitizer build the library needs
# the ASan runtime loaded first (ld.so refuses otherwise), and leaks of the
# host programs it is injected into (curl, python...) are not ours to report.
NG_LIB=$(cd "$builddir" && pwd)/preload/.libs/libnetguard.so
NG_ASAN=$(ldd "$NG_LIB" 2>/dev/null | awk '/libasan\.so/ { print $3; exit }')
if [ -n "$NG_ASAN" ]; then
	NG_PRELOAD=$NG_ASAN:$NG_LIB
	ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
	export ASAN_OPTIONS
else
	NG_PRELOAD=$NG_LIB
fi
# netguard run appends the library to what LD_PRELOAD already holds
ng_run() { if [ -n "$NG_ASAN" ]; then LD_PRELOAD=$NG_ASAN "$NETGUARD" run "$@"; else "$NETGUARD" run "$@"; fi; }
# uid 65534 is mapped here: started by real root, not root of an unshare -r namespace
have_nobody() { grep -Eq '^[[:space:]]*0[[:space:]]+0[[:space:]]+4294967295' /proc/self/uid_map; }
# $AS_NOBODY CMD...: CMD as uid 65534 in $WORLD_PUB (copy there what it runs)
AS_NOBODY=$(cd "$srcdir" && pwd)/tests/world/as-nobody.sh
# jail_capbnd_ok HEX: a CapBnd as the jail leaves it: CAP_SYS_ADMIN (21) and
# CAP_NET_ADMIN (12) dropped, CAP_NET_RAW (13) kept
jail_capbnd_ok() {
	_b=$(printf '%d' "0x$1") &&
		[ $(( (_b >> 21) & 1 )) -eq 0 ] && [ $(( (_b >> 12) & 1 )) -eq 0 ] && [ $(( (_b >> 13) & 1 )) -eq 1 ]
}
