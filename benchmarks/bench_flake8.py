"""What the flake8 plugin adds to flake8: on a whole tree, and on one buffer as an editor lints it.

Generates a 1,000-file git repository (2 % workflows, Temporal and DBOS, as `bench_check.py` does)
with a step inserted in a few workflows in the working tree, then times real `flake8` processes
(best of N, cold start each, as editors and CI run it):

* the whole tree, flake8 alone vs flake8 with the plugin, with `--jobs=1` and flake8's default jobs
  (goal: at most 1.10x);
* the same tree once the change is committed (a clean checkout, as CI lints it);
* one changed workflow buffer on stdin with `--stdin-display-name`, as pylsp and Neovim send it
  (goal: at most 150 ms added), one unchanged workflow buffer and one plain (non-workflow) buffer;
* the same three buffers and the tree with `--patchlint-warm`, the warm analyser already running
  (started by an untimed first run, as an editor's first lint starts it).

Python writes no bytecode cache when PYTHONDONTWRITEBYTECODE is set (as on some CI and dev
machines), and then compiles every patchlint module in every run, which an installed patchlint
(pip compiles at install) never does: the timed processes keep theirs under the temporary
directory (PYTHONPYCACHEPREFIX), filled by untimed runs; `--no-bytecode-cache` measures without.

Wall time and CPU time (user + system of the flake8 process and its children) are both the best of
N, the runs with and without the plugin alternating: on a shared machine the CPU time is the
steadier figure. The steadiest is the last table: inside one ``flake8 --jobs=1`` process with the
plugin, the time its module's import and its checker take against the whole run (the run with the
median share of N), as ``total / (total - plugin)``. Both clocks run at the same moment, so the
ratio holds when the machine's speed drifts between runs (on a shared 2-core machine, the same
``flake8 .`` has taken 3.2 s and 5.0 s a minute apart). It leaves out one cost: the parses the
plugin keeps make flake8's own garbage collections longer (about 80 ms on Temporal's samples).

"flake8 alone" is the same flake8 with the plugin left out of its plugin discovery.

With ``--repo PATH``, times an existing checkout instead, as its working tree stands (make the
change to lint first), on the whole tree with ``--jobs=1`` and flake8's default jobs. For Temporal's
samples, as the closing notes measure it: ``fetch`` temporalio/samples-python, clone it, and insert
``await workflow.sleep(timedelta(seconds=5))`` as the first line of ``sleep_for_days/workflows.py``'s
``run``.

    python benchmarks/bench_flake8.py [--files 1000] [--changed 4] [--repeat 5]
    python benchmarks/bench_flake8.py --repo PATH [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_check import git, make_repo

# flake8 with or without the PAT plugin: the plugin is filtered out of flake8's discovery, so both
# runs load the same flake8, pycodestyle, pyflakes and mccabe.
RUN_FLAKE8 = """\
import sys
import flake8.plugins.finder as finder
from flake8.main.cli import main
if sys.argv.pop(1) == "alone":
    found = finder._find_importlib_plugins
    finder._find_importlib_plugins = lambda: (p for p in found() if p.package != "patchlint")
sys.exit(main())
"""

# flake8 with the plugin, timing inside the one process what the plugin costs: its module's import
# and every call of its checker (libcst's import, when an analysis needs it, included). Both clocks
# run in the same process at the same moment, so the share holds when the machine's speed drifts.
RUN_SHARE = """\
import sys, time
start = time.perf_counter()
import patchlint.integrations.flake8_plugin as plugin
spent = [time.perf_counter() - start]
run = plugin.PatchlintChecker.run
def timed_run(self):
    t = time.perf_counter()
    out = list(run(self))
    spent[0] += time.perf_counter() - t
    return iter(out)
plugin.PatchlintChecker.run = timed_run
from flake8.main.cli import main
try:
    main()
except SystemExit:
    pass
