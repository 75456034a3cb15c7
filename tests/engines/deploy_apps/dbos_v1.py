"""Deploy 1 of the DBOS app the deployment-model conformance tests run (tests/engines/deploy_dbos_driver.py).

``order`` reserves, then holds: the hold step announces itself and waits until it is released, so
the driver can kill the process while the run is in flight (one step recorded, one running).
"""

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
