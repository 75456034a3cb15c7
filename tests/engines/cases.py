"""The testdata cases the conformance tests run, and what patchlint (not the engine) says about them.

``PATCHLINT_CASES`` / ``PATCHLINT_HISTORIES`` point the tests at other folders (for developing
the harness against scratch cases); by default they are ``testdata/cases`` and
``testdata/histories``.
"""

from __future__ import annotations

import os
from pathlib import Path

from patchlint.model.program import Workflow

ROOT = Path(__file__).resolve().parents[2]
CASES = Path(os.environ.get("PATCHLINT_CASES", ROOT / "testdata" / "cases"))
HISTORIES = Path(os.environ.get("PATCHLINT_HISTORIES", ROOT / "testdata" / "histories"))


def case_dirs(engine: str) -> list[Path]:
    if not CASES.is_dir():
        return []
    return sorted(
        p for p in CASES.iterdir()
        if p.is_dir() and p.name.startswith(f"{engine}-") and (p / "old.py").is_file()
    )


def revision_files(case_dir: Path, revision: str) -> dict[str, str]:
    """``old.py``/``new.py`` as ``workflow.py``, with the case's sibling modules (same in both)."""
    files = {"workflow.py": (case_dir / f"{revision}.py").read_text()}
    for sibling in case_dir.glob("*.py"):
        if sibling.name not in ("old.py", "new.py"):
            files[sibling.name] = sibling.read_text()
    return files


def source_names(case_dir: Path) -> list[str]:
    """``new.py`` and the sibling modules it may import, as names relative to the case folder."""
    return ["new.py", *sorted(p.name for p in case_dir.glob("*.py") if p.name not in ("old.py", "new.py"))]


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
