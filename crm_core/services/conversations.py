"""What the dialogue keeps between messages: the half-done request of one user in one
conversation, and the ids of messages already handled (an event's effect happens once)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from crm_core.models import ConversationState, ProcessedMessage
from crm_core.uow import UnitOfWork

Key = tuple[str, str, str, str]  # channel, chat, thread ("" for none), user


def load_state(uow: UnitOfWork, key: Key) -> dict[str, Any]:
    row = _row(uow, key)
    return dict(row.state) if row is not None else {}


def save_state(uow: UnitOfWork, key: Key, state: dict[str, Any]) -> None:
    """Store (or, when empty, drop) the state; reuses the row `load_state` found in this unit
    of work, so a message costs one lookup."""
    row = _row(uow, key)
    if not state:
        if row is not None:
            uow.session.delete(row)
        return
    if row is None:
        channel, chat, thread, user = key
        uow.session.add(ConversationState(channel=channel, chat=chat, thread=thread, user_key=user, state=state))
    elif row.state != state:
        row.state = state


def _row(uow: UnitOfWork, key: Key) -> ConversationState | None:
    cache: dict[Key, ConversationState | None] = uow.info.setdefault("conversation_rows", {})
    if key not in cache:
        cache[key] = _query_row(uow, key)
    return cache[key]


def _query_row(uow: UnitOfWork, key: Key) -> ConversationState | None:
    channel, chat, thread, user = key
    return uow.session.scalar(
        select(ConversationState).where(
            ConversationState.channel == channel,
            ConversationState.chat == chat,
            ConversationState.thread == thread,
            ConversationState.user_key == user,
        )
    )


def already_processed(uow: UnitOfWork, channel: str, event_id: str) -> bool:
    return (
        uow.session.scalar(
            select(ProcessedMessage.id).where(ProcessedMessage.channel == channel, ProcessedMessage.event_id == event_id)
        )
        is not None
    )


def mark_processed(uow: UnitOfWork, channel: str, event_id: str) -> None:
    """Record the id in this transaction; a concurrent duplicate fails on the unique key."""
    uow.session.add(ProcessedMessage(channel=channel, event_id=event_id))
    uow.session.flush()


def forget_processed_before(uow: UnitOfWork, before_id: int) -> None:
    uow.session.execute(delete(ProcessedMessage).where(ProcessedMessage.id < before_id))
