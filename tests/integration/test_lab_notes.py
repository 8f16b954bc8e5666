# SPDX-License-Identifier: MIT
"""The lab notes as a checked document: every ```console block in lab-notes.md is run, and its
output and exit status compared with what the notes say the student will see. A note whose
command no longer works fails here, and so does a block the checker cannot run.

A console block is a fence written exactly ```console (no attributes, not indented). In it, "$ "
starts a command, a line ending in "\\" continues it, and the lines up to the next "$ " are the
output expected. Each command must exit 0, unless it ends in a shell comment "# exit N" (harmless
when pasted into a shell), which says that it must exit with status N:
    $ curl -sS http://127.0.0.1:8000/   # exit 7
Commands run with bash -o pipefail, so a failing command anywhere in a pipeline counts.

Expected output is matched line by line. A line "..." matches any number of lines. Within a line,
a typed wildcard matches one kind of value, and nothing else:
    {port}    a port number, 1 to 65535         {digits}  one or more decimal digits
    {hex}     one or more hex digits (0-9a-f)   {id}      exactly 32 hex digits (a 128-bit id)
    {date}    an HTTP date, "Mon, 07 Dec 2026 06:24:52 GMT"
    {logdate} an access-log time, "07/Dec/2026 06:24:52"
Any other {word}, and the old catch-all {...}, is an error.

Markup (HTML comments, invisible when the notes are rendered):
  <!-- check: server NAME port=N -->  the next console block's one command starts a server that
      keeps running; the checker gives it a free port instead of N (replacing N in the command, or
      adding the port when the command relies on the default) and from then on writes that port
      wherever the notes say N, until the server is stopped. The block's expected lines are the
      server's first output lines.
  <!-- check: log NAME -->            the next ```text block must appear, in order, in what server
      NAME printed since the start of the last console block run in this chapter (other lines may
      come between): a log block shows what that block's commands made the server print, never
      an earlier line. When that console block was skipped, so is the log block.
  <!-- check: stop NAME -->           Ctrl-C (SIGINT) for server NAME; it must exit with status 0.
  <!-- check: terminal KEYS -->      the next console block's one command runs in a real terminal
      (tmux), as a student would type it: KEYS, separated by " | ", are typed one group at a
      time ({Enter}, {C-]}, {C-c} name keys; other text is typed as it is), and the block must
      equal what the screen then shows; the command must then have exited 0 (or "# exit N").
  <!-- check: classmate -->           the next console block runs with a second machine beside
      yours: a network namespace lab4-classmate joined to this one by a veth pair, lab4-lan
      (your side, 10.99.0.1/24) and eth0 (the classmate's side, 10.99.0.2/24). A command written
      "classmate$ CMD" runs on the classmate's machine (ip netns exec), one written "$ CMD" on
      yours. The namespace is made before the block and removed after it, also when it fails.
      Needs root; otherwise the block is skipped with the reason.
  <!-- check: classmate firewall -->  the same, and your machine drops whatever the classmate
      sends without answering, as a firewall does (the checker routes the answers to the
      classmate into a blackhole: the wire shows the classmate's SYNs, retransmitted, and nothing
      back).
  <!-- check: skip REASON -->         the next block is not run, and REASON is printed. Needed for
      every console-like block the checker cannot run: ```sh, ```shell, ```bash, ```console with
      attributes, an indented fence, a ~~~ fence, a block of another language with "$" prompts.
      Without it such a block is an error, so nothing written as a command is ever left unchecked.
  <!-- check: diagram -->             the next ```text block is a diagram of what crossed the wire.
      Each of its lines that writes a line end as \\r\\n shows real bytes: the text before the
      \\r\\n, without the spaces, |, -, <, > and + that draw lanes and arrows, must be a line of
      the previous console block's output (whose curl -v "> "/"< " prefixes and cat -v "^M" line
      ends are dropped the same way). So a diagram cannot claim a header the server does not send.
Not run, and not errors: ```powershell blocks (Windows commands, "PS>" prompts), ```mermaid
blocks (diagrams that GitHub and GitLab draw), and ```text blocks without a directive.
Also errors: a line "$cmd" (no space after the prompt), text before a console block's first
command, a directive with no block after it, and a console-like block before the first chapter.

Blocks that need what this machine may lack are skipped, and listed at the end of pytest's summary:
a command naming $HANDOUT_DIR runs the handout's own listings, and runs only when HANDOUT_DIR names
the folder where they were saved (README.md); a live capture (tshark -i, dumpcap) runs only when
this user may capture on lo (root, or the wireshark group); a classmate block needs root. What a
skipped block would have made is skipped with it: its server (and the log, stop and other blocks
that name the server or its port) and a capture file it writes (-w FILE) and the blocks that read
it. A listing runs unchanged on the free port through tools/run-listing.py, which moves the fixed
port it binds. Paths under /tmp/ are the student's scratch files: the checker moves them to a
private folder, so runs by different users never collide.
Servers still running at the end of a "## " chapter are stopped; each chapter is one test.
"""
import atexit
import fcntl
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import namedtuple

