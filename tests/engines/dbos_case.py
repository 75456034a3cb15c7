"""Record and replay one testdata case on real DBOS with a SQLite system database.

Each revision runs in its own subprocess (DBOS is a per-process singleton and user code is never
imported into the test process); each run gets a fresh database under ``workdir``.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRIVER_TIMEOUT = 240


def _driver(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.engines.dbos_driver", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DRIVER_TIMEOUT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dbos driver {args[0]} failed:\n{proc.stderr[-4000:]}")
    return proc.stdout


def record(case_dir: Path, workdir: Path, out: Path) -> None:
    """Run ``old.py``'s first workflow to completion; write the JSON export of its rows to ``out``."""
    _driver("record", str(case_dir), str(workdir), str(out))


def replay(case_dir: Path, workdir: Path, export: Path) -> list[dict]:
    """``[{"label", "function_ids", "blocked", "ok", "error"}]``: DBOS recovery of every cut."""
    out = _driver("replay", str(case_dir), str(workdir), str(export))
    return json.loads(out.strip().splitlines()[-1])


_UNEXPECTED = re.compile(
    r"During execution of workflow \S+ step (\d+), function (.+?) was recorded when (.+?) was expected"
)


def unexpected_step(error: str | None) -> tuple[int, str, str] | None:
    """(step, recorded name, expected name) from a ``DBOSUnexpectedStepError`` text."""
    found = _UNEXPECTED.search(error or "")
    return (int(found.group(1)), found.group(2), found.group(3)) if found else None


def load_export(path: Path) -> dict | None:
    return json.loads(path.read_text()) if path.is_file() else None
