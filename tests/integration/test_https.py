# SPDX-License-Identifier: MIT
"""HTTPS (issue 6, handout "Encryption and SSL"): fileserver and formapp with --tls-cert and
--tls-key, against a certificate made at test time by tools/make-cert.sh. curl with --cacert
does what a student does: GET, HEAD, Range, a chunked listing, two URLs on one connection, the
Flask form and the login flow (the session cookie now Secure). openssl s_client checks the
protocol versions (1.0 and 1.1 refused, 1.2 and 1.3 accepted); raw sockets check plain HTTP to
the HTTPS port (a 400 saying so), a silent client dropped at the handshake deadline while others
are served, and the busy cap (closed, no plain-text 503). Python's ssl module runs 100 parallel
1 MiB downloads. Also --tls-keylog, --hsts, and the usage errors of the options.
"""
import concurrent.futures
import hashlib
import os
import re
import shutil
import socket
import ssl
import subprocess
import time

import pytest

from conftest import BIN_DIR, ROOT, SLOW, recv_until_close

MAKE_CERT = os.path.join(ROOT, "tools", "make-cert.sh")
SHIPPED_USERS = os.path.join(ROOT, "formapp", "users")
TEMPLATES = os.path.join(ROOT, "formapp", "templates")
BIG_SIZE = 1 << 20
HANDSHAKE_TIMEOUT = 5.0          # TLS_HANDSHAKE_TIMEOUT_MS in common/tls/tls_conn.h
HSTS = "Strict-Transport-Security: max-age=31536000"


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    """A fresh self-signed certificate for localhost, 127.0.0.1 and ::1: (cert, key)."""
    d = tmp_path_factory.mktemp("certs")
    subprocess.run([MAKE_CERT, str(d)], check=True, capture_output=True, timeout=60)
    return str(d / "cert.pem"), str(d / "key.pem")


@pytest.fixture(scope="module")
def docroot(tmp_path_factory):
    d = tmp_path_factory.mktemp("www")
    (d / "hello.txt").write_bytes(b"Hello over TLS\n")
    (d / "big.bin").write_bytes(os.urandom(BIG_SIZE))
    for i in range(20):
        (d / f"file{i:02}.txt").write_text(f"file {i}\n")
    return d


def tls_args(certs, *extra):
    return ("--tls-cert", certs[0], "--tls-key", certs[1]) + extra


def start_fs(server, certs, docroot, *extra):
    return server("fileserver", "-b", "127.0.0.1", "-d", str(docroot), *tls_args(certs, *extra),
                  "0", port_stream="stderr")


def start_app(server, certs, tmp_path, *extra):
    users = tmp_path / "users"
    shutil.copy(SHIPPED_USERS, users)
    return server("formapp", "-p", "0", "--users", str(users), "--templates", TEMPLATES,
                  *tls_args(certs, *extra),
                  port_stream="stderr")


def curl(certs, *args, check=True):
    """curl with the test certificate trusted; returns the CompletedProcess (bytes)."""
    r = subprocess.run(["curl", "-sS", "--max-time", str(20 * SLOW), "--cacert", certs[0]] +
                       list(args), capture_output=True, timeout=60 * SLOW)
    if check:
        assert r.returncode == 0, f"curl {args!r} failed: {r.stderr!r}"
    return r


def url(srv, path="/"):
    return f"https://127.0.0.1:{srv.port}{path}"


