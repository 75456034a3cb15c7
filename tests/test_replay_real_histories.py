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
from functools import cache
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


@cache
def _workflows(source: Path):
    """The revision's workflows, as ``patchlint replay --source`` reads them."""
    from patchlint.replay import head_workflows

    return head_workflows((str(source),), None)


@cache
def _events(path: Path) -> list[dict]:
    return json.loads(path.read_text())["events"]


def patchlint_verdict(source: Path, history: Path, cut: int | None) -> tuple[bool, str | None]:
    """What ``patchlint replay --source SOURCE`` says of ``history`` cut after event ``cut``."""
    from patchlint.replay import replay_one

    events = [e for e in _events(history) if cut is None or int(e["eventId"]) <= cut]
    loaded = temporal_history(events, str(history))
    result = replay_one(_workflows(source), loaded.workflow_type, loaded.history)
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
        len(next(iter(by_revision.values()))) for slug in slugs() for by_revision in stored_verdicts(slug).values()
    )
    assert len(slugs()) >= 3
    assert cuts >= 300


# Known gaps, each outside replay itself; strict: a fix makes its entries fail until removed here.
_CONSTANT = (
    "the branch compares a local counter with a module constant this revision changed "
    "(CYCLES_PER_RUN 2 -> 3): replay sees only the new code, whose branch the history cannot refute"
)
_COUNTER = (
    "the branch tests a loop counter (`reminders == 2`): replay takes decisions freely and the "
    "history cannot refute this one before the change (no value analysis of locals)"
)
_STATE_LOOP = (
    "the reminder loop's test reads state an update handler set (`self.decision is None`): "
    "replay may run the loop once more, where its wait_condition timer stands in for the removed "
    "asyncio.sleep's timer"
)
KNOWN_GAPS = {
    **{
        ("subscription-renewal", name, "v5_continue_breaking"): _CONSTANT
        for name in (
            "history-annual-four-cycles.json",
            "history-monthly-three-cycles.json",
            "history-declined-annual-three.json",
        )
    },
    ("expense-report", "history-expired.json", "v4_branch_breaking"): _COUNTER,
    **{
        ("expense-report", name, "v5_breaking"): _STATE_LOOP
        for name in ("history-expired.json", "history-receipt-while-notifying.json", "history-rejected.json")
    },
}


def _param(slug: Path, name: str, revision: str):
    gap = KNOWN_GAPS.get((slug.name, name, revision))
    marks = [pytest.mark.xfail(reason=gap, strict=True)] if gap else []
    return pytest.param(slug, name, revision, marks=marks, id=f"{slug.name}-{name}-{revision}")


@pytest.mark.parametrize("slug,name,revision", [_param(*case) for case in cases()])
def test_replay_agrees_with_the_replayer(slug, name, revision):
    assert disagreements(slug, name, revision) == []


# ------------------------------------------------------------------------------------ live engine


# What a run decides: its commands (with the SDK's update responses) and what was sent to it.
# Results of concurrent commands (a gather) may come back in one workflow task or in two, so task
# and result events are left out, and with them the cuts: the verdicts are held on the stored files.
_DECIDED = {
    "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED",
    "EVENT_TYPE_TIMER_STARTED",
    "EVENT_TYPE_TIMER_CANCELED",
    "EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED",
    "EVENT_TYPE_MARKER_RECORDED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED",
    "EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW",
    "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
    "EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES",
}


def _shape(events: list[dict]) -> list[tuple[str, str]]:
    """A history as the engine would record it again: the decided events and the names in them
    (activity / child / signal / update / marker names), ids and times left out."""
    out = []
    for event in events:
        if event["eventType"] not in _DECIDED:
            continue
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


RECORD_ATTEMPTS = 5


@pytest.mark.engine
@pytest.mark.parametrize("slug", slugs(), ids=lambda p: p.name)
def test_stored_histories_and_verdicts_are_what_the_engine_records(slug, temporal_address, tmp_path):
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import record_corpus
    finally:
        sys.path.remove(str(ROOT / "scripts"))
    stored = slug / "histories"
    index = json.loads((stored / "index.json").read_text())
    # Each recording is compared whole and exactly. The driver calls a run idle only after its first
    # workflow task (a run continued-as-new starts before the server schedules one: a signal sent
    # then used to land before it or after it, by load); a few attempts remain as a guard.
    for attempt in range(RECORD_ATTEMPTS):
        out = tmp_path / f"attempt-{attempt}"
        record_corpus.record(slug, temporal_address, out)
        live_index = json.loads((out / "index.json").read_text())
        if sorted(live_index) == sorted(index) and all(
            _shape(json.loads((out / name).read_text())["events"]) == _shape(_events(stored / name)) for name in index
        ):
            break
    assert sorted(live_index) == sorted(index)
    for name, meta in index.items():
        live = json.loads((out / name).read_text())["events"]
        assert _shape(live) == _shape(_events(stored / name)), name
        assert live_index[name]["workflow_type"] == meta["workflow_type"], name
    assert record_corpus.verdicts(slug, stored) == stored_verdicts(slug)
