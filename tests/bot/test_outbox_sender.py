"""The outbox sender against a fake platform sender (our own port, not a mock): delivery,
order per chat, rate limits, 429, transient and permanent failures, dead letters, retry."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.outbox_sender import OutboxSender
from bot.ports import PermanentError, RetryAfter, TransientError
from crm_core.enums import OutboxStatus
from crm_core.models import OutboxMessage
from crm_core.services import outbox
from crm_core.uow import Database
from intents.dialogue import enqueue_replies
from intents.messages import AnyReply, Destination, Image, Text


class FakePlatform:
    channel = "fake"

    def __init__(self, per_chat_rate: float = 1000.0, overall_rate: float = 1000.0) -> None:
        self.per_chat_rate = per_chat_rate
        self.overall_rate = overall_rate
        self.sent: list[tuple[str, str | None, AnyReply, float]] = []
        self.failures: list[Exception] = []

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat, thread, reply, time.monotonic()))
        return str(len(self.sent))


def put(db: Database, chat: str, *texts: str, thread: str | None = None) -> None:
    with db.unit_of_work() as uow:
        enqueue_replies(uow, Destination("fake", chat, thread), [Text(t) for t in texts])
        uow.commit()


def statuses(db: Database) -> list[tuple[str, OutboxStatus, int]]:
    with db.unit_of_work() as uow:
        return [(r.payload.get("text", ""), r.status, r.attempts) for r in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


async def test_rows_are_delivered_once_in_order_per_chat(db: Database) -> None:
    platform = FakePlatform()
    put(db, "A", "a1", "a2", "a3")
    put(db, "B", "b1", thread="t9")
    sender = OutboxSender(db, {"fake": platform})
    assert await sender.drain_once() == 4
    assert await sender.drain_once() == 0
    assert [(c, r.text) for c, _, r, _ in platform.sent if c == "A"] == [("A", "a1"), ("A", "a2"), ("A", "a3")]  # type: ignore[union-attr]
    assert [(c, th) for c, th, _, _ in platform.sent if c == "B"] == [("B", "t9")]
    assert {s for _, s, _ in statuses(db)} == {OutboxStatus.SENT}


async def test_images_keep_their_bytes(db: Database) -> None:
    platform = FakePlatform()
    with db.unit_of_work() as uow:
        enqueue_replies(uow, Destination("fake", "A"), [Image(b"\x89PNG-bytes", "chart")])
        uow.commit()
    await OutboxSender(db, {"fake": platform}).drain_once()
    image = platform.sent[0][2]
    assert isinstance(image, Image) and image.png == b"\x89PNG-bytes" and image.title == "chart"


async def test_per_chat_rate_is_kept_and_chats_go_side_by_side(db: Database) -> None:
    platform = FakePlatform(per_chat_rate=10.0)
    put(db, "A", "1", "2", "3", "4")
    put(db, "B", "1", "2", "3", "4")
    started = time.monotonic()
    await OutboxSender(db, {"fake": platform}).drain_once()
    elapsed = time.monotonic() - started
    gaps = [b[3] - a[3] for a, b in zip([s for s in platform.sent if s[0] == "A"], [s for s in platform.sent if s[0] == "A"][1:])]
    assert min(gaps) >= 0.09  # 10 a second in one chat
    assert elapsed < 0.55  # the two chats did not wait for each other (4 each at 10/s ≈ 0.3 s)


async def test_429_pauses_the_chat_and_the_row_goes_later(db: Database) -> None:
    platform = FakePlatform()
    platform.failures = [RetryAfter(30)]
    put(db, "A", "first", "second")
    now = datetime.now(UTC)  # the rows were queued just now
    sender = OutboxSender(db, {"fake": platform}, clock=lambda: now)
    await sender.drain_once()
    assert platform.sent == []
    with db.unit_of_work() as uow:
        rows = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        assert [r.status for r in rows] == [OutboxStatus.PENDING, OutboxStatus.PENDING]
        assert rows[0].last_error == "429" and rows[0].attempts == 1
        assert all(r.next_attempt_at >= now + timedelta(seconds=30) for r in rows)


async def test_transient_errors_back_off_then_die_and_retry_revives(db: Database) -> None:
    platform = FakePlatform()
    put(db, "A", "hello")
    clock = [datetime.now(UTC)]  # the row was queued just now
    sender = OutboxSender(db, {"fake": platform}, clock=lambda: clock[0])
    for _ in range(outbox.MAX_ATTEMPTS):
        platform.failures = [TransientError("503")]
        await sender.drain_once()
        clock[0] += timedelta(hours=1)
    assert statuses(db) == [("hello", OutboxStatus.DEAD, outbox.MAX_ATTEMPTS)]
    with db.unit_of_work() as uow:
        assert outbox.retry(uow, clock[0]) == 1
        uow.commit()
    await sender.drain_once()
    assert statuses(db) == [("hello", OutboxStatus.SENT, 1)] and len(platform.sent) == 1


async def test_a_permanent_error_is_dead_at_once(db: Database) -> None:
    platform = FakePlatform()
    platform.failures = [PermanentError("chat_not_found")]
    put(db, "A", "hello")
    await OutboxSender(db, {"fake": platform}).drain_once()
    assert statuses(db) == [("hello", OutboxStatus.DEAD, 1)]
