"""Re-record the cached real-engine histories in ``testdata/histories/<case>/``.

    python scripts/record_histories.py [CASE ...]      (default: every case in testdata/cases)

Temporal cases run ``old.py`` on a fresh dev server and keep ``history.json``
(``WorkflowHistory.to_json()``) and ``cuts.json`` (the workflow id, type and the last event id of
every open cut). DBOS cases run ``old.py`` on a fresh SQLite system database and keep
``dbos.json`` (the rows of every system table for the workflow and its children). The
conformance tests check that a live recording still matches these files.
"""

from __future__ import annotations

import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engines import dbos_case, temporal_case  # noqa: E402
from tests.engines.temporal_server import dev_server  # noqa: E402

CASES = ROOT / "testdata" / "cases"
HISTORIES = ROOT / "testdata" / "histories"


def main(names: list[str]) -> int:
    cases = [CASES / n for n in names] if names else sorted(p for p in CASES.iterdir() if p.is_dir())
    failed = 0
    with ExitStack() as stack:
        address = None
        for case in cases:
            out = HISTORIES / case.name
            try:
                if case.name.startswith("temporal-"):
                    address = address or stack.enter_context(dev_server())
                    temporal_case.record(case, address, out)
                elif case.name.startswith("dbos-"):
                    with tempfile.TemporaryDirectory() as tmp:
                        dbos_case.record(case, Path(tmp), out / "dbos.json")
                else:
                    continue
                print(f"recorded {case.name}")
            except Exception as exc:  # keep going: report every case that cannot be recorded
                failed += 1
                print(f"FAILED {case.name}: {exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
