"""Findings are plain data; formatting happens only at the edge (``patchlint.report``)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum


class Severity(str, Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    path: str
    line: int  # 1-based, in the new revision
    column: int  # 0-based
    end_line: int
    end_column: int
    workflow: str
    engine: str  # "temporal" | "dbos"
    message: str
    old_steps: tuple[str, ...] = ()
    new_steps: tuple[str, ...] = ()
    witness: dict | None = field(default=None, compare=False)

    def with_(self, **changes) -> "Finding":
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
            "old_steps": list(self.old_steps),
            "new_steps": list(self.new_steps),
        }
        if self.witness is not None:
            data["witness"] = self.witness
        return data
