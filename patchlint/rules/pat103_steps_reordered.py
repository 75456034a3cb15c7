from patchlint.diff.changes import REORDERED
from patchlint.findings import Severity
from patchlint.rules.base import Example, Rule
from patchlint.rules.common import finding, guard_fix, message, quote, runs_failing


class StepsReordered(Rule):
    """
    ## What it does
    Finds steps of different types that the new revision issues in a different order.

    ## Why is this bad?
    Replay compares each recorded step with the step the code issues at that position: a recorded
    `charge` met by a `ship` command is a non-determinism error (Temporal) or an unexpected step
    (DBOS) for every workflow paused after the first moved step.
    """

    code = "PAT103"
    name = "steps-reordered"
    summary = "Steps that open workflows already recorded now run in a different order"
    severity = Severity.ERROR

    INVALID = [
        Example(
            old='''
            from datetime import timedelta
            from temporalio import workflow

            @workflow.defn
            class Order:
                @workflow.run
                async def run(self):
                    await workflow.execute_activity("charge", start_to_close_timeout=timedelta(seconds=5))
                    await workflow.execute_activity("ship", start_to_close_timeout=timedelta(seconds=5))
            ''',
            new='''
            from datetime import timedelta
            from temporalio import workflow

            @workflow.defn
            class Order:
                @workflow.run
                async def run(self):
                    await workflow.execute_activity("ship", start_to_close_timeout=timedelta(seconds=5))
                    await workflow.execute_activity("charge", start_to_close_timeout=timedelta(seconds=5))
            ''',
            expect=(("PAT103", 8),),
        ),
        # A swap after another change is still a swap, reported where the moved step now stands.
        Example(
            old='''
            from dbos import DBOS

            @DBOS.step()
            def reserve(): ...

            @DBOS.step()
            def charge(): ...

            @DBOS.step()
            def ship(): ...

            @DBOS.workflow()
            def order():
                reserve()
                charge()
                ship()
            ''',
            new='''
            from dbos import DBOS

            @DBOS.step()
            def reserve(): ...

            @DBOS.step()
            def charge(): ...

            @DBOS.step()
            def ship(): ...

            @DBOS.step()
            def audit(): ...

            @DBOS.workflow()
            def order():
                audit()
                charge()
                reserve()
                ship()
            ''',
            expect=(("PAT101", 17), ("PAT103", 18)),
        ),
    ]
    VALID = [
        Example(
            old=INVALID[0].old,
            new='''
            from datetime import timedelta
            from temporalio import workflow

            @workflow.defn
            class Order:
                @workflow.run
                async def run(self):
                    if workflow.patched("ship-first"):
                        await workflow.execute_activity("ship", start_to_close_timeout=timedelta(seconds=5))
                        await workflow.execute_activity("charge", start_to_close_timeout=timedelta(seconds=5))
                    else:
                        await workflow.execute_activity("charge", start_to_close_timeout=timedelta(seconds=5))
                        await workflow.execute_activity("ship", start_to_close_timeout=timedelta(seconds=5))
            ''',
        ),
    ]

    def check(self, ctx):
        for change in ctx.changes_of(REORDERED):
            yield finding(
                change, self.code, self.severity,
                message(f"{change.workflow}: {quote(change.old_focus)} reordered to {quote(change.new_focus)}",
                        runs_failing(change)),
                fix=guard_fix(change, "reorder", "the new order; the old order under else:"),
            )
