"""The inbox on SQLite and PostgreSQL: an event stored before the platform is answered is
handled once, after a crash too, its text cleaned; failures are retried, then given up and
the user told; one conversation's events go one at a time and in order, and one that failed
waits out its backoff aside; handled events are pruned."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select

from bot.inbox import InboxWorker
from crm_core.clock import ManualClock
from crm_core.enums import InboxStatus
from crm_core.models import InboxEvent
from crm_core.services import inbox
from crm_core.uow import Database


class Recorder:
    """A platform adapter's `handle`: records what it was given; fails while told to."""

    def __init__(self) -> None:
        self.handled: list[str] = []
        self.fail_times = 0
        self.busy: set[str] = set()
        self.overlaps = 0

    async def handle(self, payload: dict[str, Any]) -> None:
        chat = str(payload["chat"])
        if chat in self.busy:
            self.overlaps += 1
        self.busy.add(chat)
        try:
            await asyncio.sleep(0)
            if self.fail_times:
                self.fail_times -= 1
                raise RuntimeError("database went away")
            self.handled.append(str(payload["text"]))
        finally:
            self.busy.discard(chat)


def at(now: datetime) -> Callable[[], datetime]:
    """A clock standing still at `now`."""
    return lambda: now


def statuses(db: Database) -> list[tuple[str, InboxStatus, int]]:
    with db.unit_of_work() as uow:
        rows = uow.session.scalars(select(InboxEvent).order_by(InboxEvent.id))
        return [(r.event_id, r.status, r.attempts) for r in rows]


async def test_an_event_stored_before_a_crash_is_handled_once_after_it(db: Database, now: datetime) -> None:
    before = InboxWorker(db, {"slack": Recorder().handle}, clock=at(now))
    assert await before.accept("slack", "Ev1", "D1", {"chat": "D1", "text": "hi"})
    assert not await before.accept("slack", "Ev1", "D1", {"chat": "D1", "text": "hi"})  # Slack's retry
    # the process dies here: stored, acked, not handled
    recorder = Recorder()
    after = InboxWorker(db, {"slack": recorder.handle}, clock=at(now))
    assert await after.drain_once() == 1
    assert await after.drain_once() == 0
    assert not await after.accept("slack", "Ev1", "D1", {"chat": "D1", "text": "hi"})  # a late retry
    assert await after.drain_once() == 0
    assert recorder.handled == ["hi"]
    assert statuses(db) == [("Ev1", InboxStatus.DONE, 1)]


async def test_a_failing_event_is_retried_with_backoff_then_given_up_and_the_user_told_once(
    db: Database, now: datetime
) -> None:
    clock = ManualClock(now)
    recorder, told = Recorder(), Recorder()
    worker = InboxWorker(db, clock=clock)
    worker.register("telegram", recorder.handle, given_up=told.handle)
    await worker.accept("telegram", "1", "42", {"chat": "42", "text": "first"})
    recorder.fail_times = 1
    assert await worker.drain_once() == 1  # failed
    assert await worker.drain_once() == 0  # not due yet (2 s backoff)
    clock.advance(3)
    assert await worker.drain_once() == 1
    assert recorder.handled == ["first"] and told.handled == []

    await worker.accept("telegram", "3", "42", {"chat": "42", "text": "poison"})
    recorder.fail_times = inbox.MAX_ATTEMPTS
    for _ in range(inbox.MAX_ATTEMPTS):
        await worker.drain_once()
        clock.advance(timedelta(minutes=6))
    await worker.drain_once()
    assert recorder.handled == ["first"]
    assert told.handled == ["poison"]  # after the last try, once
    assert statuses(db)[1:] == [("3", InboxStatus.FAILED, inbox.MAX_ATTEMPTS)]


async def test_a_failing_event_waits_out_its_backoff_aside_and_the_events_behind_it_go_at_once(
    db: Database, now: datetime
) -> None:
    clock = ManualClock(now)
    recorder = Recorder()
    worker = InboxWorker(db, {"telegram": recorder.handle}, clock=clock)
    for n, text in enumerate(("poison", "second", "third"), 1):
        await worker.accept("telegram", str(n), "42", {"chat": "42", "text": text})
    recorder.fail_times = 1
    assert await worker.drain_once() == 3  # the clock stands still: no backoff waited
    assert recorder.handled == ["second", "third"]  # in order, behind the failed one
    clock.advance(2)
    assert await worker.drain_once() == 1  # its retry, after its backoff
    assert recorder.handled == ["second", "third", "poison"]
    assert recorder.overlaps == 0