def head_and_body(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def client_context(certs):
    ctx = ssl.create_default_context(cafile=certs[0])
    return ctx


def test_banners_say_https(server, certs, docroot, tmp_path):
    fs = start_fs(server, certs, docroot)
    assert fs.first_line == (f"Serving HTTPS on 127.0.0.1 port {fs.port} "
                             f"(https://127.0.0.1:{fs.port}/) ...")
    app = start_app(server, certs, tmp_path)
    assert app.first_line == f" * Running on https://127.0.0.1:{app.port}"


def test_get_head_and_range(server, certs, docroot):
    srv = start_fs(server, certs, docroot)
    assert curl(certs, url(srv, "/hello.txt")).stdout == b"Hello over TLS\n"
    head, body = head_and_body(curl(certs, "-I", url(srv, "/big.bin")).stdout)
    assert head.startswith("HTTP/1.1 200 OK") and body == b""
    assert f"Content-Length: {BIG_SIZE}" in head
    r = curl(certs, "-D", "-", "-r", "0-99", url(srv, "/big.bin")).stdout
    head, body = head_and_body(r)
    assert head.startswith("HTTP/1.1 206 Partial Content")
    assert f"Content-Range: bytes 0-99/{BIG_SIZE}" in head
    assert body == (docroot / "big.bin").read_bytes()[:100]
    whole = curl(certs, url(srv, "/big.bin")).stdout
    assert whole == (docroot / "big.bin").read_bytes()


def test_chunked_listing(server, certs, docroot):
    srv = start_fs(server, certs, docroot)
    head, raw = head_and_body(curl(certs, "--raw", "-D", "-", url(srv, "/")).stdout)
    assert "Transfer-Encoding: chunked" in head
    assert re.match(rb"^[0-9a-f]+\r\n", raw), raw[:40]
    assert raw.endswith(b"\r\n0\r\n\r\n")
    decoded = curl(certs, url(srv, "/")).stdout
    for i in range(20):
        assert f'href="file{i:02}.txt"'.encode() in decoded


def test_two_urls_on_one_connection(server, certs, docroot):
    srv = start_fs(server, certs, docroot)
    r = curl(certs, "-w", "%{num_connects}\n", "-o", "/dev/null", "-o", "/dev/null",
             url(srv, "/hello.txt"), url(srv, "/file01.txt"))
    assert r.stdout.decode().split() == ["1", "0"]


def test_form_post(server, certs, tmp_path):
    app = start_app(server, certs, tmp_path)
    r = curl(certs, "-d", "user=philip&password=123456", url(app, "/"))
    assert r.stdout == b"User: philip\nPassword: 123456"


def test_login_flow_cookie_is_secure(server, certs, tmp_path):
    app = start_app(server, certs, tmp_path)
    jar = str(tmp_path / "jar")
    r = curl(certs, "-D", "-", "-o", "/dev/null", "-c", jar, "-d", "user=philip&pw=123456",
             url(app, "/login"))
    head = r.stdout.decode("latin-1")
    assert head.startswith("HTTP/1.1 303")
    cookie = re.search(r"^Set-Cookie: (.*)\r$", head, re.M).group(1)
    assert re.fullmatch(r"sessionid=[0-9a-f]{32}; Path=/; Secure; HttpOnly; SameSite=Lax",
                        cookie), cookie
    # curl's jar marks it secure (the fourth field, TRUE): it is sent back over https only.
    line = [l for l in open(jar).read().splitlines() if "sessionid" in l][0]
    assert line.split("\t")[3] == "TRUE"
    home = curl(certs, "-b", jar, url(app, "/home")).stdout.decode()
    assert "philip" in home
    out = curl(certs, "-D", "-", "-o", "/dev/null", "-b", jar, url(app, "/home")).stdout
    assert out.startswith(b"HTTP/1.1 200")


def s_client(port, version):
    """openssl s_client with one protocol version; SECLEVEL=0 so that the client itself would
    offer TLS 1.0/1.1, and any refusal comes from the server."""
    return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", f"-{version}",
                           "-cipher", "DEFAULT@SECLEVEL=0", "-brief"],
                          stdin=subprocess.DEVNULL, capture_output=True, timeout=30 * SLOW)


@pytest.mark.parametrize("version, accepted", [
    ("tls1", False), ("tls1_1", False), ("tls1_2", True), ("tls1_3", True)])
