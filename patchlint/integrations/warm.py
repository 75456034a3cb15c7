"""The warm analyser: an opt-in server that keeps libcst and patchlint loaded for the flake8 plugin.

An editor lints its buffer on every keystroke, each time in a new flake8 process, and a cold process
pays for importing libcst and patchlint before the analysis starts. As ``dmypy``, ``eslint_d`` and
``blackd`` do, the plugin (``--patchlint-warm``, ``patchlint-warm = true``, or ``PATCHLINT_WARM=1``)
asks a server that has them loaded already; on its first use it starts one (detached) and analyses
in its own process, as it always does when no server answers.

* One server per interpreter and environment that git and patchlint read (``PATH``, ``HOME``,
  ``GIT_*``…), on a Unix socket in a private directory: ``$XDG_RUNTIME_DIR/patchlint``, else
  ``<tempdir>/patchlint-<uid>``; created 0700, and refused (no server) unless it is a real directory
  owned by this user that nobody else can enter. Both ends check the peer's uid (``SO_PEERCRED``:
  Linux; elsewhere there is no warm analyser).
* Every request names the patchlint version and the identity of the installed package (its files'
  sizes and times): a server that differs (an upgrade, an edited checkout) answers ``stale`` and
  exits, and the plugin starts a new one.
* The server runs the plugin's own ``results`` on the request (the file name as flake8 gave it, its
  working directory, the buffer, the base and flake8's options), so it answers what the plugin would
  in-process. A flake8 run is one session: what that run learns about a repository (its root, the
  base commit, the changed files) is kept for that run only, as in-process; across runs only what a
  commit id alone decides (its file listing, its blobs) is kept. It only parses: no user code is
  imported or run.
* Every wait is bounded (connect 0.5 s, answer 20 s, a client's request 5 s); on any failure the
  plugin analyses in-process: the answer never depends on the server. It exits after 10 idle minutes.

    python -I -m patchlint.integrations.warm DIRECTORY KEY [IDLE_SECONDS]   (what the plugin starts)
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time

from patchlint import __version__

PROTOCOL = 1
CONNECT_TIMEOUT_S = 0.5
ANSWER_TIMEOUT_S = 20.0  # a large buffer analysed cold takes seconds; past this, analyse in-process
REQUEST_TIMEOUT_S = 5.0  # the server waits this long for a client's request
IDLE_S = 600
LOCK_WAIT_S = 3.0  # a new server waits this long for a stale one to let go of the lock
MAX_MESSAGE = 256 * 1024 * 1024
MAX_SESSIONS = 8
MAX_MEMO_COMMITS = 16  # base commits whose listing and blobs are kept; then all are forgotten
# What changes what git or patchlint does: a server only answers clients that agree on all of it.
KEY_ENV = ("PATH", "HOME", "XDG_CONFIG_HOME", "TZ", "PRE_COMMIT")
KEY_ENV_PREFIXES = ("GIT_", "PRE_COMMIT_")
PEERCRED = struct.Struct("3i")  # struct ucred: pid, uid, gid

_identity: str | None = None
_started: list = []  # the server this flake8 process started (at most one)
_failed: list = []  # a server failed this process (a timeout, a broken answer): not asked again


def socket_directory() -> str:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and os.path.isabs(runtime):
        return os.path.join(runtime, "patchlint")
    return os.path.join(tempfile.gettempdir(), f"patchlint-{os.getuid()}")


def private_directory(directory: str, create: bool) -> str | None:
    """``directory`` if it is a real directory of this user that only this user can enter (created
    so with ``create``); None otherwise (then no server is used)."""
    if create:
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return None
    try:
        info = os.lstat(directory)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None
    return directory


def server_key() -> str:
    """One server per interpreter and the environment git and patchlint read."""
    env = sorted((k, v) for k, v in os.environ.items() if k in KEY_ENV or k.startswith(KEY_ENV_PREFIXES))
    return hashlib.sha256(json.dumps([sys.executable, env]).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def identity() -> str:
    """The installed patchlint: its version, the interpreter, and every module file's size and time."""
    global _identity
    if _identity is None:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        files = []
        for folder, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                if name.endswith(".py"):
                    info = os.stat(os.path.join(folder, name))
                    files.append((os.path.relpath(os.path.join(folder, name), package), info.st_size, info.st_mtime_ns))
        _identity = hashlib.sha256(
            json.dumps([__version__, sys.executable, sys.version, package, files]).encode()
        ).hexdigest()
    return _identity


