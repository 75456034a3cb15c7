"""The testdata cases the conformance tests run, and what patchlint (not the engine) says about them.

``PATCHLINT_CASES`` / ``PATCHLINT_HISTORIES`` point the tests at other folders (for developing
the harness against scratch cases); by default they are ``testdata/cases`` and
``testdata/histories``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the engine drivers import this module: keep patchlint out of their processes
    from patchlint.model.program import Workflow

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(os.environ.get("PATCHLINT_CASES", ROOT / "testdata" / "cases"))
HISTORIES = Path(os.environ.get("PATCHLINT_HISTORIES", ROOT / "testdata" / "histories"))


def case_dirs(engine: str) -> list[Path]:
    if not CASES.is_dir():
        return []
    return sorted(
        p for p in CASES.iterdir() if p.is_dir() and p.name.startswith(f"{engine}-") and (p / "old.py").is_file()
    )


def revision_files(case_dir: Path, revision: str) -> dict[str, str]:
    """``old.py``/``new.py`` as ``workflow.py``, with the case's sibling modules (same in both)
    and the revision's own modules (``old/*.py``, ``new/*.py``) over them."""
    files = {"workflow.py": (case_dir / f"{revision}.py").read_text()}
    for sibling in case_dir.glob("*.py"):
        if sibling.name not in ("old.py", "new.py"):
            files[sibling.name] = sibling.read_text()
    for own in sorted((case_dir / revision).glob("*.py")):
        files[own.name] = own.read_text()
    return files


def case_folders(case_dir: Path, revision: str) -> list[Path]:
    """Where ``revision``'s modules are imported from, first match wins: its own folder, if the
    case has one, then the case folder (``old.py``/``new.py`` and the shared siblings)."""
    own = case_dir / revision
    return [own, case_dir] if own.is_dir() else [case_dir]


def per_revision(case_dir: Path) -> bool:
    return (case_dir / "old").is_dir() or (case_dir / "new").is_dir()


def new_sources(case_dir: Path, scratch: Path) -> tuple[Path, list[str]]:
    """A folder holding the new revision and the names (relative to it) to pass as ``--source``.

    Without per-revision modules that is the case folder itself (``new.py`` and its siblings);
    otherwise the new revision is written flat into ``scratch`` (``workflow.py`` and every module
    it may import), so ``import base`` resolves to the new revision's ``base.py``."""
    if not per_revision(case_dir):
        shared = sorted(p.name for p in case_dir.glob("*.py") if p.name not in ("old.py", "new.py"))
        return case_dir, ["new.py", *shared]
    scratch.mkdir(parents=True, exist_ok=True)
    files = revision_files(case_dir, "new")
    for name, text in files.items():
        (scratch / name).write_text(text)
    return scratch, ["workflow.py", *sorted(n for n in files if n != "workflow.py")]


def workflow_model(case_dir: Path, revision: str, engine: str, name: str) -> Workflow | None:
    """The step program patchlint extracts for workflow type ``name`` (None: not defined)."""
    from patchlint.api import models_of

    for model in models_of(revision_files(case_dir, revision)):
        for workflow in model.workflows:
            if workflow.engine == engine and workflow.name == name:
                return workflow
    return None


def static_has_error(case_dir: Path) -> bool:
    """Does the static analysis report an error-severity finding for old → new?"""
    from patchlint.api import analyze_revisions

    report = analyze_revisions(revision_files(case_dir, "old"), revision_files(case_dir, "new"))
    return report.has_errors()


def expected_has_error(case_dir: Path) -> bool:
    """Does the case's ``expected.txt`` (its label) hold an error-severity finding?"""
    lines = (case_dir / "expected.txt").read_text().splitlines()
    return any(
        len(fields) >= 3 and fields[2] == "error" for fields in (line.split("#", 1)[0].split() for line in lines)
    )
