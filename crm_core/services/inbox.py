"""The inbox: incoming platform events stored before the platform is answered, handled after.

    accept  one insert, every string in it cleaned (crm_core.cleaning.clean_text: no NUL,
            no lone surrogate); False when the event was stored before (a retry or redelivery)
    claim   the oldest pending event of each conversation that is due, leased to the caller
    QUEUE   the rest of the durable queue (crm_core.services.queue): renew, complete, fail
            (backoff 2, 4, 8, 16 s, then FAILED), release, prune, latest, requeue

Only the oldest pending event of a conversation can be claimed, so one conversation's
messages are handled in order and never two at once, even by several processes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from crm_core.cleaning import clean_strings, clean_text
from crm_core.enums import InboxStatus
from crm_core.models import InboxEvent
from crm_core.services.queue import DurableQueue
from crm_core.uow import UnitOfWork

MAX_ATTEMPTS = 5

QUEUE = DurableQueue(
    InboxEvent,
    noun="inbox event",
    pending=InboxStatus.PENDING,
    done=InboxStatus.DONE,
    given_up=InboxStatus.FAILED,
    completed_at="done_at",
    max_attempts=MAX_ATTEMPTS,
)


def accept(
    uow: UnitOfWork, channel: str, event_id: str, chat_key: str, payload: dict[str, Any], now: datetime
) -> bool:
    """Store the event, due at once, its strings cleaned; False when it was stored before."""
    event_id, chat_key, payload = clean_text(event_id), clean_text(chat_key), clean_strings(payload)
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
    leased to the caller (QUEUE.claim)."""
    older = aliased(InboxEvent)
    earlier_pending = exists().where(
        older.status == InboxStatus.PENDING,
        older.channel == InboxEvent.channel,
        older.chat_key == InboxEvent.chat_key,
        older.id < InboxEvent.id,
    )
    where = [~earlier_pending]
    if channels is not None:
        where.append(InboxEvent.channel.in_(list(channels)))
    return QUEUE.claim(uow, now, limit, *where)
