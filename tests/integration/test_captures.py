# SPDX-License-Identifier: MIT
"""The trace files in captures/ hold what lab-notes.md and captures/README.md say they hold.

tools/make-captures.sh (`make captures`) records them; a student without capture rights opens them
in Wireshark and answers the notes' questions from them. Each test reads one file back with
`tshark -r` (no privilege needed) and finds the frames the notes talk about, so a file recorded
wrongly, or replaced by one that shows something else, fails here.
"""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

CAPTURES = os.path.join(ROOT, "captures")
FILES = ["echo-telnet", "echo-mt", "web_hello", "close", "keepalive", "chunked", "range",
         "conditional", "session", "form", "https", "classmate"]

pytestmark = pytest.mark.skipif(shutil.which("tshark") is None,
                                reason="tshark is missing: sudo apt-get install tshark")


def fields(name, display_filter, *names, decode=None, keylog=False):
    """One row per frame that passes display_filter: the values of the fields names. decode is
    Wireshark's Decode As (-d), keylog reads https-keys.log (-o tls.keylog_file:)."""
    path = os.path.join(CAPTURES, name + ".pcapng")
    cmd = ["tshark", "-r", path, "-Y", display_filter, "-T", "fields"]
    if decode:
        cmd += ["-d", decode]
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + os.path.join(CAPTURES, "https-keys.log")]
    for n in names:
        cmd += ["-e", n]
    res = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    assert res.returncode == 0, f"tshark -r {path}: {res.stderr.decode(errors='replace')}"
    return [line.split("\t") for line in res.stdout.decode("utf-8", "replace").splitlines()]


SYN = "tcp.flags.syn == 1 && tcp.flags.ack == 0"
HTTP_5000 = "tcp.port==5000,http"


def test_every_file_is_there_and_small():
    names = sorted(f for f in os.listdir(CAPTURES) if f.endswith(".pcapng"))
    assert names == sorted(f + ".pcapng" for f in FILES)
    for f in names:
        size = os.path.getsize(os.path.join(CAPTURES, f))
        assert 0 < size <= 16 * 1024, f"{f} is {size} bytes: a capture should hold one demo"
    assert os.path.isfile(os.path.join(CAPTURES, "https-keys.log"))
    assert os.path.isfile(os.path.join(CAPTURES, "README.md"))


def test_close_opens_a_connection_per_request_keepalive_one():
    close = fields("close", SYN, "tcp.srcport")
    keep = fields("keepalive", SYN, "tcp.srcport")
    assert len(close) == 2 and close[0] != close[1], close
    assert len(keep) == 1, keep
    # The two requests of keepalive.pcapng went from the one client port; close.pcapng's
    # responses each said Connection: close, keepalive.pcapng's none did.
    ports = fields("keepalive", "http.request", "tcp.srcport", "http.request.uri")
    assert [p[1] for p in ports] == ["/hello.txt", "/index.html"] and ports[0][0] == ports[1][0]
    assert len(fields("close", 'http.response && http.connection == "close"', "frame.number")) == 2
    assert not fields("keepalive", "http.connection", "frame.number")


def test_chunked_stream_comes_in_pieces_the_buffered_one_at_the_end():
    rows = fields("chunked", "http.response", "tcp.stream", "http.transfer_encoding",
                  "http.chunk_size", "http.content_length", decode=HTTP_5000)
    chunked = [r for r in rows if r[1] == "chunked"]
    buffered = [r for r in rows if r[3]]
    assert len(chunked) == 1 and chunked[0][2] == "12,12,12,0", rows
    assert len(buffered) == 1 and buffered[0][3] == "36", rows
    # Correction 2 of the notes: the head comes at once, the first line after delay_ms.
    stream = chunked[0][0]
    seg = fields("chunked", f"tcp.stream == {stream} && tcp.srcport == 5000 && tcp.len > 0",
                 "frame.time_relative", "tcp.len")
    req = fields("chunked", f"tcp.stream == {stream} && tcp.dstport == 5000 && tcp.len > 0",
                 "frame.time_relative")
    start = float(req[0][0])
    head, first_line = float(seg[0][0]) - start, float(seg[1][0]) - start
    assert head < 0.1, f"the head came {head:.3f} s after the request"
    assert 0.4 < first_line < 1.0, f"the first line came {first_line:.3f} s after the request"


