"""patchlint's side of a conformance comparison: the reference runtime on a real history.

A real run took branches patchlint cannot see. The runs that matter are those whose recording,
as the runtime models it, is exactly the real recording (same command events / same rows); the
runtime agrees with the engine at a cut when one of those runs replays the cut as the engine did.
No such run at all means the runtime (or extraction) cannot even reproduce the old recording.
"""

from __future__ import annotations

from dataclasses import dataclass

from patchlint.model.program import LOCAL_ACTIVITY, Workflow
from patchlint.semantics import dbos as dbos_runtime
from patchlint.semantics import temporal as temporal_runtime
from patchlint.semantics.choices import enumerate_choices
from patchlint.semantics.history import DbosHistory, TemporalHistory
from patchlint.semantics.result import ReplayResult


@dataclass(frozen=True)
class RuntimeVerdicts:
    matching_runs: int  # how many branch outcomes record exactly the real history
    results: tuple[ReplayResult, ...]  # the replay of the cut under each of them

    def oks(self) -> set[bool]:
        return {r.ok for r in self.results}

    def messages(self) -> set[str]:
        return {r.message for r in self.results if not r.ok}


def _markers_in_seq_order(events) -> list:
    """Local activities that resolve together (``asyncio.gather`` of two LAs) write their markers
    in the order they finish, which is timing: a run of adjacent LA markers is compared by
    sequence number. Replay matches each marker to its LA by that number, so the order inside
    such a run never changes a verdict."""
    out, run = [], []
    for event in [*events, None]:
        if event is not None and event.kind == LOCAL_ACTIVITY:
            run.append(event)
            continue
        out += sorted(run, key=lambda e: e.seq or 0)
        run = []
        if event is not None:
            out.append(event)
    return out


def _same_recording(modelled, real) -> bool:
    if isinstance(real, TemporalHistory):
        return _markers_in_seq_order(modelled.events) == _markers_in_seq_order(real.events)
    return [(r.function_id, r.name) for r in modelled.rows] == [(r.function_id, r.name) for r in real.rows]


def verdicts(
    old: Workflow,
    new: Workflow | None,
    recorded: TemporalHistory | DbosHistory,
    cut: TemporalHistory | DbosHistory,
) -> RuntimeVerdicts:
    """Replay ``cut`` on ``new`` under every run of ``old`` that records ``recorded`` (complete).

    A real Temporal history (one that says what woke each workflow task) is replayed the way
    ``patchlint replay`` does, on the path it proves, with its signal and update handlers: the
    runtime reproduces the recording when ``old`` replays the whole of it."""
    if isinstance(recorded, TemporalHistory) and recorded.activations:
        if not temporal_runtime.replay(old, recorded, None).ok:
            return RuntimeVerdicts(0, ())
        if new is None:
            return RuntimeVerdicts(1, (ReplayResult(ok=False, message="workflow type not defined in new.py"),))
        # The path the history proves, as `patchlint replay` takes it; and, as for any history,
        # the runs whose own decisions (the same in both revisions) record it: a decision the
        # history cannot show (the count of a loop whose old body records nothing) is the run's,
        # and the engine replays the new code under the run's value, not under any value.
        results = [temporal_runtime.replay(new, cut, None)]
        for choices in enumerate_choices(old.program, new.program):
            if temporal_runtime.replay(old, recorded, choices).ok:
                results.append(temporal_runtime.replay(new, cut, choices))
        return RuntimeVerdicts(len(results), tuple(results))
    runtime = temporal_runtime if isinstance(recorded, TemporalHistory) else dbos_runtime
    results = []
    matching = 0
    for choices in enumerate_choices(old.program, new.program if new else old.program):
        completed = runtime.record(old, choices)[-1]
        if not _same_recording(completed, recorded):
            continue
        matching += 1
        if new is None:
            results.append(ReplayResult(ok=False, message="workflow type not defined in new.py"))
        else:
            results.append(runtime.replay(new, cut, choices))
    return RuntimeVerdicts(matching, tuple(results))
