#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what `make check` needs from Debian's packages when it is missing. As root it runs
# apt-get itself; otherwise it prints the one command to run and fails.
set -eu

# command-or-file to look for, then the Debian package that provides it
needs="
cc:gcc
clang:clang
valgrind:valgrind
make:make
pkg-config:pkg-config
/usr/include/check.h:check
/usr/include/openssl/ssl.h:libssl-dev
openssl:openssl
/usr/lib/python3/dist-packages/pytest/__init__.py:python3-pytest
/usr/lib/python3/dist-packages/flask/__init__.py:python3-flask
/usr/bin/python3:python3
curl:curl
nc:netcat-openbsd
socat:socat
telnet:telnet
tmux:tmux
wrk:wrk
nginx:nginx-light
tshark:tshark
ss:iproute2
node:nodejs
npm:npm
/usr/bin/chromium:chromium
"

missing=""
for pair in $needs; do
	what=${pair%%:*}
	pkg=${pair#*:}
	case $what in
	/*) [ -e "$what" ] && continue ;;
	*) command -v "$what" >/dev/null 2>&1 && continue ;;
	esac
	# nginx lives in /usr/sbin, which a non-root PATH may lack
	[ "$what" = nginx ] && [ -x /usr/sbin/nginx ] && continue
	missing="$missing $pkg"
done

# clang's ThreadSanitizer and libFuzzer runtimes (make tsan, make fuzz) are a package of their own
if ! command -v clang >/dev/null 2>&1 ||
	[ ! -e "$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a)" ]; then
	missing="$missing libclang-rt-dev"
fi

[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	echo "Installing missing packages:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
else
	echo "Missing packages:$missing"
	echo "Run:  sudo apt-get install$missing"
	exit 1
fi
