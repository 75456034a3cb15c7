"""Deploy 2 of the DBOS app: deploy 1 unchanged, plus a new workflow ``refund``."""

from dbos import DBOS

from tests.engines.deploy_steps import hold_until_released, log_step


@DBOS.step()
def reserve() -> str:
    log_step("reserve")
    return "reserved"


@DBOS.step()
def hold() -> str:
    log_step("hold")
    return hold_until_released()


@DBOS.workflow()
def order() -> str:
    first = reserve()
    held = hold()
    return f"v1:{first}:{held}"


@DBOS.workflow()
def refund() -> str:
    return "refunded"