def peer_uid(sock: socket.socket) -> int | None:
    option = getattr(socket, "SO_PEERCRED", None)
    if option is None:
        return None  # no way to tell who is at the other end: no warm analyser on this system
    _, uid, _ = PEERCRED.unpack(sock.getsockopt(socket.SOL_SOCKET, option, PEERCRED.size))
    return uid


def receive(sock: socket.socket, timeout: float) -> bytes:
    """Everything until the peer shuts its side, within ``timeout`` seconds in all."""
    deadline = time.monotonic() + timeout
    chunks, size = [], 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no complete message in time")
        sock.settimeout(left)
        chunk = sock.recv(1 << 16)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_MESSAGE:
            raise ValueError("message too large")
        chunks.append(chunk)


# --- the plugin's side ----------------------------------------------------------------------------


def ask(filename: str, text: str, rev: str, explicit: bool, from_disk: bool, session: str) -> list | None:
    """The plugin's ``results`` for this buffer, from the warm analyser; None when it cannot answer
    (then one is started if there was none, or a stale one answered)."""
    if not hasattr(socket, "SO_PEERCRED") or _failed:
        return None  # no way to tell who listens (macOS, Windows), or a server failed already
    try:
        directory = private_directory(socket_directory(), create=True)
        if directory is None:
            return None
        key = server_key()
        path = os.path.join(directory, f"{key}.sock")
        request = {
            "protocol": PROTOCOL,
            "version": __version__,
            "identity": identity(),
            "session": session,
            "cwd": os.getcwd(),
            "filename": filename,
            "text": text,
            "rev": rev,
            "explicit": explicit,
            "from_disk": from_disk,
        }
        try:
            reply = exchange(path, request)
        except (FileNotFoundError, ConnectionRefusedError):
            reply = {"stale": True}  # no server listening
        if reply is None:
            return None
        if reply.get("stale"):
            start(directory, key)
            return None
        return [(int(line), int(column), str(message)) for line, column, message in reply["results"]]
    except Exception:  # noqa: BLE001 - the warm analyser is only ever a shortcut
        _failed.append(True)  # one wait per flake8 process at most, not one per file
        return None


def exchange(path: str, request: dict) -> dict | None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(CONNECT_TIMEOUT_S)
        sock.connect(path)
        if peer_uid(sock) != os.getuid():
            return None
        sock.settimeout(ANSWER_TIMEOUT_S)
        sock.sendall(json.dumps(request).encode("utf-8"))
        sock.shutdown(socket.SHUT_WR)
        return json.loads(receive(sock, ANSWER_TIMEOUT_S))


