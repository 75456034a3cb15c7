"""A large pull request of real code: `patchlint check` against a bare libcst parse of both revisions.

The repository is real code that every machine with the test extras has: the installed sources of
temporalio, dbos, sqlalchemy and hypothesis (a few hundred modules that import the engines,
thousands of lines each), plus every testdata workflow (`testdata/cases/*/old.py`) as a workflow
module of its own. The pull request touches about 850 files: every testdata workflow becomes its
`new.py` (real breaking and safe changes), and every other module gets a one-line edit near its
top (a comment, as a sweeping refactor or licence-header change would).

Prints the best of N end-to-end `check` times (in-process), the bare `libcst.parse_module` of both
revisions of every changed file, and the ratio (the goal: at most 2x).

    python benchmarks/bench_pr.py [--files 850] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from patchlint.check import check_repo  # noqa: E402

PACKAGES = ("temporalio", "dbos", "sqlalchemy", "hypothesis")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _sources() -> list[tuple[str, str]]:
    """(repo path, text) of the installed packages' modules, in a stable order."""
    import importlib

    out = []
    for name in PACKAGES:
        package = Path(importlib.import_module(name).__file__).parent
        for path in sorted(package.rglob("*.py")):
            try:
                out.append((f"vendor/{name}/{path.relative_to(package).as_posix()}", path.read_text("utf-8")))
            except (UnicodeDecodeError, OSError):
                continue
    return out


def make_repo(root: Path, files: int) -> list[str]:
    """Commit the base revision; leave the pull request's changes in the working tree."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "b@example.com")
    git(root, "config", "user.name", "bench")
    cases = sorted(p for p in (ROOT / "testdata" / "cases").iterdir() if (p / "new.py").is_file())
    workflows = [(f"workflows/{c.name.replace('-', '_')}.py", c / "old.py", c / "new.py") for c in cases]
    sources = _sources()
    for rel, old, _ in workflows:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(old.read_text("utf-8"), "utf-8")
    for rel, text in sources:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, "utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    changed = []
    for rel, _, new in workflows:
        (root / rel).write_text(new.read_text("utf-8"), "utf-8")
        changed.append(rel)
    for rel, text in sources[: max(files - len(changed), 0)]:
        lines = text.splitlines(keepends=True)
        at = next((i for i, line in enumerate(lines) if line.startswith(("import ", "from "))), 0)
        lines.insert(at, "# reviewed: part of the sweeping change\n")
        (root / rel).write_text("".join(lines), "utf-8")
        changed.append(rel)
    return changed


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=850)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        changed = make_repo(root, args.files)
        texts = [(root / rel).read_text("utf-8") for rel in changed]
        texts += [
            subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True, text=True).stdout
            for rel in changed
        ]
        cwd = os.getcwd()
        os.chdir(root)
        try:
            report, _ = check_repo(".")
            check = best(lambda: check_repo("."), args.repeat)
        finally:
            os.chdir(cwd)
        parse = best(lambda: [libcst.parse_module(t) for t in texts], args.repeat)
    print(f"pull request: {len(changed)} changed files ({report.workflows} workflows, {len(report.findings)} findings)")
    print(f"check (best of {args.repeat})                       : {check * 1000:8.0f} ms")
    print(f"bare libcst.parse_module of both revisions  : {parse * 1000:8.0f} ms")
    print(f"ratio check / bare parse                    : {check / parse:8.2f}x")


if __name__ == "__main__":
    main()
