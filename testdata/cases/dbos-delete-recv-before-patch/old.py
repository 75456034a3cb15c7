from dbos import DBOS


@DBOS.step()
def charge() -> None:
    pass


@DBOS.workflow()
def main() -> None:
    DBOS.recv("topic", timeout_seconds=0.01)
    DBOS.recv("topic", timeout_seconds=0.01)
    if DBOS.patch("p"):
        charge()
