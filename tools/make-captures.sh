#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Records each demo of lab-notes.md into a trace file, captures/NAME.pcapng, for the student who
# cannot capture (Windows without Npcap, a lab machine without sudo): they open the file in
# Wireshark and answer the same questions from it. `make captures` runs it; the files are
# committed, and tests/integration/test_captures.py reads each one back.
#   tools/make-captures.sh [DIR]     DIR defaults to captures
# It starts the project's own servers on their usual ports on 127.0.0.1 (they must be free),
# drives them with curl, netcat and telnet (typed through tmux, as a student types), and records
# each scenario with dumpcap on lo, filtered by the server's port. Needs root or capture rights
# on lo (the wireshark group); classmate.pcapng also needs root, for a network namespace.
# The HTTPS capture comes with its key log, https-keys.log, from a throwaway certificate and key
# made for this run and deleted after it: never publish a key log of real traffic.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-captures}
bin=${BIN_DIR:-bin}
NETNS=lab4-classmate HOST_IF=lab4-lan PEER_IF=eth0 HOST_ADDR=10.99.0.1 PEER_ADDR=10.99.0.2

die() { echo "make-captures.sh: $*" >&2; exit 1; }

for cmd in dumpcap curl nc telnet tmux openssl; do
	command -v "$cmd" >/dev/null 2>&1 || die "$cmd is missing (tests/install-deps.sh lists its package)"
done
for p in echo echo_mt web_hello fileserver formapp; do
	[ -x "$bin/$p" ] || die "$bin/$p is missing: run make first"
done
if ! dumpcap -i lo -a duration:1 -q -w /dev/null >/dev/null 2>&1; then
	die "this user may not capture on lo: run as root (sudo make captures), or allow capturing
and join the wireshark group (sudo dpkg-reconfigure wireshark-common; sudo usermod -aG wireshark \$USER)"
fi

work=$(mktemp -d /tmp/lab4-captures.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill -INT "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	tmux -f /dev/null -L lab4cap kill-server 2>/dev/null || true
	if [ "$(id -u)" -eq 0 ]; then
		ip link del "$HOST_IF" 2>/dev/null || true
		ip netns del "$NETNS" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

# server NAME ARGS...: start bin/NAME in the background and wait for its first line (every
# program states its address there). Sets $server to its pid.
server() {
	local name=$1 log=$work/$1.log
	shift
	"$bin/$name" "$@" >"$log" 2>&1 &
	server=$!
	pids+=("$server")
	for _ in $(seq 100); do
		[ -s "$log" ] && break
		kill -0 "$server" 2>/dev/null || die "$name $* did not start: $(cat "$log")"
		sleep 0.05
	done
	kill -0 "$server" 2>/dev/null || die "$name $* did not start: $(cat "$log")"
}

stop() {    # stop PID: Ctrl-C, as a student stops a server
	kill -INT "$1"
	wait "$1" 2>/dev/null || true
}

# record NAME FILTER [IFACE...]: start dumpcap into $out/NAME.pcapng; `finish` ends it.
record() {
	local name=$1 filter=$2
	shift 2
	local ifaces=("$@")
	[ ${#ifaces[@]} -gt 0 ] || ifaces=(lo)
	local args=()
	for i in "${ifaces[@]}"; do args+=(-i "$i" -f "$filter"); done
	rm -f "$out/$name.pcapng"
	dumpcap "${args[@]}" -q -w "$out/$name.pcapng" 2>"$work/dumpcap.log" &
	capture=$!
	capture_name=$name
	# dumpcap writes the file's header once every interface is open and capturing.
	for _ in $(seq 100); do
		[ -s "$out/$name.pcapng" ] && break
		sleep 0.05
	done
	[ -s "$out/$name.pcapng" ] || die "dumpcap did not start: $(cat "$work/dumpcap.log")"
	sleep 0.3
}

finish() {
	sleep 0.5        # the last FIN and ACK
	kill -INT "$capture"
	wait "$capture" || die "dumpcap failed: $(cat "$work/dumpcap.log")"
	chmod 644 "$out/$capture_name.pcapng"
	echo "made $out/$capture_name.pcapng ($(stat -c %s "$out/$capture_name.pcapng") bytes)"
}

free() {    # free PORT: fail early when a port the notes use is taken
	if nc -z 127.0.0.1 "$1" 2>/dev/null; then
		die "port $1 is in use: stop what listens there (the captures use the notes' ports)"
	fi
}

# type KEYS...: tmux send-keys, one group at a time, with time for each to arrive
T=(tmux -f /dev/null -L lab4cap)
type_keys() {
	for k in "$@"; do
		if [[ $k == literal:* ]]; then "${T[@]}" send-keys -t cap -l "${k#literal:}"
		else "${T[@]}" send-keys -t cap "$k"; fi
		sleep 0.4
	done
}
telnet_session() {    # telnet_session KEYS...: telnet 127.0.0.1 5555, type KEYS, then quit
	"${T[@]}" new-session -d -s cap -x 100 -y 30 "telnet 127.0.0.1 5555"
	"${T[@]}" set-option -t cap remain-on-exit on >/dev/null
	sleep 0.5
	type_keys "$@" C-] literal:quit Enter
	"${T[@]}" kill-server 2>/dev/null || true
}

for port in 5555 8080 8000 5000 8443; do free "$port"; done

# ---- Part B -------------------------------------------------------------------------------------
server echo
record echo-telnet 'tcp port 5555'
# First as Linux telnet works by default: the line is sent when Enter is pressed.
telnet_session literal:hello Enter
# Then in character mode, as Windows telnet works: each key leaves on its own; `toggle crlf`
# makes Enter send CR LF, as Windows telnet does (the handout's b'a', b'\r\n', ...).
telnet_session C-] literal:'mode character' Enter C-] literal:'toggle crlf' Enter \
	literal:a Enter literal:b Enter literal:c Enter
