"""What the inbox and the outbox share: listing rows newest first, and putting given-up rows
back in the queue. Both tables have `id`, `status`, `attempts` and `next_attempt_at`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update

from crm_core.errors import NotFound
from crm_core.uow import UnitOfWork


def latest(uow: UnitOfWork, model: Any, status: StrEnum | None, limit: int) -> list[Any]:
    """The newest `limit` rows of `model`, of one status or all."""
    stmt = select(model).order_by(model.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(model.status == status)
    return list(uow.session.scalars(stmt))


def requeue(
    uow: UnitOfWork,
    model: Any,
    *,
    given_up: StrEnum,
    pending: StrEnum,
    now: datetime,
    row_id: int | None,
    missing: str,
) -> int:
    """Rows in status `given_up` (one, or all) pending again, due now, attempts reset;
    returns how many. NotFound(`missing`) when the one asked for is not given up."""
    stmt = update(model).where(model.status == given_up)
    if row_id is not None:
        stmt = stmt.where(model.id == row_id)
    result = uow.session.execute(stmt.values(status=pending, attempts=0, next_attempt_at=now))
    count = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if row_id is not None and count == 0:
        raise NotFound(missing)
    return count
