"""temporalio's ``Replayer`` against patchlint's reference runtime, on the same real histories.

    python benchmarks/bench_replayer.py [ROUNDS]

For every Temporal case with a cached recording (``testdata/histories``), every open cut and the
completed history are replayed against ``new.py``: by ``Replayer`` (in a subprocess that imports
the case, like the conformance tests; timed inside it, warm) and by the runtime on the step model
patchlint extracts (``replay_one``: every branch outcome until one replays, as ``patchlint replay``
does; parsing the history and the source is excluded on both sides). Prints both means and the ratio.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from patchlint.integrations.history_io import temporal_history  # noqa: E402
from patchlint.replay import replay_one  # noqa: E402
from tests.engines.cases import CASES, HISTORIES, case_dirs, revision_files  # noqa: E402
from tests.engines.temporal_case import cut_history, load_meta  # noqa: E402


def replayer_seconds(case: Path, rounds: int) -> tuple[int, float]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.engines.temporal_driver",
            "bench",
            str(case),
            str(HISTORIES / case.name),
            str(rounds),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    data = json.loads(out.strip().splitlines()[-1])
    return data["replays"], data["seconds"]


def runtime_seconds(case: Path, rounds: int) -> tuple[int, float]:
    from patchlint.api import models_of

    workflows = {(w.engine, w.name): w for m in models_of(revision_files(case, "new")) for w in m.workflows}
    meta = load_meta(HISTORIES / case.name)
    loaded = [temporal_history(cut_history(HISTORIES / case.name, cut)["events"]) for cut in [*meta["cuts"], None]]
    start = time.perf_counter()
    for _ in range(rounds):
        for item in loaded:
            replay_one(workflows, item.workflow_type, item.history)
    return rounds * len(loaded), time.perf_counter() - start


def main(rounds: int) -> None:
    cases = [c for c in case_dirs("temporal") if load_meta(HISTORIES / c.name)]
    engine_n = engine_t = runtime_n = runtime_t = 0.0
    for case in cases:
        n, t = replayer_seconds(case, rounds)
        engine_n, engine_t = engine_n + n, engine_t + t
        n, t = runtime_seconds(case, rounds * 20)
        runtime_n, runtime_t = runtime_n + n, runtime_t + t
    engine_mean = engine_t / engine_n
    runtime_mean = runtime_t / runtime_n
    print(f"cases: {len(cases)} from {CASES}")
    print(f"Replayer: {int(engine_n)} replays, {engine_mean * 1e3:.3f} ms per history")
    print(f"runtime:  {int(runtime_n)} replays, {runtime_mean * 1e3:.4f} ms per history")
    print(f"ratio (Replayer / runtime): {engine_mean / runtime_mean:.0f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
