"""The runtime as judge of the static rules: replay every history the base revision can record.

``verify_pair`` records the old workflow under every enumerated run (``choices``) and replays
it with the new workflow under the same run, which decides every cut of that run at once.
``confirm`` then gives each error finding a witness (the cut, the event, the engine's message),
demotes an error nothing confirms, and hands back the breaks no error finding covers, which the
PAT199 rule reports (``api.verify_report`` puts the two together).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from patchlint.diff.identity import pair_workflows
from patchlint.findings import MAX_MESSAGE, Finding, Severity, clip
from patchlint.model.program import Workflow
from patchlint.semantics import dbos, temporal
from patchlint.semantics.choices import describe, enumerate_choices
from patchlint.semantics.history import DbosHistory, History, TemporalHistory
from patchlint.semantics.result import ReplayResult

NOT_CONFIRMED = " (not confirmed by the reference runtime)"  # kept within MAX_MESSAGE: see unconfirmed()
# Codes whose errors are about in-flight runs of a workflow the runtime can replay.
_ENGINES = {"temporal": temporal, "dbos": dbos}


def unconfirmed(message: str) -> str:
    """``message`` marked as not confirmed by the runtime, still one line of ``MAX_MESSAGE``."""
    return clip(message, MAX_MESSAGE - len(NOT_CONFIRMED)) + NOT_CONFIRMED


@dataclass(frozen=True)
class CutFailure:
    """One history the base revision records that the head revision fails to replay."""

    choices: dict
    cut: str
    history: History
    result: ReplayResult

    @property
    def in_flight(self) -> bool:
        return not self.history.completed

    def witness(self) -> dict:
        result = self.result
        data = {"cut": self.cut, "event": result.event_index, "engine_message": result.message}
        run = describe(self.choices)
        if run:
            data["run"] = run
        return data


@dataclass(frozen=True)
class Verdict:
    workflow: str
    engine: str
    failures: tuple[CutFailure, ...] = ()
    histories: int = 0  # how many (run, cut) replays were checked
    old: Workflow | None = field(default=None, compare=False, repr=False)
    new: Workflow | None = field(default=None, compare=False, repr=False)

    @property
    def breaks_in_flight(self) -> bool:
        return any(f.in_flight for f in self.failures)

    @property
    def breaks_completed(self) -> bool:
        return any(not f.in_flight for f in self.failures)

    def first(self, in_flight: bool = True) -> CutFailure | None:
        """The earliest failing cut (fewest recorded events) of the wanted kind."""
        wanted = [f for f in self.failures if f.in_flight == in_flight]
        return min(wanted, key=_size, default=None)


def _size(failure: CutFailure) -> tuple[int, int]:
    history = failure.history
    recorded = history.events if hasattr(history, "events") else history.rows
    return (len(recorded), failure.result.position or 0)


def verify_pair(old: Workflow, new: Workflow) -> Verdict:
    """Every run of ``old`` that ``new`` fails to replay, at its earliest failing cut (and, for
    Temporal, its completed history); each signal/update handler's program is checked the same
    way, as the diff compares it (a handler whose name is gone fails every run that received it).

    A run's cuts are prefixes of its completed history, and replaying a prefix does exactly what
    replaying the whole history does up to the prefix's end; so one replay per run decides every
    cut of it (``semantics.<engine>.breaks``): the cuts that hold the failing event fail, the
    others pass. The cost is linear in the run's length, not quadratic."""
    engine = _ENGINES[old.engine]
    failures: list[CutFailure] = []
    checked = 0
    seen: set = set()
    new_handlers = dict(new.handlers)
    programs = [(old, new)] + [
        (replace(old, program=program), replace(new, program=new_handlers[key]))
        for key, program in old.handlers
        if key in new_handlers
    ]
    for old_program, new_program in programs:
        for choices in enumerate_choices(old_program.program, new_program.program):
            cuts = engine.record(old_program, choices)
            checked += len(cuts)
            for failure in engine.breaks(engine.requests(new_program.program, choices), cuts):
                if failure is None:
                    continue
                key = (failure.history, failure.result.message)
                if key in seen:
                    continue
                seen.add(key)
                failures.append(CutFailure(choices, failure.cut, failure.history, failure.result))
    for key, _ in old.handlers:
        if key not in new_handlers:
            kind, _, name = key.partition(" ")
            history = TemporalHistory(old.name, (), False, ())
            result = ReplayResult(
                ok=False, event_index=1, step=None, position=0, message=f"the recorded {kind} {name!r} has no handler"
            )
            failures.append(CutFailure({}, f"received the {kind} `{name}`", history, result))
    return Verdict(old.name, old.engine, tuple(failures), checked, old, new)


