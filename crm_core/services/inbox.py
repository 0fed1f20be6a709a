"""The inbox: incoming platform events stored before the platform is answered, handled after.

    accept  one insert, every string in it cleaned (crm_core.cleaning.clean_text: no NUL,
            no lone surrogate); False when the event was stored before (a retry or redelivery)
    claim   due events, at most one per conversation, leased to the caller
    QUEUE   the rest of the durable queue (crm_core.services.queue): renew, complete, fail
            (backoff 2, 4, 8, 16 s, then FAILED), release, prune, latest, requeue

One conversation's events are handled in order and never two at once, even by several
processes: an event is claimed only when no other event of its conversation is being
handled and every earlier one is done, given up, or waiting out the backoff of a failed
attempt. So an event that fails holds up the events behind it for one attempt, not for its
backoff (docs/decisions/, "A failing event steps aside"). While a pending event waits
out a backoff its `last_error` says why; a claim clears it, which is how "being handled"
and "waiting after a failure" are told apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, or_, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased
from sqlalchemy.orm.attributes import set_committed_value

from crm_core.cleaning import clean_strings, clean_text
from crm_core.enums import InboxStatus
from crm_core.models import InboxEvent
from crm_core.services.queue import DurableQueue
from crm_core.uow import UnitOfWork

MAX_ATTEMPTS = 5
# PostgreSQL: claims of all processes go one after another (a transaction advisory lock, with
# the schema as second key), so each sees what the one before it leased
CLAIM_LOCK_KEY = 7_310_003

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
    """Store the event, due at once; False when it was stored before. One statement
    (`INSERT … ON CONFLICT DO NOTHING RETURNING id`): a platform's ack waits for it, and a
    retry racing the first delivery in another process is the same no-op. Its strings are
    cleaned first (crm_core.cleaning: no NUL, no lone surrogate)."""
    event_id, chat_key, payload = clean_text(event_id), clean_text(chat_key), clean_strings(payload)
    values = {
        "channel": channel,
        "event_id": event_id,
        "chat_key": chat_key[:200],
        "payload": payload,
        "status": InboxStatus.PENDING,
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }
    insert = _INSERTS[uow.session.get_bind().dialect.name]
    statement = insert(InboxEvent).values(values).on_conflict_do_nothing(index_elements=["channel", "event_id"])
    return uow.session.execute(statement.returning(InboxEvent.id)).scalar() is not None


_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def claim(uow: UnitOfWork, now: datetime, limit: int = 50, channels: Sequence[str] | None = None) -> list[InboxEvent]:
    """Due events that may be handled now, at most one per conversation, oldest first, leased
    to the caller (QUEUE.claim): none of their conversation's other pending events is being
    handled, and every earlier one is waiting out the backoff of a failed attempt."""
    if uow.session.get_bind().dialect.name == "postgresql":
        uow.session.execute(
            text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"), {"k": CLAIM_LOCK_KEY}
        )
    other = aliased(InboxEvent)
    waiting_after_failure = and_(other.last_error.is_not(None), other.next_attempt_at > now)
    being_handled = and_(other.attempts > 0, other.last_error.is_(None), other.next_attempt_at > now)
    held_up = exists().where(
        other.status == InboxStatus.PENDING,
        other.channel == InboxEvent.channel,
        other.chat_key == InboxEvent.chat_key,
        or_(
            and_(other.id < InboxEvent.id, ~waiting_after_failure),
            and_(other.id > InboxEvent.id, being_handled),
        ),
    )
    where = [~held_up]
    if channels is not None:
        where.append(InboxEvent.channel.in_(list(channels)))
    rows = QUEUE.claim(uow, now, limit, *where)
    if rows:
        uow.session.execute(
            update(InboxEvent)
            .where(InboxEvent.id.in_([r.id for r in rows]))
            .values(last_error=None)
            .execution_options(synchronize_session=False)
        )
        for row in rows:
            set_committed_value(row, "last_error", None)
    return rows
