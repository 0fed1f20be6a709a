"""The unit of work: one transaction, its actor, and the audit entries of its changes.

    with UnitOfWork(session_factory, actor_id=7) as uow:
        company = companies.create_company(uow, "Acme Corp")
        uow.commit()

Service functions take the open unit of work and never commit: the caller decides where
the transaction ends (one incoming message = one transaction, so its processed-message id,
its changes, its audit entries and later its outbox rows land together or not at all).
Leaving the block without `commit()` rolls everything back.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from types import TracebackType
from typing import Any, Self, TypeVar

from sqlalchemy import Engine, insert, inspect
from sqlalchemy.orm import Session, sessionmaker

from crm_core import records
from crm_core.clock import Clock, SystemClock, in_use, restore
from crm_core.enums import AuditAction
from crm_core.models import AuditEntry, Base

T = TypeVar("T")


def snapshot(obj: Base, fields: set[str] | None = None) -> dict[str, Any]:
    """Column values of a row as JSON-able values (datetimes ISO, enums by value)."""
    out: dict[str, Any] = {}
    for column in inspect(obj).mapper.column_attrs:
        key = column.key
        if fields is not None and key not in fields:
            continue
        value = getattr(obj, key)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Enum):
            value = value.value
        out[key] = value
    return out


class UnitOfWork:
    def __init__(
        self,
        session_factory: sessionmaker,  # type: ignore[type-arg]
        actor_id: int | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._session_factory = session_factory
        self.actor_id = actor_id
        self.clock: Clock = clock or SystemClock()
        self._clock_token: object = None
        self.change_set = str(uuid.uuid4())
        self._session: Session | None = None
        self.committed = False
        # per-transaction memo of callers (cleared on enter), and the entities changed in it
        self.info: dict[str, Any] = {}
        self.touched: set[str] = set()
        # audit rows not yet written (see `write_audit`)
        self._audit_rows: list[dict[str, Any]] = []

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its `with` block")
        return self._session

    def now(self) -> datetime:
        """The time, by the clock the product was composed with."""
        return self.clock.now()

    def __enter__(self) -> Self:
        self._clock_token = in_use(self.clock)
        self._session = self._session_factory()
        self.committed = False
        self.info = {}
        self.touched = set()
        self._audit_rows = []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        session = self.session
        try:
            if not self.committed:
                session.rollback()
        finally:
            session.close()
            self._session = None
            restore(self._clock_token)

    def get(self, model: type[T], ident: int) -> T | None:
        """The row of `model` with this id, or None."""
        return self.session.get(model, ident)

    def keep(self, obj: T) -> T:
        """`obj` detached from this transaction, to be brought into a later one (`attached`)."""
        self.session.expunge(obj)
        return obj

    def attached(self, obj: T) -> T:
        """A row kept from an earlier transaction, part of this one again without a query."""
        return self.session.merge(obj, load=False)

    def commit(self) -> None:
        self.write_audit()
        self.session.commit()
        self.committed = True

    def rollback(self) -> None:
        """Drop everything done in this unit of work so far; it stays open for more."""
        self.session.rollback()
        self.touched = set()
        self._audit_rows = []

    def write_audit(self) -> None:
        """Insert the audit entries recorded so far, in the order they were recorded.

        Entries are recorded as plain rows and inserted in one statement at commit (or by
        a reader of the audit log in this transaction, which calls this first): an ORM
        object per entry cost a flush of its own. Their values, `at` included, are fixed
        when the change is recorded."""
        if self._audit_rows:
            rows, self._audit_rows = self._audit_rows, []
            self.session.connection().execute(insert(AuditEntry), rows)

    # -- audit ----------------------------------------------------------------------------

    def created(self, obj: Base) -> None:
        self.session.flush()
        self._audit(AuditAction.CREATE, records.kind_of(obj).key, obj, None, snapshot(obj))

    def updated(self, obj: Base, before: dict[str, Any]) -> None:
        """Record an update; `before` is `snapshot(obj, fields)` taken before the change."""
        if any(key.endswith("_id") for key in before):
            self.session.flush()  # a relationship set on the object reaches its column here
        after = snapshot(obj, set(before))
        if after != before:
            self._audit(AuditAction.UPDATE, records.kind_of(obj).key, obj, before, after)

    def refused(self, obj: Base, before: dict[str, Any], asked: dict[str, Any]) -> None:
        """Record a change that was asked for and refused (an account taking over a user's)."""
        self._audit(AuditAction.REFUSED, records.kind_of(obj).key, obj, before, asked)

    def deleted(self, obj: Base) -> None:
        self._audit(AuditAction.DELETE, records.kind_of(obj).key, obj, snapshot(obj), None)

    def _audit(
        self,
        action: AuditAction,
        entity: str,
        obj: Base,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reverts: str | None = None,
    ) -> None:
        self.touched.add(entity)
        self._audit_rows.append(
            {
                "at": self.clock.now(),
                "actor_id": self.actor_id,
                "change_set": self.change_set,
                "action": action,
                "entity": entity,
                "entity_id": obj.id,  # type: ignore[attr-defined]
                "before": before,
                "after": after,
                "undone_by": None,
                "reverts": reverts,
            }
        )


@dataclass(frozen=True)
class Database:
    """What the composition root hands out: the engine and the factory units of work use."""

    engine: Engine
    session_factory: sessionmaker  # type: ignore[type-arg]
    clock: Clock = field(default_factory=SystemClock)

    def unit_of_work(self, actor_id: int | None = None) -> UnitOfWork:
        return UnitOfWork(self.session_factory, actor_id, self.clock)

    def dispose(self) -> None:
        self.engine.dispose()