sys.stderr.write(f"SHARE {time.perf_counter() - start} {spent[0]}\\n")
"""

ENV = dict(os.environ)


def python(root: Path, script: str, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        cwd=root,
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        env=ENV,
    )


def flake8(root: Path, plugin: bool, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return python(root, RUN_FLAKE8, "with" if plugin else "alone", *args, stdin=stdin)


def start_warm(root: Path, rel: str, runtime: Path) -> None:
    """The warm analyser, started as the plugin starts it, once it answers without libcst."""
    probe = [
        sys.executable,
        "-X",
        "importtime",
        "-c",
        RUN_FLAKE8,
        "with",
        "--patchlint-warm",
        "--stdin-display-name",
        rel,
        "-",
    ]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        proc = subprocess.run(
            probe, cwd=root, input=(root / rel).read_text(), capture_output=True, text=True, env=ENV, check=False
        )
        if "PAT1" in proc.stdout and not any(
            line.split("|")[-1].strip() == "libcst" for line in proc.stderr.splitlines()
        ):
            return
        time.sleep(0.5)
    raise SystemExit(f"the warm analyser did not answer (runtime directory {runtime})")


def stop_warm(runtime: Path) -> None:
    for lock in (runtime / "patchlint").glob("*.lock"):
        pid = lock.read_text().strip()
        if pid.isdigit():
            try:
                os.kill(int(pid), signal.SIGTERM)
            except ProcessLookupError:
                pass


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(fn) -> tuple[float, float]:
    start, cpu = time.perf_counter(), children_cpu()
    fn()
    return time.perf_counter() - start, children_cpu() - cpu


def plugin_share(root: Path, repeat: int, *args: str, stdin: str | None = None) -> tuple[float, float]:
    """(total, plugin) seconds inside one ``flake8 --jobs=1`` process with the plugin: the run with
    the median share of ``repeat``."""
    shares = []
    for _ in range(repeat):
        proc = python(root, RUN_SHARE, "--jobs=1", *args, stdin=stdin)
        line = next(line for line in proc.stderr.splitlines() if line.startswith("SHARE "))
        total, plugin = map(float, line.split()[1:])
        shares.append((plugin / total, total, plugin))
    _, total, plugin = sorted(shares)[len(shares) // 2]
    return total, plugin


def share_table(rows) -> None:
    print(f"\n{'in one flake8 --jobs=1 process':<34} {'total':>9} {'plugin':>9} {'ratio':>6}")
    for label, (total, plugin) in rows:
        print(f"{label:<34} {total * 1000:6.0f} ms {plugin * 1000:6.0f} ms {total / (total - plugin):5.2f}x")


def best_pair(alone, both, repeat: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, cpu) seconds of each, each the best of ``repeat`` runs; the two alternate, so that a
    machine that speeds up or slows down mid-benchmark does not favour either."""
    runs: tuple[list, list] = ([], [])
    for _ in range(repeat):
        for fn, out in ((alone, runs[0]), (both, runs[1])):
            out.append(timed(fn))
    return tuple((min(w for w, _ in r), min(c for _, c in r)) for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--no-bytecode-cache",
        action="store_true",
        help="keep PYTHONDONTWRITEBYTECODE as it is (compile patchlint in every run if it is set)",
    )
    parser.add_argument("--repo", type=Path, help="time this checkout's working tree instead of a generated one")
    args = parser.parse_args()
    if args.repo is not None:
        time_checkout(args.repo.resolve(), args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "repo"
        runtime = Path(tmp) / "run"
        runtime.mkdir(mode=0o700)
        ENV["XDG_RUNTIME_DIR"] = str(runtime)  # the warm analyser's socket, this benchmark's own
        ENV.pop("PATCHLINT_WARM", None)
        if not args.no_bytecode_cache:
            ENV.pop("PYTHONDONTWRITEBYTECODE", None)
            ENV["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        changed = make_repo(root, args.files, args.changed)
        pat = flake8(root, True, "--select=PAT", ".")
        assert pat.returncode == 1 and "PAT101" in pat.stdout, pat.stdout + pat.stderr
        assert "PAT000" not in pat.stdout, pat.stdout
        findings = len(pat.stdout.splitlines())
        rows = []

        def compare(label: str, *flags: str, stdin: str | None = None, plugin_flags: tuple[str, ...] = ()) -> None:
            alone, both = best_pair(
                lambda: flake8(root, False, *flags, stdin=stdin),
                lambda: flake8(root, True, *plugin_flags, *flags, stdin=stdin),
                args.repeat,
            )
            rows.append((label, alone, both))

        for jobs in ("--jobs=1", "--jobs=auto"):
            compare(f"tree, {args.changed} changed, {jobs}", jobs, ".")
        plain = next(
            p
            for p in sorted(root.rglob("mod*.py"))
            if "temporalio" not in p.read_text() and "dbos" not in p.read_text()
        )
        unchanged = next(
            p
            for p in sorted(root.rglob("mod*.py"))
            if "temporalio" in p.read_text() and str(p.relative_to(root)) not in changed
        )
        buffers = (
            ("changed workflow buffer", changed[0]),
            ("unchanged workflow buffer", str(unchanged.relative_to(root))),
            ("plain buffer", str(plain.relative_to(root))),
        )
        for label, rel in buffers:
            compare(label, "--stdin-display-name", rel, "-", stdin=(root / rel).read_text())
        shares = [(f"tree, {args.changed} changed", plugin_share(root, args.repeat, "."))]
        for label, rel in buffers:
            text = (root / rel).read_text()
            shares.append((label, plugin_share(root, args.repeat, "--stdin-display-name", rel, "-", stdin=text)))
        start_warm(root, changed[0], runtime)
        try:
            for label, rel in buffers:
                flags, text = ("--stdin-display-name", rel, "-"), (root / rel).read_text()
                cold = flake8(root, True, "--select=PAT", *flags, stdin=text).stdout
                assert flake8(root, True, "--patchlint-warm", "--select=PAT", *flags, stdin=text).stdout == cold, label
                compare(f"{label}, warm", *flags, stdin=text, plugin_flags=("--patchlint-warm",))
            for jobs in ("--jobs=1", "--jobs=auto"):
                compare(f"tree, {args.changed} changed, {jobs}, warm", jobs, ".", plugin_flags=("--patchlint-warm",))
            shares.append(
                (f"tree, {args.changed} changed, warm", plugin_share(root, args.repeat, "--patchlint-warm", "."))
            )
            rel = changed[0]
            shares.append(
                (
                    "changed workflow buffer, warm",
                    plugin_share(
                        root,
                        args.repeat,
                        "--patchlint-warm",
                        "--stdin-display-name",
                        rel,
                        "-",
                        stdin=(root / rel).read_text(),
                    ),
                )
            )
        finally:
            stop_warm(runtime)
        git(root, "commit", "-q", "-am", "the change")
        for jobs in ("--jobs=1", "--jobs=auto"):
            compare(f"tree, clean, {jobs}", jobs, ".")
        shares.append(("tree, clean", plugin_share(root, args.repeat, ".")))
    print(f"{args.files} files, {args.files // 50} workflows; PAT findings with {args.changed} changed: {findings}")
    table(rows)
    share_table(shares)


def time_checkout(root: Path, repeat: int) -> None:
    ENV.pop("PATCHLINT_WARM", None)
    pat = flake8(root, True, "--select=PAT", ".")
    listed = subprocess.run(["git", "ls-files", "-z", "--", "*.py"], cwd=root, capture_output=True, check=True)
    files = listed.stdout.count(b"\0")
    print(f"{root}: {files} tracked Python files; PAT output:")
    print("".join(f"  {line}\n" for line in pat.stdout.splitlines()), end="")
    rows = []
    for jobs in ("--jobs=1", "--jobs=auto"):
        alone, both = best_pair(lambda: flake8(root, False, jobs, "."), lambda: flake8(root, True, jobs, "."), repeat)
        rows.append((f"tree, {jobs}", alone, both))
    found = [line.split(":")[0] for line in pat.stdout.splitlines() if " PAT1" in line]
    if found:  # the warm analyser, started on a file with a finding (as an editor's first lint)
        with tempfile.TemporaryDirectory() as tmp:
            runtime = Path(tmp) / "run"
            runtime.mkdir(mode=0o700)
            ENV["XDG_RUNTIME_DIR"] = str(runtime)
            start_warm(root, os.path.normpath(found[0]), runtime)
            try:
                for jobs in ("--jobs=1", "--jobs=auto"):
                    alone, both = best_pair(
                        lambda: flake8(root, False, jobs, "."),
                        lambda: flake8(root, True, "--patchlint-warm", jobs, "."),
                        repeat,
                    )
                    rows.append((f"tree, {jobs}, warm", alone, both))
            finally:
                stop_warm(runtime)
    table(rows)
    share_table([("tree", plugin_share(root, repeat, "."))])


def table(rows) -> None:
    print(
        f"{'':<28} {'flake8 alone':>14} {'with plugin':>14} {'ratio':>6} {'added':>8} | "
        f"{'cpu alone':>9} {'cpu with':>9} {'ratio':>6} {'added':>8}"
    )
    for label, (alone, alone_cpu), (both, both_cpu) in rows:
        print(
            f"{label:<28} {alone * 1000:11.0f} ms {both * 1000:11.0f} ms {both / alone:5.2f}x "
            f"{(both - alone) * 1000:5.0f} ms | {alone_cpu * 1000:6.0f} ms {both_cpu * 1000:6.0f} ms "
            f"{both_cpu / alone_cpu:5.2f}x {(both_cpu - alone_cpu) * 1000:5.0f} ms"
        )


if __name__ == "__main__":
    main()
