"""Bad input gets one clear line on stderr and exit code 2, never a traceback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from patchlint.errors import MAX_INPUT_BYTES, InputError
from patchlint.git import read_worktree

# Each case runs patchlint as a real process (exit code, stderr, no traceback): not in the fast tier.
pytestmark = pytest.mark.slow

WORKFLOW = """\
from temporalio import workflow

@workflow.defn
class Order:
    @workflow.run
    async def run(self):
        await workflow.execute_activity("charge")
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def patchlint(cwd: Path, *args: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "patchlint", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        **options,
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "t@example.com")
    git(repo, "config", "user.name", "t")
    (repo / "wf.py").write_text(WORKFLOW)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "one")
    return repo


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("patchlint: error: ")
    for needle in needles:
        assert needle in lines[0], lines[0]


def test_syntax_error_in_head(repo):
    (repo / "wf.py").write_text(WORKFLOW + "    if (:\n")
    assert_one_line_error(patchlint(repo, "check"), "wf.py", "syntax error at line")


def test_syntax_error_in_base(repo):
    (repo / "wf.py").write_text(WORKFLOW + "    def (\n")
    git(repo, "commit", "-qam", "broken")
    (repo / "wf.py").write_text(WORKFLOW)
    assert_one_line_error(patchlint(repo, "check"), "wf.py", "syntax error")


def test_unknown_revision(repo):
    assert_one_line_error(patchlint(repo, "check", "--base", "no-such-branch"), "unknown revision 'no-such-branch'")


def test_shallow_clone_missing_base(repo, tmp_path):
    (repo / "wf.py").write_text(WORKFLOW.replace("charge", "refund"))
    git(repo, "commit", "-qam", "two")
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--depth=1", f"file://{repo}", str(clone)], check=True)
    assert_one_line_error(patchlint(clone, "check", "--base", "HEAD~1"), "shallow clone", "git fetch")


def test_non_utf8_file(repo):
    (repo / "wf.py").write_bytes(WORKFLOW.encode() + b"# caf\xe9\n")
    assert_one_line_error(patchlint(repo, "check"), "wf.py", "UTF-8")


def test_binary_file(repo):
    (repo / "blob.py").write_bytes(b"\x00\x01temporalio\x00")
    assert_one_line_error(patchlint(repo, "check"), "blob.py", "binary")


def test_missing_path_argument(repo):
    assert_one_line_error(patchlint(repo, "check", "nope.py"), "nope.py", "no such file")


def test_vanished_file_reads_as_input_error(repo):
    with pytest.raises(InputError, match="vanished"):
        read_worktree(repo, "gone.py")


def test_path_outside_repo(repo, tmp_path):
    outside = tmp_path / "elsewhere.py"
    outside.write_text("x = 1\n")
    assert_one_line_error(patchlint(repo, "check", str(outside)), "outside the repository")


def test_not_a_git_repo(tmp_path):
    assert_one_line_error(patchlint(tmp_path, "check"), "not inside a git repository")


@pytest.mark.parametrize(
    "toml, needle",
    [
        ("[tool.patchlint]\ncolour = true\n", "unknown key 'colour'"),
        ('[tool.patchlint]\nseverity = { PAT101 = "fatal" }\n', "expected error, warning or info"),
        ('[tool.patchlint]\nengines = ["cadence"]\n', "unknown engine 'cadence'"),
        ('[tool.patchlint]\nmax-workflow-lifetime = "soon"\n', "expected a duration"),
        ("[tool.patchlint\n", "invalid TOML"),
    ],
)
def test_invalid_config(repo, toml, needle):
    (repo / "pyproject.toml").write_text(toml)
    assert_one_line_error(patchlint(repo, "check"), "pyproject.toml", needle)


def test_diff_missing_file(tmp_path):
    (tmp_path / "a.py").write_text(WORKFLOW)
    assert_one_line_error(patchlint(tmp_path, "diff", "a.py", "b.py"), "b.py", "no such file")


def test_unknown_rule(tmp_path):
    assert_one_line_error(patchlint(tmp_path, "rules", "PAT999"), "unknown rule")