import pytest

from conftest import (BIN_DIR, HANDOUT_DIR, NOTES_SKIPPED, PYTHON, ROOT, RUN_LISTING, SLOW,
                      free_port, is_listening)

NOTES = os.path.join(ROOT, "lab-notes.md")
DIRECTIVE = re.compile(r"<!--\s*check:\s*(\w+)\s*(.*?)\s*-->")
DIRECTIVES = ("server", "log", "stop", "terminal", "classmate", "skip", "diagram")
FENCE_OPEN = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*?)\s*$")
# Languages whose blocks are commands for a shell: the checker runs ```console only.
SHELL_LANGS = {"console", "sh", "shell", "bash", "zsh", "shell-session", "shellsession",
               "terminal", "sh-session"}
NOT_RUN = {"powershell", "mermaid"}
PROMPT_LIKE = re.compile(r"^\s*(?:classmate)?\$(?:\s|[\w\"'(/.~-])")
COMMAND = re.compile(r"^(classmate)?\$ (.*)$")
EXIT_MARK = re.compile(r"\s#\s*exit\s+(\d+)\s*$")

Directive = namedtuple("Directive", "kind arg line")
Block = namedtuple("Block", "lang info body line indent fence")

MONTHS = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
WILDCARDS = {
    "port": r"(?:6553[0-5]|655[0-2]\d|65[0-4]\d\d|6[0-4]\d{3}|[1-5]\d{4}|[1-9]\d{0,3})",
    "digits": r"\d+",
    "hex": r"[0-9a-f]+",
    "id": r"[0-9a-f]{32}",
    "date": r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d " + MONTHS + r" \d{4} \d\d:\d\d:\d\d GMT",
    "logdate": r"\d\d/" + MONTHS + r"/\d{4} \d\d:\d\d:\d\d",
}
WILDCARD = re.compile(r"\{(\.\.\.|[a-z]+)\}")


class NotesError(AssertionError):
    """A block the checker cannot take as written (markup, not a failed command)."""


# ---- reading the notes ------------------------------------------------------------------------

def parse_notes(text):
    """(chapters, errors): chapters are [(title, [Directive | Block])], one per "## " heading;
    errors are what stands outside any chapter or never ends."""
    chapters, errors, items, title = [], [], None, None
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = FENCE_OPEN.match(line)
        if m:
            indent, fence, lang, info = m.group(1), m.group(2), m.group(3).lower(), m.group(4)
            start, body = i + 1, []
            close = re.compile(r"^\s*" + re.escape(fence[0]) + "{" + str(len(fence)) + r",}\s*$")
            i += 1
            while i < len(lines) and not close.match(lines[i]):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                errors.append(f"line {start}: a fence that never closes")
            block = Block(lang, info, body, start, indent, fence)
            if items is None:
                if is_console_like(block):
                    errors.append(f"line {start}: a command block before the first chapter "
                                  "(## heading) is never run")
            else:
                items.append(block)
        elif line.startswith("## "):
            if title is not None:
                chapters.append((title, items))
            title, items = line[3:].strip(), []
        elif items is not None and DIRECTIVE.search(line):
            d = DIRECTIVE.search(line)
            items.append(Directive(d.group(1), d.group(2), i + 1))
        i += 1
    if title is not None:
        chapters.append((title, items))
    return chapters, errors


