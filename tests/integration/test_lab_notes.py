# SPDX-License-Identifier: MIT
"""The lab notes as a checked document: every ```console block in lab-notes.md is run, and its
output compared with what the notes say the student will see. A note whose command no longer
works fails here.

Markup (HTML comments, invisible when the notes are rendered):
  <!-- check: server NAME port=N -->  the next console block's one command starts a server that
      keeps running; the checker gives it a free port instead of N (replacing N in the command, or
      adding the port when the command relies on the default) and from then on writes that port
      wherever the notes say N. The block's expected lines are the server's first output lines.
  <!-- check: log NAME -->            the next ```text block must appear, in order, in what server
      NAME has printed so far (other lines may come between).
  <!-- check: stop NAME -->           Ctrl-C (SIGINT) for server NAME; it must exit with status 0.
  <!-- check: terminal KEYS -->      the next console block's one command runs in a real terminal
      (tmux), as a student would type it: KEYS, separated by " | ", are typed one group at a
      time ({Enter}, {C-]}, {C-c} name keys; other text is typed as it is), and the block must
      equal what the screen then shows. For interactive programs such as telnet.
  <!-- check: skip REASON -->         the next console block is not run (only for other systems'
      commands, such as Windows telnet); the reason is printed.
  <!-- check: diagram -->             the next ```text block is a diagram of what crossed the wire.
      Each of its lines that writes a line end as \\r\\n shows real bytes: the text before the
      \\r\\n, without the spaces, |, -, <, > and + that draw lanes and arrows, must be a line of
      the previous console block's output (whose curl -v "> "/"< " prefixes and cat -v "^M" line
      ends are dropped the same way). So a diagram cannot claim a header the server does not send.
Blocks in other languages (```powershell for Windows, ```text without a directive) are not run.

Blocks that need what this machine may lack are skipped, and listed at the end of pytest's summary:
a command naming $HANDOUT_DIR runs the handout's own listings, and runs only when HANDOUT_DIR names
the folder where they were saved (README.md); a live capture (tshark -i, dumpcap) runs only when
this user may capture on lo (root, or the wireshark group). What a skipped block would have made
is skipped with it: its server (and the log, stop and other blocks that name the server or its
port) and a capture file it writes (-w FILE) and the blocks that read it. A listing runs unchanged
on the free port through tools/run-listing.py, which moves the fixed port it binds.
In expected output, a line "..." matches any number of lines and "{...}" any text within a line.
Paths under /tmp/ are the student's scratch files: the checker moves them to a private folder, so
runs by different users never collide.
Servers still running at the end of a "## " chapter are stopped; each chapter is one test.
"""
import atexit
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import (BIN_DIR, HANDOUT_DIR, NOTES_SKIPPED, PYTHON, ROOT, RUN_LISTING, SLOW,
                      free_port, is_listening)

NOTES = os.path.join(ROOT, "lab-notes.md")
DIRECTIVE = re.compile(r"<!--\s*check:\s*(\w+)\s*(.*?)\s*-->")
FENCE = re.compile(r"^```(\w*)\s*$")