def test_nothing_is_written(repo):
    """check only reads: the working tree and the index are untouched."""
    (repo / "wf.py").write_text(WORKFLOW.replace("charge", "refund"))
    before = git(repo, "status", "--porcelain"), (repo / "wf.py").read_text()
    proc = patchlint(repo, "check")
    assert proc.returncode == 1
    assert (git(repo, "status", "--porcelain"), (repo / "wf.py").read_text()) == before
    assert os.listdir(repo) == [".git", "wf.py"] or sorted(os.listdir(repo)) == [".git", "wf.py"]


# ------------------------------------------------------------- history files and other input files

ROOT = Path(__file__).resolve().parents[1]
NEW_PY = ROOT / "testdata" / "cases" / "temporal-insert-middle" / "new.py"
RECORDED = ROOT / "testdata" / "histories" / "temporal-insert-middle" / "history.json"
DBOS_EXPORT = ROOT / "testdata" / "histories" / "dbos-insert-middle" / "dbos.json"


def _recorded(edit) -> str:
    document = json.loads(RECORDED.read_text())
    edit(document["events"])
    return json.dumps(document, indent=2)


def _export(edit) -> str:
    document = json.loads(DBOS_EXPORT.read_text())
    edit(document["tables"])
    return json.dumps(document)


def _set(index: int, key: str, value):
    def edit(events):
        events[index][key] = value

    return edit


def _set_attr(index: int, key: str, value):
    def edit(events):
        attrs = next(k for k in events[index] if k.endswith("EventAttributes"))
        events[index][attrs][key] = value

    return edit


def _update_first(events):
    events.insert(
        1,
        {
            "eventId": "99",
            "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
            "workflowExecutionUpdateAcceptedEventAttributes": {},
        },
    )


def _drop(table: str, column: str):
    def edit(tables):
        del tables[table][0][column]

    return edit


def _mkfifo(path: Path) -> None:
    os.mkfifo(path)


# (command, how the input is made, needles of the one line); the input is named "input" in cwd
BAD_FILES = {
    "event not an object": ("replay", '{"events": [1]}', ["input", "events[0]: expected an event object"]),
    "document null": ("replay", "[null]", ["input", "[0]: not a Temporal history"]),
    "eventId not a number": ("replay", _recorded(_set(2, "eventId", "abc")), ["events[2]: eventId", '"abc"']),
    "eventType not a string": ("replay", _recorded(_set(4, "eventType", 5)), ["events[4]: eventType"]),
    "attributes not an object": (
        "replay",
        _recorded(_set(4, "activityTaskScheduledEventAttributes", [])),
        ["events[4]: activityTask"],
    ),
    "activity type a string": (
        "replay",
        _recorded(_set_attr(4, "activityType", "charge")),
        ["events[4]: activityType: expected an object"],
    ),
    "scheduledEventId not an id": (
        "replay",
        _recorded(_set_attr(6, "scheduledEventId", {"id": 5})),
        ["events[6]: scheduledEventId"],
    ),
    "update before any task": ("replay", _recorded(_update_first), ["events[1]: an update accepted before"]),
    "no events at all": ("replay", '{"events": []}', ["input", "no events"]),
    "JSON lines, second bad": (
        "replay",
        RECORDED.read_text().replace("\n", "") + "\n" + '{"events": [true]}\n',
        ["document 2: events[0]: expected an event object, got a boolean"],
    ),
    "not JSON": ("replay", '{"events": [', ["input", "not JSON"]),
    "empty file": ("replay", "", ["input", "empty"]),
    "only blanks": ("replay", "  \n\n", ["input", "empty"]),
    "DBOS tables a list": ("replay", '{"tables": []}', ["input", "tables: expected an object"]),
    "DBOS no workflow_uuid": (
        "replay",
        _export(_drop("workflow_status", "workflow_uuid")),
        ["workflow_status[0]: no workflow_uuid"],
    ),
    "DBOS no function_id": (
        "replay",
        _export(_drop("operation_outputs", "function_id")),
        ["operation_outputs[0]: no function_id"],
    ),
    "DBOS function_id text": (
        "replay",
        _export(lambda t: t["operation_outputs"][1].update(function_id="two")),
        ["operation_outputs[1]: function_id: expected an integer"],
    ),
    "DBOS row not an object": (
        "replay",
        _export(lambda t: t["workflow_status"].append(7)),
        ["workflow_status[1]: expected a row object"],
    ),
    "replay a FIFO": ("replay", _mkfifo, ["input", "is a FIFO, not a file"]),
    "diff a FIFO": ("diff", _mkfifo, ["input", "is a FIFO, not a file"]),
    "replay a directory": ("replay", Path.mkdir, ["input", "is a directory, not a file"]),
    "replay /dev/zero": ("replay", "/dev/zero", ["/dev/zero", "is a character device, not a file"]),
    "diff /dev/zero": ("diff", "/dev/zero", ["/dev/zero", "is a character device, not a file"]),
    "replay --source /dev/zero": ("source", "/dev/zero", ["/dev/zero", "is a character device, not a file"]),
}