def read_chapters(path=NOTES):
    with open(path, encoding="utf-8") as f:
        return parse_notes(f.read())


def is_console_like(block):
    """Whether a block is written as commands for a shell (and so must run, or say why not)."""
    if block.lang in SHELL_LANGS:
        return True
    if block.lang in NOT_RUN:
        return False
    return any(PROMPT_LIKE.match(ln) for ln in block.body)


def runnable(block):
    """Why the checker cannot run this console-like block as written, or None."""
    if block.lang != "console":
        return f"a ```{block.lang or '(no language)'} block with commands"
    if block.fence != "```":
        return f"a {block.fence} fence"
    if block.indent:
        return "an indented fence"
    if block.info:
        return f"a console fence with attributes ({block.info!r})"
    return None


def split_commands(body):
    """[(where, command, expected_lines)] from a console block: where is None for "$ " and
    "classmate" for "classmate$ "; "\\" at the end of a line continues the command."""
    out = []
    for line in body:
        m = COMMAND.match(line)
        if m:
            out.append([m.group(1), m.group(2), []])
        elif out and out[-1][1].endswith("\\") and not out[-1][2]:
            out[-1][1] = out[-1][1][:-1] + "\n" + line
        elif out:
            out[-1][2].append(line)
    return [tuple(c) for c in out]


def wildcard_errors(lines, where):
    errors = []
    for ln in lines:
        for m in WILDCARD.finditer(ln):
            if m.group(1) not in WILDCARDS:
                errors.append(f"line {where}: {m.group(0)} is not a typed wildcard (use one of "
                              + ", ".join("{" + k + "}" for k in WILDCARDS) + f"): {ln.strip()!r}")
    return errors


def lint_items(items):
    """The markup errors of one chapter's items: what the checker would otherwise skip silently
    or take too loosely."""
    errors, pending = [], None
    for item in items:
        if isinstance(item, Directive):
            if item.kind not in DIRECTIVES:
                errors.append(f"line {item.line}: unknown check directive {item.kind!r}")
            elif item.kind == "skip" and not item.arg:
                errors.append(f"line {item.line}: skip needs a reason")
            elif item.kind == "classmate" and item.arg not in ("", "firewall"):
                errors.append(f"line {item.line}: classmate takes nothing or 'firewall'")
            if item.kind != "stop":
                if pending is not None:
                    errors.append(f"line {pending.line}: check {pending.kind} has no block after it")
                pending = item
            continue
        block, kind = item, pending.kind if pending else None
        pending = None
        if kind == "skip":
            continue
        if kind in ("log", "diagram"):
            if block.lang != "text":
                errors.append(f"line {block.line}: check {kind} needs a ```text block")
            errors += wildcard_errors(block.body, block.line)
            continue
        if not is_console_like(block):
            if kind is not None:
                errors.append(f"line {block.line}: check {kind} needs a ```console block")
            continue
        why = runnable(block)
        if why:
            errors.append(f"line {block.line}: {why} that the checker cannot run: write it as a "
                          "```console block, or precede it with <!-- check: skip REASON -->")
            continue
        first = next((k for k, ln in enumerate(block.body) if ln.strip()), None)
        if first is None or not COMMAND.match(block.body[first]):
            errors.append(f"line {block.line}: a console block must start with a \"$ \" command")
        for k, ln in enumerate(block.body):
            if ln.startswith("$") and not ln.startswith("$ "):
                errors.append(f"line {block.line + k}: \"{ln[:20]}\": a prompt needs a space "
                              "after the $ (\"$ cmd\")")
            if ln.startswith("classmate$ ") and kind != "classmate":
                errors.append(f"line {block.line + k}: a classmate$ command outside a "
                              "<!-- check: classmate --> block")
        cmds = split_commands(block.body)
        if kind in ("server", "terminal") and len(cmds) != 1:
            errors.append(f"line {block.line}: a {kind} block holds one command")
        for _, cmd, expected in cmds:
            if not cmd.strip():
                errors.append(f"line {block.line}: an empty command")
            errors += wildcard_errors(expected, block.line)
    if pending is not None:
        errors.append(f"line {pending.line}: check {pending.kind} has no block after it")
    return errors


