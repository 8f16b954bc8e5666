#!/bin/sh
# SPDX-License-Identifier: MIT
# Makes a self-signed certificate for the HTTPS exercises (handout "Encryption and SSL"): an
# ECDSA P-256 key and a certificate for localhost, 127.0.0.1 and ::1, valid 825 days (the longest
# that Apple's systems accept for a certificate a user trusts by hand). `make cert` runs it into
# certs/, which git ignores. Browsers check the subjectAltName, not the CN, so both are set.
#   tools/make-cert.sh [--force] [DIR]     DIR defaults to certs; --force replaces existing files
# Left out on purpose: a private CA signing the certificate (mkcert's way); one self-signed
# certificate that the student trusts explicitly shows the same idea with one file.
set -eu

usage() {
	echo "usage: tools/make-cert.sh [--force] [DIR]   (makes DIR/cert.pem, DIR/key.pem)"
}

force=no
dir=certs
while [ $# -gt 0 ]; do
	case $1 in
	--force) force=yes ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) dir=$1 ;;
	esac
	shift
done

if ! command -v openssl >/dev/null 2>&1; then
	echo "make-cert.sh: the openssl command is missing: sudo apt-get install openssl" >&2
	exit 1
fi
cert=$dir/cert.pem
key=$dir/key.pem
if [ "$force" = no ] && { [ -e "$cert" ] || [ -e "$key" ]; }; then
	echo "make-cert.sh: $cert or $key already exists; use --force to replace them" >&2
	exit 1
fi
mkdir -p "$dir"

# umask 077: the key file is readable by its owner only. openssl's chatter goes to a log that is
# shown only if it fails.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! (umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-days 825 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
	-keyout "$key" -out "$cert") >"$log" 2>&1; then
	cat "$log" >&2
	echo "make-cert.sh: openssl could not make the certificate" >&2
	exit 1
fi
chmod 644 "$cert"

cat <<END
Made $cert (self-signed, for localhost, 127.0.0.1 and ::1, valid 825 days)
 and $key (its private key: keep it to yourself).
Serve with:    bin/fileserver --tls-cert $cert --tls-key $key
Trust in curl: curl --cacert $cert https://localhost:8000/
In a browser:  accept the warning once, or import $cert as a trusted authority.
END
