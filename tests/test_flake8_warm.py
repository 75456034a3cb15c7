"""The warm analyser (``--patchlint-warm``): real flake8 processes, a real server, real git.

Each test has its own runtime directory (``XDG_RUNTIME_DIR``) and temporary directory, so its server
is its own; every server a test started is killed at its end (its pid is in its lock file).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from casedata import all_cases
from test_flake8_plugin import (  # noqa: F401 - batch is a fixture this module uses
    INSERTED_LINE,
    NEW,
    OLD,
    SAMPLE_CASES,
    batch,
    codes_lines,
    flake8_files,
    git,
    make_repo,
)

from patchlint.integrations import warm

CASES = [pytest.param(c, id=c.name) for c in all_cases()]
FORMAT = "--format=%(code)s %(row)d %(col)d %(text)s"


@contextlib.contextmanager
def isolated_env():
    """An environment whose runtime and temporary directories are its own (short: a socket's path
    holds at most 107 bytes); the servers started in it are killed afterwards."""
    top = Path(tempfile.mkdtemp(prefix="plw-"))
    runtime, temp = top / "run", top / "tmp"
    runtime.mkdir(mode=0o700)
    temp.mkdir()
    environment = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "TMPDIR": str(temp)}
    environment.pop(warm_env(), None)
    try:
        yield environment
    finally:
        for lock in (runtime / "patchlint").glob("*.lock") if (runtime / "patchlint").exists() else ():
            pid = lock.read_text().strip()
            if pid.isdigit():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture
def env():
    """This test's own environment: its server is its own."""
    with isolated_env() as environment:
        yield environment


def warm_env() -> str:
    from patchlint.integrations.flake8_plugin import WARM_ENV

    return WARM_ENV


