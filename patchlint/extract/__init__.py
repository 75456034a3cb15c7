"""Source text → step programs, per engine dialect (``temporal``, ``dbos``)."""

from __future__ import annotations

from collections.abc import Mapping

from patchlint.extract.repo import Revision
from patchlint.extract.source import mentions_engine
from patchlint.extract.workflows import dbos_workflows, temporal_workflows
from patchlint.model.program import ModuleModel


def extract_revision(
    files: Mapping[str, str], config, context: Mapping[str, str] | None = None, revision: Revision | None = None
) -> list[ModuleModel]:
    """The workflows of every file in ``files`` (files that never mention an engine are skipped
    unparsed). ``context`` gives the rest of the revision, read only to resolve helpers and
    activity definitions the workflows refer to. ``revision``: ``Revision(files, context)`` made
    by the caller, to read the same parses afterwards."""
    revision = revision if revision is not None else Revision(files, context)
    models = []
    for path in sorted(files):
        if config.excluded(path) or not mentions_engine(files[path]):
            continue
        module = revision.module(path)
        workflows = []
        if "temporal" in config.engines and "temporalio" in module.text:
            workflows += temporal_workflows(module, revision)
        if "dbos" in config.engines and "dbos" in module.text:
            workflows += dbos_workflows(module, revision, config.step_decorators)
        models.append(ModuleModel(path, tuple(workflows)))
    return models
