"""Deploy 2 of the DBOS app, the same change guarded by ``DBOS.patch`` (no ``enable_patching``):
runs recorded by deploy 1 keep ``reserve``, new runs ``charge``."""

from dbos import DBOS

from tests.engines.deploy_steps import hold_until_released, log_step


@DBOS.step()
def reserve() -> str:
    log_step("reserve")
    return "reserved"


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
    if DBOS.patch("charge-first"):
        first = charge()
    else:
        first = reserve()
    held = hold()
    return f"v2:{first}:{held}"
