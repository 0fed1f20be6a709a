"""One leader among several processes sharing a PostgreSQL database: whoever holds a session
advisory lock runs the scheduler, the Telegram poller and the outbox sender. The lock lives
as long as the holder's connection, so when a leader dies PostgreSQL frees it and the next
`try_acquire` of another process wins. SQLite means one process: always the leader.
"""

from __future__ import annotations

import logging

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger(__name__)

LEADER_LOCK_KEY = 7_310_002
# advisory locks are per database; the second key scopes the lock to the schema too, so two
# installations in one database (or test schemas side by side) each have their own leader
_TRY = "SELECT pg_try_advisory_lock(:k, hashtext(current_schema()))"
_UNLOCK = "SELECT pg_advisory_unlock(:k, hashtext(current_schema()))"


class LeaderLock:
    """`try_acquire` never raises for the database's sake: a refused connection, a lost one or
    a failed query all mean "not the leader now", and the next call tries again."""

    def __init__(self, engine: Engine, key: int = LEADER_LOCK_KEY) -> None:
        self.engine = engine
        self.key = key
        self._connection: Connection | None = None
        self.single_process = engine.dialect.name != "postgresql"

    @property
    def held(self) -> bool:
        return self.single_process or self._connection is not None

    def try_acquire(self) -> bool:
        """True while this process is the leader; checks a held lock's connection is alive."""
        if self.single_process:
            return True
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT 1"))
                return True
            except DBAPIError:
                log.warning("leader connection lost")
                self._drop()
        try:
            connection = self.engine.connect()
        except DBAPIError:
            return False  # the database refuses connections now: nobody here leads
        try:
            got = bool(connection.execute(text(_TRY), {"k": self.key}).scalar())
            connection.commit()
        except DBAPIError:
            _close(connection)
            return False
        if got:
            self._connection = connection
            log.info("became leader")
            return True
        connection.close()
        return False

    def release(self) -> None:
        if self._connection is None:
            return
        try:
            self._connection.execute(text(_UNLOCK), {"k": self.key})
            self._connection.commit()
        except DBAPIError:
            pass
        self._drop()

    def _drop(self) -> None:
        if self._connection is not None:
            _close(self._connection)
        self._connection = None


def _close(connection: Connection) -> None:
    try:
        connection.close()
    except DBAPIError:
        pass
