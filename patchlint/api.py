"""The one entry point every edge (CLI, flake8, pre-commit, the Action) calls.

source texts → extract (libcst) → model → diff → rules → findings.  Never imports or runs user code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from patchlint.errors import InputError
from patchlint.findings import Finding, Report
from patchlint.model.program import ModuleModel
from patchlint.suppression import drop_noqa


def analyze_revisions(
    old_files: Mapping[str, str],
    new_files: Mapping[str, str],
    *,
    config=None,
    repo=None,
    has_base: bool = True,
    context_files: Mapping[str, Mapping[str, str]] | None = None,
    verify: bool = False,
    noqa: bool = True,
    live=None,
) -> Report:
    """Compare two revisions given as ``{repo-relative path: source text}``.

    ``old_files``/``new_files`` hold the changed files of each revision; workflows are matched by
    engine and type name across files, so moves and renames are followed. ``context_files`` may
    give, per revision (``"old"``/``"new"``), other modules of the repository that helpers and
    activity definitions are resolved from (read lazily only when a changed file imports them).
    ``verify`` replays every base run on the reference runtime (``patchlint.verify``). ``live``
    counts open runs on the real engines (``RuleContext.live``: PAT106 asks it).

    The report holds the findings the configuration selects for their file (``select``,
    ``ignore``, ``per-file-ignores``), less those a ``# noqa`` comment on their line in the new
    revision suppresses (``noqa=False``: keep them, for a caller that reads noqa itself). Both
    apply after ``verify``, so a suppressed error still covers its workflow's runtime break.
    Raises ``InputError`` for source that cannot be parsed.
    """
    from patchlint.config import Config
    from patchlint.diff.analyze import diff_models
    from patchlint.extract import extract_revision
    from patchlint.extract.repo import Revision
    from patchlint.rules import all_rules
    from patchlint.rules.context import RuleContext

    config = config or Config()
    context_files = context_files or {}
    revisions = {
        side: Revision(files, context_files.get(side)) for side, files in (("old", old_files), ("new", new_files))
    }
    old_models = extract_revision(old_files, config, revision=revisions["old"]) if has_base else []
    revisions["new"].adopt(revisions["old"], [p for p, text in new_files.items() if old_files.get(p) == text])
    new_models = extract_revision(new_files, config, revision=revisions["new"])
    changes, pairs = diff_models(old_models, new_models, config)
    deployments = deployments_of(pairs, old_models, new_models, revisions, config)
    ctx = RuleContext(
        changes=changes,
        old=old_models,
        new=new_models,
        config=config,
        has_base=has_base,
        repo=repo,
        deployments=deployments,
        live=live,
    )
    findings: list[Finding] = []
    for rule in all_rules():
        # --verify needs every error, selected or not, to tell a known break from a missed one
        if not (verify or config.rule_enabled(rule.code)) or (rule.needs_base and not has_base):
            continue
        for finding in rule().check(ctx):
            findings.append(config.apply_severity(finding))
    findings = sorted(set(findings), key=lambda f: f.sort_key())
    report = Report(
        findings=findings,
        # the files that changed: not the unchanged ones analysed because they import a change
        files=sum(old_files.get(p) != new_files.get(p) for p in set(old_files) | set(new_files)),
        workflows=len({(w.engine, w.path, w.name) for m in new_models for w in m.workflows}),
        pairs=pairs,
        old_models=old_models,
        new_models=new_models,
        deployments=deployments,
    )
    if verify:
        report = verify_report(report, old_models, new_models, deployments)
    report.findings = [f for f in report.findings if config.rule_enabled_for(f.code, f.path)]
    if noqa:
        report.findings = drop_noqa(report.findings, _texts(new_files, context_files.get("new")))
    return report


def verify_report(report: Report, old_models, new_models, deployments: Mapping | None = None) -> Report:
    """``report`` checked by the reference runtime (``patchlint.verify``): witnesses and demotions,
    and a PAT199 finding for each in-flight break no error finding covers, unless the deployment
    model says no open run replays it (then it is PAT112/PAT113's, not a missed one)."""
    from patchlint.rules.pat199_runtime_only import RuntimeOnlyBreak
    from patchlint.verify import confirm, verdicts

    findings, missed = confirm(report.findings, verdicts(old_models, new_models))
    deployments = deployments or {}
    missed = [
        v
        for v in missed
        if deployments.get((v.engine, v.workflow)) is None or deployments[(v.engine, v.workflow)].replays
    ]
    findings += RuntimeOnlyBreak().findings(missed)
    findings.sort(key=lambda f: f.sort_key())
    return replace(report, findings=findings)


def deployments_of(pairs, old_models, new_models, revisions, config) -> dict:
    """The deployment model of every compared workflow (``patchlint.extract.deployment``), read
    from ``revisions`` (``{"old"/"new": Revision}``, those the models were extracted from)."""
    from patchlint.extract.deployment import deployments, revision_facts

    old, new = (
        revision_facts(models, revisions[side].files, revisions[side].context, revisions[side])
        for side, models in (("old", old_models), ("new", new_models))
    )
    return deployments(pairs, old, new, config.deployment)


def _texts(files: Mapping[str, str], context: Mapping[str, str] | None):
    """The new revision's text of a path: a compared file, else one of its context modules."""

    def text_of(path: str) -> str | None:
        if path in files:
            return files[path]
        try:
            return context.get(path) if context is not None else None
        except InputError:
            return None

    return text_of


def analyze_texts(
    old_text: str | None,
    new_text: str,
    path: str = "workflow.py",
    *,
    old_path: str | None = None,
    config=None,
    noqa: bool = True,
) -> Report:
    """Compare two revisions of one file. ``old_text=None``: the file is new (single-revision rules)."""
    old_files = {} if old_text is None else {old_path or path: old_text}
    report = analyze_revisions(old_files, {path: new_text}, config=config, has_base=old_text is not None, noqa=noqa)
    report.files = 1
    return report


def models_of(files: Mapping[str, str], config=None) -> list[ModuleModel]:
    """The step programs of every workflow in ``files`` (for the runtime and the lifecycle)."""
    from patchlint.config import Config
    from patchlint.extract import extract_revision

    return extract_revision(files, config or Config(), None)
