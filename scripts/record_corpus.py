"""Record the corpus of real Temporal histories in ``testdata/corpus/<slug>/histories/``.

    python scripts/record_corpus.py [SLUG ...]      (default: every folder of testdata/corpus)

Each slug's recorded revision (``v1.py``) runs every scenario of its ``scenarios.json`` on a fresh
dev server (``tests/engines/corpus_driver.py``, in a subprocess: it imports the workflow code);
its histories are written with ``index.json`` (the cuts of each), then temporalio's ``Replayer``
replays every cut of every history with every revision and ``verdicts.json`` keeps its verdicts.
``tests/test_replay_real_histories.py`` holds ``patchlint replay`` to those verdicts.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engines.temporal_server import dev_server  # noqa: E402

CORPUS = ROOT / "testdata" / "corpus"
TIMEOUT = 600


def driver(*args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "tests.engines.corpus_driver", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"corpus driver {args[0]} failed:\n{proc.stderr[-4000:]}")
    return proc.stdout


def record(slug_dir: Path, address: str, out_dir: Path) -> None:
    driver("record", str(slug_dir), address, str(out_dir))


def verdicts(slug_dir: Path, history_dir: Path) -> dict:
    return json.loads(driver("verdicts", str(slug_dir), str(history_dir)).strip().splitlines()[-1])


def main(names: list[str]) -> int:
    slugs = [CORPUS / n for n in names] if names else sorted(p for p in CORPUS.iterdir() if p.is_dir())
    failed = 0
    with dev_server() as address:
        for slug in slugs:
            out = slug / "histories"
            try:
                record(slug, address, out)
                found = verdicts(slug, out)
                (out / "verdicts.json").write_text(json.dumps(found, indent=1, sort_keys=True) + "\n")
                cuts = sum(len(next(iter(v.values()))) for v in found.values())
                print(f"recorded {slug.name}: {len(found)} histories, {cuts} cuts")
            except Exception as exc:  # keep going: report every slug that cannot be recorded
                failed += 1
                print(f"FAILED {slug.name}: {exc}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