def flake8(*args: str, cwd: Path, env: dict, stdin: str | None = None, importtime: bool = False):
    """(PAT output lines, whether libcst was imported in the flake8 process)."""
    proc = subprocess.run(
        [sys.executable, *(["-X", "importtime"] if importtime else []), "-m", "flake8", "--select=PAT", FORMAT, *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    imported = any(line.split("|")[-1].strip() == "libcst" for line in proc.stderr.splitlines())
    if not importtime:
        assert proc.stderr == "", proc.stderr
    return sorted(proc.stdout.splitlines()), imported


def socket_dir(env: dict) -> Path:
    return Path(env["XDG_RUNTIME_DIR"]) / "patchlint"


def server_pid(env: dict) -> int | None:
    locks = list(socket_dir(env).glob("*.lock")) if socket_dir(env).exists() else []
    text = locks[0].read_text().strip() if locks else ""
    return int(text) if text.isdigit() else None


def wait_for_server(env: dict, cwd: Path, timeout: float = 60) -> None:
    """Until a server answers (a request whose answer needs no libcst in the flake8 process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sockets = list(socket_dir(env).glob("*.sock")) if socket_dir(env).exists() else []
        if sockets:
            _, imported = flake8(
                "--patchlint-warm",
                "--stdin-display-name",
                "app/workflow.py",
                "-",
                cwd=cwd,
                env=env,
                stdin=NEW,
                importtime=True,
            )
            if not imported:
                return
        time.sleep(0.2)
    raise AssertionError("no warm server answered")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie has exited: only its parent has not reaped it yet
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return True


# --- off unless asked for ------------------------------------------------------------------------


def test_disabled_by_default_creates_nothing(tmp_path: Path, env: dict):
    make_repo(tmp_path / "repo", OLD, NEW)
    runtime, temp = Path(env["XDG_RUNTIME_DIR"]), Path(env["TMPDIR"])
    before = sorted(runtime.rglob("*")), sorted(temp.rglob("*"))
    out, imported = flake8("app/workflow.py", cwd=tmp_path / "repo", env=env, importtime=True)
    assert imported and [line.split()[:2] for line in out] == [["PAT101", str(INSERTED_LINE)]]
    env_without_runtime = {k: v for k, v in env.items() if k != "XDG_RUNTIME_DIR"}
    flake8("--stdin-display-name", "app/workflow.py", "-", cwd=tmp_path / "repo", env=env_without_runtime, stdin=NEW)
    assert (sorted(runtime.rglob("*")), sorted(temp.rglob("*"))) == before == ([], [])


def test_socket_directory_must_be_private(tmp_path: Path, env: dict):
    directory = tmp_path / "shared"
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    assert warm.private_directory(str(directory), create=False) is None
    directory.chmod(0o700)
    assert warm.private_directory(str(directory), create=False) == str(directory)
    link = tmp_path / "link"
    link.symlink_to(directory)
    assert warm.private_directory(str(link), create=False) is None
    created = tmp_path / "new"
    assert warm.private_directory(str(created), create=True) == str(created)
    assert stat.S_IMODE(created.stat().st_mode) == 0o700


@pytest.mark.slow
def test_a_directory_others_can_enter_is_not_used(tmp_path: Path, env: dict):
    make_repo(tmp_path / "repo", OLD, NEW)
    socket_dir(env).mkdir(mode=0o755)
    socket_dir(env).chmod(0o755)
    out, imported = flake8("--patchlint-warm", "app/workflow.py", cwd=tmp_path / "repo", env=env, importtime=True)
    assert imported and [line.split()[:2] for line in out] == [["PAT101", str(INSERTED_LINE)]]
    time.sleep(1)
    assert list(socket_dir(env).iterdir()) == []  # no server was started, no socket made


# --- the server answers what the plugin answers in-process -----------------------------------------


@pytest.mark.slow
def test_warm_answers_as_cold_and_without_libcst(tmp_path: Path, env: dict):
    repo = tmp_path / "repo"
    target = make_repo(repo, OLD, NEW, siblings={"util.py": "def f():\n    return 1\n"})
    runs = [
        ("app/workflow.py",),
        ("--stdin-display-name", "app/workflow.py", "-"),
        ("--stdin-display-name", str(target), "-"),
        ("--patchlint-base", "no-such-branch", "app/workflow.py"),
        ("--patchlint-base", "HEAD", "--stdin-display-name", "app/workflow.py", "-"),
        ("-",),
    ]
    cold = [flake8(*args, cwd=repo, env=env, stdin=NEW)[0] for args in runs]
    assert codes_lines([(line.split()[0], int(line.split()[1]), 0) for line in cold[0]]) == [("PAT101", INSERTED_LINE)]
    first, imported = flake8("--patchlint-warm", *runs[0], cwd=repo, env=env, importtime=True)
    assert first == cold[0] and imported  # no server yet: analysed in-process, and one started
    assert (stat.S_IMODE(socket_dir(env).stat().st_mode), socket_dir(env).stat().st_uid) == (0o700, os.getuid())
    wait_for_server(env, repo)
    (sock,) = socket_dir(env).glob("*.sock")
    assert stat.S_ISSOCK(sock.lstat().st_mode) and stat.S_IMODE(sock.lstat().st_mode) & 0o077 == 0
    for args, expected in zip(runs, cold):
        out, imported = flake8("--patchlint-warm", *args, cwd=repo, env=env, stdin=NEW, importtime=True)
        assert (out, imported) == (expected, False), args
    # the environment variable asks for it too; the buffer, not the file, is analysed
    out, imported = flake8(
        "--stdin-display-name",
        "app/workflow.py",
        "-",
        cwd=repo,
        env={**env, warm_env(): "1"},
        stdin=OLD,
        importtime=True,
    )
    assert (out, imported) == ([], False)
    # the working tree changes between runs: the server sees it (nothing is kept from a run to the next)
    git(repo, "commit", "-q", "-am", "insert notify")
    assert flake8("--patchlint-warm", "app/workflow.py", cwd=repo, env=env, importtime=True) == ([], False)
    (repo / "app" / "workflow.py").write_text(OLD)
    out, imported = flake8(
        "--patchlint-warm", "--patchlint-base", "HEAD~1", "app/workflow.py", cwd=repo, env=env, importtime=True
    )
    assert (out, imported) == ([], False)
    (repo / "pyproject.toml").write_text("[tool.patchlint]\nbogus = 1\n")
    out, _ = flake8("--patchlint-warm", "--stdin-display-name", "app/workflow.py", "-", cwd=repo, env=env, stdin=NEW)
    assert len(out) == 1 and out[0].startswith("PAT000 1 1 not analysed: ") and "bogus" in out[0]


@pytest.fixture(scope="module")
def warm_batch(batch):
    """What ONE warm server answered for every case's files (one flake8 process over them all, as in
    ``batch``), and whether that flake8 process imported libcst."""
    repos, _ = batch
    first = next(iter(repos.values())).repo
    paths = [path for case in repos.values() for path in case.paths()]
    with isolated_env() as environment:
        flake8("--patchlint-warm", "app/workflow.py", cwd=first, env=environment)  # starts the server
        wait_for_server(environment, first)
        found, imported = flake8_files("--patchlint-warm", *paths, cwd=first.parent, env=environment, importtime=True)
        yield found, imported, environment


@pytest.mark.slow  # one server and one flake8 process for all cases
def test_warm_batch_needs_no_libcst(warm_batch):
    assert warm_batch[1] is False


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_warm_matches_cold_on_every_case(case, batch, warm_batch):
    repos, cold = batch
    warm_found, _, _ = warm_batch
    for path in repos[case.name].paths():
        assert warm_found.get(path, []) == cold.get(path, []), path


@pytest.mark.slow  # four flake8 processes per case
@pytest.mark.parametrize("case", SAMPLE_CASES)
def test_warm_matches_cold_by_stdin(case, batch, warm_batch):
    repos, _ = batch
    environment = warm_batch[2]
    repo = repos[case.name].repo
    args = ("--stdin-display-name", "app/workflow.py", "-")
    cold = flake8(*args, cwd=repo, env=environment, stdin=case.new)[0]
    assert flake8("--patchlint-warm", *args, cwd=repo, env=environment, stdin=case.new, importtime=True) == (
        cold,
        False,
    )
    cold_dir = flake8("app", cwd=repo, env=environment)[0]
    assert flake8("--patchlint-warm", "app", cwd=repo, env=environment, importtime=True) == (cold_dir, False)


# --- a server that cannot be trusted or that dies is not used ------------------------------------

STALE_SERVER = """\
import sys
from patchlint.integrations import warm
warm.identity = lambda: "an older patchlint"
sys.exit(warm.main(sys.argv[1:]))
"""


@pytest.mark.slow
def test_a_stale_server_is_told_to_exit_and_replaced(tmp_path: Path, env: dict):
    repo = tmp_path / "repo"
    make_repo(repo, OLD, NEW)
    expected = flake8("app/workflow.py", cwd=repo, env=env)[0]
    directory = warm.private_directory(str(socket_dir(env)), create=True)
    key = subprocess.run(
        [sys.executable, "-c", "from patchlint.integrations import warm; print(warm.server_key())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    stale = subprocess.Popen([sys.executable, "-c", STALE_SERVER, directory, key, "120"], env=env)
    try:
        deadline = time.monotonic() + 60
        while not (socket_dir(env) / f"{key}.sock").exists():
            assert time.monotonic() < deadline and stale.poll() is None
            time.sleep(0.1)
        out, imported = flake8("--patchlint-warm", "app/workflow.py", cwd=repo, env=env, importtime=True)
        assert (out, imported) == (expected, True)  # the stale answer is not used: analysed in-process
        assert stale.wait(timeout=30) == 0  # ...and the stale server exited
        wait_for_server(env, repo)  # the one the plugin started instead
        assert server_pid(env) not in (None, stale.pid)
        assert flake8("--patchlint-warm", "app/workflow.py", cwd=repo, env=env, importtime=True) == (expected, False)
    finally:
        if stale.poll() is None:
            stale.kill()
            stale.wait()


DYING_SERVER = """\
import os, signal, socket, sys
path = sys.argv[1]
with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
    listener.bind(path)
    listener.listen(1)
    print("ready", flush=True)
    conn, _ = listener.accept()
    conn.recv(10)  # the request has begun to arrive: die in the middle of it
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.slow
def test_a_server_killed_mid_request_falls_back_to_in_process(tmp_path: Path, env: dict):
    repo = tmp_path / "repo"
    make_repo(repo, OLD, NEW)
    expected = flake8("--stdin-display-name", "app/workflow.py", "-", cwd=repo, env=env, stdin=NEW)[0]
    directory = warm.private_directory(str(socket_dir(env)), create=True)
    key = subprocess.run(
        [sys.executable, "-c", "from patchlint.integrations import warm; print(warm.server_key())"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    dying = subprocess.Popen(
        [sys.executable, "-c", DYING_SERVER, os.path.join(directory, f"{key}.sock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert dying.stdout.readline() == "ready\n"
        out, imported = flake8(
            "--patchlint-warm",
            "--stdin-display-name",
            "app/workflow.py",
            "-",
            cwd=repo,
            env=env,
            stdin=NEW,
            importtime=True,
        )
        assert (out, imported) == (expected, True)
        assert dying.wait(timeout=30) == -signal.SIGKILL
    finally:
        if dying.poll() is None:
            dying.kill()
            dying.wait()


def test_server_key_follows_the_environment_git_reads(monkeypatch):
    key = warm.server_key()
    monkeypatch.setenv("GIT_DIR", "/elsewhere/.git")
    assert warm.server_key() != key
    monkeypatch.delenv("GIT_DIR")
    monkeypatch.setenv("EDITOR", "vi")
    assert warm.server_key() == key


def request(cwd: Path, filename: str, text: str, **overrides) -> dict:
    from patchlint import __version__

    return {
        "protocol": warm.PROTOCOL,
        "version": __version__,
        "identity": warm.identity(),
        "session": "s",
        "cwd": str(cwd),
        "filename": filename,
        "text": text,
        "rev": "HEAD",
        "explicit": False,
        "from_disk": False,
        **overrides,
    }


def test_the_server_answers_what_the_plugin_answers_in_process(tmp_path: Path):
    from patchlint.integrations.flake8_plugin import Run, results

    make_repo(tmp_path, OLD, NEW)
    server = warm.Server(warm.identity())
    cwd = os.getcwd()
    try:
        for text in (NEW, OLD, NEW):
            for filename, directory in (("app/workflow.py", tmp_path), ("workflow.py", tmp_path / "app")):
                os.chdir(directory)
                expected = results(filename, text, "HEAD", False, False, Run())
                os.chdir("/")
                assert server.answer(request(directory, filename, text)) == {"results": expected}
        assert [
            code.split()[0] for _, _, code in server.answer(request(tmp_path, "app/workflow.py", NEW))["results"]
        ] == ["PAT101"]
        git(tmp_path, "commit", "-q", "-am", "insert notify")  # a new run (session) sees the new HEAD
        assert server.answer(request(tmp_path, "app/workflow.py", NEW, session="t")) == {"results": []}
        assert os.getcwd() == "/"
    finally:
        os.chdir(cwd)


def test_the_server_calls_a_request_from_another_patchlint_stale(tmp_path: Path):
    server = warm.Server(warm.identity())
    for field, value in (("identity", "older"), ("version", "0.0.0"), ("protocol", 0)):
        assert server.answer(request(tmp_path, "app/workflow.py", NEW, **{field: value})) == {"stale": True}


def test_a_server_that_failed_once_is_not_asked_again_in_the_same_process(monkeypatch, env: dict):
    monkeypatch.setenv("XDG_RUNTIME_DIR", env["XDG_RUNTIME_DIR"])
    calls = []

    def hung(path, request):
        calls.append(path)
        raise TimeoutError("no answer in time")

    monkeypatch.setattr(warm, "exchange", hung)
    monkeypatch.setattr(warm, "_failed", [])
    monkeypatch.setattr(warm, "start", lambda *args: pytest.fail("a server answered late: none is started"))
    for _ in range(3):
        assert warm.ask("app/workflow.py", NEW, "HEAD", False, False, "s") is None
    assert len(calls) == 1


def test_a_tree_asks_the_server_only_for_the_files_that_need_libcst(tmp_path: Path, monkeypatch):
    """A tree run decides most files in its own process (no libcst, no round trip per file): the
    warm analyser is asked only for a changed workflow, not for plain modules or unchanged workflows."""
    from test_flake8_plugin import make_tree

    from patchlint.integrations import flake8_plugin as plugin

    make_tree(tmp_path, 4)
    asked = []

    def answer(filename, text, rev, explicit, from_disk, session):
        asked.append(filename)
        return plugin.results(filename, text, rev, explicit, from_disk, plugin.Run())

    monkeypatch.setattr(warm, "ask", answer)
    monkeypatch.chdir(tmp_path)
    options = type("Options", (), {"patchlint_base": None, "patchlint_warm": True, "filenames": ["."]})()
    plugin.PatchlintChecker.parse_options(options)
    files = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*.py") if ".git" not in p.parts)
    found = {}
    for name in files:
        lines = (tmp_path / name).read_text().splitlines(keepends=True)
        found[name] = [m.split()[0] for _, _, m, _ in plugin.PatchlintChecker(None, lines, name).run()]
    assert asked == ["app/workflow.py"], asked
    assert found["app/workflow.py"] == ["PAT101"]
    assert len(files) == 7 and not any(found[n] for n in files if n != "app/workflow.py")
