"""``patchlint replay`` against temporalio's ``Replayer`` on a corpus of real histories.

``testdata/corpus/<slug>/`` holds a workflow service as teams write them (signal- and update-driven
runs, loops over literal lists and over the input, child workflows, data-dependent branches,
continue-as-new), several revisions of it, and ``histories/``: every run of the recorded revision
(``v1.py``) under each scenario of ``scenarios.json``, with ``verdicts.json``, the ``Replayer``'s
verdict on every workflow-task cut of every history with every revision
(``scripts/record_corpus.py`` records them; ``tests/engines/corpus_driver.py`` is the engine side).

- fast: ``patchlint replay`` gives the stored verdict on every cut × revision: ok / fails, and on a
  failure sdk-core's own message;
- engine: a live recording still yields the stored histories, and the ``Replayer`` still gives
  the stored verdicts.
"""

from __future__ import annotations

import json
import sys
from functools import lru_cache
from pathlib import Path

import pytest

from patchlint.integrations.history_io import temporal_history
from tests.engines.temporal_case import engine_message

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "testdata" / "corpus"


def slugs() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if (p / "histories" / "verdicts.json").is_file())


def stored_verdicts(slug: Path) -> dict:
    return json.loads((slug / "histories" / "verdicts.json").read_text())


def cases() -> list[tuple[Path, str, str]]:
    """(slug, history file, revision) for every stored history and revision."""
    out = []
    for slug in slugs():
        for name, by_revision in sorted(stored_verdicts(slug).items()):
            out += [(slug, name, revision) for revision in sorted(by_revision)]
    return out


@lru_cache(maxsize=None)
def _workflows(source: Path):
    """The revision's workflows, as ``patchlint replay --source`` reads them."""
    from patchlint.integrations.replay_cmd import head_workflows

    return head_workflows((str(source),), None)


@lru_cache(maxsize=None)
def _events(path: Path) -> list[dict]:
    return json.loads(path.read_text())["events"]


def patchlint_verdict(source: Path, history: Path, cut: int | None) -> tuple[bool, str | None]:
    """What ``patchlint replay --source SOURCE`` says of ``history`` cut after event ``cut``."""
    from patchlint.integrations.replay_cmd import replay_one

    events = [e for e in _events(history) if cut is None or int(e["eventId"]) <= cut]
    result = replay_one(_workflows(source), temporal_history(events, str(history)))
    return result.ok, None if result.ok else result.message


def disagreements(slug: Path, name: str, revision: str) -> list[str]:
    """One line per cut where patchlint and the stored Replayer verdict differ."""
    out = []
    for verdict in stored_verdicts(slug)[name][revision]:
        ok, message = patchlint_verdict(slug / f"{revision}.py", slug / "histories" / name, verdict["cut"])
        expected = engine_message(verdict["error"])
        if ok != verdict["ok"] or (not ok and message != expected):
            where = "completed" if verdict["cut"] is None else f"cut@{verdict['cut']}"
            out.append(
                f"{where}: Replayer {'ok' if verdict['ok'] else 'fails: ' + str(expected)}"
                f" | patchlint {'ok' if ok else 'fails: ' + str(message)}"
            )
    return out


def test_the_corpus_is_several_hundred_histories():
    cuts = sum(
        len(next(iter(by_revision.values())))
        for slug in slugs() for by_revision in stored_verdicts(slug).values()
    )
    assert len(slugs()) >= 3
    assert cuts >= 300


@pytest.mark.parametrize(
    "slug,name,revision", cases(), ids=lambda v: v.name if isinstance(v, Path) else str(v)
)
def test_replay_agrees_with_the_replayer(slug, name, revision):
    assert disagreements(slug, name, revision) == []


# ------------------------------------------------------------------------------------ live engine


def _shape(events: list[dict]) -> list[tuple[str, str]]:
    """A history as the engine would record it again: event types and the names in them
    (activity / child / signal / update / marker names), ids and times left out."""
    out = []
    for event in events:
        attrs = next((v for k, v in event.items() if k.endswith("EventAttributes") and isinstance(v, dict)), {})
        name = (
            attrs.get("activityType", {}).get("name")
            or attrs.get("workflowType", {}).get("name")
            or attrs.get("signalName")
            or attrs.get("acceptedRequest", {}).get("input", {}).get("name")
            or attrs.get("markerName")
            or ""
        )
        out.append((event["eventType"], name))
    return out


@pytest.mark.engine
@pytest.mark.parametrize("slug", slugs(), ids=lambda p: p.name)
def test_stored_histories_and_verdicts_are_what_the_engine_records(slug, temporal_address, tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import record_corpus
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    stored = slug / "histories"
    record_corpus.record(slug, temporal_address, tmp_path)
    index = json.loads((stored / "index.json").read_text())
    live_index = json.loads((tmp_path / "index.json").read_text())
    assert sorted(live_index) == sorted(index)
    for name, meta in index.items():
        live = json.loads((tmp_path / name).read_text())["events"]
        assert _shape(live) == _shape(_events(stored / name)), name
        assert live_index[name]["cuts"] == meta["cuts"], name
    assert record_corpus.verdicts(slug, stored) == stored_verdicts(slug)
