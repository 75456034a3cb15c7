"""The Action's one step: find the base, run ``patchlint check``, write annotations, summary, SARIF.

Inputs arrive as environment variables set by ``action.yml`` (``PATCHLINT_BASE``, ``PATCHLINT_PATHS``,
``PATCHLINT_FAIL_ON``, ``PATCHLINT_SARIF_FILE``, ``PATCHLINT_VERIFY``, ``PATCHLINT_SELECT``,
``PATCHLINT_EXTEND_SELECT``, ``PATCHLINT_IGNORE``, ``PATCHLINT_DEPLOYMENT``), never spliced into a script,
so a branch name or path cannot become shell code. Exit status: 0 pass, 1 findings at or above
``fail-on``, 2 the check could not run (the reason is an ``::error::`` annotation).

The checkout is the pull request's code, so none of it runs: ``action.yml`` starts this module with
``python -I`` and this module starts patchlint the same way (isolated mode: neither the current
directory nor ``PYTHONPATH`` nor the user site on ``sys.path``), so a ``patchlint/__init__.py``, a
``patchlint.py`` or a ``click.py`` in the repository is never imported.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

from patchlint.integrations.action.revisions import (
    ActionError,
    NothingToCompare,
    automatic_base,
    commit_id,
    deepen_for_lifecycle,
    ensure_commit,
)
from patchlint.report.github import escape_data

FAIL_ON = ("error", "warning")
TRUE = ("true", "1", "yes", "on")
SELECTION = (
    "--select",
    "--extend-select",
    "--ignore",
    "--deployment",
)  # inputs select, extend-select, ignore, deployment


def patchlint(*args: str, root: Path) -> subprocess.CompletedProcess:
    """Run the installed CLI with this interpreter (the Action's own virtualenv), isolated: ``-m`` alone
    would put ``root``, the repository under review, first on ``sys.path``."""
    return subprocess.run(
        [sys.executable, "-I", "-m", "patchlint", *args],
        cwd=root,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )


def lifecycle_window_days(root: Path) -> float | None:
    """max-workflow-lifetime plus retention from the repository's configuration (only parsed); None
    when not set, or when the configuration is broken (``check`` then reports it)."""
    from patchlint.config import load
    from patchlint.errors import InputError

    try:
        config = load(root)
    except InputError:
        return None
    lifetime = getattr(config, "max_workflow_lifetime_days", None)
    return None if lifetime is None else lifetime + (getattr(config, "retention_days", None) or 0)


def read_event(env) -> dict:
    path = env.get("GITHUB_EVENT_PATH")
    if not path:
        return {}
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ActionError(f"cannot read the event payload {path}: {exc}") from None


def choose_base(env, root: Path) -> tuple[str, str]:
    """``(commit id, why)``: the ``base`` input if given, else what the event implies."""
    explicit = env.get("PATCHLINT_BASE", "").strip()
    if explicit and explicit != "auto":
        return ensure_commit(root, explicit), "the `base` input"
    rev, why = automatic_base(env.get("GITHUB_EVENT_NAME", ""), read_event(env), root)
    return ensure_commit(root, rev), why


def check_args(env, base: str, fmt: str, *extra: str) -> list[str]:
    """``patchlint check`` of ``base`` against the checked-out commit, the inputs turned into flags."""
    args = ["check", "--base", base, "--head", "HEAD", "--format", fmt, *extra]
    if env.get("PATCHLINT_VERIFY", "").strip().lower() in TRUE:
        args.append("--verify")
    for flag in SELECTION:  # one argument each, "--flag=value": a value is never read as an option
        value = env.get(f"PATCHLINT_{flag[2:].upper().replace('-', '_')}", "").strip()
        if value:
            args.append(f"{flag}={value}")
    paths = shlex.split(env.get("PATCHLINT_PATHS", ""))
    return args + (["--", *paths] if paths else [])


def append(path: str | None, text: str) -> None:
    if path:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)


def count(annotations: str, command: str) -> int:
    return sum(line.startswith(f"::{command} ") for line in annotations.splitlines())


def failed_to_run(proc: subprocess.CompletedProcess) -> ActionError:
    lines = proc.stderr.strip().splitlines() or [f"patchlint exited with status {proc.returncode}"]
    return ActionError("patchlint check failed: " + lines[-1])


def annotate(env, root: Path, base: str, fail_on: str, sarif_file: str) -> subprocess.CompletedProcess:
    """One analysis: ``--format github`` to stdout (annotations), the Markdown summary to the job
    summary and, if asked, SARIF to ``sarif_file``."""
    with tempfile.TemporaryDirectory() as tmp:
        summary = Path(tmp, "summary.md")
        extra = ["--fail-on", fail_on, "--summary", str(summary)]
        if sarif_file:
            extra += ["--sarif", str(Path(root, sarif_file))]
        proc = patchlint(*check_args(env, base, "github", *extra), root=root)
        if proc.returncode not in (0, 1):
            raise failed_to_run(proc)
        sys.stdout.write(proc.stdout)
        sys.stderr.write(proc.stderr)  # warnings (an unknown lifecycle), for the job's log
        if summary.exists():
            append(env.get("GITHUB_STEP_SUMMARY"), summary.read_text(encoding="utf-8"))
    return proc


def run(env, root: Path) -> int:
    fail_on = env.get("PATCHLINT_FAIL_ON", "error").strip() or "error"
    if fail_on not in FAIL_ON:
        raise ActionError(f"`fail-on` must be one of {', '.join(FAIL_ON)}, not {fail_on!r}")
    base, why = choose_base(env, root)
    print(f"patchlint: comparing {base} ({why}) with HEAD", file=sys.stderr)
    deepened = deepen_for_lifecycle(root, [commit_id(root, "HEAD") or "HEAD", base], lifecycle_window_days(root))
    if deepened:
        print(f"patchlint: {deepened}", file=sys.stderr)
    sarif_file = env.get("PATCHLINT_SARIF_FILE", "").strip()
    if any(ord(ch) < 0x20 for ch in sarif_file):  # it is echoed into $GITHUB_OUTPUT, one line per output
        raise ActionError(f"`sarif-file` must be one line without control characters, not {sarif_file!r}")
    proc = annotate(env, root, base, fail_on, sarif_file)
    errors, warnings = count(proc.stdout, "error"), count(proc.stdout, "warning")
    append(env.get("GITHUB_OUTPUT"), f"base={base}\nerrors={errors}\nwarnings={warnings}\nsarif-file={sarif_file}\n")
    return proc.returncode  # 1: a finding at or above fail-on


def main() -> int:
    try:
        return run(os.environ, Path.cwd())
    except NothingToCompare as exc:
        print(f"::notice title=patchlint::{escape_data(str(exc))}")
        return 0
    except ActionError as exc:
        print(f"::error title=patchlint::{escape_data(str(exc))}")
        return 2


if __name__ == "__main__":
    sys.exit(main())
