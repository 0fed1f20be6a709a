"""What the dialogue keeps between messages: the half-done request of one user in one
conversation, and the ids of messages already handled (an event's effect happens once)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update

from crm_core.clock import utcnow
from crm_core.models import ConversationState, ProcessedMessage
from crm_core.uow import UnitOfWork

Key = tuple[str, str, str, str]  # channel, chat, thread ("" for none), user


# Read and written as plain rows (Core statements on the transaction's connection, no ORM
# objects, no session machinery): this runs for every message, and the ORM's bookkeeping
# was a tenth of a message's time.
_TABLE = cast(Table, ConversationState.__table__)
_MATCH = (
    (_TABLE.c.channel == bindparam("channel"))
    & (_TABLE.c.chat == bindparam("chat"))
    & (_TABLE.c.thread == bindparam("thread"))
    & (_TABLE.c.user_key == bindparam("user_key"))
)
_SELECT = select(_TABLE.c.id, _TABLE.c.state).where(_MATCH)


def _params(key: Key) -> dict[str, str]:
    channel, chat, thread, user = key
    return {"channel": channel, "chat": chat, "thread": thread, "user_key": user}


def load_state(uow: UnitOfWork, key: Key) -> dict[str, Any]:
    row = uow.session.connection().execute(_SELECT, _params(key)).first()
    found: tuple[int | None, dict[str, Any]] = (row[0], dict(row[1])) if row is not None else (None, {})
    uow.info.setdefault("conversation_rows", {})[key] = found
    return dict(found[1])


def save_state(uow: UnitOfWork, key: Key, state: dict[str, Any]) -> None:
    """Store (or, when empty, drop) the state; uses what `load_state` read in this unit of
    work, so an unchanged state costs nothing."""
    known = uow.info.get("conversation_rows", {}).get(key)
    if known is None:
        load_state(uow, key)
        known = uow.info["conversation_rows"][key]
    row_id, before = known
    if state == before:
        return
    connection = uow.session.connection()
    if row_id is None:
        connection.execute(insert(_TABLE).values(**_params(key), state=state, updated_at=utcnow()))
    elif not state:
        connection.execute(delete(_TABLE).where(_TABLE.c.id == row_id))
    else:
        connection.execute(update(_TABLE).where(_TABLE.c.id == row_id).values(state=state, updated_at=utcnow()))


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
