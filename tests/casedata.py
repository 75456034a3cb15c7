"""The testdata cases: each folder has old.py, new.py, expected.txt and any sibling modules.

A case may also hold per-revision modules: ``old/`` and ``new/`` subfolders whose modules shadow
the shared siblings in that revision (a base class, a mixin, a helper two imports away that only
one revision changes). Each revision is then the flat folder ``materialize`` writes: the shared
siblings, the revision's own modules over them, and ``old.py``/``new.py`` as ``workflow.py``.

``expected.txt`` holds one finding a line, ``CODE LINE SEVERITY [PATH]``; PATH is the file of the
new revision the finding points into, ``workflow.py`` (that is ``new.py``) when omitted.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from patchlint.testing import DatedRepo

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "testdata" / "cases"
REVISIONS = ("old", "new")
WORKFLOW = "workflow.py"


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path

    @property
    def engine(self) -> str:
        return self.name.split("-", 1)[0]

    @property
    def old(self) -> str:
        return (self.folder / "old.py").read_text(encoding="utf-8")

    @property
    def new(self) -> str:
        return (self.folder / "new.py").read_text(encoding="utf-8")

    def siblings(self) -> dict[str, str]:
        """The modules both revisions share (the case folder's, besides old.py and new.py)."""
        skip = {"old.py", "new.py"}
        return {p.name: p.read_text(encoding="utf-8") for p in self.folder.glob("*.py") if p.name not in skip}

    @property
    def per_revision(self) -> bool:
        """Does some module differ between the revisions besides the workflow module itself?"""
        return any((self.folder / rev).is_dir() for rev in REVISIONS)

    def revision_modules(self, revision: str) -> dict[str, str]:
        """The modules only ``revision`` has (``old/*.py`` or ``new/*.py``), shadowing siblings."""
        folder = self.folder / revision
        return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.py"))} if folder.is_dir() else {}

    def files(self, revision: str) -> dict[str, str]:
        """Every module of ``revision`` as it sits in a repository: ``{file name: text}``."""
        files = {**self.siblings(), **self.revision_modules(revision)}
        files[WORKFLOW] = (self.folder / f"{revision}.py").read_text(encoding="utf-8")
        return files

    def materialize(self, revision: str, dest: Path) -> Path:
        """Write ``revision``'s modules into ``dest``; return the path of its workflow module."""
        dest.mkdir(parents=True, exist_ok=True)
        for name, text in self.files(revision).items():
            (dest / name).write_text(text, encoding="utf-8")
        return dest / WORKFLOW

    def expected(self) -> list[tuple[str, int, str]]:
        return sorted((code, line, severity) for code, line, severity, _ in self.expected_at())

    def expected_at(self) -> list[tuple[str, int, str, str]]:
        """``(code, line, severity, file)``: the file (in the new revision) defaults to workflow.py."""
        out = []
        for raw in (self.folder / "expected.txt").read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line:
                code, lineno, severity, *path = line.split()
                out.append((code, int(lineno), severity, path[0] if path else WORKFLOW))
        return sorted(out)

    def make_repo(self, tmp: Path) -> Path:
        """A git repo where HEAD holds the old revision (old.py as workflow.py, the old modules)
        and the working tree holds the new one.

        The base commit is a year old and the repo configures a 30-day workflow lifetime, so the
        lifecycle rules see every patch in base as long established (they have their own tests)."""
        repo = DatedRepo.init(tmp / self.name)
        config = '[tool.patchlint]\nmax-workflow-lifetime = "30d"\nretention = "7d"\n'
        old, new = self.files("old"), self.files("new")
        repo.commit({"pyproject.toml": config, **old}, "2025-01-01", "base")
        repo.write({**dict.fromkeys(set(old) - set(new)), **new})
        return repo.root


def all_cases() -> list[Case]:
    return [Case(p.name, p) for p in sorted(CASES_DIR.iterdir()) if (p / "expected.txt").is_file()]
