"""What the steps of the deployment apps (tests/engines/deploy_apps/) do besides returning: each
writes its name to ``steps.log`` in ``PATCHLINT_DEPLOY_DIR`` (so a test sees which deploy ran which
step), and ``hold`` waits there until the driver releases it (or kills its process)."""

from __future__ import annotations

import os
import time
from pathlib import Path

HOLD_TIMEOUT = 60.0


def _dir() -> Path:
    return Path(os.environ["PATCHLINT_DEPLOY_DIR"])


def log_step(name: str) -> None:
    with open(_dir() / "steps.log", "a") as log:
        log.write(f"{os.environ.get('PATCHLINT_DEPLOY_PHASE', '?')}:{name}\n")


def hold_until_released() -> str:
    (_dir() / "held").touch()
    deadline = time.monotonic() + HOLD_TIMEOUT
    while not (_dir() / "release").exists():
        if time.monotonic() > deadline:
            raise RuntimeError(f"hold was not released within {HOLD_TIMEOUT}s")
        time.sleep(0.05)
    return "held"
