"""What one run of a program issued, in order: the engine's record, with the code behind each entry.

A ``Trace`` is what an engine module (``temporal``, ``dbos``) makes of the interpreter's requests
when it runs a program live or against a history without checking it. The diff aligns two
traces; ``histories`` of a trace are what replay checks. Each entry keeps the ``Step`` (or patch
node) that issued it, so a difference can be reported at its line.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from patchlint.model.program import Step
from patchlint.semantics.history import MARKER, PATCH_ROW_PREFIX


@dataclass(frozen=True)
class Issued:
    """One recorded command (Temporal) or operation row (DBOS).

    ``key`` is what the engine compares on replay: ``(kind, type name)``; a Temporal patch marker
    is ``(MARKER, id)``, a DBOS one ``(dbos_step, "DBOS.patch-<id>")``.
    """

    key: tuple[str, str]
    step: Step | None = None  # the step that issued it (None for patch markers)
    patch: object = None  # the Patched / DeprecatePatch node behind a marker
    ends_task: bool = False  # Temporal: a workflow task ended right after it (a run can pause here)
    soft: bool = False  # ... because of a ``Wait`` whose result was not in yet
    ends_activation: bool = False  # Temporal: the run awaited a local activity right after it
    deprecated: bool = False  # Temporal marker written by ``deprecate_patch``
    slots: int = 1  # DBOS function ids taken (``recv``/``get_event``: two)

    @property
    def is_marker(self) -> bool:
        return self.key[0] == MARKER or self.key[1].startswith(PATCH_ROW_PREFIX)

    @property
    def patch_id(self) -> str | None:
        if self.key[0] == MARKER:
            return self.key[1]
        if self.key[1].startswith(PATCH_ROW_PREFIX):
            return self.key[1][len(PATCH_ROW_PREFIX) :]
        return None

    def label(self) -> str:
        if self.step is not None:
            return self.step.label()
        kind = "deprecate_patch" if self.deprecated else "patched"
        return f"{kind}({self.patch_id!r}) marker"

    def with_task_end(self, soft: bool = False) -> Issued:
        return replace(self, ends_task=True, soft=soft)


@dataclass(frozen=True)
class Trace:
    """A run's entries; ``regions`` holds, per patch whose call returned False, the ``[start, end)``
    entries its old branch issued, ``taken_regions`` the same for the new branches of patches whose
    call returned True; ``completed``: the run reached its end (or continued-as-new)."""

    events: tuple[Issued, ...]
    regions: tuple[tuple[object, int, int], ...] = ()
    completed: bool = True
    taken_regions: tuple[tuple[object, int, int], ...] = ()

    def keys(self) -> list[tuple[str, str]]:
        return [e.key for e in self.events]


class TraceBuilder:
    """Collects a trace from the requests an engine module sees."""

    def __init__(self):
        self.events: list[Issued] = []
        self.regions: list[tuple[object, int, int]] = []
        self.taken_regions: list[tuple[object, int, int]] = []
        self._open: list[tuple[object, int]] = []
        self.completed = False

    def add(self, event: Issued) -> None:
        self.events.append(event)

    def end_task(self, soft: bool = False) -> bool:
        """The workflow task ends after the last entry; False when nothing was issued since the
        previous end (no new task boundary)."""
        if not self.events or self.events[-1].ends_task:
            return False
        self.events[-1] = self.events[-1].with_task_end(soft)
        return True

    def end_activation(self) -> None:
        """The run awaits a result that comes in inside the task (a local activity) here."""
        if self.events:
            self.events[-1] = replace(self.events[-1], ends_activation=True)

    def region(self, node: object, start: bool, taken: bool = False) -> None:
        if start:
            self._open.append((node, len(self.events)))
            return
        for index in range(len(self._open) - 1, -1, -1):
            if self._open[index][0] is node:
                _, begin = self._open.pop(index)
                (self.taken_regions if taken else self.regions).append((node, begin, len(self.events)))
                return

    def build(self) -> Trace:
        return Trace(tuple(self.events), tuple(self.regions), self.completed, tuple(self.taken_regions))
