import re
from datetime import datetime, timedelta, timezone

from patchlint.diff.changes import WORKFLOW_REMOVED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import change_finding, message
from patchlint.rules.snippets import temporal

_CHARGE = 'await workflow.execute_activity("charge")'
_V1 = temporal("OrderWorkflow")(_CHARGE)
_V1_V2 = (
    _V1 + "\n\n" + temporal("OrderWorkflowV2")(_CHARGE, 'await workflow.execute_activity("ship")').split("\n\n", 1)[1]
)
_V2 = temporal("OrderWorkflowV2")(_CHARGE, 'await workflow.execute_activity("ship")')
_V2_SINCE = {"config": {"max-workflow-lifetime": "30d"}, "history": [("2024-01-01", _V1), ("2024-02-01", _V1_V2)]}


class WorkflowRemoved(Rule):
    """
    ## What it does
    Finds a workflow type (Temporal `@workflow.defn` name, DBOS workflow name) that the old revision
    defined and the new one no longer does — removed, or renamed without keeping `name=`.

    ## Why is this bad?
    Open executions of that type can no longer be replayed or recovered: no registered workflow
    has their type name. Keep the old type registered until its runs are done, or keep the name
    with `@workflow.defn(name="Old")` / `@DBOS.workflow(name="old")`.

    A versioned successor (`OrderWorkflowV2` beside `OrderWorkflow`) makes the removal a lifecycle
    step, like removing a patch: new runs start the successor from the day it was committed, so the
    old type's runs are gone `max-workflow-lifetime` (plus Temporal `retention`) later. Dated from git,
    the finding says when; once that is past, the removal is not reported.

    ## Known problems
    A successor is recognised by its name only (the old name and a version number: `OrderWorkflowV2`,
    `order_v2`), and dated by the first commit that mentions it in its file, a commit date, not a
    deploy date (in a shallow clone, the boundary's date if it is older: later than true, so the
    removal is reported longer than needed). Callers that still start the old type
    after that day keep its runs coming: `check --temporal-address HOST:PORT` / `--dbos-url URL`
    counts the type's open runs on the live engine instead of trusting dates (Temporal: `Running`
    executions of the type; DBOS: `PENDING`/`ENQUEUED` workflows of the name): the removal is
    reported with that count while any remain, and not at all once none do.

    Deployment model: open runs replay the new code (Temporal plain replacement, a compatible Build ID,
    AUTO_UPGRADE; DBOS a pinned application version). Under PINNED, a new Build-ID set or a per-deploy
    DBOS version, PAT112/PAT113 report the change instead.
    """

    code = "PAT106"
    name = "workflow-removed"
    summary = "A workflow type that may have open executions was removed or renamed"
    severity = Severity.ERROR

    INVALID = (
        Example(
            old=temporal("OrderWorkflow")(_CHARGE),
            new=temporal("CheckoutWorkflow")(_CHARGE),
            expect=(("PAT106", temporal("CheckoutWorkflow").workflow_line),),
        ),
        Example(
            old=_V1_V2, new=_V2, expect=(("PAT106", 1),), options={**_V2_SINCE, "dates": ("2024-02-01", "2024-02-10")}
        ),
    )
    VALID = (
        Example(
            old=INVALID[0].old,
            new=temporal("CheckoutWorkflow", defn='@workflow.defn(name="OrderWorkflow")')(_CHARGE),
        ),
        Example(old=_V1_V2, new=_V2, options={**_V2_SINCE, "dates": ("2024-02-01", "2024-03-15")}),
    )

    def check(self, ctx):
        for change in ctx.changes_of(WORKFLOW_REMOVED):
            temporal = change.engine == "temporal"
            if change.new_focus:
                what = f"renamed to {change.new_focus[0]}"
                fix = (
                    f'@workflow.defn(name="{change.workflow}")'
                    if temporal
                    else f'@DBOS.workflow(name="{change.workflow}")'
                )
            else:
                what, fix = "removed", ""
            engine_says = (
                f"Workflow class {change.workflow} is not registered on this worker"
                if temporal
                else f"DBOSWorkflowFunctionNotFoundError: {change.workflow} is not a registered workflow function"
            )
            runs = "its open runs can no longer replay" if temporal else "its open runs can no longer recover"
            live = ctx.open_runs(change.engine, change.workflow)
            if live is not None and live[0] == 0:
                continue  # counted on the engine: no run of the old type remains
            successor = _successor(ctx, change) if not change.new_focus else None
            if successor is not None:
                since, ready = _successor_since(ctx, change, successor)
                if live is None and ready is not None and ready <= _now(ctx):
                    continue  # every run of the old type began before the successor took over, and is gone
                if not any(
                    w.engine == successor.engine and w.name == successor.name for m in ctx.old for w in m.workflows
                ):
                    what = f"removed in the change that adds {successor.name}"
                elif since is not None:
                    what = f"removed, {successor.name} since {since.date().isoformat()}"
                    if ready is not None:
                        runs = f"its open runs fail until {ready.date().isoformat()}"
            if live is not None:
                count, where = live
                runs = (
                    f"{count} open run{'s' if count != 1 else ''} can no longer {'replay' if temporal else 'recover'}"
                )
                engine_says += f" ({count} counted on {where})"
            yield change_finding(
                change,
                self.code,
                self.severity,
                message(f"workflow type {change.workflow} ({change.engine}) {what}", runs),
                fix=fix,
                engine_message=engine_says,
            )


def _successor(ctx, change):
    """A versioned name of the removed type in the new revision: ``OrderWorkflowV2``, ``order_v2``."""
    pattern = re.compile(re.escape(change.workflow) + r"[_-]?[vV]?\d+")
    return next(
        (w for m in ctx.new for w in m.workflows if w.engine == change.engine and pattern.fullmatch(w.name)), None
    )


def _now(ctx) -> datetime:
    from patchlint.lifecycle.stages import lifecycle

    lc = lifecycle(ctx)
    return lc.now if lc is not None else datetime.now(timezone.utc)


def _successor_since(ctx, change, successor) -> tuple[datetime | None, datetime | None]:
    """When the successor was first committed (by the base revision), and when the old type's runs
    are all gone: that day plus ``max-workflow-lifetime`` (and Temporal ``retention``)."""
    from patchlint.git import run_git
    from patchlint.lifecycle.stages import removal_wait

    if ctx.repo is None or not ctx.repo.base:
        return None, None
    out = run_git(
        ctx.repo.root,
        "log",
        "--reverse",
        "--format=%ct",
        f"-S{successor.name}",
        "--end-of-options",
        ctx.repo.base,
        "--",
        successor.path,
        check=False,
    ).split()
    if not out:
        return None, None
    since = datetime.fromtimestamp(int(out[0]), tz=timezone.utc)
    wait = removal_wait(ctx.config, change.engine)
    return since, (since + wait if isinstance(wait, timedelta) else None)