async def test_an_event_due_again_waits_while_a_later_event_of_its_chat_is_being_handled(
    db: Database, now: datetime
) -> None:
    clock = ManualClock(now)
    worker = InboxWorker(db, {"telegram": Recorder().handle}, clock=clock)
    await worker.accept("telegram", "1", "42", {"chat": "42", "text": "poison"})
    await worker.accept("telegram", "2", "42", {"chat": "42", "text": "second"})
    await worker.accept("telegram", "3", "7", {"chat": "7", "text": "other chat"})

    def claim() -> list[str]:  # another process's claim, committed
        with db.unit_of_work() as uow:
            taken = [r.event_id for r in inbox.claim(uow, clock())]
            uow.commit()
            return taken

    def done(event_id: str, failed: bool = False) -> None:
        with db.unit_of_work() as uow:
            row = uow.session.scalars(select(InboxEvent).where(InboxEvent.event_id == event_id)).one()
            if failed:
                inbox.QUEUE.fail(uow, row.id, clock(), "RuntimeError")
            else:
                inbox.QUEUE.complete(uow, row.id, clock())
            uow.commit()

    assert claim() == ["1", "3"]
    done("1", failed=True)
    done("3")
    assert claim() == ["2"]  # "1" waits out its backoff aside
    clock.advance(3)  # "1" is due again, but "2" is still in hand
    assert claim() == []
    clock.advance(4)  # "2"'s holder died: its lease (6 s) has run out
    assert claim() == ["1"]  # the older one first, and alone
    assert claim() == []


async def test_an_event_is_stored_with_its_text_cleaned(db: Database, now: datetime) -> None:
    worker = InboxWorker(db, {"telegram": Recorder().handle}, clock=ManualClock(now))
    update = json.loads('{"update_id": 9, "message": {"chat": {"id": 42}, "text": "about pri\\ud800cing\\u0000 \\ud83d\\ude4f"}}')
    assert await worker.accept("telegram", "9", "42", update)
    with db.unit_of_work() as uow:
        stored = uow.session.scalars(select(InboxEvent.payload)).one()
    assert stored == {"update_id": 9, "message": {"chat": {"id": 42}, "text": "about pricing 🙏"}}


async def test_one_chat_goes_in_order_one_at_a_time_while_chats_interleave(db: Database, now: datetime) -> None:
    recorder = Recorder()
    worker = InboxWorker(db, {"telegram": recorder.handle}, clock=at(now))
    for n in range(3):
        for chat in ("A", "B"):
            await worker.accept("telegram", f"{chat}{n}", chat, {"chat": chat, "text": f"{chat}{n}"})
    with db.unit_of_work() as uow:
        first_round = [r.event_id for r in inbox.claim(uow, now)]
        uow.rollback()
    assert first_round == ["A0", "B0"]  # the oldest pending event of each chat only
    assert await worker.drain_once() == 6
    assert [t for t in recorder.handled if t[0] == "A"] == ["A0", "A1", "A2"]
    assert [t for t in recorder.handled if t[0] == "B"] == ["B0", "B1", "B2"]
    assert recorder.overlaps == 0


async def test_two_workers_never_take_the_same_event(db: Database, now: datetime) -> None:
    recorder = Recorder()
    first = InboxWorker(db, {"slack": recorder.handle}, clock=at(now))
    second = InboxWorker(db, {"slack": recorder.handle}, clock=at(now))
    for n in range(20):
        await first.accept("slack", f"Ev{n}", f"D{n % 4}", {"chat": f"D{n % 4}", "text": str(n)})
    counts = await asyncio.gather(first.drain_once(), second.drain_once())
    assert sum(counts) == 20
    assert sorted(recorder.handled, key=int) == [str(n) for n in range(20)]


async def test_handled_events_are_pruned_after_a_day_and_pending_ones_never(db: Database, now: datetime) -> None:
    clock = [now]
    worker = InboxWorker(db, {"slack": Recorder().handle}, clock=lambda: clock[0])
    await worker.accept("slack", "old", "D1", {"chat": "D1", "text": "x"})
    await worker.drain_once()
    await worker.accept("slack", "waiting", "D2", {"chat": "D2", "text": "y"})
    clock[0] += timedelta(hours=23, minutes=55)
    await worker.prune_if_due()  # the first time it prunes: nothing was done a day ago yet
    clock[0] += timedelta(minutes=6)
    await worker.prune_if_due()  # a day has passed, but the last pruning was 6 minutes ago
    assert [e for e, _, _ in statuses(db)] == ["old", "waiting"]
    clock[0] += timedelta(minutes=5)
    await worker.prune_if_due()
    assert [e for e, _, _ in statuses(db)] == ["waiting"]


def test_storing_an_event_is_one_statement_and_a_retry_is_one_too(db: Database, now: datetime) -> None:
    """A platform's ack waits for the store: one INSERT (a retried event: the same INSERT,
    which stores nothing), no read before it, no savepoint."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        for _ in range(2):
            with db.unit_of_work() as uow:
                fresh = inbox.accept(uow, "slack", "Ev1", "D1", {"chat": "D1"}, now)
                uow.commit()
            statements.append(f"fresh={fresh}")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert statements == ["INSERT", "fresh=True", "INSERT", "fresh=False"]