# ---- matching output --------------------------------------------------------------------------

def line_pattern(pattern):
    parts = WILDCARD.split(pattern.rstrip())
    rx = []
    for k, part in enumerate(parts):
        if k % 2 == 0:
            rx.append(re.escape(part))
        elif part in WILDCARDS:
            rx.append(WILDCARDS[part])
        else:
            raise NotesError(f"{{{part}}} is not a typed wildcard: {pattern!r}")
    return "".join(rx)


def line_matches(pattern, line):
    return re.fullmatch(line_pattern(pattern), line.rstrip()) is not None


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


def expected_status(cmd):
    m = EXIT_MARK.search(cmd)
    return int(m.group(1)) if m else 0


# ---- what this machine can run ----------------------------------------------------------------

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
    for tool in ("tshark", "dumpcap"):
        if re.search(rf"\b{tool}\b", cmd) and shutil.which(tool) is None:
            return (f"{tool} is missing (Debian: sudo apt-get install tshark; "
                    "macOS: brew install wireshark)")
    if LIVE_CAPTURE.search(cmd):
        if not CAPTURE_DENIED:
            CAPTURE_DENIED.append(capture_probe())
        return CAPTURE_DENIED[0]
    return None


def classmate_denied():
    """Why this user cannot make the classmate's network namespace, or None."""
    if os.geteuid() != 0:
        return "needs root to create a network namespace: run as root"
    if shutil.which("ip") is None:
        return "needs the ip command (Debian's iproute2) to create a network namespace"
    return None


# ---- the classmate's machine: a network namespace beside this one -----------------------------

NETNS = "lab4-classmate"
HOST_IF, HOST_ADDR = "lab4-lan", "10.99.0.1"
PEER_IF, PEER_ADDR = "eth0", "10.99.0.2"
NETNS_LOCK = "/run/lock/lab4-classmate.lock"


class Classmate:
    """The namespace lab4-classmate and its veth pair, for one block; removed on exit, whatever
    happened. A lock keeps two runs on one machine (two users' checks) from sharing it."""

    def __init__(self, firewall=False):
        self.firewall = firewall

    def __enter__(self):
        os.makedirs(os.path.dirname(NETNS_LOCK), exist_ok=True)
        self.lock = open(NETNS_LOCK, "w")
        fcntl.flock(self.lock, fcntl.LOCK_EX)
        self.teardown()                 # what a killed run may have left
        try:
            for cmd in (["ip", "netns", "add", NETNS],
                        ["ip", "link", "add", HOST_IF, "type", "veth", "peer", "name", PEER_IF,
                         "netns", NETNS],
                        ["ip", "addr", "add", HOST_ADDR + "/24", "dev", HOST_IF],
                        ["ip", "link", "set", HOST_IF, "up"],
                        ["ip", "-n", NETNS, "addr", "add", PEER_ADDR + "/24", "dev", PEER_IF],
                        ["ip", "-n", NETNS, "link", "set", PEER_IF, "up"],
                        ["ip", "-n", NETNS, "link", "set", "lo", "up"]):
                subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            if self.firewall:
                subprocess.run(["ip", "route", "add", "blackhole", PEER_ADDR + "/32"], check=True)
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    @staticmethod
    def teardown():
        for cmd in (["ip", "route", "del", "blackhole", PEER_ADDR + "/32"],
                    ["ip", "link", "del", HOST_IF], ["ip", "netns", "del", NETNS]):
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __exit__(self, *exc):
        self.teardown()
        fcntl.flock(self.lock, fcntl.LOCK_UN)
        self.lock.close()
        return False


# ---- running a chapter ------------------------------------------------------------------------

