"""How patchlint scales with the number of workflows and the length of one workflow.

1. One file holding N workflows (half Temporal, half DBOS), old and new revision, a few changed:
   ``patchlint diff old.py new.py`` end to end (in-process: no interpreter start) against a bare
   ``libcst.parse_module`` of both revisions. Goal: at most 3x.
2. N workflows over N/10 files in a git repository, one workflow changed in every file:
   ``check`` (which then parses every file of both revisions) against a bare parse of them all.
3. One Temporal workflow of S steps with a step inserted mid-way, and ``testdata/example``:
   ``diff --verify`` against ``diff``. Goal: at most 3x.

Each figure is the minimum of ``--repeat`` runs (the machine may be shared); CPU seconds of this
process are printed beside the wall clock.

    python benchmarks/bench_scale.py [--workflows 20000] [--steps 5000] [--repeat 3] [--only single,files,verify]
"""

from __future__ import annotations

import argparse
import gc
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import libcst

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_check import DBOS_WORKFLOW, WORKFLOW
from click.testing import CliRunner

from patchlint.integrations.cli import main as cli

HEADER = "from datetime import timedelta\nfrom temporalio import activity, workflow\nfrom dbos import DBOS\n"
STEP = "        await workflow.execute_activity({name}, x, start_to_close_timeout=timedelta(seconds=5))\n"
LONG = """from datetime import timedelta
from temporalio import activity, workflow


@activity.defn
async def a(x: str) -> str:
    return x


@activity.defn
async def b(x: str) -> str:
    return x


@workflow.defn
class Long:
    @workflow.run
    async def run(self, x: str) -> str:
{steps}        return x
"""


def workflow_source(n: int, changed: bool) -> str:
    """Workflow ``n`` (Temporal when even, DBOS when odd) without imports; ``changed`` inserts a
    step before the wait, which breaks open runs."""
    template = WORKFLOW if n % 2 == 0 else DBOS_WORKFLOW
    inserted = ""
    if changed:
        inserted = (
            f"await workflow.execute_activity(charge_{n}, order, start_to_close_timeout=timedelta(seconds=5))\n        "
            if template is WORKFLOW
            else f"charge_{n}(order)\n    "
        )
    return re.sub(r"^from .*\n", "", template.format(n=n, inserted=inserted), flags=re.MULTILINE)


def module_source(numbers: range, changed: set[int]) -> str:
    return HEADER + "".join(workflow_source(n, n in changed) for n in numbers)


def long_source(steps: int, insert_at: int | None) -> str:
    body = []
    for i in range(steps):
        if i == insert_at:
            body.append(STEP.format(name="b"))
        body.append(STEP.format(name="b" if i % 3 == 0 else "a"))
    return LONG.format(steps="".join(body))


def best(fn, repeat: int, check=None) -> tuple[float, float]:
    """(wall, cpu) seconds: the minimum of ``repeat`` runs each; ``check`` is given each result."""
    walls, cpus = [], []
    for _ in range(repeat):
        gc.collect()
        wall, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        if check is not None:
            check(result)
    return min(walls), min(cpus)


def parse_all(texts: list[str]) -> None:
    for text in texts:
        libcst.parse_module(text)


def run_cli(args: list[str], expect: int = 1) -> str:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == expect, result.output
    return result.output


def show(label: str, figure: tuple[float, float], base: tuple[float, float] | None = None) -> None:
    ratio = f"   {figure[0] / base[0]:5.2f}x (cpu {figure[1] / base[1]:5.2f}x)" if base else ""
    print(f"  {label:44} {figure[0]:8.2f} s wall {figure[1]:8.2f} s cpu{ratio}", flush=True)


def bench_single(tmp: Path, workflows: int, repeat: int) -> None:
    changed = {0, workflows // 3, 2 * workflows // 3 + 1}
    old, new = module_source(range(workflows), set()), module_source(range(workflows), changed)
    (tmp / "old.py").write_text(old)
    (tmp / "new.py").write_text(new)
    print(f"{workflows} workflows in one file ({len(new) / 1e6:.1f} MB), {len(changed)} changed:")
    parse = best(lambda: parse_all([old, new]), repeat)
    show("libcst.parse_module, both revisions", parse)

    def found_all(output: str) -> None:
        assert output.count("PAT101") >= len(changed), output

    show(
        "patchlint diff",
        best(lambda: run_cli(["diff", str(tmp / "old.py"), str(tmp / "new.py")]), repeat, found_all),
        parse,
    )


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def bench_files(tmp: Path, workflows: int, repeat: int) -> None:
    per_file = 10
    files = max(1, workflows // per_file)
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "b@example.com")
    git(repo, "config", "user.name", "bench")
    texts = []
    for f in range(files):
        numbers = range(f * per_file, (f + 1) * per_file)
        path = repo / f"pkg{f // 200}" / f"flows{f}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(module_source(numbers, set()))
        texts.append(path.read_text())
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for f in range(files):
        numbers = range(f * per_file, (f + 1) * per_file)
        path = repo / f"pkg{f // 200}" / f"flows{f}.py"
        path.write_text(module_source(numbers, {numbers[f % per_file]}))
        texts.append(path.read_text())
    print(f"{files * per_file} workflows over {files} files, one changed in every file:")
    parse = best(lambda: parse_all(texts), repeat)
    show("libcst.parse_module, both revisions", parse)
    cwd = os.getcwd()
    os.chdir(repo)
    try:
        show("patchlint check", best(lambda: run_cli(["check", "--no-color"]), repeat), parse)
    finally:
        os.chdir(cwd)


def bench_verify(tmp: Path, steps: int, repeat: int) -> None:
    pairs = [("testdata/example", ROOT / "testdata/example/old.py", ROOT / "testdata/example/new.py")]
    (tmp / "long_old.py").write_text(long_source(steps, None))
    (tmp / "long_new.py").write_text(long_source(steps, steps // 2 + 1))
    pairs.append((f"a {steps}-step workflow", tmp / "long_old.py", tmp / "long_new.py"))
    for label, old, new in pairs:
        print(f"--verify on {label}:")
        plain, verified = ["diff", str(old), str(new)], ["diff", "--verify", str(old), str(new)]
        check = best(lambda args=plain: run_cli(args), repeat)
        show("patchlint diff", check)

        def confirmed(output: str) -> None:
            assert "not confirmed" not in output and "PAT199" not in output, output

        show("patchlint diff --verify", best(lambda args=verified: run_cli(args), repeat, confirmed), check)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workflows", type=int, default=20000)
    parser.add_argument("--steps", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="single,files,verify")
    args = parser.parse_args()
    only = set(args.only.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        if "verify" in only:
            bench_verify(Path(tmp), args.steps, args.repeat)
        if "single" in only:
            bench_single(Path(tmp), args.workflows, args.repeat)
        if "files" in only:
            bench_files(Path(tmp), args.workflows, args.repeat)


if __name__ == "__main__":
    main()
