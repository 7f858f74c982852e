"""Storage: SQLModel tables, the unit of work and the repository functions.

Imports nothing of ours. Every function here is synchronous; the caller runs one unit of
work per update or job in a worker thread (``Database.run``).
"""

from storage.db import Database, DatabaseUnavailable, make_engine

__all__ = ["Database", "DatabaseUnavailable", "make_engine"]