class NotesRun:
    def __init__(self, chapter, skipped=None):
        self.chapter = chapter
        self.skipped = NOTES_SKIPPED if skipped is None else skipped
        self.ports = {}      # port written in the notes -> real port, while its server runs
        self.server_ports = {}   # server name -> its port as the notes write it
        self.servers = {}    # name -> (Popen, [output lines])
        self.marks = {}      # name -> index of its first line printed since the last block began
        self.last_output = None  # the output lines of the last console block run
        # What skipped blocks would have made: server names, their ports as the notes write
        # them, and capture files; a later block naming one of them is skipped as well.
        self.skipped_servers, self.skipped_words = {}, {}
        self.last_skipped = False   # whether the last console block was skipped
        self.last_skip_reason = None

    def skip_reason(self, body, name=None):
        """Why this block is not run (recording what it would have made), or None."""
        text = "\n".join(c for _, c, _ in split_commands(body))
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
        self.skipped.append(f"lab-notes.md line {where} ({self.chapter}): {why}")

    def subst(self, text):
        for notes_port, real in self.ports.items():
            text = re.sub(rf"(?<![\d.]){notes_port}(?!\d)", str(real), text)
        text = TMP_PATH.sub(SCRATCH + "/", text)
        return re.sub(r"(^|[\s;&|(])bin/", lambda m: m.group(1) + BIN_DIR + "/", text)

    def begin_block(self):
        """Mark where each running server's output stands, once it has settled (a line that a
        request of the previous block made the server print can come a moment late): a log
        block shows only what was printed after this."""
        deadline = time.monotonic() + 1.0 * SLOW
        counts = None
        while self.servers:
            now = {n: len(lines) for n, (_, lines) in self.servers.items()}
            if now == counts or time.monotonic() > deadline:
                break
            counts = now
            time.sleep(0.1)
        self.marks = {n: len(lines) for n, (_, lines) in self.servers.items()}

    def start_server(self, name, arg, body, where):
        m = re.search(r"port=(\d+)", arg)
        assert m, f"line {where}: server directive needs port=N"
        notes_port, real = m.group(1), free_port()
        cmds = split_commands(body)
        assert len(cmds) == 1, f"line {where}: a server block holds one command"
        _, cmd, expected = cmds[0]
        self.begin_block()
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
        self.server_ports[name] = notes_port
        proc = subprocess.Popen(["bash", "-c", "exec " + self.subst(cmd)], cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        lines = []
        threading.Thread(target=lambda: [lines.append(b.decode("utf-8", "replace").rstrip("\n"))
                                         for b in proc.stdout], daemon=True).start()
        self.servers[name] = (proc, lines)
        self.marks[name] = 0
        deadline = time.monotonic() + 10 * SLOW
        while not is_listening(real):
            assert proc.poll() is None, f"line {where}: {cmd!r} exited: {lines!r}"
            assert time.monotonic() < deadline, f"line {where}: {cmd!r} never listened"
            time.sleep(0.05)
        self.expect_log(name, [self.subst(e) for e in expected], where, prefix=True)
        self.last_output = list(lines)

    def expect_log(self, name, expected, where, prefix=False):
        assert name in self.servers, f"line {where}: no server {name!r} is running"
        proc, lines = self.servers[name]
        deadline = time.monotonic() + 5 * SLOW
        while True:
            got = lines[self.marks.get(name, 0):]
            if match_lines(expected + ([] if not prefix else ["..."]), got,
                           ordered_subsequence=not prefix):
                return
            assert time.monotonic() < deadline, \
                (f"line {where}: {name} printed, since the last console block began,\n{got!r}\n"
                 f"which does not show\n{expected!r}")
            time.sleep(0.05)

    def stop(self, name, where):
        if name in self.skipped_servers:           # never started: its port is free again
            _, port = self.skipped_servers.pop(name)
            self.skipped_words.pop(port, None)
            return
        assert name in self.servers, f"line {where}: no server {name!r} to stop"
        proc, lines = self.servers.pop(name)
        self.ports.pop(self.server_ports.pop(name, None), None)
        os.killpg(proc.pid, signal.SIGINT)
        try:
            code = proc.wait(timeout=2 * SLOW)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            raise AssertionError(f"line {where}: {name} did not stop on Ctrl-C")
        assert code == 0, f"line {where}: {name} exited {code}: {lines[-5:]!r}"

    def run_block(self, body, where, classmate=None):
        self.begin_block()
        self.last_output = []
        for place, cmd, expected in split_commands(body):
            real_cmd = self.subst(cmd)
            argv = ["bash", "-o", "pipefail", "-c", real_cmd]
            if place == "classmate":
                assert classmate is not None, f"line {where}: classmate$ outside a classmate block"
                argv = ["ip", "netns", "exec", NETNS] + argv
            try:
                res = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     timeout=30 * SLOW)
            except subprocess.TimeoutExpired:
                raise AssertionError(f"line {where}: {cmd!r} did not finish")
            got = res.stdout.decode("utf-8", "replace").split("\n")
            if got and got[-1] == "":
                got.pop()
            self.last_output += got
            exp = [self.subst(e) for e in expected]
            assert match_lines(exp, got), \
                f"line {where}: {cmd!r}\nexpected:\n" + "\n".join(exp) + "\ngot:\n" + "\n".join(got)
            want = expected_status(cmd)
            assert res.returncode == want, \
                (f"line {where}: {cmd!r} exited with status {res.returncode}, not {want}"
                 + ("" if want else " (end the command with '# exit N' if that is expected)")
                 + "\noutput:\n" + "\n".join(got))

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
        _, cmd, expected = cmds[0]
        self.begin_block()
        session = f"notes{os.getpid()}x{where}"
        tmux = ["tmux", "-f", "/dev/null", "-L", session]
        # The command runs under a shell that writes its exit status to a file: tmux's own
        # #{pane_dead_status} is not always filled in (tmux 3.3a leaves it empty for telnet).
        status_file = os.path.join(SCRATCH, f"terminal-{where}.status")
        if os.path.exists(status_file):
            os.unlink(status_file)
        wrapped = f"{self.subst(cmd)}; echo $? > {shlex.quote(status_file)}"
        subprocess.run(tmux + ["new-session", "-d", "-s", session, "-x", "120", "-y", "50",
                               "-c", ROOT, "bash -c " + shlex.quote(wrapped)], check=True)
        try:
            subprocess.run(tmux + ["set-option", "-t", session, "remain-on-exit", "on"], check=True)
            time.sleep(0.5 * SLOW)
            for group in [k.strip() for k in keys.split(" | ") if k.strip()]:
                for text, key in re.findall(r"([^{]+)|\{([^}]+)\}", group):
                    args = ["-l", self.subst(text)] if text else [key]
                    subprocess.run(tmux + ["send-keys", "-t", session] + args, check=True)
                time.sleep(0.5 * SLOW)
            deadline = time.monotonic() + 5 * SLOW
            while not os.path.exists(status_file) and time.monotonic() < deadline:
                time.sleep(0.1)
            # -S -: from the start of the history, since the "Pane is dead" line that
            # remain-on-exit adds can scroll the first line off the screen.
            screen = subprocess.run(tmux + ["capture-pane", "-p", "-S", "-", "-t", session], check=True,
                                    stdout=subprocess.PIPE).stdout.decode("utf-8", "replace")
        finally:
            subprocess.run(tmux + ["kill-server"], stderr=subprocess.DEVNULL)
        got = [ln for ln in screen.rstrip("\n").split("\n") if not ln.startswith("Pane is dead")]
        while got and not got[-1].strip():
            got.pop()
        self.last_output = got
        got = [f"$ {self.subst(cmd)}"] + got
        exp = [f"$ {self.subst(cmd)}"] + [self.subst(e) for e in expected]
        assert match_lines(exp, got), \
            f"line {where}: terminal {cmd!r}\nexpected:\n" + "\n".join(exp) + "\ngot:\n" + "\n".join(got)
        assert os.path.exists(status_file), f"line {where}: {cmd!r} was still running after the keys"
        with open(status_file) as f:
            status = int(f.read().strip() or -1)
        want = expected_status(cmd)
        assert status == want, f"line {where}: {cmd!r} exited with status {status}, not {want}"

    def close(self):
        for name in list(self.servers):
            proc, _ = self.servers.pop(name)
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def run_chapter(title, items, skipped=None):
    """Run one chapter's blocks in order; an AssertionError names the line that failed."""
    errors = lint_items(items)
    if errors:
        raise NotesError("\n".join(errors))
    run = NotesRun(title, skipped)
    pending = None
    try:
        for item in items:
            if isinstance(item, Directive):
                if item.kind == "stop":
                    run.stop(item.arg.split()[0], item.line)
                else:
                    pending = item
                continue
            block, where = item, item.line
            kind = pending.kind if pending else ("console" if is_console_like(item) else None)
            arg = pending.arg if pending else ""
            name = arg.split()[0] if arg else None
            pending = None
            if kind in (None, "skip"):
                if kind == "skip" and is_console_like(block):
                    run.skip(where, f"not run: {arg}")
                continue
            if kind == "diagram":
                if not run.last_skipped:            # else the block it draws was not run
                    run.check_diagram(block.body, where)
                continue
            if kind == "log":
                if name in run.skipped_servers:
                    run.skip(where, run.skipped_servers[name][0])
                elif run.last_skipped:              # the lines it shows were never made
                    run.skip(where, run.last_skip_reason)
                else:
                    run.expect_log(name, [run.subst(b) for b in block.body], where)
                continue
            why = run.skip_reason(block.body, name if kind == "server" else None)
            if why is None and kind == "classmate":
                why = classmate_denied()
            if why:
                port = re.search(r"port=(\d+)", arg).group(1) if kind == "server" else None
                run.skip(where, why, server=name if kind == "server" else None, port=port)
                run.last_skipped, run.last_skip_reason = True, why
                continue
            run.last_skipped = False
            if kind == "server":
                run.start_server(name, arg, block.body, where)
            elif kind == "terminal":
                run.run_terminal(arg, block.body, where)
            elif kind == "classmate":
                with Classmate(firewall=(arg == "firewall")) as mate:
                    run.run_block(block.body, where, classmate=mate)
            else:
                run.run_block(block.body, where)
    finally:
        run.close()