@pytest.mark.parametrize("command, made, needles", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_input_file(tmp_path, command, made, needles):
    name = "input"
    if isinstance(made, str) and made.startswith("/dev/"):
        name = made
    elif callable(made):
        made(tmp_path / name)
    else:
        (tmp_path / name).write_text(made)
    (tmp_path / "new.py").write_text(NEW_PY.read_text())
    if command == "replay":
        args = ["replay", "--source", "new.py", name]
    elif command == "source":
        args = ["replay", "--source", name, str(RECORDED)]
    else:
        args = ["diff", "new.py", name]
    assert_one_line_error(patchlint(tmp_path, *args), *needles)


def test_input_over_the_size_limit(tmp_path):
    """A sparse file just over the limit is refused before anything is read."""
    big = tmp_path / "big.json"
    with big.open("wb") as out:
        out.truncate(MAX_INPUT_BYTES + 1)
    (tmp_path / "new.py").write_text(NEW_PY.read_text())
    for args in (["replay", "--source", "new.py", "big.json"], ["diff", "new.py", "big.json"]):
        assert_one_line_error(patchlint(tmp_path, *args), "big.json: file too large", f"{MAX_INPUT_BYTES:,}")


# ------------------------------------------------------------------ outputs and the command line


@pytest.fixture
def pair(tmp_path: Path) -> Path:
    """Two revisions of a workflow that differ by one inserted activity (diff exits 1)."""
    (tmp_path / "old.py").write_text(WORKFLOW)
    (tmp_path / "new.py").write_text(WORKFLOW + '        await workflow.execute_activity("ship")\n')
    return tmp_path


@pytest.mark.parametrize(
    "extra, needles",
    [
        (["--sarif", "missing/out.sarif"], ["missing/out.sarif: cannot write (no such file or directory)"]),
        (["--summary", "missing/summary.md"], ["missing/summary.md: cannot write"]),
        (["--sarif", "/dev/full"], ["/dev/full: cannot write (no space left on device)"]),
        (["--summary", "/dev/full"], ["/dev/full: cannot write (no space left on device)"]),
    ],
    ids=["sarif-missing-dir", "summary-missing-dir", "sarif-dev-full", "summary-dev-full"],
)
def test_unwritable_output_file(pair, extra, needles):
    if not Path("/dev/full").exists() and "/dev/full" in extra:
        pytest.skip("no /dev/full")
    assert_one_line_error(patchlint(pair, "diff", "old.py", "new.py", *extra), *needles)


def test_stdout_full(pair):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        proc = subprocess.run(
            [sys.executable, "-m", "patchlint", "diff", "old.py", "new.py"],
            cwd=pair,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    assert_one_line_error(proc, "cannot write the output (no space left on device)")


def test_stdout_closed(pair):
    proc = subprocess.run(
        ["sh", "-c", f"exec '{sys.executable}' -m patchlint diff old.py new.py >&-"],
        cwd=pair,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert_one_line_error(proc, "standard output is closed")


@pytest.mark.parametrize("args", [["diff", "old.py", "new.py"], ["rules"]])
def test_broken_pipe_exits_quietly(pair, args):
    """The reader of stdout is gone (``| head -0``): no traceback, no message, the SIGPIPE exit code."""
    read, write = os.pipe()
    os.close(read)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "patchlint", *args],
            cwd=pair,
            stdout=write,
            stderr=subprocess.PIPE,
            text=True,
            check=False,
            timeout=120,
        )
    finally:
        os.close(write)
    assert (proc.returncode, proc.stderr) == (141, "")


USAGE_ERRORS = {
    "unknown option": (["check", "--nope"], "No such option '--nope'", "patchlint check --help"),
    "missing argument": (["diff", "old.py"], "Missing argument 'NEW_FILE'", "patchlint diff --help"),
    "bad choice": (["rules", "--format", "x"], "'x' is not one of 'text', 'json'", "patchlint rules --help"),
    "unknown command": (["nosuch"], "No such command 'nosuch'", "patchlint --help"),
}


@pytest.mark.parametrize("args, needle, hint", USAGE_ERRORS.values(), ids=USAGE_ERRORS.keys())
def test_usage_error_is_one_line(pair, args, needle, hint):
    assert_one_line_error(patchlint(pair, *args), needle, f"(try '{hint}')")


def test_help_still_works(pair):
    proc = patchlint(pair, "diff", "--help")
    assert proc.returncode == 0 and proc.stdout.startswith("Usage: patchlint diff") and proc.stderr == ""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc to see the git child")
def test_ctrl_c_exits_130_quietly(repo, tmp_path):
    """SIGINT while patchlint waits for git (blocked writing its trace into a FIFO nobody reads)."""
    fifo = tmp_path / "trace"
    os.mkfifo(fifo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "patchlint", "check"],
        cwd=repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "GIT_TRACE": str(fifo)},
    )
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
    deadline = time.monotonic() + 60
    while not children.read_text().strip():  # git started: the command is running
        assert time.monotonic() < deadline and proc.poll() is None, "patchlint never ran git"
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert (proc.returncode, out, err) == (130, "", "")


