# SPDX-License-Identifier: MIT
"""formapp (the handout's Flask demo, then Part A.2's cookies, sessions and streaming) over real
sockets: the demo's exact bodies (and, with HANDOUT_DIR, next to the Python original), large and
awkward bodies, the login flow with a cookie jar, session fixation and logout replay refused,
1,000 logins with 1,000 distinct ids, the session carriers, cookies, chunked streaming timed as
it arrives, and the errors (HEAD, 405, 404, 413, 400).
"""
import base64
import concurrent.futures
import hashlib
import http.cookiejar
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import pytest

from conftest import BIN_DIR, HANDOUT_DIR, PYTHON, ROOT, SLOW, VARIANT, Listing, recv_until_close
from test_fileserver import Conn

SHIPPED_USERS = os.path.join(ROOT, "formapp", "users")


def pbkdf2_line(name, password, salt, iterations):
    """A users-file line (formapp/users.h) made with Python's own PBKDF2, not formapp's."""
    b64 = lambda b: base64.b64encode(b).decode().rstrip("=")
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    return f"{name}:$pbkdf2-sha256$i={iterations}${b64(salt)}${b64(digest)}\n"


# "bench-pw" with the fewest iterations a line may have: a cheap hash (under 1 ms) for the 1,000
# logins; philip's line in the shipped file (100,000 iterations) costs a hundred times more.
BENCH_LINE = pbkdf2_line("bench", "bench-pw", b"lab4-bench-salt!", 1000)
SET_COOKIE = re.compile(r"^sessionid=([0-9a-f]{32}); Path=/; HttpOnly; SameSite=Lax$")
BODY_MAX = 1 << 20
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def users(tmp_path):
    """The shipped users file (philip / 123456) plus the cheap bench user."""
    path = tmp_path / "users"
    shutil.copy(SHIPPED_USERS, path)
    with open(path, "a") as f:
        f.write(BENCH_LINE)
    return path


def start(server, *args):
    return server("formapp", "-p", "0", *args, port_stream="stderr")


@pytest.fixture
def app(server, users):
    return start(server, "--users", str(users))


def request(method, path, body=None, headers=(), version="1.1"):
    head = f"{method} {path} HTTP/{version}\r\nHost: localhost\r\n"
    head += "".join(h + "\r\n" for h in headers)
    if body is not None:
        head += f"Content-Length: {len(body)}\r\n"
    return head.encode() + b"\r\n" + (body or b"")


def ask(srv, method, path, body=None, headers=(), version="1.1"):
    """One request on a new connection (closed after it); the response."""
    c = Conn(srv)
    try:
        c.send(request(method, path, body, list(headers) + ["Connection: close"], version))
        return c.response(head=method == "HEAD")
    finally:
        c.close()


def post_form(srv, path, body, ctype=FORM, headers=()):
    return ask(srv, "POST", path, body, [f"Content-Type: {ctype}"] + list(headers))


def multipart(parts, boundary="formapp-test-7d1f"):
    """A multipart/form-data body and its Content-Type; parts are (name, value, filename)."""
    out = b""
    for name, value, filename in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += f"--{boundary}\r\nContent-Disposition: {disp}\r\n".encode()
        if filename:
            out += b"Content-Type: application/octet-stream\r\n"
        out += b"\r\n" + value + b"\r\n"
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def login(srv_or_conn, user="philip", pw="123456", cookie=None):
    """POST /login; returns (response, session id or None)."""
    body = f"user={user}&pw={pw}".encode()
    headers = [f"Content-Type: {FORM}"] + ([f"Cookie: sessionid={cookie}"] if cookie else [])
    if isinstance(srv_or_conn, Conn):
        srv_or_conn.send(request("POST", "/login", body, headers))
        r = srv_or_conn.response()
    else:
        r = ask(srv_or_conn, "POST", "/login", body, headers)
    m = SET_COOKIE.match(r.get("set-cookie") or "")
    return r, m.group(1) if m else None


def page_of(srv, path, sid, method="GET"):
    return ask(srv, method, path, headers=[f"Cookie: sessionid={sid}"])


# ---- the program's frame --------------------------------------------------------------------

def test_banner_is_flasks_and_ctrl_c_ends_with_exit_0(app):
    app.wait_line("CTRL", "stderr")
    lines = app.output("stderr")
    assert lines[:2] == [f" * Running on http://127.0.0.1:{app.port}", "Press CTRL+C to quit"]
    app.stop(signal.SIGINT)
    assert app.output("stderr")[-1] == " * Stopped: Ctrl-C or SIGTERM"


