"""Peak memory of reading a large Temporal history for ``patchlint replay``.

Generates a history of about ``--mb`` megabytes (the recorded ``temporal-insert-middle`` history,
its activity cycle repeated with fresh event ids, indented like ``temporal workflow show --output
json``), then reads it with ``load_history_file`` in a fresh subprocess and reports the peak RSS
increase (``resource.getrusage``) over the process right before reading, divided by the file size.
The goal (issue 9) is at most 2x the file size.

    python benchmarks/bench_history_memory.py --mb 200
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT / "testdata" / "histories" / "temporal-insert-middle" / "history.json"

MEASURE = """
import resource, sys, time
from patchlint.integrations.history_io import load_history_file
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
[loaded] = load_history_file(sys.argv[1])
seconds = time.perf_counter() - start
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(after - before, seconds, len(loaded.history.events))
"""


def write_history(path: Path, megabytes: float) -> int:
    """A history of about ``megabytes`` MB: started, then activity cycles, then completed.
    Returns the number of activities."""
    events = json.loads(RECORDED.read_text())["events"]
    head, cycle, tail = events[:4], events[4:10], events[-1]  # cycle: scheduled .. task completed
    target = megabytes * 1_000_000
    with path.open("w") as out:
        out.write('{\n  "events": [\n')
        next_id = 1
        written = 0

        def emit(event: dict) -> None:
            nonlocal next_id, written
            text = ("" if next_id == 1 else ",\n") + json.dumps({**event, "eventId": str(next_id)}, indent=2)
            out.write(text)
            written += len(text)
            next_id += 1

        for event in head:
            emit(event)
        activities = 0
        while written < target:
            scheduled = next_id
            for event in cycle:
                attrs_key = next(k for k in event if k.endswith("EventAttributes"))
                attrs = dict(event[attrs_key])
                for ref in ("scheduledEventId", "startedEventId"):
                    if ref in attrs:
                        attrs[ref] = str(scheduled if ref == "scheduledEventId" else scheduled + 1)
                emit({**event, attrs_key: attrs})
            activities += 1
        emit(tail)
        out.write("\n  ]\n}\n")
    return activities


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=200.0, help="history size in MB (default 200)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "history.json"
        activities = write_history(path, args.mb)
        size = os.path.getsize(path)
        proc = subprocess.run(
            [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True, cwd=ROOT
        )
        peak_kib, seconds, commands = proc.stdout.split()
    peak = int(peak_kib) * 1024
    print(f"history: {size / 1e6:.1f} MB, {activities} activities, {commands} command events read")
    print(f"peak RSS increase: {peak / 1e6:.1f} MB = {peak / size:.2f}x the file size; read in {float(seconds):.1f} s")


if __name__ == "__main__":
    main()