CHAPTERS, OUTSIDE_ERRORS = read_chapters() if os.path.exists(NOTES) else ([], [])


def test_notes_exist_and_are_checked():
    assert CHAPTERS, "lab-notes.md is missing or has no chapters"
    blocks = sum(1 for _, items in CHAPTERS for it in items
                 if isinstance(it, Block) and it.lang == "console")
    assert blocks >= 10, f"only {blocks} console blocks in lab-notes.md"


def github_anchor(heading):
    """The id GitHub (and GitLab) give a heading: lower case, punctuation dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchor_errors(text):
    """Links within the notes (the contents, "see ...") that lead to no heading."""
    anchors, inside = set(), False
    for line in text.split("\n"):
        if FENCE_OPEN.match(line) and not inside:
            inside = True
        elif inside and re.match(r"^\s*(`{3,}|~{3,})\s*$", line):
            inside = False
        elif not inside and line.startswith("#"):
            anchors.add(github_anchor(line.lstrip("#")))
    return [f"a link to #{a} leads to no heading" for a in re.findall(r"\]\(#([^)]+)\)", text)
            if a not in anchors]


def test_notes_markup():
    """Every console-like block runs or says why not; every wildcard is typed; every link
    within the notes leads to a heading."""
    errors = list(OUTSIDE_ERRORS)
    for _, items in CHAPTERS:
        errors += lint_items(items)
    if os.path.exists(NOTES):
        with open(NOTES, encoding="utf-8") as f:
            errors += anchor_errors(f.read())
    assert not errors, "lab-notes.md:\n" + "\n".join(errors)


@pytest.mark.parametrize("title,items", CHAPTERS, ids=[c[0][:40] for c in CHAPTERS])
def test_chapter(title, items):
    run_chapter(title, items)
