# SPDX-License-Identifier: MIT
"""The lab-notes checker (test_lab_notes.py) checked on probe notes written here: each hole it
once had (issue 16) is a probe it must now fail, and a correct block one it must pass."""
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import free_port
import test_lab_notes as checker

ROOT_SERVER = "python3 -m http.server -b 127.0.0.1 -d {dir} 8000"


def chapters(text):
    parsed, errors = checker.parse_notes(text)
    return parsed, errors


def run(text):
    """Run every chapter of the probe text; the skipped blocks are kept apart from the real ones."""
    parsed, errors = chapters(text)
    assert not errors, errors
    skipped = []
    for title, items in parsed:
        checker.run_chapter(title, items, skipped=skipped)
    return skipped


def fails(text, pattern):
    with pytest.raises(AssertionError) as e:
        run(text)
    assert re.search(pattern, str(e.value)), str(e.value)


def lint(text):
    parsed, errors = chapters(text)
    for _, items in parsed:
        errors += checker.lint_items(items)
    return errors


def console(*lines):
    return "## Probe\n\n```console\n" + "\n".join(lines) + "\n```\n"


# ---- the exit status counts -------------------------------------------------------------------

def test_false_fails():
    fails(console("$ false"), r"exited with status 1, not 0")


def test_curl_to_a_closed_port_fails():
    fails(console(f"$ curl -s http://127.0.0.1:{free_port()}/"), r"exited with status 7")


def test_ls_of_nothing_fails():
    fails(console("$ ls /nonexistent 2>/dev/null"), r"exited with status 2")


def test_a_failure_inside_a_pipeline_fails():
    fails(console(f"$ curl -s http://127.0.0.1:{free_port()}/ | cat"), r"exited with status 7")


def test_an_expected_status_is_written_and_held_to():
    run(console("$ false   # exit 1", "$ ls /nonexistent 2>/dev/null; echo $?", "2"))
    fails(console("$ true   # exit 1"), r"exited with status 0, not 1")


# ---- wildcards are typed ----------------------------------------------------------------------

def test_a_wildcard_does_not_hide_a_wrong_value():
    fails(console("$ echo 'Content-Length: -1 bogus'", "Content-Length: {digits}"), r"expected")
    run(console("$ echo 'Content-Length: 258'", "Content-Length: {digits}"))


def test_every_type_matches_its_kind_only():
    cases = {
        "port": ("8000", "70000"), "digits": ("0042", "4x"), "hex": ("9f3", "9F3g"),
        "id": ("0123456789abcdef0123456789abcdef", "0123"),
        "date": ("Mon, 07 Dec 2026 06:24:52 GMT", "Monday"),
        "logdate": ("07/Dec/2026 06:24:52", "2026-12-07 06:24:52"),
    }
    assert set(cases) == set(checker.WILDCARDS)
    for kind, (good, bad) in cases.items():
        assert checker.line_matches("<{" + kind + "}>", f"<{good}>"), kind
        assert not checker.line_matches("<{" + kind + "}>", f"<{bad}>"), kind


def test_an_untyped_wildcard_is_an_error():
    assert any("{...} is not a typed wildcard" in e for e in lint(console("$ date", "{...}")))
    assert any("{stuff} is not a typed wildcard" in e for e in lint(console("$ date", "{stuff}")))


# ---- what the checker cannot run is an error, unless it says why ------------------------------

def test_an_unmarked_sh_fence_is_an_error():
    errors = lint("## Probe\n\n```sh\n$ false\n```\n")
    assert any("```sh block" in e for e in errors), errors
    assert not lint("## Probe\n\n<!-- check: skip installs packages -->\n```sh\n$ false\n```\n")


def test_an_indented_fence_is_an_error():
    errors = lint("## Probe\n\n- a step:\n\n  ```console\n  $ false\n  ```\n")
    assert any("indented fence" in e for e in errors), errors


def test_a_console_fence_with_attributes_is_an_error():
    errors = lint('## Probe\n\n```console title="x"\n$ false\n```\n')
    assert any("attributes" in e for e in errors), errors


def test_a_prompt_without_a_space_is_an_error():
    errors = lint(console("$false"))
    assert any("needs a space" in e for e in errors), errors


def test_text_with_prompts_and_other_fences_are_errors():
    assert lint("## Probe\n\n```\n$ false\n```\n")
    assert lint("## Probe\n\n~~~console\n$ false\n~~~\n")
    assert lint("```console\n$ false\n```\n## Probe\n")      # before the first chapter
    assert not lint("## Probe\n\n```powershell\nPS> curl.exe -s http://127.0.0.1:8000/\n```\n")
    assert not lint("## Probe\n\n```mermaid\nsequenceDiagram\n  A->>B: SYN\n```\n")