def test_protocol_versions(server, certs, docroot, version, accepted):
    srv = start_fs(server, certs, docroot)
    r = s_client(srv.port, version)
    out = (r.stdout + r.stderr).decode("latin-1")
    if accepted:
        name = {"tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}[version]
        assert "CONNECTION ESTABLISHED" in out and f"Protocol version: {name}" in out, out
    else:
        assert "CONNECTION ESTABLISHED" not in out
        assert "alert protocol version" in out, out     # the server's refusal (alert 70)


def test_plain_http_gets_400(server, certs, docroot):
    srv = start_fs(server, certs, docroot)
    with srv.connect() as s:
        s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
        raw = recv_until_close(s)
    head, body = head_and_body(raw)
    assert head.startswith("HTTP/1.1 400 Bad Request")
    assert "Connection: close" in head
    assert body == b"This is an HTTPS port: use https:// instead of http:// in the address.\n"


def test_silent_client_dropped_at_deadline_others_served(server, certs, docroot):
    srv = start_fs(server, certs, docroot)
    silent = srv.connect(timeout=30)
    t0 = time.monotonic()
    for _ in range(3):    # served meanwhile, each well before the deadline
        assert curl(certs, url(srv, "/hello.txt")).stdout == b"Hello over TLS\n"
    assert time.monotonic() - t0 < HANDSHAKE_TIMEOUT
    silent.settimeout(HANDSHAKE_TIMEOUT * 3 * SLOW)
    assert silent.recv(100) == b""          # closed, without a byte
    took = time.monotonic() - t0
    silent.close()
    assert HANDSHAKE_TIMEOUT - 0.5 <= took <= HANDSHAKE_TIMEOUT + 2 * SLOW, took


def download(port, certs, path):
    ctx = client_context(certs)
    with socket.create_connection(("127.0.0.1", port), timeout=60 * SLOW) as raw:
        with ctx.wrap_socket(raw, server_hostname="127.0.0.1") as s:
            s.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                      .encode())
            data = bytearray()
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
    return head_and_body(bytes(data))


def test_100_parallel_downloads(server, certs, docroot):
    srv = start_fs(server, certs, docroot, "-q")
    want = hashlib.sha256((docroot / "big.bin").read_bytes()).hexdigest()
    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        results = list(pool.map(lambda _: download(srv.port, certs, "/big.bin"), range(100)))
    for head, body in results:
        assert head.startswith("HTTP/1.1 200 OK")
        assert len(body) == BIG_SIZE and hashlib.sha256(body).hexdigest() == want


def test_keylog_has_a_line_per_session(server, certs, docroot, tmp_path):
    keylog = tmp_path / "keys.log"
    srv = start_fs(server, certs, docroot, "--tls-keylog", str(keylog))
    for _ in range(3):
        curl(certs, "-o", "/dev/null", url(srv, "/hello.txt"))
    curl(certs, "--tlsv1.2", "--tls-max", "1.2", "-o", "/dev/null", url(srv, "/hello.txt"))
    lines = keylog.read_text().splitlines()
    labels = {l.split()[0] for l in lines}
    randoms = {l.split()[1] for l in lines}
    assert len(randoms) == 4, lines          # the client random names the session
    assert "CLIENT_RANDOM" in labels          # TLS 1.2's master secret
    assert "CLIENT_TRAFFIC_SECRET_0" in labels and "SERVER_TRAFFIC_SECRET_0" in labels
    assert os.stat(keylog).st_mode & 0o777 == 0o600


def test_hsts_only_when_asked(server, certs, docroot):
    plain = start_fs(server, certs, docroot)
    assert HSTS not in curl(certs, "-I", url(plain, "/")).stdout.decode()
    srv = start_fs(server, certs, docroot, "--hsts")
    for path in ("/", "/hello.txt", "/missing"):
        assert HSTS in curl(certs, "-I", url(srv, path)).stdout.decode()