def start(directory: str, key: str) -> None:
    """Start a detached server (once per process); it outlives this flake8 run."""
    if _started:
        return
    parent = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    # -I: no user site, no PYTHON* variables, no current directory on sys.path; and the patchlint
    # this plugin runs, wherever that is (an identity that differs would only ever answer 'stale').
    boot = (
        "import os, sys, importlib.util as u; p = sys.argv.pop(1); s = u.find_spec('patchlint'); "
        "s and os.path.realpath(os.path.dirname(os.path.dirname(s.origin))) == os.path.realpath(p) "
        "or sys.path.insert(0, p); from patchlint.integrations.warm import main; sys.exit(main())"
    )
    # -I drops PYTHONDONTWRITEBYTECODE and PYTHONPYCACHEPREFIX: keep this process's bytecode settings
    flags = ["-B"] if sys.dont_write_bytecode else []
    flags += ["-X", f"pycache_prefix={sys.pycache_prefix}"] if sys.pycache_prefix else []
    _started.append(
        subprocess.Popen(
            [sys.executable, "-I", *flags, "-c", boot, parent, directory, key, str(IDLE_S)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
            cwd="/",
        )
    )


# --- the server -----------------------------------------------------------------------------------


class Server:
    def __init__(self, ident: str):
        from patchlint.integrations.flake8_plugin import Run

        self.identity = ident
        self.memo: dict = {}
        self.sessions: dict[str, Run] = {}

    def run_for(self, session: str):
        from patchlint.integrations.flake8_plugin import Run

        if session not in self.sessions:
            while len(self.sessions) >= MAX_SESSIONS:
                self.sessions.pop(next(iter(self.sessions)))
            if len({key[:2] for key in self.memo}) > MAX_MEMO_COMMITS:
                self.memo.clear()
            self.sessions[session] = Run(self.memo)
        return self.sessions[session]

    def answer(self, request: dict) -> dict:
        from patchlint.integrations.flake8_plugin import results

        if (request.get("protocol"), request.get("version"), request.get("identity")) != (
            PROTOCOL,
            __version__,
            self.identity,
        ):
            return {"stale": True}
        os.chdir(request["cwd"])  # the file name is as flake8 gave it, relative to there
        try:
            found = results(
                str(request["filename"]),
                str(request["text"]),
                str(request["rev"]),
                bool(request["explicit"]),
                bool(request["from_disk"]),
                self.run_for(str(request["session"])),
            )
        finally:
            os.chdir("/")
        return {"results": found}


def preload() -> None:
    """Import and exercise what an analysis uses, so the first request is as fast as the next."""
    from patchlint import (
        check,  # noqa: F401
        git,  # noqa: F401
    )
    from patchlint.api import analyze_texts
    from patchlint.integrations import flake8_plugin  # noqa: F401

    sample = (
        "from temporalio import workflow\n\n\n@workflow.defn\nclass W:\n    @workflow.run\n"
        "    async def run(self) -> None:\n        if workflow.patched('p'):\n"
        "            await workflow.sleep(1)\n"
    )
    analyze_texts(sample, sample.replace("sleep(1)", "sleep(2)"), "warm.py", noqa=False)


def main(argv: list[str] | None = None) -> int:
    import fcntl

    argv = sys.argv[1:] if argv is None else argv
    directory, key = argv[0], argv[1]
    idle = float(argv[2]) if len(argv) > 2 else IDLE_S
    os.chdir("/")
    if not hasattr(socket, "SO_PEERCRED") or private_directory(directory, create=False) is None:
        return 1
    lock = os.open(os.path.join(directory, f"{key}.lock"), os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:  # one server per key: a stale one lets go when it has answered 'stale'
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() > deadline:
                return 0
            time.sleep(0.05)
    os.ftruncate(lock, 0)
    os.write(lock, f"{os.getpid()}\n".encode())
    ident = identity()
    preload()
    global _identity
    _identity = None
    if identity() != ident:  # patchlint changed while it was being loaded
        return 0
    server = Server(ident)
    path = os.path.join(directory, f"{key}.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
        if os.path.lexists(path):
            os.unlink(path)  # the lock is ours: no server listens there any more
        old_umask = os.umask(0o177)
        try:
            listener.bind(path)
        finally:
            os.umask(old_umask)
        inode = os.lstat(path).st_ino
        listener.listen(16)
        listener.settimeout(idle)
        try:
            while serve_one(server, listener):
                pass
        finally:
            try:
                if os.lstat(path).st_ino == inode:
                    os.unlink(path)
            except OSError:
                pass
    return 0


def serve_one(server: Server, listener: socket.socket) -> bool:
    """Answer one request; False: stop serving (idle, or told it is stale)."""
    try:
        conn, _ = listener.accept()
    except TimeoutError:
        return False
    with conn:
        try:
            if peer_uid(conn) != os.getuid():
                return True
            reply = server.answer(json.loads(receive(conn, REQUEST_TIMEOUT_S)))
            conn.settimeout(REQUEST_TIMEOUT_S)
            conn.sendall(json.dumps(reply).encode("utf-8"))
        except Exception:  # noqa: BLE001 - a bad or vanished client: the plugin analyses in-process
            return True
    return not reply.get("stale")


if __name__ == "__main__":
    sys.exit(main())
