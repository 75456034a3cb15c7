"""Property: the static analyzer and the reference runtime agree on every generated edit.

For a random workflow program and a random edit (``tests/strategies.py``), both rendered to real
source:

- static verdict: some **error** finding whose code is a replay break: PAT101-PAT108 (steps
  inserted / removed / reordered / replaced, wrong old branch, workflow removed, patch before a
  blocked step) or PAT201 (patch removed without deprecation). Lifecycle errors that depend on
  dates or hygiene (PAT202 premature deprecation, PAT207 reused patch id) are not replay verdicts
  and are left out; the generator never reuses a patch id, and has no git history for PAT202.
- runtime verdict: ``verify_pair(old, new).breaks_in_flight``: some history the old revision
  records (any branch outcome, loop count, cut) fails to replay on the new one. Breaks of
  completed runs only are PAT110 (a warning), so they do not count on either side.

The two must be equal. The extracted model of each rendered program must also have exactly the
generated program's step identities (kind, name) in walk order.

``PATCHLINT_HYPOTHESIS_EXAMPLES`` sets the number of examples (default 500).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from patchlint.api import analyze_texts, models_of
from patchlint.model.program import steps_of
from patchlint.verify import verify_pair
from tests.strategies import program_pairs, programs, render, step_identities

pytestmark = pytest.mark.slow  # hundreds of generated programs per engine

REPLAY_BREAK_CODES = frozenset(
    {"PAT101", "PAT102", "PAT103", "PAT104", "PAT105", "PAT106", "PAT107", "PAT108", "PAT201"}
)
EXAMPLES = int(os.environ.get("PATCHLINT_HYPOTHESIS_EXAMPLES", "500"))
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def workflow_of(source: str, name: str):
    for module in models_of({"workflow.py": source}):
        for workflow in module.workflows:
            if workflow.name == name:
                return workflow
    raise AssertionError(f"workflow {name} not extracted from:\n{source}")


def static_verdict(old_src: str, new_src: str) -> tuple[bool, list]:
    findings = analyze_texts(old_src, new_src).findings
    errors = [f for f in findings if f.severity.value == "error"]
    return any(f.code in REPLAY_BREAK_CODES for f in errors), findings


@pytest.mark.parametrize("engine", ["temporal", "dbos"])
@SETTINGS
@given(data=st.data())
def test_static_verdict_equals_runtime_verdict(engine, data):
    old, new, edit = data.draw(program_pairs(engine))
    old_src, new_src = render(old), render(new)
    static, findings = static_verdict(old_src, new_src)
    old_wf = workflow_of(old_src, old.workflow_name)
    new_wf = workflow_of(new_src, new.workflow_name)
    verdict = verify_pair(old_wf, new_wf)
    if static != verdict.breaks_in_flight:
        failure = verdict.first(in_flight=True)
        witness = failure.witness() if failure else None
        shown = "\n".join(f"  {f.code} {f.line} {f.severity.value}: {f.message}" for f in findings)
        pytest.fail(
            f"static says {'breaks' if static else 'safe'}, runtime says "
            f"{'breaks' if verdict.breaks_in_flight else 'safe'} ({edit})\n"
            f"--- old.py\n{old_src}\n--- new.py\n{new_src}\n"
            f"static findings:\n{shown or '  (none)'}\nruntime witness: {witness}"
        )


@pytest.mark.parametrize("engine", ["temporal", "dbos"])
@SETTINGS
@given(data=st.data())
def test_extracted_model_round_trips_step_identities(engine, data):
    program = data.draw(programs(engine))
    source = render(program)
    workflow = workflow_of(source, program.workflow_name)
    assert [s.identity for s in steps_of(workflow.program)] == step_identities(program), source
