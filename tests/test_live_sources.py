"""Live sources are safe: DBOS databases are read, never created or changed (checksums and directory
listings before and after, rollback-journal and WAL databases, a live writer); no password is ever
printed; malformed Postgres URLs are one line; a server that accepts and never answers ends in one
line and exit 2 within the ``--timeout``. Both ``replay`` and ``patches``."""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from patchlint.integrations.cli import patches, replay
from patchlint.integrations.live_sources import redact
from patchlint.lifecycle import samples
from patchlint.testing import commit, init

SECRET = "S3cret"
WORKFLOW_ID = "wf-pending-1"


def dbos_database(path: Path, journal: str) -> None:
    """A DBOS-shaped system database with one PENDING ``my_workflow`` that ran ``pre_patch``."""
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA journal_mode={journal}")
    con.executescript(
        """
        CREATE TABLE workflow_status (workflow_uuid TEXT PRIMARY KEY, name TEXT, status TEXT,
                                      parent_workflow_id TEXT, created_at INTEGER);
        CREATE TABLE operation_outputs (workflow_uuid TEXT, function_id INTEGER, function_name TEXT);
        """
    )
    con.execute("INSERT INTO workflow_status VALUES (?, 'my_workflow', 'PENDING', NULL, 1)", (WORKFLOW_ID,))
    con.execute("INSERT INTO operation_outputs VALUES (?, 1, 'pre_patch')", (WORKFLOW_ID,))
    con.commit()
    con.close()


def snapshot(folder: Path, files: tuple[str, ...] | None = None) -> dict[str, str]:
    """Every file of ``folder`` (or only ``files``) with its SHA-256."""
    names = sorted(os.listdir(folder)) if files is None else files
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in names}


@pytest.fixture
def layout(tmp_path):
    """A repository (cwd for both commands) holding the DBOS workflow, and a database folder beside it."""
    repo, db = tmp_path / "repo", tmp_path / "db"
    repo.mkdir()
    db.mkdir()
    init(repo)
    commit(repo, samples.DBOS_PATCHED, "2024-01-01T00:00:00+00:00", "patched")
    return repo, db


def invoke(command, cwd: Path, *args: str):
    old = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(command, list(args))
    finally:
        os.chdir(old)


def run_replay(repo: Path, url: str, *extra: str):
    return invoke(replay, repo, "--format", "json", "--source", "workflow.py", "--dbos-url", url, *extra)


def run_patches(repo: Path, url: str, *extra: str):
    return invoke(patches, repo, "--format", "json", "--dbos-url", url, *extra)


def read_ok(command: str, result) -> None:
    """The command read the pending workflow from the database."""
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.output)
    if command == "replay":
        assert [r["workflow_id"] for r in data["results"]] == [WORKFLOW_ID]
    else:
        [entry] = data["patches"]
        assert entry["open_executions"] == 1 and entry["evidence"].startswith("dbos ")


RUN = {"replay": run_replay, "patches": run_patches}


# --- read-only SQLite -------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["replay", "patches"])
@pytest.mark.parametrize("journal", ["delete", "wal"])
@pytest.mark.parametrize("query", ["", "?mode=rwc", "?mode=rw&cache=shared"])
def test_sqlite_is_read_and_left_unchanged(layout, command, journal, query):
    repo, db = layout
    dbos_database(db / "sys.sqlite", journal)
    before = snapshot(db)
    assert list(before) == ["sys.sqlite"]  # a WAL database closed cleanly: no -wal / -shm
    result = RUN[command](repo, f"sqlite:///../db/sys.sqlite{query}")  # relative: resolved against cwd
    read_ok(command, result)
    assert snapshot(db) == before
    assert sorted(os.listdir(repo)) == sorted([".git", "workflow.py"])


