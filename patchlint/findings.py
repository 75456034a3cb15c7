"""Findings and the report that holds them: plain data at the bottom of every layer (as Fixit's
``ftypes.py``); formatting happens only at the edge (``patchlint.report``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from patchlint.model.program import ModuleModel, Workflow

MAX_MESSAGE = 120  # a finding's message fits one terminal line, as ruff's do


def clip(text: str, limit: int = MAX_MESSAGE) -> str:
    """``text`` cut to ``limit`` characters, the last one an ellipsis when it was longer."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    """One finding. ``line`` is 1-based and ``column`` 0-based (as in JSON and the Python AST); text
    output prints the column 1-based, as flake8 and ruff do, and SARIF/GitHub are 1-based by spec."""

    code: str
    severity: Severity
    path: str
    line: int  # 1-based, in the new revision
    column: int  # 0-based
    end_line: int
    end_column: int
    workflow: str
    engine: str  # "temporal" | "dbos"
    message: str  # one line, at most MAX_MESSAGE characters: what changed and which open runs fail
    old_steps: tuple[str, ...] = ()
    new_steps: tuple[str, ...] = ()
    witness: dict | None = field(default=None, compare=False)
    engine_message: str = ""  # what the engine itself says to a run that fails ("" when none fails)
    fix: str = ""  # Python that pastes as written (a patch guard, a decorator...); "" when none
    # The engine's own number of each old / new step (Temporal HistoryEvent id, DBOS function id),
    # as the step tables print them; empty when unknown.
    old_ids: tuple[int, ...] = field(default=(), compare=False)
    new_ids: tuple[int, ...] = field(default=(), compare=False)

    def with_(self, **changes) -> Finding:
        return replace(self, **changes)

    def sort_key(self):
        return (self.severity.rank, self.path, self.line, self.column, self.code)

    def to_json(self) -> dict:
        data = {
            "code": self.code,
            "severity": self.severity.value,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "workflow": self.workflow,
            "engine": self.engine,
            "message": self.message,
            "engine_message": self.engine_message,
            "fix": self.fix,
            "old_steps": list(self.old_steps),
            "new_steps": list(self.new_steps),
        }
        if self.witness is not None:
            data["witness"] = self.witness
        return data


@dataclass
class Report:
    """What one analysis found, and what it compared (for the formats that draw the workflows)."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    workflows: int = 0
    # (old, new) workflow models that were compared, for reports that draw them.
    pairs: list[tuple[Workflow | None, Workflow | None]] = field(default_factory=list)
    old_models: list[ModuleModel] = field(default_factory=list)
    new_models: list[ModuleModel] = field(default_factory=list)
    # (engine, workflow type) → the deployment model its verdicts assume (patchlint.deployment).
    deployments: dict = field(default_factory=dict)

    def has_errors(self) -> bool:
        return any(f.severity.value == "error" for f in self.findings)