def test_a_directive_without_its_block_is_an_error():
    assert any("has no block" in e for e in lint("## Probe\n\n<!-- check: log x -->\n"))


def test_a_chapter_with_a_markup_error_fails():
    parsed, _ = chapters("## Probe\n\n```bash\n$ true\n```\n")
    with pytest.raises(checker.NotesError):
        checker.run_chapter(*parsed[0], skipped=[])


# ---- a log block shows what its own block made the server print --------------------------------

@pytest.fixture
def docroot():
    d = tempfile.mkdtemp(prefix="lab4-probe-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


def served(docroot, log_line):
    return (
        "## Probe\n\n"
        "<!-- check: server web port=8000 -->\n"
        "```console\n$ " + ROOT_SERVER.format(dir=docroot) + "\n```\n\n"
        "```console\n$ curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8000/one\n404\n```\n\n"
        "```console\n$ curl -s -o /dev/null -w '%{http_code}\\n' http://127.0.0.1:8000/two\n404\n```\n\n"
        "<!-- check: log web -->\n"
        "```text\n" + log_line + "\n```\n\n"
        "<!-- check: stop web -->\n")


def test_a_log_line_from_an_earlier_block_fails(docroot):
    fails(served(docroot, '127.0.0.1 - - [{logdate}] "GET /one HTTP/1.1" 404 -'),
          r"since the last console block began")


def test_a_log_line_from_its_own_block_passes(docroot):
    run(served(docroot, '127.0.0.1 - - [{logdate}] "GET /two HTTP/1.1" 404 -'))


# ---- a correct block passes, and what this machine lacks is skipped with a reason ---------------

def test_a_correct_block_passes():
    run(console("$ printf 'a\\nb\\nc\\n' | wc -l", "3", "$ echo 'port 8000'", "port {port}"))


def test_a_block_needing_the_listings_is_skipped_with_its_reason(monkeypatch):
    monkeypatch.setattr(checker, "HANDOUT_DIR", None)
    skipped = run(console('$ python3 "$HANDOUT_DIR/echo.py"'))
    assert len(skipped) == 1 and "HANDOUT_DIR" in skipped[0]


def test_a_classmate_block_is_skipped_without_root(monkeypatch):
    monkeypatch.setattr(checker, "classmate_denied", lambda: "needs root to create a network "
                        "namespace: run as root")
    text = "## Probe\n\n<!-- check: classmate -->\n```console\nclassmate$ false\n```\n"
    skipped = run(text)
    assert len(skipped) == 1 and "needs root" in skipped[0]


def test_classmate_prompt_outside_its_block_is_an_error():
    assert any("outside a" in e for e in lint(console("classmate$ true")) + lint(
        "## Probe\n\n```console\n$ true\nclassmate$ true\n```\n"))


@pytest.mark.skipif(checker.classmate_denied() is not None,
                    reason=str(checker.classmate_denied()))
def test_the_classmate_reaches_your_lan_address_and_the_namespace_goes_away():
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "http.server", "-b", "0.0.0.0", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not checker.is_listening(port):
            assert server.poll() is None
        run("## Probe\n\n<!-- check: classmate -->\n```console\n"
            f"classmate$ curl -s -o /dev/null -w '%{{http_code}}\\n' http://10.99.0.1:{port}/\n200\n"
            f"$ curl -s -o /dev/null -w '%{{http_code}}\\n' http://10.99.0.1:{port}/\n200\n```\n")
        fails("## Probe\n\n<!-- check: classmate firewall -->\n```console\n"
              f"classmate$ curl -s --connect-timeout 1 http://10.99.0.1:{port}/\n```\n",
              r"exited with status 28")
    finally:
        server.kill()
        server.wait()
    names = subprocess.run(["ip", "netns", "list"], stdout=subprocess.PIPE).stdout.decode()
    assert checker.NETNS not in names


def test_a_log_block_after_a_skipped_block_is_skipped_too(docroot, monkeypatch):
    monkeypatch.setattr(checker, "classmate_denied", lambda: "needs root to create a network "
                        "namespace: run as root")
    text = served(docroot, '127.0.0.1 - - [{logdate}] "GET /two HTTP/1.1" 404 -').replace(
        "<!-- check: log web -->",
        "<!-- check: classmate -->\n```console\nclassmate$ curl -s http://10.99.0.1:8000/three\n```\n\n"
        "<!-- check: log web -->")
    skipped = run(text)
    assert [s for s in skipped if "needs root" in s] and len(skipped) == 2, skipped