def test_all_addresses_banner_names_the_port(server, users):
    srv = start(server, "--host", "0.0.0.0", "--users", str(users))
    assert srv.first_line == f" * Running on all addresses (0.0.0.0), port {srv.port}"
    assert ask(srv, "GET", "/").status == 200


@pytest.mark.parametrize("args,code,pattern", [
    (["--help"], 0, r"^Usage: formapp \[--host ADDRESS\] \[--port N\]"),
    (["--version"], 0, r"^formapp \d"),
    (["--port", "65536"], 2, r"port"),
    (["--bogus"], 2, r"Try 'formapp --help'"),
    (["extra"], 2, r"unexpected argument 'extra'"),
    (["-p", "0", "--templates", "/nonexistent"], 1, r"cannot use template /nonexistent/main.html"),
])
def test_command_line(args, code, pattern):
    p = subprocess.run([os.path.join(BIN_DIR, "formapp")] + args, capture_output=True,
                       timeout=10 * SLOW, stdin=subprocess.DEVNULL)
    assert p.returncode == code, p.stderr
    assert re.search(pattern, (p.stdout + p.stderr).decode(), re.MULTILINE)


def test_add_user_then_log_in(server, tmp_path):
    users = tmp_path / "users"
    cmd = [os.path.join(BIN_DIR, "formapp"), "--users", str(users), "--add-user", "alice"]
    p = subprocess.run(cmd, input=b"s3cret pass\n", capture_output=True, timeout=30 * SLOW)
    assert p.returncode == 0, p.stderr
    text = users.read_text()
    assert re.fullmatch(r"alice:\$pbkdf2-sha256\$i=100000\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}\n",
                        text) and "s3cret" not in text
    again = subprocess.run(cmd, input=b"other\n", capture_output=True, timeout=30 * SLOW)
    assert again.returncode == 1 and b"there already" in again.stderr
    bad = subprocess.run(cmd[:-1] + ["bad:name"], input=b"pw\n", capture_output=True,
                         timeout=30 * SLOW)
    assert bad.returncode == 1 and users.read_text() == text
    srv = start(server, "--users", str(users))
    assert login(srv, "alice", "s3cret+pass")[1] is not None
    assert login(srv, "alice", "s3cret")[1] is None


# ---- the demo, as the handout's Flask app answers -------------------------------------------
# What the handout's flask_app.py answers, written here so that a fresh clone checks every case;
# with HANDOUT_DIR set, the same cases also run against the Flask demo itself, side by side.

# formapp/templates/main.html as served: Jinja drops a template's last newline
# (keep_trailing_newline is off), and so does formapp.
FORM_PAGE = (b'<!DOCTYPE html>\n'
             b'<html><head><title>Demo of using flask POST method</title></head>\n'
             b'<body><h1>Demo of using flask POST method</h1>\n'
             b'<form method="post" action="/">\n'
             b' User name: <input type="text" name="user" placeholder="Please input your user name">'
             b'<br>\n'
             b' Password: <input type="password" name="password" placeholder="Please input your '
             b'password"><br>\n'
             b' <input type="submit" value="Submit">\n'
             b'</form></body></html>')


@pytest.fixture(scope="module")
def flask_demo():
    """The handout's flask_app.py from HANDOUT_DIR, unchanged, on a free port (skips without
    HANDOUT_DIR). python3-flask is a declared dependency of `make check` (tests/install-deps.sh),
    so its absence is a failure, not a skip."""
    probe = subprocess.run([PYTHON, "-c", "import flask"], capture_output=True)
    assert probe.returncode == 0, "python3-flask is missing: run tests/install-deps.sh"
    demo = Listing("flask_app.py")
    yield demo
    demo.stop()