def verify_removed(old: Workflow) -> Verdict:
    """The workflow type is gone in the new revision: every in-flight run of it fails, even one
    that has not run a step yet (the worker / recovery cannot find the workflow at all)."""
    if old.engine == "temporal":
        message = f"Workflow class {old.name} is not registered on this worker, available workflows: ..."
        history = TemporalHistory(old.name, (), False, ())
    else:
        message = (
            "DBOSWorkflowFunctionNotFoundError: DBOS Error 4: "
            f"Could not execute workflow {dbos.WORKFLOW_ID}: {old.name} is not a registered workflow function"
        )
        history = DbosHistory(old.name, (), False)
    result = ReplayResult(ok=False, event_index=1, step=None, message=message, position=0)
    return Verdict(old.name, old.engine, (CutFailure({}, history.describe(), history, result),), 1, old)


def verdicts(old_models, new_models) -> list[Verdict]:
    """A verdict per workflow of the base revision (removed ones included), each paired with its
    head twin as the diff pairs them (same module first)."""
    return [
        verify_pair(old, new) if new is not None else verify_removed(old)
        for old, new in pair_workflows(old_models, new_models)
        if old is not None
    ]


def _verdict_of(finding: Finding, all_verdicts: list[Verdict]) -> Verdict | None:
    """The verdict of the workflow a finding is about: same engine and name, in the finding's
    file when several modules define that name."""
    same = [v for v in all_verdicts if v.engine == finding.engine and v.workflow == finding.workflow]
    here = [v for v in same if (v.new or v.old).path == finding.path]
    return (here or same or [None])[0]


def confirm(findings: list[Finding], all_verdicts: list[Verdict]) -> tuple[list[Finding], list[Verdict]]:
    """``findings`` with witnesses and demotions (an error nothing confirms becomes a warning), and the
    verdicts whose in-flight break no error finding covers (PAT199 reports them)."""
    confirmed: list[Finding] = []
    covered: set[int] = set()
    for finding in findings:
        verdict = _verdict_of(finding, all_verdicts)
        if finding.severity is Severity.ERROR:
            if verdict is not None:
                covered.add(id(verdict))
            failure = verdict.first(in_flight=True) if verdict else None
            if failure is None:
                finding = finding.with_(severity=Severity.WARNING, message=unconfirmed(finding.message))
            else:
                finding = finding.with_(witness=failure.witness())
        elif finding.code == "PAT110" and verdict is not None:
            failure = verdict.first(in_flight=False)
            if failure is not None:
                finding = finding.with_(witness=failure.witness())
        confirmed.append(finding)
    missed = [v for v in all_verdicts if id(v) not in covered and v.breaks_in_flight]
    return confirmed, missed


def witness_line(finding: Finding) -> str | None:
    """The text-output line for a witnessed finding."""
    if not finding.witness:
        return None
    return f"a workflow started on BASE and {finding.witness['cut']} fails on HEAD: {finding.witness['engine_message']}"


__all__ = ["CutFailure", "Verdict", "confirm", "verify_pair", "verdicts", "witness_line"]