@pytest.mark.parametrize("command", ["replay", "patches"])
def test_wal_database_with_a_live_writer_is_read_whole_and_unchanged(layout, command):
    repo, db = layout
    path = db / "sys.sqlite"
    dbos_database(path, "wal")
    writer = sqlite3.connect(path)
    try:
        writer.execute("PRAGMA wal_autocheckpoint=0")  # the workflow row stays in the WAL only
        writer.execute("DELETE FROM workflow_status")
        writer.execute("DELETE FROM operation_outputs")
        writer.commit()
        writer.execute("INSERT INTO workflow_status VALUES (?, 'my_workflow', 'PENDING', NULL, 1)", (WORKFLOW_ID,))
        writer.execute("INSERT INTO operation_outputs VALUES (?, 1, 'pre_patch')", (WORKFLOW_ID,))
        writer.commit()
        files = ("sys.sqlite", "sys.sqlite-wal")
        before, listing = snapshot(db, files), sorted(os.listdir(db))
        assert listing == ["sys.sqlite", "sys.sqlite-shm", "sys.sqlite-wal"]
        read_ok(command, RUN[command](repo, f"sqlite:///{path}"))  # committed rows in the WAL are seen
        assert snapshot(db, files) == before and sorted(os.listdir(db)) == listing
    finally:
        writer.close()


def assert_one_line_error(result, needle: str) -> None:
    """Exit 2 and one line, ``patchlint: error: ...``, that says ``needle``."""
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert result.output.startswith("patchlint: error: ") and needle in result.output, result.output


@pytest.mark.parametrize("command", ["replay", "patches"])
@pytest.mark.parametrize(
    "url", ["sqlite:///nope.sqlite", "sqlite:///nope.sqlite?mode=rwc&x=", "sqlite:///sub/nope.sqlite"]
)
def test_missing_sqlite_database_is_one_line_and_nothing_is_created(layout, command, url):
    repo, _ = layout
    result = RUN[command](repo, url)
    assert_one_line_error(result, "no such database file")
    assert sorted(os.listdir(repo)) == [".git", "workflow.py"]


@pytest.mark.parametrize("command", ["replay", "patches"])
def test_a_fifo_is_not_opened(layout, command):
    repo, db = layout
    os.mkfifo(db / "sys.sqlite")  # opening it would block until a writer came
    result = RUN[command](repo, f"sqlite:///{db / 'sys.sqlite'}")
    assert result.exit_code == 2 and "not a regular file" in result.output


@pytest.mark.parametrize("command", ["replay", "patches"])
def test_wal_without_shm_is_refused_rather_than_creating_one(layout, command):
    repo, db = layout
    path = db / "sys.sqlite"
    dbos_database(path, "wal")
    writer = sqlite3.connect(path)
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("INSERT INTO operation_outputs VALUES ('other', 1, 'x')")
    writer.commit()
    copy = db / "copy"
    copy.mkdir()
    (copy / "sys.sqlite").write_bytes(path.read_bytes())
    (copy / "sys.sqlite-wal").write_bytes((db / "sys.sqlite-wal").read_bytes())
    writer.close()
    before = snapshot(copy)
    result = RUN[command](repo, f"sqlite:///{copy / 'sys.sqlite'}")
    assert_one_line_error(result, "-shm")
    assert snapshot(copy) == before


# --- credentials ----------------------------------------------------------------------------


URLS_WITH_SECRETS = [
    f"postgresql://admin:{SECRET}@127.0.0.1:1/db",
    f"postgresql+psycopg://admin:{SECRET}@127.0.0.1:1/db",
    f"postgres://127.0.0.1:1/db?sslmode=disable&password={SECRET}",
    f"postgresql://admin:{SECRET}@[bad/db",
    f"postgresql://admin:{SECRET}@h:notaport/db",
    f"postgresql://admin:{SECRET}@127.0.0.1:1/db?password={SECRET}x",
    f"mysql://admin:{SECRET}@host/db",
]


@pytest.mark.parametrize("command", ["replay", "patches"])
@pytest.mark.parametrize("url", URLS_WITH_SECRETS)
def test_passwords_are_never_printed(layout, command, url):
    repo, _ = layout
    result = RUN[command](repo, url, "--timeout", "3")
    assert_one_line_error(result, "***")
    assert SECRET not in result.output


