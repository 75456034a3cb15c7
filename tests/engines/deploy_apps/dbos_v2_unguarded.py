"""Deploy 2 of the DBOS app, changed without a guard: ``charge`` now runs where ``reserve`` ran, so
a run recorded by deploy 1 (step 1 = reserve) cannot be replayed by this code."""

from dbos import DBOS

from tests.engines.deploy_steps import hold_until_released, log_step


@DBOS.step()
def charge() -> str:
    log_step("charge")
    return "charged"


@DBOS.step()
def hold() -> str:
    log_step("hold")
    return hold_until_released()


@DBOS.workflow()
def order() -> str:
    first = charge()
    held = hold()
    return f"v2:{first}:{held}"
