"""Which runs replay this code: the deployment model each workflow is checked under.

Patching is one of three ways to change a workflow safely; the deployment decides whether open runs
of the old code ever meet the new code at all:

========================  =====================================================  ======================
model                     what replays what (the engine's words)                 patchlint reports
========================  =====================================================  ======================
temporal replace          every open run replays on the new workers               PAT1xx errors
temporal build-id-        a Build ID added to the *compatible* set of the old     PAT1xx errors
compatible                one takes over its open runs
temporal build-id-new-    a Build ID in a *new* version set never receives tasks  PAT112 info
set                       of runs started on the old set
temporal pinned           Worker Deployments, ``VersioningBehavior.PINNED``: a    PAT112 info
                          run stays on the version it started on
temporal auto-upgrade     ``VersioningBehavior.AUTO_UPGRADE``: open runs move to  PAT1xx errors
                          the current version on their next task
temporal new-task-queue   the new workers poll another task queue: open runs'     PAT112 info
                          tasks stay on the old queue, for its old workers
dbos pinned-version       one ``application_version`` for every deploy: the new   PAT1xx errors
                          code recovers the old version's workflows
dbos per-deploy-version   the version is a hash of the workflow source            PAT113 warning
                          (``compute_app_version``): recovery by the new code
                          skips the old version's workflows (left PENDING)
dbos auto-upgrade         ``auto_upgrade`` (DBOS Transact Enterprise): PENDING    PAT1xx errors
                          workflows of older versions are re-enqueued on the
                          latest one
========================  =====================================================  ======================

What the engines do by default: Temporal workers without versioning replace each other
(``Worker(use_worker_versioning=False)``); DBOS computes the application version from the workflow
source unless ``DBOSConfig`` sets ``application_version`` (or the deprecated ``enable_patching``,
which pins ``PATCHING_ENABLED``) or ``DBOS__APPVERSION`` is set (``dbos/_dbos.py``). ``DBOS.patch``
needs no pinned version, and does not help without one: a run no deploy recovers never reaches
the patch (measured on DBOS 3.4). When nothing patchlint reads says, it checks DBOS workflows as
pinned (``DEFAULTS`` says why) and names that assumption in what it reports.

Where it is read from, first match wins: the workflow's own declaration in code
(``@workflow.defn(versioning_behavior=...)``, ``@DBOS.workflow(auto_upgrade=True)``); the worker or
application configuration in the compared code, else elsewhere in the revision, test modules aside
(``Worker(deployment_config=
WorkerDeploymentConfig(default_versioning_behavior=...))``, ``DBOSConfig`` with
``application_version``/``enable_patching``/``auto_upgrade``); ``[tool.patchlint]``
``per-workflow-deployment``, then ``per-path-deployment``; ``--deployment``; ``[tool.patchlint]``
``deployment``; what the code suggests without deciding it (``Worker(build_id=...,
use_worker_versioning=True)``: a Build ID, compatible unless told; a ``DBOSConfig`` that pins
nothing: per-deploy, unless ``DBOS__APPVERSION`` pins it); the default below.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from patchlint.files import glob_applies


@dataclass(frozen=True)
class Model:
    engine: str
    name: str  # as written in [tool.patchlint] and --deployment
    title: str  # how a message names it
    replays: bool  # open runs of the old code run (replay, recover) on the new code
    keep: str = ""  # what must stay true while those runs finish (models that do not replay)


MODELS: dict[tuple[str, str], Model] = {
    (m.engine, m.name): m
    for m in (
        Model("temporal", "replace", "plain worker replacement", True),
        Model("temporal", "build-id-compatible", "a compatible Build ID", True),
        Model(
            "temporal",
            "build-id-new-set",
            "a new Build-ID set",
            False,
            "keep the old set's workers until its runs finish",
        ),
        Model("temporal", "pinned", "PINNED versioning", False, "keep the old version's workers until its runs finish"),
        Model("temporal", "auto-upgrade", "AUTO_UPGRADE versioning", True),
        Model(
            "temporal",
            "new-task-queue",
            "a new task queue",
            False,
            "keep the old queue's workers until its runs finish",
        ),
        Model("dbos", "pinned-version", "a pinned application version", True),
        Model(
            "dbos",
            "per-deploy-version",
            "a per-deploy application version",
            False,
            "keep an executor of the old version running until they finish, or pin application_version and patch",
        ),
        Model("dbos", "auto-upgrade", "DBOS auto-upgrade", True),
    )
}
# What a workflow is checked under when nothing in the code or the configuration says.
# Temporal: the engine's default. DBOS: the engine computes a per-deploy version unless one is
# pinned; with no ``DBOSConfig`` anywhere in the repository the configuration (and any pin:
# ``DBOS__APPVERSION``) lives where patchlint does not read, and taking a pinned version for a
# per-deploy one only turns a PAT113 warning into PAT1xx errors a patch clears, while the reverse
# would hide real breaks. A ``DBOSConfig`` patchlint reads that pins nothing is read as per-deploy.
DEFAULTS = {"temporal": "replace", "dbos": "pinned-version"}
DEFAULT_SOURCES = {
    "temporal": "the engine's default",
    "dbos": 'assumed: nothing read says (declare [tool.patchlint] deployment = {dbos = "per-deploy-version"} '
    "if the version is not pinned)",
}
NAMES = tuple(dict.fromkeys(name for _, name in MODELS))


def names_for(engine: str) -> tuple[str, ...]:
    return tuple(name for e, name in MODELS if e == engine)


@dataclass(frozen=True)
class Deployment:
    """The model one workflow is checked under, and where patchlint read it."""

    model: Model
    source: str  # e.g. "versioning_behavior=PINNED at workflow.py:7", "[tool.patchlint] deployment"

    @property
    def replays(self) -> bool:
        return self.model.replays

    @property
    def label(self) -> str:
        """``temporal:pinned``: what ``patches`` and JSON show as the assumed model."""
        return f"{self.model.engine}:{self.model.name}"


@dataclass(frozen=True)
class Declared:
    """What the configuration and the command line say (``patchlint.config`` checks the names)."""

    engines: Mapping[str, str] = field(default_factory=dict)  # [tool.patchlint] deployment
    per_path: tuple[tuple[str, Mapping[str, str]], ...] = ()  # (glob, {engine: model})
    per_workflow: Mapping[str, str] = field(default_factory=dict)  # workflow type → model
    flags: Mapping[str, str] = field(default_factory=dict)  # --deployment ENGINE=MODEL


@dataclass(frozen=True)
class Fact:
    """A model the code states (``decided``) or suggests, and where."""

    model: str
    where: str
    decided: bool = True


def resolve(
    engine: str, workflow: str, path: str, declared: Declared, own: Fact | None = None, app: Fact | None = None
) -> Deployment:
    """The deployment of one workflow (see the module doc for the order). ``own`` is what its
    definition says, ``app`` what the worker / application configuration around it says."""

    def model(name: str) -> Model:
        return MODELS[(engine, name)]

    if own is not None and own.decided:
        return Deployment(model(own.model), own.where)
    if app is not None and app.decided:
        return Deployment(model(app.model), app.where)
    name = declared.per_workflow.get(workflow)
    if name is not None and (engine, name) in MODELS:
        return Deployment(model(name), f"[tool.patchlint] per-workflow-deployment {workflow!r}")
    for glob, table in declared.per_path:
        if engine in table and glob_applies(glob, path):
            return Deployment(model(table[engine]), f"[tool.patchlint] per-path-deployment {glob!r}")
    if engine in declared.flags:
        return Deployment(model(declared.flags[engine]), f"--deployment {engine}={declared.flags[engine]}")
    if engine in declared.engines:
        return Deployment(model(declared.engines[engine]), "[tool.patchlint] deployment")
    for fact in (own, app):
        if fact is not None:
            return Deployment(model(fact.model), fact.where)
    return Deployment(model(DEFAULTS[engine]), DEFAULT_SOURCES[engine])