@pytest.mark.parametrize("command", ["replay", "patches"])
def test_password_in_a_working_url_is_not_in_the_report(layout, command):
    repo, db = layout
    dbos_database(db / "sys.sqlite", "delete")
    result = RUN[command](repo, f"sqlite:///{db / 'sys.sqlite'}?password={SECRET}")
    read_ok(command, result)
    assert SECRET not in result.output


@pytest.mark.parametrize(
    ("text", "url", "expected"),
    [
        ("at postgresql://a:b%40c@h/d", "postgresql://a:b%40c@h/d", "at postgresql://a:***@h/d"),
        ("failed for b@c", "postgresql://a:b%40c@h/d", "failed for ***"),
        (
            "x postgres://h/d?user=u&password=pw&sslmode=require",
            "postgres://h/d?user=u&password=pw&sslmode=require",
            "x postgres://h/d?user=u&password=***&sslmode=require",
        ),
        ("host=h password='a b' dbname=d", "host=h password='a b' dbname=d", "host=h password=*** dbname=d"),
        ("sqlite:///x.db", "sqlite:///x.db", "sqlite:///x.db"),
    ],
)
def test_redact(text, url, expected):
    assert redact(text, url) == expected


# --- malformed Postgres URLs ------------------------------------------------------------------


@pytest.mark.parametrize("command", ["replay", "patches"])
@pytest.mark.parametrize("url", ["postgresql://[bad", "postgresql://h:notaport/db", "postgresql://h:99999/db"])
def test_malformed_postgres_url_is_one_line_exit_2(layout, command, url):
    repo, _ = layout
    result = RUN[command](repo, url)
    assert_one_line_error(result, "malformed database URL")


# --- bounded time ---------------------------------------------------------------------------


PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def _silent(conn: socket.socket) -> None:
    """Accepts and never answers."""
    while conn.recv(65536):
        pass


