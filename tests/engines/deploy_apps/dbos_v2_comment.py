"""Deploy 2 of the DBOS app: deploy 1 with one comment added inside ``order``, nothing else."""

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
    # reserve first: charging comes later
    first = reserve()
    held = hold()
    return f"v1:{first}:{held}"
