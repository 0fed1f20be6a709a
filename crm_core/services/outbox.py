"""The outbox: every reply and push is a row written in the transaction of what caused it;
a sender claims due rows, delivers them, and marks them sent, retried later, or dead.

Backoff after a failure: 2, 4, 8 ... seconds (capped at 5 minutes), or what the platform
asked for (429 Retry-After). After MAX_ATTEMPTS a row is dead until `retry`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update

from crm_core.enums import OutboxStatus
from crm_core.errors import NotFound
from crm_core.models import OutboxMessage
from crm_core.services import queues
from crm_core.uow import UnitOfWork

MAX_ATTEMPTS = 8
MAX_BACKOFF = timedelta(minutes=5)
# a claimed row is invisible to other senders for this long; the sender renews the lease while
# it holds the row, so a crashed sender's rows return within seconds, not a minute
CLAIM_LEASE = timedelta(seconds=6)


def enqueue(
    uow: UnitOfWork,
    channel: str,
    chat: str,
    payload: dict[str, Any],
    thread: str | None = None,
    blob: bytes | None = None,
    purpose: str = "reply",
    not_before: datetime | None = None,
) -> OutboxMessage:
    row = OutboxMessage(channel=channel, chat=chat, thread=thread, payload=payload, blob=blob, purpose=purpose)
    if not_before is not None:
        row.next_attempt_at = not_before
    uow.session.add(row)
    return row


def claim_due(uow: UnitOfWork, now: datetime, limit: int = 50, channels: Sequence[str] | None = None) -> list[OutboxMessage]:
    """Due pending rows, oldest first, leased to this sender (pushed CLAIM_LEASE ahead) so that
    another sender does not take them; on PostgreSQL locked rows are skipped."""
    stmt = (
        select(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
        .order_by(OutboxMessage.id)
        .limit(limit)
    )
    if channels is not None:
        stmt = stmt.where(OutboxMessage.channel.in_(list(channels)))
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = list(uow.session.scalars(stmt))
    for row in rows:
        row.next_attempt_at = now + CLAIM_LEASE
    return rows


def extend_leases(uow: UnitOfWork, message_ids: Sequence[int], until: datetime) -> None:
    """Rows still in the sender's hands stay invisible to other senders until `until`."""
    uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(list(message_ids)), OutboxMessage.status == OutboxStatus.PENDING)
        .values(next_attempt_at=until)
    )


def mark_sent(uow: UnitOfWork, message_id: int, now: datetime, platform_id: str | None = None) -> None:
    uow.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(status=OutboxStatus.SENT, sent_at=now, platform_id=platform_id, attempts=OutboxMessage.attempts + 1)
    )


def mark_failed(
    uow: UnitOfWork, message_id: int, now: datetime, error: str, retry_after: float | None = None, permanent: bool = False
) -> OutboxStatus:
    """Count a failed attempt; schedule the next one, or give up (dead)."""
    row = uow.session.get(OutboxMessage, message_id)
    if row is None:
        raise NotFound(f"No outbox message {message_id}.")
    row.attempts += 1
    row.last_error = error[:200]
    if permanent or row.attempts >= MAX_ATTEMPTS:
        row.status = OutboxStatus.DEAD
    else:
        delay = timedelta(seconds=retry_after) if retry_after is not None else min(MAX_BACKOFF, timedelta(seconds=2**row.attempts))
        row.next_attempt_at = now + delay
    return row.status


def postpone(uow: UnitOfWork, message_id: int, until: datetime) -> None:
    """Not a failure: a rate limit of ours says later (the attempt is not counted)."""
    uow.session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(next_attempt_at=until))


def list_messages(uow: UnitOfWork, status: OutboxStatus | None = None, limit: int = 100) -> list[OutboxMessage]:
    return queues.latest(uow, OutboxMessage, status, limit)


def retry(uow: UnitOfWork, now: datetime, message_id: int | None = None) -> int:
    """Make dead rows (one, or all) pending again, due now; returns how many."""
    return queues.requeue(
        uow,
        OutboxMessage,
        given_up=OutboxStatus.DEAD,
        pending=OutboxStatus.PENDING,
        now=now,
        row_id=message_id,
        missing=f"No dead outbox message {message_id}.",
    )


def pending_count(uow: UnitOfWork) -> int:
    return int(
        uow.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.PENDING))
        or 0
    )