def _http2_only(conn: socket.socket) -> None:
    """Speaks HTTP/2 (settings, pings: the client's keepalive is satisfied) but answers no request."""

    def exact(n: int) -> bytes:
        data = b""
        while len(data) < n:
            chunk = conn.recv(n - len(data))
            if not chunk:
                raise EOFError
            data += chunk
        return data

    exact(len(PREFACE))
    conn.sendall(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
    while True:
        head = exact(9)
        kind, flags, body = head[3], head[4], exact(int.from_bytes(head[:3], "big"))
        if kind == 4 and not flags & 1:
            conn.sendall(b"\x00\x00\x00\x04\x01\x00\x00\x00\x00")
        elif kind == 6 and not flags & 1:
            conn.sendall(b"\x00\x00\x08\x06\x01\x00\x00\x00\x00" + body)


@contextmanager
def tcp_server(behaviour):
    """A server on a free 127.0.0.1 port; every connection is handled by ``behaviour``."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    conns: list[socket.socket] = []

    def handle(conn):
        try:
            behaviour(conn)
        except (OSError, EOFError):
            pass

    def accept():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            conns.append(conn)
            threading.Thread(target=handle, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for conn in conns:
            conn.close()


def run_cli(cwd: Path, *args: str):
    """A real process: what happens at interpreter exit (the Temporal core's crashes) is seen too."""
    start = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "patchlint", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )
    return proc, time.monotonic() - start


def assert_one_line_timeout(proc, elapsed: float, what: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("patchlint: error: "), proc.stderr[-2000:]
    assert what in proc.stderr and SECRET not in proc.stderr + proc.stdout
    assert elapsed < 10, elapsed


@pytest.mark.slow
@pytest.mark.parametrize("command", ["replay", "patches"])
@pytest.mark.parametrize("behaviour", [_silent, _http2_only], ids=["silent", "http2-only"])
def test_temporal_server_that_never_answers(layout, command, behaviour):
    pytest.importorskip("temporalio")
    repo, _ = layout
    with tcp_server(behaviour) as port:
        proc, elapsed = run_cli(repo, command, "--timeout", "1", "--temporal-address", f"127.0.0.1:{port}")
    assert_one_line_timeout(proc, elapsed, f"cannot reach the Temporal server at 127.0.0.1:{port}: no answer within 1s")


@pytest.mark.slow
@pytest.mark.parametrize("command", ["replay", "patches"])
def test_postgres_server_that_never_answers(layout, command):
    pytest.importorskip("psycopg")
    repo, _ = layout
    with tcp_server(_silent) as port:
        url = f"postgresql://admin:{SECRET}@127.0.0.1:{port}/db"
        proc, elapsed = run_cli(repo, command, "--timeout", "1", "--dbos-url", url)
    assert_one_line_timeout(proc, elapsed, "cannot read the DBOS system database at postgresql://admin:***@")
    assert "timeout expired" in proc.stderr


# --- a real Postgres: read-only whatever the URL says ---------------------------------------------


def _as_postgres_user() -> list[str]:
    """Postgres refuses to run as root: drop to ``nobody`` then (with util-linux's setpriv)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    try:
        pwd.getpwnam("nobody")
    except KeyError:
        setpriv = None
    if setpriv is None:
        pytest.skip("running as root without setpriv or a nobody user: cannot start postgres")
    return [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]


@pytest.fixture
def postgres():
    """A throwaway Postgres on a free 127.0.0.1 port with a DBOS-shaped ``dbos`` schema; stopped and
    removed after (in a folder of its own under the temp dir: pytest's are closed to ``nobody``)."""
    psycopg = pytest.importorskip("psycopg")
    initdb, server = shutil.which("initdb"), shutil.which("postgres")
    if not (initdb and server):
        pytest.skip("postgres is not installed")
    prefix = _as_postgres_user()
    home = Path(tempfile.mkdtemp(prefix="patchlint-pg-"))
    if prefix:
        os.chown(home, pwd.getpwnam("nobody").pw_uid, -1)
    try:
        subprocess.run(
            [*prefix, initdb, "-D", str(home / "data"), "-U", "postgres", "--auth=trust", "-N"],
            check=True,
            capture_output=True,
            timeout=120,
        )
    except BaseException:
        shutil.rmtree(home, ignore_errors=True)
        raise
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen(
        [
            *prefix,
            server,
            "-D",
            str(home / "data"),
            "-p",
            str(port),
            "-k",
            str(home),
            "-c",
            "listen_addresses=127.0.0.1",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"postgresql://postgres@127.0.0.1:{port}/postgres"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                con = psycopg.connect(url, autocommit=True, connect_timeout=2)
                break
            except psycopg.OperationalError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise
                time.sleep(0.2)
        with con:
            con.execute("CREATE SCHEMA dbos")
            con.execute(
                "CREATE TABLE dbos.workflow_status (workflow_uuid TEXT PRIMARY KEY, name TEXT, status TEXT, "
                "parent_workflow_id TEXT, created_at BIGINT)"
            )
            con.execute("CREATE TABLE dbos.operation_outputs (workflow_uuid TEXT, function_id INT, function_name TEXT)")
            con.execute(
                "INSERT INTO dbos.workflow_status VALUES (%s, 'my_workflow', 'PENDING', NULL, 1)", (WORKFLOW_ID,)
            )
            con.execute("INSERT INTO dbos.operation_outputs VALUES (%s, 1, 'pre_patch')", (WORKFLOW_ID,))
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(home, ignore_errors=True)


WIDENING = "?options=-c%20default_transaction_read_only%3Doff"


@pytest.mark.slow
@pytest.mark.parametrize("command", ["replay", "patches"])
def test_postgres_is_read(layout, postgres, command):
    repo, _ = layout
    read_ok(command, RUN[command](repo, postgres.replace("postgresql://", "postgresql+psycopg://") + WIDENING))


@pytest.mark.slow
def test_postgres_session_is_read_only_whatever_the_url_says(postgres):
    import psycopg

    from patchlint.integrations.live_sources import open_database

    database = open_database(postgres + WIDENING, timeout=5)
    try:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            database.connection.execute("INSERT INTO dbos.operation_outputs VALUES ('x', 1, 'y')")
    finally:
        database.close()
    with psycopg.connect(postgres) as con:
        assert con.execute("SELECT count(*) FROM dbos.operation_outputs").fetchone()[0] == 1