# (why, body, Content-Type, the demo's answer): request.form.get() gives None for a missing field,
# the first of repeated ones, and nothing from a body that is not a form.
DEMO_POSTS = [
    ("both fields", b"user=philip&password=123456", FORM, b"User: philip\nPassword: 123456"),
    ("no password: None", b"user=CS305", FORM, b"User: CS305\nPassword: None"),
    ("empty body: None twice", b"", FORM, b"User: None\nPassword: None"),
    ("no Content-Type: no form", b"user=philip&password=123456", None,
     b"User: None\nPassword: None"),
    ("plus, escapes, UTF-8", b"user=a+b%20c%26d%3D&password=%E4%BD%A0%E5%A5%BD", FORM,
     "User: a b c&d=\nPassword: \u4f60\u597d".encode()),
    ("repeated and empty", b"user=first&user=second&password=", FORM, b"User: first\nPassword: "),
    ("a name without '='", b"password=x&user", FORM, b"User: \nPassword: x"),
    ("charset parameter", b"user=SUSTECH&password=654321", FORM + "; charset=UTF-8",
     b"User: SUSTECH\nPassword: 654321"),
    ("multipart", *multipart([("user", b"SUSTECH", None), ("password", b"654321", None)]),
     b"User: SUSTECH\nPassword: 654321"),
    ("multipart CRLFs inside", *multipart([("user", b"a\r\n\r\nb--c", None),
                                           ("password", b"\r\n", None)]),
     b"User: a\r\n\r\nb--c\nPassword: \r\n"),
    ("multipart quoted boundary", multipart([("user", b"q", None)], "a'b(c)")[0],
     "multipart/form-data; boundary=\"a'b(c)\"", b"User: q\nPassword: None"),
    ("multipart file part is not a field", *multipart([("user", b"file data", "u.txt"),
                                                       ("password", b"pw", None)]),
     b"User: None\nPassword: pw"),
]


def post_demo(srv, body, ctype):
    return ask(srv, "POST", "/", body, [f"Content-Type: {ctype}"] if ctype else [])


@pytest.mark.parametrize("why,body,ctype,answer", DEMO_POSTS, ids=[d[0] for d in DEMO_POSTS])
def test_post_answers_as_the_flask_demo(app, why, body, ctype, answer):
    ours = post_demo(app, body, ctype)
    assert ours.status == 200 and ours.body == answer, why
    assert ours.get("content-type") == "text/plain; charset=utf-8"


@pytest.mark.parametrize("why,body,ctype,answer", DEMO_POSTS, ids=[d[0] for d in DEMO_POSTS])
def test_post_answers_exactly_as_the_live_flask_demo(app, flask_demo, why, body, ctype, answer):
    ours, theirs = post_demo(app, body, ctype), post_demo(flask_demo, body, ctype)
    assert (ours.status, theirs.status) == (200, 200)
    assert ours.body == theirs.body == answer, why


def test_get_renders_the_handouts_form(app):
    ours = ask(app, "GET", "/")
    assert ours.status == 200 and ours.get("content-type") == "text/html; charset=utf-8"
    assert ours.body == FORM_PAGE
    assert b'name="user"' in ours.body and b'name="password"' in ours.body


def test_get_renders_a_template_as_the_live_flask_demo(server, users, flask_demo, tmp_path):
    """formapp given the student's own templates/main.html renders it as Flask renders it."""
    theirs = os.path.join(HANDOUT_DIR, "templates", "main.html")
    templates = tmp_path / "templates"
    shutil.copytree(os.path.join(ROOT, "formapp", "templates"), templates)
    shutil.copy(theirs, templates / "main.html")
    ours = start(server, "--templates", str(templates), "--users", str(users))
    page = ask(ours, "GET", "/")
    assert page.status == 200
    assert page.body == ask(flask_demo, "GET", "/").body == \
        open(theirs, "rb").read().removesuffix(b"\n")


def test_80k_post_sent_in_1k_pieces(app):
    user, password = b"u" * 40000, b"p" * 40000
    body = b"user=" + user + b"&password=" + password
    c = Conn(app)
    c.send(request("POST", "/", None, [f"Content-Type: {FORM}", f"Content-Length: {len(body)}"]))
    for i in range(0, len(body), 1024):
        c.send(body[i:i + 1024])
        if i % 16384 == 0:
            time.sleep(0.01)        # so the pieces arrive as separate reads
    r = c.response()
    assert r.status == 200 and r.body == b"User: " + user + b"\nPassword: " + password
    c.send(request("GET", "/"))    # the connection is still in step
    assert c.response().status == 200
    c.close()


