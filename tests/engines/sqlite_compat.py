"""Run real DBOS on an SQLite that can hold its timestamps.

On Python >= 3.12 dbos 3.4 defaults its timestamps to SQLite's ``unixepoch('subsec')``, which needs
SQLite >= 3.42; Debian 12's system library (the interpreters' ``sqlite3``) is 3.40, where that is
NULL and every DBOS launch fails ("NOT NULL constraint failed: application_versions.
version_timestamp"). There, the processes that run DBOS use pysqlite3-binary's newer SQLite
instead of the standard library's. ``PRELUDE`` is the same code as text, for scripts written to
disk; it must run before anything imports sqlite3, sqlalchemy or dbos.
"""

PRELUDE = """
import sqlite3 as _stdlib_sqlite3, sys as _sys
if _sys.version_info >= (3, 12) and tuple(int(p) for p in _stdlib_sqlite3.sqlite_version.split(".")[:2]) < (3, 42):
    import pysqlite3 as _recent_sqlite3
    _sys.modules["sqlite3"] = _recent_sqlite3
    _sys.modules["sqlite3.dbapi2"] = _recent_sqlite3.dbapi2
"""


def use_recent_sqlite() -> None:
    exec(compile(PRELUDE, __file__, "exec"), {})
