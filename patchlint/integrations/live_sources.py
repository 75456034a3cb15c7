"""Live sources, opened safely: DBOS system databases read-only, every network wait bounded, no
password ever printed. Shared by ``replay`` and ``patches``.

SQLite. The database is opened through a ``file:`` URI built here from the URL's path alone (a
query in the user's URL, such as ``?mode=rwc``, is dropped: it cannot widen the access), read-only,
and only if the file exists. A reader of a WAL database with ``mode=ro`` creates ``-wal``/``-shm``
files when they are missing and leaves them behind; ``immutable=1`` creates nothing but ignores the
WAL and takes no locks. So:

- rollback-journal database: ``mode=ro`` (a reader creates no file; locks keep a live writer's
  half-written pages out of view);
- WAL database whose ``-wal`` and ``-shm`` exist (a writer is, or was, live: committed
  transactions may be only in the WAL): ``mode=ro``, which reads them and creates nothing;
- WAL database without a ``-wal`` (closed cleanly: everything is in the main file):
  ``mode=ro&immutable=1``. The trade-off: a writer that starts during the read and checkpoints
  into the main file before it ends can make the read fail (one line, exit 2) or see a mix;
  it cannot change the database;
- a non-empty ``-wal`` without its ``-shm``: refused, as reading it would create the ``-shm``.

Postgres (psycopg, the driver DBOS uses): libpq parses the URL; the session is read-only twice
over (``default_transaction_read_only`` and ``BEGIN READ ONLY`` on every transaction); libpq's
``connect_timeout`` (whole seconds, at least 2) bounds connecting, ``statement_timeout`` and
``lock_timeout`` bound each query on a live server, TCP keepalives and ``tcp_user_timeout`` a dead
peer. A server that completes the handshake and then never answers is bounded only by those.

Temporal: HTTP/2 keepalive pings (interval and deadline half the timeout each) make the client's
own core give up on a server that accepts but never answers, every RPC carries ``rpc_timeout``,
and retries stop after the timeout. The client is dropped and collected before the command
returns: temporalio 1.35's core crashes at interpreter exit (segmentation fault or a Rust panic on
stderr, in about half the exits after a failed connect) when a client is still referenced then.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import math
import os
import re
import sqlite3
import stat
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl, unquote, urlsplit
from urllib.request import pathname2url

import click

from patchlint.errors import InputError

DEFAULT_TIMEOUT = 10.0
"""Seconds any one network or database wait may take (``--timeout``)."""

timeout_option = click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True, max=86400),
    default=DEFAULT_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="Longest wait for the database or the Temporal server, per call.",
)

HIDDEN = "***"
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^:/?#@\s]*:)[^/?#\s]*@")
_PASSWORD_PARAM = re.compile(r"(?i)(\bpassword\s*=\s*)('[^']*'|[^&#\s]*)")
_SQLITE_HEADER = b"SQLite format 3\x00"


def _secrets(url: str) -> set[str]:
    found: set[str] = set()
    try:
        parts = urlsplit(url)
        if parts.password:
            found |= {parts.password, unquote(parts.password)}
        found |= {value for key, value in parse_qsl(parts.query) if key.lower() == "password"}
    except ValueError:
        pass
    with contextlib.suppress(Exception):  # psycopg missing, or not a libpq URL: the patterns still apply
        from psycopg.conninfo import conninfo_to_dict

        password = conninfo_to_dict(_libpq_url(url)).get("password")
        if isinstance(password, str):
            found.add(password)
    return {secret for secret in found if secret}


def redact(text: str, url: str) -> str:
    """``text`` with every password of ``url`` (in its userinfo or a ``password=`` parameter) hidden."""
    for secret in sorted(_secrets(url), key=len, reverse=True):
        text = text.replace(secret, HIDDEN)
    text = _USERINFO.sub(lambda m: m.group(1) + HIDDEN + "@", text)
    return _PASSWORD_PARAM.sub(lambda m: m.group(1) + HIDDEN, text)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


def _libpq_url(url: str) -> str:
    """SQLAlchemy spellings (``postgresql+psycopg://``, ``postgres://``) as libpq reads them."""
    return re.sub(r"(?i)^postgres(?:ql)?(?:\+\w+)?://", "postgresql://", url)


def _seconds(timeout: float) -> timedelta:
    return timedelta(seconds=timeout)


# --- DBOS system databases ----------------------------------------------------------------------


@dataclass
class Database:
    """An open, read-only DB-API connection whose rows index by column name."""

    connection: object
    schema: str  # table prefix: "" (SQLite) or "dbos." (Postgres)
    mark: str  # the driver's parameter placeholder
    shown: str  # the URL, safe to print

    def close(self) -> None:
        self.connection.close()


def open_database(url: str, timeout: float = DEFAULT_TIMEOUT) -> Database:
    """A DBOS system database, read-only, never created; bad URLs and failures are one-line InputErrors."""
    shown = redact(url, url)
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "sqlite" or scheme.startswith("sqlite+"):
        return _open_sqlite(url, shown, timeout)
    if re.fullmatch(r"postgres(ql)?(\+\w+)?", scheme):
        return _open_postgres(url, shown, timeout)
    raise InputError(f"{shown}: unsupported DBOS database URL (use sqlite:///… or postgresql://…)")


def _sqlite_uri(url: str, shown: str) -> str:
    rest = url.split("://", 1)[1]
    path = rest[1:].split("?", 1)[0] if rest.startswith("/") else ""
    if not path or path == ":memory:":
        raise InputError(f"{shown}: needs a database file: sqlite:///relative/path or sqlite:////absolute/path")
    path = os.path.abspath(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{shown}: no such database file") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot open the database file ({exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise InputError(f"{shown}: not a regular file")
    try:
        with open(path, "rb") as handle:
            header = handle.read(100)
    except OSError as exc:
        raise InputError(f"{shown}: cannot read the database file ({exc.strerror})") from None
    if not header.startswith(_SQLITE_HEADER) or len(header) < 100:
        raise InputError(f"{shown}: not an SQLite database")
    uri = f"file:{pathname2url(path)}?mode=ro"
    if header[18] != 2:  # rollback journal (file format read version 1)
        return uri
    wal, shm = f"{path}-wal", f"{path}-shm"
    if os.path.exists(wal) and os.path.exists(shm):
        return uri
    if os.path.exists(wal) and os.path.getsize(wal) > 0:
        raise InputError(
            f"{shown}: its -wal file has no -shm, and reading it would create one; "
            "checkpoint the database first (PRAGMA wal_checkpoint)"
        )
    return uri + "&immutable=1"


def _open_sqlite(url: str, shown: str, timeout: float) -> Database:
    uri = _sqlite_uri(url, shown)
    try:
        connection = sqlite3.connect(uri, uri=True, timeout=timeout)
        connection.row_factory = sqlite3.Row
    except sqlite3.Error as exc:
        raise InputError(f"cannot read the DBOS system database at {shown}: {redact(_first_line(exc), url)}") from None
    return Database(connection, "", "?", shown)


def _open_postgres(url: str, shown: str, timeout: float) -> Database:
    try:
        import psycopg
        from psycopg.conninfo import conninfo_to_dict
        from psycopg.rows import dict_row
    except ImportError:
        raise InputError("reading a Postgres DBOS database needs psycopg: pip install 'patchlint[dbos]'") from None
    conninfo = _libpq_url(url)
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error as exc:
        raise InputError(f"{shown}: malformed database URL ({redact(_first_line(exc), url)})") from None
    for port in str(params.get("port") or "").split(","):
        if port and not (port.isdigit() and 0 < int(port) < 65536):
            raise InputError(f"{shown}: malformed database URL (port {redact(port, url)!r} is not a port number)")
    millis = min(max(1, round(timeout * 1000)), 2**31 - 1)  # Postgres settings are int4 milliseconds
    options = " ".join(
        filter(
            None,
            [
                str(params.get("options") or ""),
                f"-c default_transaction_read_only=on -c statement_timeout={millis} -c lock_timeout={millis}",
            ],
        )
    )
    try:
        connection = psycopg.connect(
            conninfo,
            row_factory=dict_row,
            options=options,
            connect_timeout=max(2, math.ceil(timeout)),
            keepalives=1,
            keepalives_idle=max(1, math.ceil(timeout)),
            keepalives_interval=1,
            keepalives_count=3,
            tcp_user_timeout=millis,
        )
        connection.read_only = True
    except psycopg.Error as exc:
        raise InputError(f"cannot read the DBOS system database at {shown}: {redact(_first_line(exc), url)}") from None
    return Database(connection, "dbos.", "%s", shown)


def database_error(exc: BaseException, url: str) -> InputError:
    """A failure while reading an open database, as one line without its password."""
    return InputError(f"cannot read the DBOS system database at {redact(url, url)}: {redact(_first_line(exc), url)}")


def database_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [sqlite3.Error]
    try:
        import psycopg

        errors.append(psycopg.Error)
    except ImportError:
        pass
    return tuple(errors)


# --- Temporal ----------------------------------------------------------------------------------


def temporal_client_options(timeout: float) -> dict:
    """``Client.connect`` keywords that bound every wait of the client's core by ``timeout``."""
    from temporalio.service import KeepAliveConfig, RetryConfig

    half = max(1, round(timeout * 500))
    return {
        "connect_timeout": _seconds(timeout),
        "keep_alive_config": KeepAliveConfig(interval_millis=half, timeout_millis=half),
        "retry_config": RetryConfig(max_elapsed_time_millis=max(1, round(timeout * 1000)), max_retries=3),
    }


def temporal_failure(exc: BaseException, address: str, timeout: float) -> str:
    """One line for a failed connect or RPC: a timeout says so, anything else keeps its first line."""
    text = _first_line(exc)
    status = getattr(getattr(exc, "status", None), "name", "")
    if (
        isinstance(exc, (asyncio.TimeoutError, TimeoutError))
        or status == "DEADLINE_EXCEEDED"
        or re.search(r"KeepAliveTimedOut|Timeout expired|TimedOut|deadline", text, re.IGNORECASE)
    ):
        return f"cannot reach the Temporal server at {address}: no answer within {timeout:g}s"
    if "Connection refused" in text:
        return f"cannot reach the Temporal server at {address}: connection refused"
    return f"Temporal server at {address}: {text[:200]}"


def backstop(timeout: float) -> float:
    """The Python-side limit on one call, after the core's own limits (which end it cleanly) have had their turn."""
    return 2 * timeout + 2


def run_temporal(make_coroutine, address: str, timeout: float, loop: asyncio.AbstractEventLoop | None = None):
    """Run a coroutine that uses a Temporal client; any failure is one InputError line. Collects the
    client before returning (see the module doc)."""
    message = None
    result = None
    try:
        if loop is None:
            result = asyncio.run(make_coroutine())
        else:
            result = loop.run_until_complete(make_coroutine())
    except InputError as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - any failure of the client is the same input error
        message = temporal_failure(exc, address, timeout)
    gc.collect()
    if message is not None:
        raise InputError(message)
    return result
