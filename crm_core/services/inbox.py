"""The inbox: incoming platform events stored before the platform is answered, handled after.

    accept  one insert; False when the event was stored before (a retry or redelivery)
    claim   the oldest pending event of each conversation that is due, leased to the caller
    mark_done / mark_failed   after handling; failures back off 2, 4, 8 ... s, then FAILED
    prune   done events older than a cutoff (they hold message text)

Only the oldest pending event of a conversation can be claimed, so one conversation's
messages are handled in order and never two at once, even by several processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from crm_core.enums import InboxStatus
from crm_core.models import InboxEvent
from crm_core.services import queues
from crm_core.uow import UnitOfWork

MAX_ATTEMPTS = 5
MAX_BACKOFF = timedelta(minutes=5)
# a claimed event is invisible to other workers this long; the worker renews the lease while
# it holds the event, so a crashed worker's events return within seconds, not a minute
CLAIM_LEASE = timedelta(seconds=6)


def accept(
    uow: UnitOfWork, channel: str, event_id: str, chat_key: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Store the event, due at once; False when it was stored before."""
    known = uow.session.scalar(
        select(InboxEvent.id).where(InboxEvent.channel == channel, InboxEvent.event_id == event_id)
    )
    if known is not None:
        return False
    try:
        with uow.session.begin_nested():
            uow.session.add(
                InboxEvent(
                    channel=channel,
                    event_id=event_id,
                    chat_key=chat_key[:200],
                    payload=payload,
                    created_at=now,
                    next_attempt_at=now,
                )
            )
    except IntegrityError:  # stored by another process a moment ago
        return False
    return True


def claim(uow: UnitOfWork, now: datetime, limit: int = 50, channels: Sequence[str] | None = None) -> list[InboxEvent]:
    """Due events that are the oldest pending one of their conversation, oldest first,
    leased for CLAIM_LEASE; on PostgreSQL rows locked by another worker are skipped."""
    older = aliased(InboxEvent)
    earlier_pending = exists().where(
        older.status == InboxStatus.PENDING,
        older.channel == InboxEvent.channel,
        older.chat_key == InboxEvent.chat_key,
        older.id < InboxEvent.id,
    )
    stmt = (
        select(InboxEvent)
        .where(InboxEvent.status == InboxStatus.PENDING, InboxEvent.next_attempt_at <= now, ~earlier_pending)
        .order_by(InboxEvent.id)
        .limit(limit)
    )
    if channels is not None:
        stmt = stmt.where(InboxEvent.channel.in_(list(channels)))
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    claimed = []
    for row in uow.session.scalars(stmt).all():
        # compare-and-set: a worker that read the same row a moment ago (SQLite has no
        # SKIP LOCKED) changes nothing here, and the row is not claimed twice
        leased = {"next_attempt_at": now + CLAIM_LEASE, "attempts": row.attempts + 1}
        taken = uow.session.execute(
            update(InboxEvent)
            .where(InboxEvent.id == row.id, InboxEvent.attempts == row.attempts, InboxEvent.status == InboxStatus.PENDING)
            .values(**leased)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            for key, value in leased.items():  # what was written, without reading it back
                set_committed_value(row, key, value)
            claimed.append(row)
    return claimed


def extend_leases(uow: UnitOfWork, event_ids: Sequence[int], until: datetime) -> None:
    """Events still in the worker's hands stay invisible to others until `until`."""
    uow.session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(list(event_ids)), InboxEvent.status == InboxStatus.PENDING)
        .values(next_attempt_at=until)
    )


def release(uow: UnitOfWork, event_ids: Sequence[int], now: datetime) -> None:
    """Claimed events not handled (a shutdown): due again at once, the claim not counted."""
    uow.session.execute(
        update(InboxEvent)
        .where(InboxEvent.id.in_(list(event_ids)), InboxEvent.status == InboxStatus.PENDING, InboxEvent.attempts > 0)
        .values(next_attempt_at=now, attempts=InboxEvent.attempts - 1)
    )


def mark_done(uow: UnitOfWork, event_id: int, now: datetime) -> None:
    uow.session.execute(
        update(InboxEvent).where(InboxEvent.id == event_id).values(status=InboxStatus.DONE, done_at=now)
    )


def mark_failed(uow: UnitOfWork, event_id: int, now: datetime, error: str) -> InboxStatus:
    """A handling error (its transaction was rolled back): try again later, or give up."""
    row = uow.session.get(InboxEvent, event_id)
    if row is None:
        return InboxStatus.FAILED
    row.last_error = error[:200]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = InboxStatus.FAILED
    else:
        row.next_attempt_at = now + min(MAX_BACKOFF, timedelta(seconds=2**row.attempts))
    return row.status


def prune(uow: UnitOfWork, before: datetime) -> int:
    result = uow.session.execute(
        delete(InboxEvent).where(InboxEvent.status == InboxStatus.DONE, InboxEvent.done_at < before)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def counts(uow: UnitOfWork) -> dict[str, int]:
    rows = uow.session.execute(select(InboxEvent.status, func.count()).group_by(InboxEvent.status))
    return {str(status): int(n) for status, n in rows}


def list_events(uow: UnitOfWork, status: InboxStatus | None = None, limit: int = 100) -> list[InboxEvent]:
    return queues.latest(uow, InboxEvent, status, limit)


def retry(uow: UnitOfWork, now: datetime, event_id: int | None = None) -> int:
    """Make failed events (one, or all) pending again, due now; returns how many."""
    return queues.requeue(
        uow,
        InboxEvent,
        given_up=InboxStatus.FAILED,
        pending=InboxStatus.PENDING,
        now=now,
        row_id=event_id,
        missing=f"No failed inbox event {event_id}.",
    )