finish
stop "$server"

server echo_mt
record echo-mt 'tcp port 5555'
(sleep 1; printf 'client 1\r\n'; sleep 0.5) | nc -N 127.0.0.1 5555 >/dev/null &
sleep 0.3
printf 'client 2\r\n' | nc -N 127.0.0.1 5555 >/dev/null
wait $!
finish
stop "$server"

server web_hello
record web_hello 'tcp port 8080'
curl -s -o /dev/null http://127.0.0.1:8080/
curl -s -o /dev/null http://127.0.0.1:8080/not-exist
finish
stop "$server"

# ---- Part A.1 and Part C: fileserver ------------------------------------------------------------
server fileserver -b 127.0.0.1 -d www -q 8000
record close 'tcp port 8000'
curl -s -o /dev/null -o /dev/null -H 'Connection: close' \
	http://127.0.0.1:8000/hello.txt http://127.0.0.1:8000/index.html
finish
record keepalive 'tcp port 8000'
curl -s -o /dev/null -o /dev/null http://127.0.0.1:8000/hello.txt http://127.0.0.1:8000/index.html
finish
record range 'tcp port 8000'
curl -s -o /dev/null -r 0-21 http://127.0.0.1:8000/hello.txt
curl -s -o /dev/null -H 'Range: bytes=0-4, 11-21' http://127.0.0.1:8000/hello.txt
finish
record conditional 'tcp port 8000'
etag=$(curl -s -D - -o /dev/null http://127.0.0.1:8000/hello.txt | sed -n 's/^ETag: //p' | tr -d '\r')
curl -s -o /dev/null -H "If-None-Match: $etag" http://127.0.0.1:8000/hello.txt
finish
stop "$server"

# ---- formapp: chunked streaming, the login session, the form ------------------------------------
server formapp
record chunked 'tcp port 5000'
curl -s -o /dev/null 'http://127.0.0.1:5000/stream?n=3&delay_ms=500'
curl -s -o /dev/null 'http://127.0.0.1:5000/stream?n=3&delay_ms=500&mode=buffered'
finish
jar=$work/jar.txt
record session 'tcp port 5000'
curl -s -c "$jar" -o /dev/null -d 'user=philip&pw=123456' http://127.0.0.1:5000/login
curl -s -b "$jar" -o /dev/null http://127.0.0.1:5000/home
curl -s -b "$jar" -o /dev/null http://127.0.0.1:5000/checkmail
curl -s -b "$jar" -c "$jar" -o /dev/null -d '' http://127.0.0.1:5000/logout
curl -s -b "$jar" -o /dev/null http://127.0.0.1:5000/home
finish
record form 'tcp port 5000'
curl -s -o /dev/null http://127.0.0.1:5000/
curl -s -o /dev/null -d 'user=CS305&password=123456' http://127.0.0.1:5000/
finish
stop "$server"

# ---- HTTPS, with a throwaway certificate and its key log ----------------------------------------
tools/make-cert.sh "$work/cert" >/dev/null
rm -f "$out/https-keys.log"
server fileserver -b 127.0.0.1 -d www -q --tls-cert "$work/cert/cert.pem" \
	--tls-key "$work/cert/key.pem" --tls-keylog "$work/https-keys.log" 8443
record https 'tcp port 8443'
# localhost, not 127.0.0.1: curl sends the name (SNI) only for a name, never for an address.
curl -s --cacert "$work/cert/cert.pem" -o /dev/null https://localhost:8443/hello.txt
finish
stop "$server"
install -m 644 "$work/https-keys.log" "$out/https-keys.log"
echo "made $out/https-keys.log (the key log of that one throwaway connection)"

# ---- Practice 4.2: a classmate's machine, as a network namespace --------------------------------
if [ "$(id -u)" -ne 0 ]; then
	echo "classmate.pcapng needs root (a network namespace): left as it is"
	exit 0
fi
exec 9>/run/lock/lab4-classmate.lock
flock 9          # the lab-notes checker uses the same namespace
ip link del "$HOST_IF" 2>/dev/null || true
ip netns del "$NETNS" 2>/dev/null || true
ip netns add "$NETNS"
ip link add "$HOST_IF" type veth peer name "$PEER_IF" netns "$NETNS"
ip addr add "$HOST_ADDR/24" dev "$HOST_IF"
ip link set "$HOST_IF" up
ip -n "$NETNS" addr add "$PEER_ADDR/24" dev "$PEER_IF"
ip -n "$NETNS" link set "$PEER_IF" up
ip -n "$NETNS" link set lo up
sleep 1          # the new interface's own IPv6 chatter is over before the capture
server fileserver -d www -q 8000
record classmate 'tcp port 8000' lo "$HOST_IF"
curl -s -o /dev/null http://127.0.0.1:8000/hello.txt                 # you, by loopback
curl -s -o /dev/null "http://$HOST_ADDR:8000/hello.txt"               # you, by your LAN address
ip netns exec "$NETNS" curl -s -o /dev/null "http://$HOST_ADDR:8000/hello.txt"   # the classmate
stop "$server"
server fileserver -b 127.0.0.1 -d www -q 8000
ip netns exec "$NETNS" curl -s -o /dev/null "http://$HOST_ADDR:8000/hello.txt" || true  # refused
finish
stop "$server"
