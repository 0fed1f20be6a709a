"""The outbox: every reply and push is a row written in the transaction of what caused it;
a sender claims due rows, delivers them, and marks them sent, retried later, or dead.

    enqueue        one row (a rendered reply, its chat and thread)
    claim_due      due rows, oldest first, leased to the sender
    mark_sending   one claimed row is about to go to the platform: SENDING, committed
                   before the call (by whom, since when)
    QUEUE          the rest of the durable queue (crm_core.services.queue): renew, complete,
                   fail (backoff 2, 4, 8 ... s capped at 5 minutes, or what the platform
                   asked for in a 429; after MAX_ATTEMPTS the row is DEAD), release,
                   interrupted, latest, requeue

A row found SENDING once its lease ran out was on its way when its sender died (or lost
the database): the platform may or may not have it, and neither Telegram nor Slack can be
asked without an idempotency key. It is sent again (at least once: a reply or reminder is
never lost; a rare duplicate is the price). docs/decisions: outbox-sending-mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from crm_core.enums import OutboxStatus
from crm_core.models import OutboxMessage
from crm_core.services.queue import DurableQueue
from crm_core.uow import UnitOfWork

MAX_ATTEMPTS = 8

QUEUE = DurableQueue(
    OutboxMessage,
    noun="outbox message",
    pending=OutboxStatus.PENDING,
    done=OutboxStatus.SENT,
    given_up=OutboxStatus.DEAD,
    in_flight=OutboxStatus.SENDING,
    completed_at="sent_at",
    max_attempts=MAX_ATTEMPTS,
)


def enqueue(
    uow: UnitOfWork,
    channel: str,
    chat: str,
    payload: dict[str, Any],
    thread: str | None = None,
    blob: bytes | None = None,
    purpose: str = "reply",
    not_before: datetime | None = None,
    now: datetime | None = None,
) -> OutboxMessage:
    """A row due at `not_before`, else at `now` (created then); without either, the
    table's defaults stamp the time of the insert."""
    row = OutboxMessage(channel=channel, chat=chat, thread=thread, payload=payload, blob=blob, purpose=purpose)
    if now is not None:
        row.created_at = row.next_attempt_at = now
    if not_before is not None:
        row.next_attempt_at = not_before
    uow.session.add(row)
    return row


def claim_due(uow: UnitOfWork, now: datetime, limit: int = 50, channels: Sequence[str] | None = None) -> list[OutboxMessage]:
    """Due rows (of `channels`, or all), oldest first, leased to the caller (QUEUE.claim)."""
    where = [] if channels is None else [OutboxMessage.channel.in_(list(channels))]
    return QUEUE.claim(uow, now, limit, *where)


def mark_sending(uow: UnitOfWork, row_id: int, attempts: int, now: datetime, owner: str) -> bool:
    """The claimed row (its `attempts`-th attempt) goes to the platform now, from `owner`
    (host:pid); False when it is no longer this claim's and must not be sent (QUEUE.start)."""
    return QUEUE.start(uow, row_id, attempts, now, sending_by=owner[:64], sending_at=now)
