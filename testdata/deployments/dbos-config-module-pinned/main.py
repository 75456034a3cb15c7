import os

from dbos import DBOS, DBOSConfig

import workflow  # noqa: F401  (registers the workflows)

config: DBOSConfig = {
    "name": "orders",
    "application_version": "orders-1",
    "system_database_url": os.environ.get("DBOS_SYSTEM_DATABASE_URL", "sqlite:///orders.sqlite"),
}

if __name__ == "__main__":
    DBOS(config=config)
    DBOS.launch()
