"""What a rule sees: the changes the diff found, both revisions' models, and the configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from patchlint.deployment import Deployment
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
    # (engine, workflow type) → the deployment model it is checked under (patchlint.deployment);
    # a workflow missing here is checked as replaying its open runs on the new code.
    deployments: dict[tuple[str, str], Deployment] = field(default_factory=dict)
    # Live engines asked for on the command line: ``open_runs(engine, workflow type)`` →
    # ``(count, where counted)``, or None when no source covers that engine; None: no live source.
    live: Any = None

    def open_runs(self, engine: str, workflow: str) -> tuple[int, str] | None:
        return None if self.live is None else self.live.open_runs(engine, workflow)

    def deployment_of(self, engine: str, workflow: str) -> Deployment | None:
        return self.deployments.get((engine, workflow))

    def replays(self, change: Change) -> bool:
        """Do the open runs this change is about run on the new code under the deployment model?"""
        deployment = self.deployment_of(change.engine, change.workflow)
        return deployment is None or deployment.replays

    def changes_of(self, kind: str) -> list[Change]:
        """The changes of ``kind`` whose open runs meet the new code (the replay rules' input)."""
        return [c for c in self.changes if c.kind == kind and self.replays(c)]

    def held_back(self) -> dict[tuple[str, str], list[Change]]:
        """The changes of workflows whose open runs never meet the new code, per (engine, workflow)."""
        out: dict[tuple[str, str], list[Change]] = {}
        for change in self.changes:
            if not self.replays(change):
                out.setdefault((change.engine, change.workflow), []).append(change)
        return out

    def held_back_in(self, engine: str):
        """``(changes, deployment)`` of each workflow of ``engine`` whose open runs never meet the new
        code (its deployment's model is of that engine), in workflow order."""
        for (of, workflow), changes in sorted(self.held_back().items()):
            deployment = self.deployment_of(of, workflow)
            if deployment.model.engine == engine:
                yield changes, deployment
