"""The sibling modules of a file compared by ``patchlint diff``: its folder, read lazily, so that
helpers and activity definitions imported from next to it resolve as they would in a repository."""

from __future__ import annotations

import fnmatch
import os
import posixpath
import stat
from collections.abc import Mapping
from pathlib import Path

from patchlint.errors import InputError, decode


class FolderFiles(Mapping):
    def __init__(self, folder: Path):
        self.folder = folder
        self._names: list[str] | None = None

    def _paths(self) -> list[str]:
        if self._names is None:
            try:
                entries = sorted(os.listdir(self.folder or "."))
            except OSError:
                entries = []
            self._names = [
                os.path.join(str(self.folder), e) if str(self.folder) not in ("", ".") else e
                for e in entries
                if e.endswith(".py")
            ]
        return self._names

    def __contains__(self, path) -> bool:
        return os.path.normpath(str(path)) in {os.path.normpath(p) for p in self._paths()}

    def get(self, path, default=None):
        if path not in self:
            return default
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                return default  # a FIFO named helper.py would block the read; a directory is no module
            return decode(Path(path).read_bytes(), str(path))
        except (OSError, InputError):  # a symlink loop, unreadable, not UTF-8: no module to resolve from
            return default

    def __getitem__(self, path):
        value = self.get(path)
        if value is None:
            raise KeyError(path)
        return value

    def containing(self, words: tuple[str, ...]) -> list[str]:
        """The sibling modules whose text holds one of ``words``."""
        return [p for p in self._paths() if any(w in (self.get(p) or "") for w in words)]

    def __iter__(self):
        return iter(self._paths())

    def __len__(self):
        return len(self._paths())


def path_forms(path: str) -> tuple[str, str]:
    """The path as reported (``/`` separators, no ``./``) and its file name, the two forms a
    ``per-file-ignores`` glob is matched against."""
    normal = posixpath.normpath(path.replace("\\", "/"))
    return normal, posixpath.basename(normal)


def glob_applies(pattern: str, path: str) -> bool:
    negated = pattern.startswith("!")
    pattern = pattern[1:] if negated else pattern
    hit = any(fnmatch.fnmatchcase(form, pattern) for form in path_forms(path))
    return hit != negated
