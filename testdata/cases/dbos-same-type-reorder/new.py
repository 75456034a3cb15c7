from dbos import DBOS


@DBOS.step()
def ship_parcel(order_id: str) -> str:
    return "ship_parcel " + order_id


@DBOS.workflow()
def order_workflow(order_id: str = "order-1") -> str:
    ship_parcel("parcel-b")
    ship_parcel("parcel-a")
    return "done"