def test_busy_cap_closes_without_plain_text(server, certs, docroot):
    srv = start_fs(server, certs, docroot, "--max-clients", "1")
    holder = client_context(certs).wrap_socket(srv.connect(), server_hostname="127.0.0.1")
    try:
        with srv.connect() as s:
            assert recv_until_close(s) == b""
    finally:
        holder.close()


def test_sigterm_with_an_open_tls_connection(server, certs, docroot):
    srv = start_fs(server, certs, docroot)
    s = client_context(certs).wrap_socket(srv.connect(), server_hostname="127.0.0.1")
    s.sendall(b"GET /hello.txt HTTP/1.1\r\nHost: x\r\n\r\n")
    assert s.recv(65536).startswith(b"HTTP/1.1 200 OK")
    srv.stop()                                  # exit status 0, promptly
    s.close()


@pytest.mark.parametrize("program", ["fileserver", "formapp"])
@pytest.mark.parametrize("args, code, message", [
    (["--tls-cert", "C"], 2, "--tls-cert and --tls-key go together"),
    (["--tls-key", "K"], 2, "--tls-cert and --tls-key go together"),
    (["--hsts"], 2, "--tls-keylog and --hsts need --tls-cert and --tls-key"),
    (["--tls-keylog", "F"], 2, "--tls-keylog and --hsts need --tls-cert and --tls-key"),
    (["--tls-cert", "/nonexistent/c.pem", "--tls-key", "/nonexistent/k.pem"], 1,
     "/nonexistent/c.pem"),
])
def test_option_errors(program, args, code, message, tmp_path):
    extra = ["-d", str(tmp_path), "0"] if program == "fileserver" else \
        ["--users", SHIPPED_USERS, "--templates", TEMPLATES, "-p", "0"]
    r = subprocess.run([os.path.join(BIN_DIR, program), *extra, *args], capture_output=True,
                       timeout=10 * SLOW, stdin=subprocess.DEVNULL)
    err = r.stderr.decode()
    assert r.returncode == code, err
    assert message in err.splitlines()[0]
    if code == 2:
        assert f"Try '{program} --help'" in err


# ---- hardening (issue 15): TLS 1.2 ciphers and the key log file --------------------------------

def handshake(port, ciphers, version="tls1_2"):
    """openssl s_client offering exactly these TLS 1.2 ciphers; (established, chosen cipher)."""
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", f"-{version}",
                        "-cipher", f"{ciphers}:@SECLEVEL=0", "-brief"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30 * SLOW)
    out = (r.stdout + r.stderr).decode("latin-1")
    m = re.search(r"Ciphersuite: (\S+)", out)
    return "CONNECTION ESTABLISHED" in out, m.group(1) if m else None


@pytest.fixture(scope="module")
def rsa_certs(tmp_path_factory):
    """An RSA certificate, with which RSA key exchange would be possible: (cert, key)."""
    d = tmp_path_factory.mktemp("rsa")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=localhost", "-keyout", str(d / "key.pem"), "-out",
                    str(d / "cert.pem")], check=True, capture_output=True, timeout=60)
    return str(d / "cert.pem"), str(d / "key.pem")


@pytest.mark.parametrize("cipher", [
    "AES128-SHA",                      # RSA key exchange (no forward secrecy), CBC with SHA-1
    "AES256-GCM-SHA384",               # AEAD, but RSA key exchange: no forward secrecy
    "ECDHE-RSA-AES128-SHA",            # forward secrecy, but CBC with SHA-1
    "ECDHE-RSA-AES256-SHA384",         # CBC with HMAC (Lucky 13 class)
    "DHE-RSA-AES128-GCM-SHA256",       # finite-field DHE: slow, and only ECDHE is offered
])
def test_tls12_rsa_refuses_ciphers_without_ecdhe_and_aead(server, rsa_certs, docroot, cipher):
    srv = start_fs(server, rsa_certs, docroot)
    assert handshake(srv.port, "ECDHE-RSA-AES128-GCM-SHA256") == \
        (True, "ECDHE-RSA-AES128-GCM-SHA256")           # the certificate itself works
    established, chosen = handshake(srv.port, cipher)
    assert not established, f"{cipher} was accepted ({chosen})"


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384"])
def test_tls12_ecdsa_refuses_cbc(server, certs, docroot, cipher):
    srv = start_fs(server, certs, docroot)
    established, chosen = handshake(srv.port, cipher)
    assert not established, f"{cipher} was accepted ({chosen})"


