#!/bin/sh
# The demo: check the example policies and ask them what they decide.
ng=$1 src=$2
pol=$src/examples/stripe-node.conf
show() { printf '\n$ %s\n' "$*"; "$@"; echo "(exit $?)"; }
show "$ng" check -p "$src/examples/spec-example.conf"
show "$ng" check -p "$src/examples/offline-ci.conf"
show "$ng" check -p "$pol"
show "$ng" explain -p "$pol" --exe /usr/bin/node connect api.stripe.com:443
show "$ng" explain -p "$pol" --exe /usr/bin/node connect api.stripe.com:80
show "$ng" explain -p "$pol" --exe /usr/bin/python3 connect api.stripe.com:443
show "$ng" explain -p "$pol" connect evil.example:443
show "$ng" explain -p "$pol" connect 169.254.169.254:80
show "$ng" explain -p "$pol" exec curl https://evil.example/
show "$ng" explain -p "$pol" exec busybox wget http://evil.example/
exit 0
