"""The testdata cases: each folder has old.py, new.py, expected.txt and any sibling modules."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = ROOT / "testdata" / "cases"


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
        skip = {"old.py", "new.py"}
        return {p.name: p.read_text(encoding="utf-8") for p in self.folder.glob("*.py") if p.name not in skip}

    def expected(self) -> list[tuple[str, int, str]]:
        out = []
        for raw in (self.folder / "expected.txt").read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line:
                code, lineno, severity = line.split()
                out.append((code, int(lineno), severity))
        return sorted(out)

    def make_repo(self, tmp: Path) -> Path:
        """A git repo where HEAD holds old.py as workflow.py and the working tree holds new.py.

        The base commit is a year old and the repo configures a 30-day workflow lifetime, so the
        lifecycle rules see every patch in base as long established (they have their own tests)."""
        repo = tmp / self.name
        repo.mkdir()
        year_ago = "2025-01-01T12:00:00+00:00"
        env = {**os.environ, "GIT_AUTHOR_DATE": year_ago, "GIT_COMMITTER_DATE": year_ago}
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, env=env)  # noqa: E731
        (repo / "pyproject.toml").write_text(
            '[tool.patchlint]\nmax-workflow-lifetime = "30d"\nretention = "7d"\n', encoding="utf-8"
        )
        git("init", "-q", "-b", "main")
        git("config", "user.email", "t@example.com")
        git("config", "user.name", "t")
        for name, text in self.siblings().items():
            (repo / name).write_text(text, encoding="utf-8")
        (repo / "workflow.py").write_text(self.old, encoding="utf-8")
        git("add", "-A")
        git("commit", "-q", "-m", "base")
        (repo / "workflow.py").write_text(self.new, encoding="utf-8")
        return repo


def all_cases() -> list[Case]:
    return [Case(p.name, p) for p in sorted(CASES_DIR.iterdir()) if (p / "expected.txt").is_file()]