def read_chapters():
    """[(title, [items])] where an item is ('directive', kind, arg, line) or ('block', lang, lines, line)."""
    chapters, items, title = [], None, None
    lines = open(NOTES, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("## "):
            if items:
                chapters.append((title, items))
            title, items = line[3:].strip(), []
        elif items is not None and DIRECTIVE.search(line):
            m = DIRECTIVE.search(line)
            items.append(("directive", m.group(1), m.group(2), i + 1))
        elif items is not None and FENCE.match(line) and FENCE.match(line).group(1):
            lang, start, body = FENCE.match(line).group(1), i + 1, []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                body.append(lines[i])
                i += 1
            items.append(("block", lang, body, start))
        i += 1
    if items:
        chapters.append((title, items))
    return chapters


def split_commands(body):
    """[(command, expected_lines)] from a console block: '$ ' starts a command, '\\' continues it."""
    out = []
    for line in body:
        if line.startswith("$ "):
            out.append([line[2:], []])
        elif out and out[-1][0].endswith("\\") and not out[-1][1]:
            out[-1][0] = out[-1][0][:-1] + "\n" + line
        elif out:
            out[-1][1].append(line)
    return [(c, e) for c, e in out]


def line_matches(pattern, line):
    parts = [re.escape(p) for p in pattern.rstrip().split("{...}")]
    return re.fullmatch(".*?".join(parts), line.rstrip()) is not None


def match_lines(expected, actual, ordered_subsequence=False):
    """True if actual matches expected ('...' = any lines); with ordered_subsequence, expected
    lines need only appear in order."""
    def rec(e, a):
        if e == len(expected):
            return a == len(actual) or ordered_subsequence
        if expected[e].strip() == "...":
            return any(rec(e + 1, k) for k in range(a, len(actual) + 1))
        if ordered_subsequence:
            return any(line_matches(expected[e], actual[k]) and rec(e + 1, k + 1)
                       for k in range(a, len(actual)))
        return a < len(actual) and line_matches(expected[e], actual[a]) and rec(e + 1, a + 1)
    while expected and not expected[-1].strip():
        expected = expected[:-1]
    while actual and not actual[-1].strip():
        actual = actual[:-1]
    return rec(0, 0)


DRAWING = " |-<>+"


def wire_facts(diagram):
    """The lines a diagram says crossed the wire: the text before each \\r\\n, undecorated."""
    facts = [ln.split("\\r\\n")[0].strip().lstrip(DRAWING) for ln in diagram if "\\r\\n" in ln]
    return [f for f in facts if f]


def wire_line(line):
    """An output line as a diagram writes it: no curl -v prefix, no cat -v CR."""
    line = line.rstrip()
    if line.endswith("^M"):
        line = line[:-2]
    return line.strip().lstrip(DRAWING)


# The notes keep their scratch files in /tmp, as a student would; the checker gives each run a
# private folder instead, so runs by different users (or an earlier run as root) never collide.
SCRATCH = tempfile.mkdtemp(prefix="lab4-notes-")
atexit.register(shutil.rmtree, SCRATCH, ignore_errors=True)
TMP_PATH = re.compile(r"(?<![\w/.])/tmp/")
LIVE_CAPTURE = re.compile(r"\b(tshark|dumpcap)\b[^|;&]*\s-i\s")   # not tshark -r FILE
CAPTURE_FILE = re.compile(r"\s-w\s+(\S+)")
LISTING = re.compile(r"^python3 (\S*HANDOUT_DIR\S*\.py\"?)(?=\s|$)")


def capture_probe():
    """None when this user may capture on lo; else what is missing and how to get it."""
    try:
        r = subprocess.run(["dumpcap", "-i", "lo", "-a", "duration:1", "-q", "-w", "/dev/null"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"dumpcap cannot run ({e})"
    if r.returncode == 0:
        return None
    return ("this user may not capture on lo: run as root, or allow capturing and join the "
            "wireshark group (sudo dpkg-reconfigure wireshark-common; "
            "sudo usermod -aG wireshark $USER; log in again)")


CAPTURE_DENIED = []   # [reason] once probed; probed at the first capture block


def why_not_run(cmd):
    """Why a command cannot run here, or None."""
    if "HANDOUT_DIR" in cmd and not HANDOUT_DIR:
        return "needs the handout's listings: set HANDOUT_DIR (README.md)"
    if LIVE_CAPTURE.search(cmd):
        if not CAPTURE_DENIED:
            CAPTURE_DENIED.append(capture_probe())
        return CAPTURE_DENIED[0]
    return None


class NotesRun:
    def __init__(self, chapter):
        self.chapter = chapter
        self.ports = {}      # port written in the notes -> real port
        self.servers = {}    # name -> (Popen, [output lines])
        self.last_output = None  # the output lines of the last console block run
        # What skipped blocks would have made: server names, their ports as the notes write
        # them, and capture files; a later block naming one of them is skipped as well.
        self.skipped_servers, self.skipped_words = {}, {}
        self.last_skipped = False   # whether the last console block was skipped

    def skip_reason(self, body, name=None):
        """Why this block is not run (recording what it would have made), or None."""
        text = "\n".join(c for c, _ in split_commands(body))
        if name in self.skipped_servers:
            return self.skipped_servers[name][0]
        why = why_not_run(text)
        for word, reason in self.skipped_words.items():
            if why is None and re.search(rf"(?<![\w.]){re.escape(word)}(?![\w])", text):
                why = reason
        if why is not None:
            self.skipped_words.update({f: why for f in CAPTURE_FILE.findall(text)})
        return why

    def skip(self, where, why, server=None, port=None):
        if server is not None:
            self.skipped_servers[server] = (why, port)
        if port is not None:
            self.skipped_words[port] = why
        NOTES_SKIPPED.append(f"lab-notes.md line {where} ({self.chapter}): {why}")

    def subst(self, text):
        for notes_port, real in self.ports.items():
            text = re.sub(rf"(?<![\d.]){notes_port}(?!\d)", str(real), text)
        text = TMP_PATH.sub(SCRATCH + "/", text)
        return re.sub(r"(^|[\s;&|(])bin/", lambda m: m.group(1) + BIN_DIR + "/", text)

    def start_server(self, name, arg, body, where):
        m = re.search(r"port=(\d+)", arg)
        assert m, f"line {where}: server directive needs port=N"
        notes_port, real = m.group(1), free_port()
        cmds = split_commands(body)
        assert len(cmds) == 1, f"line {where}: a server block holds one command"
        cmd, expected = cmds[0]
        if LISTING.match(cmd):
            # The handout's listing binds its own port: run it unchanged on the free one.
            cmd = LISTING.sub(lambda m: f"{PYTHON} {RUN_LISTING} {m.group(1)} {real}", cmd)
        elif re.search(rf"(?<!\d){notes_port}(?!\d)", cmd):
            cmd = re.sub(rf"(?<!\d){notes_port}(?!\d)", str(real), cmd)
        elif "fileserver" in cmd or "http.server" in cmd:
            cmd += f" {real}"
        else:
            cmd += f" -p {real}"
        self.ports[notes_port] = real
        proc = subprocess.Popen(["bash", "-c", "exec " + self.subst(cmd)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        lines = []
        threading.Thread(target=lambda: [lines.append(b.decode("utf-8", "replace").rstrip("\n"))
                                         for b in proc.stdout], daemon=True).start()
        self.servers[name] = (proc, lines)
        deadline = time.monotonic() + 10 * SLOW
        while not is_listening(real):
            assert proc.poll() is None, f"line {where}: {cmd!r} exited: {lines!r}"
            assert time.monotonic() < deadline, f"line {where}: {cmd!r} never listened"
            time.sleep(0.05)
        self.expect_log(name, [self.subst(e) for e in expected], where, prefix=True)

    def expect_log(self, name, expected, where, prefix=False):
        proc, lines = self.servers[name]
        deadline = time.monotonic() + 5 * SLOW
        while True:
            got = list(lines)
            if match_lines(expected + ([] if not prefix else ["..."]), got,
                           ordered_subsequence=not prefix):
                return
            assert time.monotonic() < deadline, \
                f"line {where}: {name} output\n{got!r}\ndoes not show\n{expected!r}"
            time.sleep(0.05)

    def stop(self, name, where):
        if name in self.skipped_servers:           # never started: its port is free again
            _, port = self.skipped_servers.pop(name)
            self.skipped_words.pop(port, None)
            return
        proc, lines = self.servers.pop(name)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(timeout=2 * SLOW)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"line {where}: {name} did not stop on Ctrl-C")
        assert code == 0, f"line {where}: {name} exited {code}: {lines[-5:]!r}"

    def run_block(self, body, where):
        self.last_output = []
        for cmd, expected in split_commands(body):
            real_cmd = self.subst(cmd)
            try:
                res = subprocess.run(["bash", "-o", "pipefail", "-c", real_cmd], cwd=ROOT,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, timeout=30 * SLOW)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"line {where}: {cmd!r} did not finish")
            got = res.stdout.decode("utf-8", "replace").split("\n")
            if got and got[-1] == "":
                got.pop()
            self.last_output += got
            exp = [self.subst(e) for e in expected]
            assert match_lines(exp, got), \
                f"line {where}: {cmd!r}\nexpected:\n" + "\n".join(exp) + "\ngot:\n" + "\n".join(got)

    def check_diagram(self, body, where):
        facts = wire_facts(body)
        assert facts, f"line {where}: a diagram shows no wire line (text ending in \\r\\n)"
        assert self.last_output is not None, f"line {where}: a diagram needs a console block before it"
        seen = [wire_line(ln) for ln in self.last_output]
        missing = [f for f in facts if not any(line_matches(self.subst(f), ln) for ln in seen)]
        assert not missing, (f"line {where}: the diagram shows lines the output above it does not:\n"
                             + "\n".join(missing) + "\noutput:\n" + "\n".join(self.last_output))

    def run_terminal(self, keys, body, where):
        cmds = split_commands(body)
        assert len(cmds) == 1, f"line {where}: a terminal block holds one command"
        cmd, expected = cmds[0]
        session = f"notes{os.getpid()}x{where}"
        tmux = ["tmux", "-f", "/dev/null", "-L", session]
        subprocess.run(tmux + ["new-session", "-d", "-s", session, "-x", "120", "-y", "50",
                               "-c", ROOT, self.subst(cmd)], check=True)
        try:
            subprocess.run(tmux + ["set-option", "-t", session, "remain-on-exit", "on"], check=True)
            time.sleep(0.5 * SLOW)
            for group in [k.strip() for k in keys.split(" | ") if k.strip()]:
                for text, key in re.findall(r"([^{]+)|\{([^}]+)\}", group):
                    args = ["-l", self.subst(text)] if text else [key]
                    subprocess.run(tmux + ["send-keys", "-t", session] + args, check=True)
                time.sleep(0.5 * SLOW)
            # -S -: from the start of the history, since the "Pane is dead" line that
            # remain-on-exit adds can scroll the first line off the screen.
            screen = subprocess.run(tmux + ["capture-pane", "-p", "-S", "-", "-t", session], check=True,
                                    stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")
        finally:
            subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)
        got = [ln for ln in screen.rstrip("\n").split("\n") if not ln.startswith("Pane is dead")]
        while got and not got[-1].strip():
            got.pop()
        got = [f"$ {self.subst(cmd)}"] + got
        exp = [f"$ {self.subst(cmd)}"] + [self.subst(e) for e in expected]
        assert match_lines(exp, got), \
            f"line {where}: terminal {cmd!r}\nexpected:\n" + "\n".join(exp) + "\ngot:\n" + "\n".join(got)

    def close(self):
        for name in list(self.servers):
            proc, _ = self.servers.pop(name)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


CHAPTERS = read_chapters() if os.path.exists(NOTES) else []


def test_notes_exist_and_are_checked():
    assert CHAPTERS, "lab-notes.md is missing or has no chapters"
    blocks = sum(1 for _, items in CHAPTERS for it in items if it[0] == "block" and it[1] == "console")
    assert blocks >= 10, f"only {blocks} console blocks in lab-notes.md"


@pytest.mark.parametrize("title,items", CHAPTERS, ids=[c[0][:40] for c in CHAPTERS])
def test_chapter(title, items):
    run = NotesRun(title)
    pending = None
    try:
        for item in items:
            if item[0] == "directive":
                kind, arg, where = item[1], item[2], item[3]
                if kind == "stop":
                    run.stop(arg.split()[0], where)
                elif kind in ("server", "log", "skip", "terminal", "diagram"):
                    pending = item
                else:
                    raise AssertionError(f"line {where}: unknown check directive {kind!r}")
                continue
            _, lang, body, where = item
            kind = pending[1] if pending else lang
            name = pending[2].split()[0] if pending and pending[2] else None
            if kind == "skip":
                assert pending[2], f"line {where}: skip needs a reason"
            elif kind in ("server", "log", "terminal", "console") and \
                    (why := run.skip_reason(body, name if kind != "terminal" else None)):
                port = re.search(r"port=(\d+)", pending[2]).group(1) if kind == "server" else None
                run.skip(where, why, server=name if kind == "server" else None, port=port)
                if kind == "console":
                    run.last_skipped = True
            elif kind == "server":
                run.start_server(name, pending[2], body, where)
            elif kind == "log":
                run.expect_log(name, [run.subst(b) for b in body], where)
            elif kind == "diagram":
                if not run.last_skipped:            # else the block it draws was not run
                    run.check_diagram(body, where)
            elif kind == "terminal":
                run.run_terminal(pending[2], body, where)
            elif kind == "console":
                run.run_block(body, where)
                run.last_skipped = False
            pending = None
    finally:
        run.close()