def test_body_holding_an_empty_line_is_not_a_request(app):
    """A body with CRLF CRLF, then a pipelined request: the body ends where Content-Length says."""
    body = b"user=a\r\n\r\nGET /nothing HTTP/1.1\r\n\r\n&password=b"
    c = Conn(app)
    c.send(request("POST", "/", body, [f"Content-Type: {FORM}"]) + request("GET", "/"))
    r = c.response()
    assert r.body == b"User: a\r\n\r\nGET /nothing HTTP/1.1\r\n\r\n\nPassword: b"
    assert c.response().body == FORM_PAGE
    c.close()


def test_chunked_body_with_a_trailer_then_a_pipelined_request(app):
    """The body ends after the trailer fields and their empty line, not at the zero chunk: the
    pipelined GET after it is answered (a decoder that stopped at the zero chunk would take the
    trailer for the next request, and answer 400)."""
    c = Conn(app)
    c.send(request("POST", "/", None, [f"Content-Type: {FORM}", "Transfer-Encoding: chunked"]) +
           b"9\r\nuser=ab&p\r\n9\r\nassword=c\r\n0\r\nX-Checksum: 42\r\nX-More: 1\r\n\r\n" +
           request("GET", "/"))
    assert c.response().body == b"User: ab\nPassword: c"
    assert c.response().body == FORM_PAGE
    c.close()


def test_head_has_gets_fields_and_no_body(app):
    get, head = ask(app, "GET", "/"), ask(app, "HEAD", "/")
    assert head.status == 200 and head.body == b""
    assert head.get("content-length") == get.get("content-length") == str(len(get.body))


@pytest.mark.parametrize("method,path,allow", [
    ("PUT", "/", "GET, HEAD, POST"),
    ("DELETE", "/login", "GET, HEAD, POST"),
    ("POST", "/home", "GET, HEAD"),
    ("GET", "/logout", "POST"),
    ("PATCH", "/stream", "GET, HEAD"),
])
def test_other_methods_get_405_with_allow(app, method, path, allow):
    r = ask(app, method, path, b"" if method in ("PUT", "POST", "PATCH") else None)
    assert r.status == 405 and r.get("allow") == allow


@pytest.mark.parametrize("path", ["/nothing", "/home/", "/HOME", "/login.php", "//", "/%2f"])
def test_unknown_paths_are_404_pages(app, path):
    r = ask(app, "GET", path)
    assert r.status == 404 and r.get("content-type").startswith("text/html")
    assert b"404" in r.body


def test_body_limit_and_field_count(app):
    exact = b"user=" + b"a" * (BODY_MAX - 5)
    r = post_form(app, "/", exact)
    assert r.status == 200 and r.body == b"User: " + exact[5:] + b"\nPassword: None"
    # One byte over: refused from Content-Length alone, before the body is sent.
    c = Conn(app)
    c.send(request("POST", "/", None, [f"Content-Type: {FORM}", f"Content-Length: {BODY_MAX + 1}"]))
    assert c.response().status == 413
    c.close()
    assert post_form(app, "/", b"&".join(b"f%d=1" % i for i in range(64))).status == 200
    assert post_form(app, "/", b"&".join(b"f%d=1" % i for i in range(65))).status == 413


