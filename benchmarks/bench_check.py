"""How `patchlint check` scales: cost must follow the size of the change, not of the repository.

Generates a large repository (5,000+ files, ~2 % workflows) and a small one (100 files) with the
same 10-file change, then times `check` end to end (in-process, best of N) in both and compares it
with a bare `libcst.parse_module` of both revisions of the changed files.

    python benchmarks/bench_check.py [--files 5000] [--repeat 5]
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

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from patchlint.check import check_repo  # noqa: E402

WORKFLOW = """\
from datetime import timedelta
from temporalio import activity, workflow


@activity.defn
async def reserve_{n}(order: str) -> str:
    return order


@activity.defn
async def charge_{n}(order: str) -> str:
    return order


@activity.defn
async def ship_{n}(order: str) -> str:
    return order


@workflow.defn
class Order{n}Workflow:
    def __init__(self) -> None:
        self.approved = False

    @workflow.signal
    def approve(self) -> None:
        self.approved = True

    @workflow.run
    async def run(self, order: str) -> str:
        await workflow.execute_activity(reserve_{n}, order, start_to_close_timeout=timedelta(seconds=5))
        {inserted}await workflow.wait_condition(lambda: self.approved, timeout=timedelta(days=1))
        for attempt in range(3):
            result = await workflow.execute_activity(charge_{n}, order, start_to_close_timeout=timedelta(seconds=5))
            if result:
                break
        await workflow.execute_activity(ship_{n}, order, start_to_close_timeout=timedelta(seconds=5))
        return "done"
"""

DBOS_WORKFLOW = """\
from dbos import DBOS


@DBOS.step()
def reserve_{n}(order: str) -> str:
    return order


@DBOS.step()
def charge_{n}(order: str) -> str:
    return order


@DBOS.workflow()
def order_{n}(order: str) -> str:
    reserve_{n}(order)
    {inserted}DBOS.recv("approval", timeout_seconds=60)
    charge_{n}(order)
    return "done"
"""

PLAIN = '''\
"""Module {n}: ordinary application code."""

import json
import logging

log = logging.getLogger(__name__)


class Thing{n}:
    def __init__(self, value: int) -> None:
        self.value = value

    def render(self) -> str:
        return json.dumps({{"value": self.value, "n": {n}}})


def helper_{n}(items: list[int]) -> int:
    total = 0
    for item in items:
        if item % 2:
            total += item
        else:
            log.debug("skip %s", item)
    return total
'''


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(root: Path, files: int, changed: int = 10) -> list[str]:
    """A committed repository of ``files`` files (2 % workflows) with ``changed`` workflows edited."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "b@example.com")
    git(root, "config", "user.name", "bench")
    workflows = max(changed, files // 50)
    paths = []
    for n in range(files):
        folder = root / f"pkg{n // 200}"
        folder.mkdir(exist_ok=True)
        path = folder / f"mod{n}.py"
        if n < workflows:
            template = WORKFLOW if n % 2 == 0 else DBOS_WORKFLOW
            path.write_text(template.format(n=n, inserted=""))
            paths.append(path)
        else:
            path.write_text(PLAIN.format(n=n))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base")
    changed_paths = []
    for n, path in enumerate(paths[:changed]):
        template = WORKFLOW if n % 2 == 0 else DBOS_WORKFLOW
        inserted = (
            f"await workflow.execute_activity(charge_{n}, order, start_to_close_timeout=timedelta(seconds=5))\n        "
            if template is WORKFLOW
            else f"charge_{n}(order)\n    "
        )
        path.write_text(template.format(n=n, inserted=inserted))
        changed_paths.append(str(path.relative_to(root)))
    return changed_paths


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def bare_parse(root: Path, changed: list[str]) -> None:
    for rel in changed:
        old = subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True, text=True).stdout
        libcst.parse_module(old)
        libcst.parse_module((root / rel).read_text())


def bare_parse_only(texts: list[str]) -> None:
    for text in texts:
        libcst.parse_module(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for label, size in (("small", 100), ("large", args.files)):
            root = Path(tmp) / label
            changed = make_repo(root, size)
            cwd = os.getcwd()
            os.chdir(root)
            try:
                report, _ = check_repo(".")
                assert report.findings, "the benchmark change should produce findings"
                results[label] = best(lambda: check_repo("."), args.repeat)
            finally:
                os.chdir(cwd)
            texts = [(root / rel).read_text() for rel in changed]
            texts += [
                subprocess.run(["git", "show", f"HEAD:{rel}"], cwd=root, capture_output=True, text=True).stdout
                for rel in changed
            ]
            results[f"{label}-parse"] = best(lambda: bare_parse_only(texts), args.repeat)
            results[f"{label}-findings"] = len(report.findings)
    print(
        f"check, 10 changed files in a {args.files}-file repo : {results['large'] * 1000:8.1f} ms "
        f"({results['large-findings']} findings)"
    )
    print(f"check, 10 changed files in a 100-file repo     : {results['small'] * 1000:8.1f} ms")
    print(f"bare libcst.parse_module of both revisions     : {results['large-parse'] * 1000:8.1f} ms")
    print(f"ratio large repo / small repo                  : {results['large'] / results['small']:8.2f}x")
    print(f"ratio check / bare parse (large repo)          : {results['large'] / results['large-parse']:8.2f}x")


if __name__ == "__main__":
    main()