@pytest.mark.parametrize("cipher", ["ECDHE-ECDSA-AES128-GCM-SHA256",
                                    "ECDHE-ECDSA-AES256-GCM-SHA384",
                                    "ECDHE-ECDSA-CHACHA20-POLY1305"])
def test_tls12_accepts_ecdhe_with_aead(server, certs, docroot, cipher):
    srv = start_fs(server, certs, docroot)
    assert handshake(srv.port, cipher) == (True, cipher)


def test_tls12_the_server_chooses_from_its_own_order(server, certs, docroot):
    """The client lists its weakest acceptable cipher first; the server's order wins."""
    srv = start_fs(server, certs, docroot)
    established, chosen = handshake(
        srv.port, "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384")
    assert established and chosen == "ECDHE-ECDSA-AES256-GCM-SHA384"


def test_tls13_keeps_its_defaults(server, certs, docroot):
    srv = start_fs(server, certs, docroot)
    r = subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{srv.port}", "-tls1_3",
                        "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256", "-brief"],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30 * SLOW)
    out = (r.stdout + r.stderr).decode("latin-1")
    assert "CONNECTION ESTABLISHED" in out and "TLS_CHACHA20_POLY1305_SHA256" in out, out


def test_keylog_existing_file_is_made_private(server, certs, docroot, tmp_path):
    keylog = tmp_path / "keys.log"
    keylog.write_text("# an earlier session\n")
    os.chmod(keylog, 0o644)
    srv = start_fs(server, certs, docroot, "--tls-keylog", str(keylog))
    curl(certs, "-o", "/dev/null", url(srv, "/hello.txt"))
    assert os.stat(keylog).st_mode & 0o777 == 0o600
    assert keylog.read_text().startswith("# an earlier session\n")   # appended to, not replaced


def keylog_refused(certs, docroot, path):
    r = subprocess.run([os.path.join(BIN_DIR, "fileserver"), "-b", "127.0.0.1", "-d",
                        str(docroot), *tls_args(certs, "--tls-keylog", str(path)), "0"],
                       capture_output=True, timeout=10 * SLOW, stdin=subprocess.DEVNULL)
    return r.returncode, r.stderr.decode()


def test_keylog_through_a_symlink_is_refused(certs, docroot, tmp_path):
    target = tmp_path / "elsewhere.log"
    target.write_text("")
    os.chmod(target, 0o644)
    link = tmp_path / "keys.log"
    link.symlink_to(target)
    code, err = keylog_refused(certs, docroot, link)
    assert code == 1 and str(link) in err and "symbolic link" in err, err
    assert target.read_text() == "" and os.stat(target).st_mode & 0o777 == 0o644


def test_keylog_that_is_not_a_regular_file_is_refused(certs, docroot, tmp_path):
    fifo = tmp_path / "keys.fifo"
    os.mkfifo(fifo)
    code, err = keylog_refused(certs, docroot, fifo)
    assert code == 1 and "not a regular file" in err, err
    code, err = keylog_refused(certs, docroot, tmp_path)
    assert code == 1 and str(tmp_path) in err, err


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to make a file owned by another user")
def test_keylog_owned_by_another_user_is_refused(certs, docroot, tmp_path):
    keylog = tmp_path / "keys.log"
    keylog.write_text("")
    os.chown(keylog, 65534, 65534)            # nobody
    code, err = keylog_refused(certs, docroot, keylog)
    assert code == 1 and "owned by another user" in err, err
