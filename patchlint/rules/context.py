"""What a rule sees: the changes the diff found, both revisions' models, and the configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchlint.diff.changes import Change
from patchlint.model.program import ModuleModel


@dataclass(frozen=True)
class RepoRef:
    """The repository a check runs in: lifecycle rules read its history with ``git log``."""

    root: Path
    base: str | None  # commit id of the base revision (None: no base)
    head: str | None  # commit id of the head revision (None: the working tree)


@dataclass
class RuleContext:
    changes: list[Change]
    old: list[ModuleModel]  # base revision models (empty when there is no base)
    new: list[ModuleModel]  # head revision models
    config: Any = None  # patchlint.config.Config
    has_base: bool = True
    # Filled by integrations that know the repository (lifecycle rules); None otherwise.
    repo: RepoRef | None = None
    extra: dict = field(default_factory=dict)

    def changes_of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]
