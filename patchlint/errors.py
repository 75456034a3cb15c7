"""Input errors: reported as one line on stderr with exit code 2, never a traceback.

Also the one reader of files named on the command line (``diff``'s two files, ``replay``'s
histories and ``--source`` files): it reads regular files only, up to ``MAX_INPUT_BYTES``, so a FIFO,
a device or ``/dev/zero`` is an input error instead of a hang or an endless read; ``decode`` turns the
bytes of a file (from disk or from git) into Python source, and ``warn`` is the one stderr line that
does not change the exit status.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import BinaryIO

from patchlint.escape import printable

# Larger input files are refused (documented in the README).
MAX_INPUT_BYTES = 2 * 1024**3


class InputError(Exception):
    """Bad input from the user: a file, a revision or the configuration. ``str()`` is the line shown."""

    def __init__(self, message: str, path: str | None = None):
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class Undecodable(InputError):
    """A file that is not UTF-8 Python source (an error only for a file the check needs). ``raw``: its
    bytes, for telling whether it matters at all."""

    def __init__(self, message: str, path: str | None = None, raw: bytes = b""):
        super().__init__(message, path)
        self.raw = raw


def decode(data: bytes, where: str) -> str:
    """``data`` as Python source (UTF-8, no NUL byte); else an ``Undecodable`` naming ``where``."""
    if b"\0" in data:
        raise Undecodable("binary file, not Python source", printable(where), data)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Undecodable(
            f"not valid UTF-8 (byte {exc.start}): patchlint reads Python source as UTF-8", printable(where), data
        ) from None


def warn(message: str) -> None:
    """One line on stderr that does not change the exit status (ruff's ``warning:``)."""
    print(f"patchlint: warning: {printable(message)}", file=sys.stderr)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_input(path: str, limit: int = MAX_INPUT_BYTES) -> BinaryIO:
    """``path`` opened for binary reading, if it is a regular file of at most ``limit`` bytes.

    Opened non-blocking, so that a FIFO without a writer is refused instead of waiting forever."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise InputError("no such file", path) from None
    except IsADirectoryError:  # Windows cannot open a directory
        raise InputError("is a directory, not a file", path) from None
    except OSError as exc:
        raise InputError(f"cannot read ({(exc.strerror or exc.__class__.__name__).lower()})", path) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise InputError(f"is {kind}, not a file" if kind.startswith("a ") else kind, path)
        if info.st_size > limit:
            raise InputError(f"file too large ({info.st_size:,} bytes; the limit is {limit:,})", path)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_input(path: str, limit: int = MAX_INPUT_BYTES) -> bytes:
    """The bytes of the regular file ``path`` (see ``open_input``)."""
    with open_input(path, limit) as handle:
        try:
            return handle.read()
        except OSError as exc:
            raise InputError(f"cannot read ({(exc.strerror or exc.__class__.__name__).lower()})", path) from None


def write_output(path: str, text: str, append: bool = False) -> None:
    """Write (or append) ``text`` to the output file ``path``; a failure is an ``InputError``."""
    try:
        with open(path, "a" if append else "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise InputError(f"cannot write ({(exc.strerror or exc.__class__.__name__).lower()})", path) from None