# ------------------------------------------------------------------------- unparsable Python

PREFIX = WORKFLOW + "\n"  # 8 lines: errors below start at line 9
SYNTAX_ERRORS = {
    # libcst's tokenizer errors carry no position (they said line 1); Python's parser locates them
    "unterminated triple quote": (PREFIX + 'x = """never closed\n\n', "line 9, column 5: unterminated triple-quoted"),
    "bad dedent": (PREFIX + "def f():\n    if x:\n        a = 1\n      b = 2\n", "line 12"),
    "invalid character": (PREFIX + "y = 2\nz = 3 $ 4\n", "line 10, column 7: invalid syntax"),
    "unterminated string": (PREFIX + "y = 2\nz = 'abc\n", "line 10, column 5: unterminated string literal"),
    # a parser error: Python's message is the short one
    "unexpected indent": (PREFIX + "def f():\n    a = 1\n\n      c = 3\n", "line 12, column 6: unexpected indent"),
}


@pytest.mark.parametrize("source, needle", SYNTAX_ERRORS.values(), ids=SYNTAX_ERRORS.keys())
def test_syntax_error_says_the_right_line(pair, source, needle):
    (pair / "new.py").write_text(source)
    assert_one_line_error(patchlint(pair, "diff", "old.py", "new.py"), "new.py: syntax error at " + needle)


DEEP = "x = " + "(" * 1500 + "1" + ")" * 1500 + "\n"  # segfaulted libcst's native parser (exit 139)


@pytest.mark.parametrize("command", ["diff", "check", "steps"])
def test_deeply_nested_brackets_are_refused_before_parsing(repo, command):
    (repo / "wf.py").write_text(WORKFLOW + DEEP)
    args = {"diff": ["diff", "old.py", "wf.py"], "check": ["check"], "steps": ["steps", "wf.py"]}[command]
    (repo / "old.py").write_text(WORKFLOW)
    assert_one_line_error(patchlint(repo, *args), "wf.py: brackets nested deeper than 200 levels at line 8")


def test_nesting_at_pythons_own_limit_parses(tmp_path):
    """200 levels is what Python itself accepts: such a module still parses."""
    from patchlint.extract.source import MAX_NESTING, parse

    parse("x = " + "(" * MAX_NESTING + "1" + ")" * MAX_NESTING + "\n", "ok.py")
    with pytest.raises(InputError, match="nested deeper than 200 levels at line 2"):
        parse("x = 1\ny = " + "[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1) + "\n", "deep.py")
