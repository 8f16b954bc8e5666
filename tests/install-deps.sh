#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what `make check` needs from Debian's packages when it is missing. As root it runs
# apt-get itself; otherwise it prints the one command to run and fails. On macOS (Homebrew) and
# FreeBSD it prints the one command that installs what the build needs, and fails while that is
# missing (README.md, "Other systems").
set -eu

# macOS: the compiler from Xcode's command-line tools, the libraries from Homebrew. The build
# needs check, openssl@3 and pkg-config (the Makefile finds the keg-only openssl@3 itself); the
# rest only helps the lab: telnet (gone since macOS 10.13), Wireshark for captures on lo0.
macos() {
	if ! xcode-select -p >/dev/null 2>&1; then
		echo "The C compiler is missing. Run:  xcode-select --install"
		echo "then run make again."
		exit 1
	fi
	if ! command -v brew >/dev/null 2>&1; then
		echo "Homebrew is missing: install it as https://brew.sh says, then run:"
		echo "  brew install check openssl@3 pkg-config"
		exit 1
	fi
	if command -v pkg-config >/dev/null 2>&1 &&
		PKG_CONFIG_PATH="$(brew --prefix)/opt/openssl@3/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}" \
			pkg-config --exists check openssl; then
		exit 0
	fi
	echo "Missing: what the build needs (Check, OpenSSL 3, pkg-config). Run:"
	echo "  brew install check openssl@3 pkg-config"
	echo "For the lab's client tools as well (optional): brew install telnet; Wireshark from"
	echo "wireshark.org or brew install --cask wireshark."
	exit 1
}

# FreeBSD: the openssl package (OpenSSL 3 with the openssl.pc that pkg-config reads; the base
# system's has none); GNU make is gmake.
freebsd() {
	if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists check openssl &&
		command -v gmake >/dev/null 2>&1; then
		exit 0
	fi
	echo "Missing: what the build needs (Check, OpenSSL 3, pkg-config, GNU make). Run as root:"
	echo "  pkg install check openssl pkgconf gmake"
	echo "then build with gmake (FreeBSD's make is not GNU make)."
	exit 1
}

case $(uname -s) in
Darwin) macos ;;
FreeBSD) freebsd ;;
esac

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
