"""Record and replay one testdata case on the real Temporal engine (through subprocess drivers).

The test process never imports ``old.py``/``new.py``: the drivers do, one revision per process.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DRIVER_TIMEOUT = 180


def _driver(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.engines.temporal_driver", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=DRIVER_TIMEOUT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"temporal driver {args[0]} failed:\n{proc.stderr[-4000:]}")
    return proc.stdout


def record(case_dir: Path, address: str, out_dir: Path) -> None:
    """Run ``old.py``'s first workflow on the server at ``address``; write history.json + cuts.json."""
    _driver("record", str(case_dir), address, str(out_dir))


def replay(case_dir: Path, history_dir: Path) -> list[dict]:
    """``[{"cut": last event id | None (completed), "ok", "error"}]`` from ``Replayer`` on ``new.py``."""
    return json.loads(_driver("replay", str(case_dir), str(history_dir)).strip().splitlines()[-1])


_MESSAGE = re.compile(r'message: "((?:[^"\\]|\\.)*)"')


def engine_message(error: str | None) -> str | None:
    """The SDK core's own message inside the Replayer's activation-failure text."""
    if error is None:
        return None
    found = _MESSAGE.search(error)
    return found.group(1).replace('\\"', '"') if found else error


def cut_label(cut: int | None) -> str:
    return "completed" if cut is None else f"cut@{cut}"


def cut_history(history_dir: Path, cut: int | None) -> dict:
    """The recorded history truncated after event ``cut`` (``None``: the whole history)."""
    full = json.loads((history_dir / "history.json").read_text())
    if cut is None:
        return full
    return {**full, "events": [e for e in full["events"] if int(e["eventId"]) <= cut]}


def load_meta(history_dir: Path) -> dict | None:
    path = history_dir / "cuts.json"
    return json.loads(path.read_text()) if path.is_file() else None