def test_chunked_body_over_the_limit_is_413(app):
    c = Conn(app)
    c.send(request("POST", "/", None, [f"Content-Type: {FORM}", "Transfer-Encoding: chunked"]))
    piece = b"a" * 65536
    try:
        for _ in range(BODY_MAX // len(piece) + 1):
            c.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass                        # the server may answer and close before all is sent
    assert c.response().status == 413
    c.close()


@pytest.mark.parametrize("why,body,ctype", [
    ("broken %", b"user=%zz", FORM),
    ("% at the end", b"user=abc%", FORM),
    ("no final boundary", multipart([("user", b"x", None)])[0][:-4], multipart([])[1]),
    ("no boundary parameter", b"--x\r\n", "multipart/form-data"),
    ("a part without a name", b"--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--\r\n",
     "multipart/form-data; boundary=b"),
])
def test_broken_encodings_are_400(app, why, body, ctype):
    assert post_form(app, "/", body, ctype).status == 400, why


# ---- cookies ---------------------------------------------------------------------------------

def test_a_dozen_cookies_are_listed_escaped(app):
    cookies = [(f"c{i}", f"v{i}") for i in range(10)] + [("tag", "<b>&"), ("q", '"x"')]
    r = ask(app, "GET", "/cookies", headers=["Cookie: " + "; ".join(f"{n}={v}" for n, v in cookies)])
    assert r.status == 200
    text = r.body.decode()
    assert "sent 12 cookies" in text
    listed = re.search(r'<pre id="cookies">\n(.*?)</pre>', text, re.S).group(1).splitlines()
    assert listed[:10] == [f"c{i}=v{i}" for i in range(10)]
    assert listed[10:] == ["tag=&lt;b&gt;&amp;", "q=x"]     # the quotes are not the value's
    assert "<b>" not in text


@pytest.mark.parametrize("query,set_cookie", [
    ("name=demo&value=1", "demo=1"),
    ("name=demo&value=1&max_age=60&path=/&secure=on&httponly=on&samesite=Strict",
     "demo=1; Max-Age=60; Path=/; Secure; HttpOnly; SameSite=Strict"),
    ("name=old&value=x&expires=Thu,+01+Jan+1970+00:00:00+GMT", "old=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
    ("name=d&value=2&domain=example.com&samesite=Lax", "d=2; Domain=example.com; SameSite=Lax"),
])
def test_cookie_form_sets_chosen_attributes(app, query, set_cookie):
    r = ask(app, "GET", "/cookies/set?" + query)
    assert r.status == 303 and r.get("location") == "/cookies"
    assert r.get("set-cookie") == set_cookie


@pytest.mark.parametrize("query", [
    "name=&value=1", "name=a;b&value=1", "name=a&value=x;y", "name=a&value=1&max_age=-1",
    "name=a&value=1&max_age=99999999999", "name=a&value=1&expires=tomorrow",
    "name=a&value=1&samesite=Maybe", "name=a&value=%00", "name=a&value=%zz",
])
def test_cookie_form_refuses_what_is_no_cookie(app, query):
    r = ask(app, "GET", "/cookies/set?" + query)
    assert r.status == 400 and r.get("set-cookie") is None


# ---- sessions --------------------------------------------------------------------------------

def test_login_flow_with_a_cookie_jar(app):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    base = f"http://127.0.0.1:{app.port}"
    home = opener.open(base + "/login", b"user=philip&pw=123456", timeout=10 * SLOW)
    assert home.geturl() == base + "/home"          # the 303 was followed with a GET
    assert b"<h1>Welcome, philip</h1>" in home.read()
    [cookie] = list(jar)
    assert cookie.name == "sessionid" and cookie.path == "/" and not cookie.secure
    assert cookie.has_nonstandard_attr("HttpOnly") and re.fullmatch("[0-9a-f]{32}", cookie.value)
    mail = opener.open(base + "/checkmail", timeout=10 * SLOW).read()
    assert b"Mail for philip" in mail and b"Requests in this session: 2" in mail
    out = opener.open(base + "/logout", b"", timeout=10 * SLOW)
    assert out.geturl() == base + "/login" and len(jar) == 0
    again = opener.open(base + "/home", timeout=10 * SLOW)
    assert again.geturl() == base + "/login"
    logs = "\n".join(app.output("stderr") + app.output("stdout"))
    assert cookie.value not in logs


def test_wrong_password_shows_the_form_again(app):
    for user, pw in (("philip", "1234567"), ("philip", ""), ("nobody", "123456"), ("", "")):
        r, sid = login(app, user, pw)
        assert r.status == 200 and sid is None and r.get("set-cookie") is None
        assert b"Wrong user name or password." in r.body and b'action="/login"' in r.body
    r = post_form(app, "/login", b"user=philip")
    assert r.status == 200 and r.get("set-cookie") is None


def test_made_up_and_fixated_ids_are_never_accepted(app):
    planted = "0123456789abcdef0123456789abcdef"
    r = page_of(app, "/home", planted)
    assert r.status == 303 and r.get("location") == "/login"
    r, sid = login(app, cookie=planted)
    assert r.status == 303 and r.get("location") == "/home" and sid not in (None, planted)
    assert page_of(app, "/home", planted).status == 303
    assert page_of(app, "/home", sid).status == 200
    # Logging in again while holding a live session: a new id, and the old one ends.
    r, second = login(app, cookie=sid)
    assert second not in (None, sid)
    assert page_of(app, "/home", sid).status == 303
    assert page_of(app, "/home", second).status == 200


def test_logout_replay_is_refused(app):
    _, sid = login(app)
    assert page_of(app, "/checkmail", sid).status == 200
    out = page_of(app, "/logout", sid, "POST")
    assert out.status == 303 and out.get("location") == "/login"
    assert out.get("set-cookie") == "sessionid=; Max-Age=0; Path=/; HttpOnly; SameSite=Lax"
    for path in ("/home", "/checkmail", "/hidden"):     # the stolen copy is worthless now
        r = page_of(app, path, sid)
        assert r.status == 303 and r.get("location") == "/login"
    assert ask(app, "GET", f"/query?sid={sid}").status == 303


def test_1000_logins_give_1000_distinct_ids(app):
    def worker(n):
        c = Conn(app, timeout=60)
        try:
            return [login(c, "bench", "bench-pw")[1] for _ in range(n)]
        finally:
            c.close()
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        ids = [i for batch in pool.map(worker, [250] * 4) for i in batch]
    assert len(ids) == 1000 and None not in ids
    assert len(set(ids)) == 1000
    # Unpredictable, not only distinct: every bit position set in about half the ids (a counter
    # or a clock leaves its high bits alone), no long prefix shared with the id before.
    bits = [int(i, 16) for i in ids]
    for b in range(128):
        share = sum(v >> b & 1 for v in bits) / len(bits)
        assert 0.35 < share < 0.65, f"bit {b} of the session ids is set in {share:.3f} of them"
    shared = max(len(os.path.commonprefix([a, b])) for a, b in zip(ids, ids[1:]))
    assert shared <= 6, f"two consecutive ids share {shared} leading digits"


class From:
    """A server as seen from another loopback address (all of 127.0.0.0/8 is this machine)."""

    def __init__(self, srv, source):
        self.srv, self.source = srv, source

    def connect(self, host="127.0.0.1", timeout=10):
        return socket.create_connection((host, self.srv.port), timeout=timeout * SLOW,
                                        source_address=(self.source, 0))


def test_failed_logins_from_one_address_get_429_until_the_window_ends(app):
    """Five wrong passwords from one address, then that address is refused for a minute, even
    with the right one (429 with Retry-After, no hash computed); another address is not."""
    for _ in range(5):
        r, sid = login(app, "philip", "wrong")
        assert r.status == 200 and sid is None and b"Wrong user name or password" in r.body
    r, sid = login(app, "philip", "123456")
    assert r.status == 429 and sid is None
    assert 0 < int(r.get("retry-after")) <= 60
    r, sid = login(From(app, "127.0.0.2"), "philip", "123456")
    assert r.status == 303 and sid is not None
    app.wait_line(r"code 429, message Too many failed logins", "stderr")


def vm_kib(pid, field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_100_parallel_wrong_logins_are_bounded_in_memory(server, users):
    """100 wrong logins at once, from 100 addresses: only about one hash per CPU runs at a time
    (each takes its memory while it runs), the others wait their turn or get 503 with
    Retry-After; the server's peak memory grows by a few hashes' worth, not 100.
    Under AddressSanitizer the server keeps a small quarantine: OpenSSL's PBKDF2 allocates and
    frees a few contexts per iteration, and ASan's default quarantine holds 256 MiB of freed
    blocks, which would show as growth that no login holds."""
    env = None
    if VARIANT == "asan":
        options = os.environ.get("ASAN_OPTIONS", "")
        env = dict(os.environ, ASAN_OPTIONS=f"{options}:quarantine_size_mb=8".lstrip(":"))
    app = server("formapp", "-p", "0", "--users", str(users), port_stream="stderr", env=env)
    assert login(app, "philip", "wrong")[0].status == 200     # one hash before: the baseline
    base = vm_kib(app.proc.pid, "VmHWM")

    def wrong(i):
        return login(From(app, f"127.0.0.{2 + i}"), "philip", "wrong")[0]
    with concurrent.futures.ThreadPoolExecutor(100) as pool:
        answers = list(pool.map(wrong, range(100)))
    statuses = sorted({r.status for r in answers})
    assert set(statuses) <= {200, 503}, statuses
    assert all(r.get("retry-after") == "1" for r in answers if r.status == 503)
    grown_mib = (vm_kib(app.proc.pid, "VmHWM") - base) / 1024
    hashes = os.cpu_count() or 1
    assert grown_mib < 20 * hashes + 40, f"peak memory grew by {grown_mib:.0f} MiB"
    print(f"100 parallel wrong logins: peak RSS +{grown_mib:.1f} MiB, answers {statuses}")


@pytest.mark.parametrize("field", ["Origin: https://evil.example",
                                   "Origin: null",
                                   "Origin: http://127.0.0.1.evil.example",
                                   "Referer: https://evil.example/lure.html"])
def test_cross_site_login_and_logout_are_refused(app, field):
    """A form on another site cannot log the visitor in (as the attacker) or out: 403, no
    Set-Cookie, and the session it tried to end goes on."""
    r = ask(app, "POST", "/login", b"user=philip&pw=123456", [f"Content-Type: {FORM}", field])
    assert r.status == 403 and r.get("set-cookie") is None
    _, sid = login(app)
    r = ask(app, "POST", "/logout", b"", [f"Cookie: sessionid={sid}", field])
    assert r.status == 403 and r.get("set-cookie") is None
    assert page_of(app, "/home", sid).status == 200


def test_same_site_login_and_logout_are_taken(app):
    """The origin named as the Host field names the server (the tests send Host: localhost);
    a host in other letters is the same host (RFC 3986 3.2.2)."""
    for field in ("Origin: http://localhost", "Referer: http://localhost/login",
                  "Origin: http://LOCALHOST"):
        r = ask(app, "POST", "/login", b"user=philip&pw=123456", [f"Content-Type: {FORM}", field])
        assert r.status == 303, field
        sid = SET_COOKIE.match(r.get("set-cookie") or "").group(1)
        r = ask(app, "POST", "/logout", b"", [f"Cookie: sessionid={sid}", field])
        assert r.status == 303 and page_of(app, "/home", sid).status == 303, field


def test_the_cookie_playground_cannot_set_the_session_cookie(app):
    r = ask(app, "GET", "/cookies/set?name=sessionid&value=0123456789abcdef0123456789abcdef"
                        "&max_age=31536000")
    assert r.status == 403 and r.get("set-cookie") is None
    r = ask(app, "GET", "/cookies/set?name=theme&value=dark")
    assert r.status == 303 and (r.get("set-cookie") or "").startswith("theme=dark")


@pytest.mark.parametrize("request_bytes", [
    b"GET /query?sid=SID HTTP/1.1\r\nHost: x\r\nNot a header line\r\n\r\n",         # 400
    b"GET /home?a=1&sid=SID HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n",  # 431
    b"GET /query?sid=SID HTTP/2.0\r\nHost: x\r\n\r\n",                                # 505
    b"GET /home?sid=SID HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",           # a page
    b"GET /nothing?%73id=SID HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",      # 404
], ids=["400", "431", "505", "page", "escaped-name-404"])
def test_no_log_line_holds_a_session_id(app, request_bytes):
    _, sid = login(app)
    c = Conn(app)
    c.send(request_bytes.replace(b"SID", sid.encode()))
    c._rest()
    c.close()
    app.wait_line(r'" \d{3} -$', "stderr", start=len(app.output("stderr")) - 1)
    time.sleep(0.1)
    lines = app.output("stderr")
    assert not [l for l in lines if sid in l], [l for l in lines if sid in l]
    assert any("?..." in l for l in lines), lines[-3:]


def test_one_address_holds_at_most_32_sessions(app):
    """Logging in again and again (here 33 times) pushes out only that address's own oldest
    session: a session of another address stays."""
    _, other = login(From(app, "127.0.0.2"), "bench", "bench-pw")
    c = Conn(app, timeout=60)
    try:
        mine = [login(c, "bench", "bench-pw")[1] for _ in range(33)]
    finally:
        c.close()
    assert None not in mine and other is not None
    assert page_of(app, "/home", mine[0]).status == 303
    assert [page_of(app, "/home", sid).status for sid in mine[1:]] == [200] * 32
    assert page_of(app, "/home", other).status == 200


def test_the_session_travels_in_a_hidden_field_and_a_query_string(app):
    _, sid = login(app)
    hidden = page_of(app, "/hidden", sid)
    assert f'<input type="hidden" name="sid" value="{sid}">'.encode() in hidden.body
    r = post_form(app, "/hidden", f"sid={sid}".encode())     # no cookie at all
    assert r.status == 200 and b"Hidden form field: philip" in r.body
    assert b"Requests in this session: 2" in r.body
    assert f'href="/query?sid={sid}"'.encode() in page_of(app, "/query", sid).body
    r = ask(app, "GET", f"/query?sid={sid}")                 # a shared link: anyone is philip
    assert r.status == 200 and b"Query string: philip" in r.body
    assert b"Requests in this session: 4" in r.body
    assert post_form(app, "/hidden", b"sid=" + b"0" * 32).status == 303
    listed = page_of(app, "/cookies", sid).body      # HttpOnly would mean little if it did
    assert b"sessionid=(not shown)" in listed and sid.encode() not in listed
    app.wait_line(r'"GET /query\?\.\.\. HTTP/1\.1" 200 -$', "stderr")
    logs = "\n".join(app.output("stderr") + app.output("stdout"))
    assert sid not in logs


# ---- chunked streaming -----------------------------------------------------------------------

def read_stream(app, query, version="1.1"):
    """(head, [(arrival time, body bytes so far)]), timed from the request."""
    s = app.connect()
    start = time.monotonic()
    s.sendall(request("GET", "/stream?" + query, headers=["Connection: close"], version=version))
    data, seen = b"", []
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        seen.append((time.monotonic() - start, data))
    s.close()
    head = data.split(b"\r\n\r\n", 1)[0].decode()
    return head, seen


def arrival(seen, text):
    return next(t for t, data in seen if text.encode() in data)


def test_stream_sends_each_line_as_it_is_made(app):
    head, seen = read_stream(app, "n=5&delay_ms=300")
    assert "Transfer-Encoding: chunked" in head and "Content-Length" not in head
    first, last = arrival(seen, "line 1 of 5\n"), arrival(seen, "line 5 of 5\n")
    assert last - first >= 4 * 0.3 * 0.9        # the first line came while the rest was made
    body = seen[-1][1].split(b"\r\n\r\n", 1)[1]
    chunks = [b"%x\r\nline %d of 5\n\r\n" % (len(b"line 1 of 5\n"), i) for i in range(1, 6)]
    assert body == b"".join(chunks) + b"0\r\n\r\n"  # one chunk per line


def test_buffered_stream_waits_for_the_last_line(app):
    head, seen = read_stream(app, "n=4&delay_ms=250&mode=buffered")
    assert "Content-Length: 48" in head and "Transfer-Encoding" not in head
    assert seen[0][0] >= 4 * 0.25 * 0.9         # not even the head before the end
    assert arrival(seen, "line 4 of 4\n") - arrival(seen, "line 1 of 4\n") < 0.2


def test_stream_to_http10_is_close_delimited(app):
    head, seen = read_stream(app, "n=3&delay_ms=0", version="1.0")
    assert head.startswith("HTTP/1.1 200 OK") and "Connection: close" in head
    assert "Transfer-Encoding" not in head and "Content-Length" not in head
    assert seen[-1][1].endswith(b"\r\n\r\nline 1 of 3\nline 2 of 3\nline 3 of 3\n")


def test_head_of_a_stream_does_not_wait(app):
    start = time.monotonic()
    r = ask(app, "HEAD", "/stream?n=10&delay_ms=2000")
    assert r.status == 200 and r.body == b"" and time.monotonic() - start < 2


@pytest.mark.parametrize("query", [
    "n=0", "n=1001", "delay_ms=5001", "n=1000&delay_ms=61", "n=abc", "n=-1", "n=%2b1",
    "mode=fast", "n=1%00", "n=%zz",
])
def test_stream_limits_are_400(app, query):
    assert ask(app, "GET", "/stream?" + query).status == 400


def test_ctrl_c_ends_a_running_stream_promptly(app):
    s = app.connect()
    s.sendall(request("GET", "/stream?n=10&delay_ms=5000"))
    assert s.recv(4096).startswith(b"HTTP/1.1 200 OK")
    app.stop(signal.SIGTERM)                    # within the harness's time limit
    rest = recv_until_close(s)
    assert not rest.endswith(b"0\r\n\r\n")      # the body was cut short, not ended
    s.close()


# ---- connections -----------------------------------------------------------------------------

def test_persistent_by_default_and_close_with_the_option(server, users):
    srv = start(server, "--users", str(users))
    c = Conn(srv)
    for _ in range(3):
        c.send(request("GET", "/"))
        r = c.response()
        assert r.status == 200 and r.get("connection") is None
    c.close()
    closing = start(server, "--users", str(users), "--close")
    c = Conn(closing)
    c.send(request("GET", "/"))
    assert c.response().get("connection") == "close"
    assert c.closed_by_server()
    c.close()
