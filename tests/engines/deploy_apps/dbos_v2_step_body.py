"""Deploy 2 of the DBOS app with only a step's body changed (``reserve`` returns something else);
``order``, the one workflow, is the same text as in deploy 1."""

from dbos import DBOS

from tests.engines.deploy_steps import hold_until_released, log_step


@DBOS.step()
def reserve() -> str:
    log_step("reserve")
    return "reserved, again"


@DBOS.step()
def hold() -> str:
    log_step("hold")
    return hold_until_released()


@DBOS.workflow()
def order() -> str:
    first = reserve()
    held = hold()
    return f"v1:{first}:{held}"