def test_range_single_and_multipart():
    rows = fields("range", "http.response.code == 206", "http.content_type", "http.response.line")
    assert len(rows) == 2, rows
    single = [r for r in rows if r[0].startswith("text/plain")]
    multi = [r for r in rows if r[0].startswith("multipart/byteranges")]
    assert single and "Content-Range: bytes 0-21/258" in single[0][1], rows
    assert multi, rows
    parts = fields("range", "mime_multipart", "mime_multipart.type", "mime_multipart.part")
    assert parts and parts[0][0] == "multipart/byteranges"
    text = subprocess.run(["tshark", "-r", os.path.join(CAPTURES, "range.pcapng"), "-Y",
                           "mime_multipart", "-O", "mime_multipart"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL).stdout.decode()
    assert "Content-Range: bytes 0-4/258" in text and "Content-Range: bytes 11-21/258" in text


def test_conditional_get_answers_304_with_the_etag():
    rows = fields("conditional", "http", "http.request.line", "http.response.code",
                  "http.response.line")
    assert [r[1] for r in rows] == ["", "200", "", "304"], rows
    etag = [h for h in rows[1][2].split(",") if h.startswith("ETag: ")]
    assert etag, rows[1]
    value = etag[0][len("ETag: "):].replace("\\r\\n", "")
    assert f"If-None-Match: {value}" in rows[2][0].replace("\\r\\n", "")
    assert f"ETag: {value}" in rows[3][2].replace("\\r\\n", "")


def test_session_set_cookie_then_cookie_then_logout():
    rows = fields("session", "http", "http.request.method", "http.request.uri",
                  "http.response.code", "http.set_cookie", "http.cookie", decode=HTTP_5000)
    assert rows[0][:2] == ["POST", "/login"]
    assert rows[1][2] == "303" and rows[1][3].startswith("sessionid=")
    sid = rows[1][3].split(";")[0]
    assert len(sid) == len("sessionid=") + 32 and "HttpOnly" in rows[1][3]
    requests = [r for r in rows if r[0]]
    assert [r[1] for r in requests] == ["/login", "/home", "/checkmail", "/logout", "/home"]
    assert [r[4] for r in requests] == ["", sid, sid, sid, ""], requests
    assert any(r[3].startswith("sessionid=; Max-Age=0") for r in rows)


def test_form_post_carries_the_fields_in_clear():
    rows = fields("form", 'http.request.method == "POST"', "ip.src", "tcp.dstport",
                  "urlencoded-form.key", "urlencoded-form.value", decode=HTTP_5000)
    assert rows == [["127.0.0.1", "5000", "user,password", "CS305,123456"]]


def test_web_hello_two_connections_200_and_404():
    syns = fields("web_hello", SYN, "tcp.srcport", "tcp.dstport")
    assert len(syns) == 2 and all(s[1] == "8080" for s in syns)
    codes = fields("web_hello", "http.response", "tcp.srcport", "http.response.code")
    assert codes == [["8080", "200"], ["8080", "404"]]


def test_telnet_line_mode_then_one_key_per_segment():
    streams = fields("echo-telnet", SYN, "tcp.stream")
    assert len(streams) == 2
    line, keys = streams[0][0], streams[1][0]
    sent = fields("echo-telnet", f"tcp.stream == {line} && tcp.dstport == 5555 && tcp.len > 0",
                  "tcp.payload")
    assert sent == [["68656c6c6f0d0a"]], sent          # hello\r\n, one segment
    sent = [r[0] for r in fields("echo-telnet", f"tcp.stream == {keys} && tcp.dstport == 5555 "
                                 "&& tcp.len > 0", "tcp.payload")]
    typed = [p for p in sent if not p.startswith("ff")]  # telnet's IAC negotiation first
    assert typed == ["61", "0d0a", "62", "0d0a", "63", "0d0a"], sent   # a, CR LF, b, ...
    back = [r[0] for r in fields("echo-telnet", f"tcp.stream == {keys} && tcp.srcport == 5555 "
                                 "&& tcp.len > 0", "tcp.payload")]
    assert back == sent, "the echo server sends every segment back as it came"


def test_echo_mt_two_clients_at_once():
    syns = fields("echo-mt", SYN, "tcp.srcport")
    assert len(syns) == 2
    data = fields("echo-mt", "tcp.len > 0 && tcp.srcport == 5555", "tcp.dstport", "tcp.payload")
    assert [bytes.fromhex(d[1]) for d in data] == [b"client 2\r\n", b"client 1\r\n"]


def test_https_shows_nothing_without_the_key_log_and_the_get_with_it():
    tls = "tcp.port==8443,tls"
    assert not fields("https", "http", "frame.number", decode=tls)
    sni = fields("https", "tls.handshake.type == 1", "tls.handshake.extensions_server_name",
                 "tls.handshake.extensions.supported_version", decode=tls)
    assert sni[0][0] == "localhost", "SNI travels in clear in TLS 1.3 too"
    assert "0x0304" in sni[0][1], "the client offered TLS 1.3"
    rows = fields("https", "http", "http.request.method", "http.request.uri",
                  "http.response.code", decode=tls, keylog=True)
    assert rows == [["GET", "/hello.txt", ""], ["", "", "200"]], rows


def test_classmate_reaches_the_lan_interface_refused_when_bound_to_loopback():
    rows = fields("classmate", "http", "frame.interface_name", "ip.src", "ip.dst",
                  "http.response.code")
    assert rows == [["lo", "127.0.0.1", "127.0.0.1", ""], ["lo", "127.0.0.1", "127.0.0.1", "200"],
                    ["lo", "10.99.0.1", "10.99.0.1", ""], ["lo", "10.99.0.1", "10.99.0.1", "200"],
                    ["lab4-lan", "10.99.0.2", "10.99.0.1", ""],
                    ["lab4-lan", "10.99.0.1", "10.99.0.2", "200"]], rows
    refused = fields("classmate", "tcp.flags.reset == 1", "frame.interface_name", "ip.src",
                     "ip.dst", "tcp.srcport")
    assert refused == [["lab4-lan", "10.99.0.1", "10.99.0.2", "8000"]], refused
