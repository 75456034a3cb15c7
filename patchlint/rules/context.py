"""What a rule sees: the changes the diff found, both revisions' models, and the configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from patchlint.diff.changes import Change
from patchlint.model.program import ModuleModel


@dataclass
class RuleContext:
    changes: list[Change]
    old: list[ModuleModel]  # base revision models (empty when there is no base)
    new: list[ModuleModel]  # head revision models
    config: Any = None  # patchlint.config.Config
    has_base: bool = True
    # Filled by integrations that know the repository (lifecycle rules); None otherwise.
    repo: Any = None
    extra: dict = field(default_factory=dict)

    def changes_of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]
