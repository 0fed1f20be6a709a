"""Reminders and morning summaries through the outbox: each told once, across restarts and
concurrent schedulers; the leader lock on PostgreSQL. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from bot.outbox_sender import OutboxSender
from bot.scheduler import Scheduler
from crm_core.clock import ManualClock
from crm_core.db import make_engine
from crm_core.leader import LeaderLock
from crm_core.models import FollowUp, OutboxMessage, StaffUser
from crm_core.services import followups, users
from crm_core.uow import Database
from intents.messages import AnyReply
from intents.reminders import enqueue_due_reminders, enqueue_morning_summaries
from tests.crm.conftest import POSTGRES_URL

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def staff(db: Database, email: str, tz: str = "Europe/Berlin", slack: str | None = "U1") -> int:
    with db.unit_of_work() as uow:
        user = users.add_user(uow, email, email.split("@")[0].title() + " Rep", "rep", tz, slack_id=slack)
        uow.commit()
        return user.id


def followup(db: Database, owner: int, title: str, due: datetime) -> None:
    with db.unit_of_work(owner) as uow:
        followups.schedule_followup(uow, title, due, uow.session.get(StaffUser, owner), now=due - timedelta(hours=1))
        uow.commit()


def rows(db: Database) -> list[OutboxMessage]:
    with db.unit_of_work() as uow:
        found = list(uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)))
        uow.commit()  # keep them readable after the unit of work
        return found


def test_a_due_follow_up_is_queued_once_for_the_owners_dm(db: Database) -> None:
    rita = staff(db, "rita@example.com")
    followup(db, rita, "Call Acme back", NOW + timedelta(minutes=10))
    assert enqueue_due_reminders(db, NOW) == 0  # not due yet
    assert enqueue_due_reminders(db, NOW + timedelta(minutes=10)) == 1
    assert enqueue_due_reminders(db, NOW + timedelta(minutes=11)) == 0  # a restart's tick: nothing again
    (row,) = rows(db)
    assert (row.channel, row.chat, row.purpose) == ("slack", "U1", "reminder")
    assert "Call Acme back" in row.payload["text"]
    assert [o[0] for o in row.payload["options"]] == ["Done", "Snooze 1 h", "Snooze 1 day"]


def test_one_missed_while_down_goes_out_on_start_once(db: Database) -> None:
    rita = staff(db, "rita@example.com")
    followup(db, rita, "Send the deck", NOW - timedelta(hours=3))  # due while nothing ran
    assert enqueue_due_reminders(db, NOW) == 1
    assert enqueue_due_reminders(db, NOW) == 0
    assert len(rows(db)) == 1


def test_console_only_users_are_left_to_the_shell(db: Database) -> None:
    olu = staff(db, "olu@example.com", slack=None)
    followup(db, olu, "Book the visit", NOW - timedelta(minutes=1))
    assert enqueue_due_reminders(db, NOW) == 0
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(FollowUp)).one().notified_at is None


def test_two_schedulers_at_once_tell_each_follow_up_once(db: Database) -> None:
    rita = staff(db, "rita@example.com")
    for i in range(30):
        followup(db, rita, f"Task {i}", NOW - timedelta(minutes=i + 1))
    barrier = threading.Barrier(2)
    counts: list[int] = []

    def tick() -> None:
        barrier.wait()
        try:
            counts.append(enqueue_due_reminders(db, NOW))
        except Exception:  # SQLite: the second writer may find the database busy
            counts.append(0)

    threads = [threading.Thread(target=tick) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    leftover = enqueue_due_reminders(db, NOW)
    assert sum(counts) + leftover == 30
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(OutboxMessage)) == 30


def test_the_morning_summary_comes_once_a_day_at_8_local(db: Database) -> None:
    rita = staff(db, "rita@example.com", tz="America/New_York")
    followup(db, rita, "Call Acme back", datetime(2026, 11, 22, 16, 0, tzinfo=UTC))
    followup(db, rita, "Overdue thing", datetime(2026, 11, 21, 16, 0, tzinfo=UTC))
    seven_ny = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)  # 07:00 in New York
    assert enqueue_morning_summaries(db, seven_ny) == 0
    assert enqueue_morning_summaries(db, seven_ny + timedelta(hours=1, minutes=1)) == 1
    assert enqueue_morning_summaries(db, seven_ny + timedelta(hours=4)) == 0
    text = rows(db)[-1].payload["text"]
    assert text.startswith("Good morning Rita! 2 follow-ups today, 1 overdue:") and "Call Acme back" in text
    assert enqueue_morning_summaries(db, seven_ny + timedelta(days=1, hours=1)) == 1
    # a server down all morning: no "good morning" in the evening, the next morning as usual
    assert enqueue_morning_summaries(db, seven_ny + timedelta(days=2, hours=13)) == 0
    assert enqueue_morning_summaries(db, seven_ny + timedelta(days=3, hours=2)) == 1


class Recorder:
    channel = "slack"
    per_chat_rate = 100.0
    overall_rate = 100.0

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.sent: list[AnyReply] = []
        self.at: list[datetime] = []

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None:
        self.sent.append(reply)
        self.at.append(self.clock())
        return "ts"


async def test_the_scheduler_delivers_a_follow_up_at_its_time_once(db: Database) -> None:
    clock = ManualClock(NOW)  # 11:00 in Berlin: the morning summary is due too
    db = Database(db.engine, db.session_factory, clock)
    rita = staff(db, "rita@example.com")
    due = NOW + timedelta(minutes=1)
    followup(db, rita, "Ping Globex", due)
    platform = Recorder(clock)
    sender = OutboxSender(db, {"slack": platform}, clock=clock)
    scheduler = Scheduler(db, on_enqueued=sender.wake.set, clock=clock, reminder_every_s=0.1)
    stop = asyncio.Event()
    scheduler.start()
    task = asyncio.create_task(sender.run(stop, idle_s=0.05))

    def reminders() -> list[tuple[str, datetime]]:
        return [(r.text, at) for r, at in zip(platform.sent, platform.at) if r.text.startswith("⏰")]  # type: ignore[union-attr]

    async def ticks(count: int) -> None:
        """Let the scheduler's interval come round `count` times (its ticks are real time)."""
        for _ in range(count):
            await asyncio.sleep(0.1)

    try:
        await ticks(5)
        assert reminders() == []  # not due yet, however often it looks
        clock.advance(timedelta(minutes=1))
        for _ in range(100):
            await ticks(1)
            if reminders():
                break
        clock.advance(timedelta(hours=1))
        await ticks(5)  # several more ticks, later in the morning: nothing more
    finally:
        scheduler.shutdown()
        stop.set()
        await task
    (text, at), *more = reminders()
    assert "Ping Globex" in text and at == due and more == []
    assert sum(1 for r in platform.sent if r.text.startswith("Good morning")) == 1  # type: ignore[union-attr]


def test_only_one_process_leads_on_postgresql(db: Database) -> None:
    if db.engine.dialect.name != "postgresql":
        assert LeaderLock(db.engine).try_acquire() and LeaderLock(db.engine).try_acquire()  # SQLite: one process
        return
    first, second = LeaderLock(db.engine, key=99_001), LeaderLock(db.engine, key=99_001)
    assert first.try_acquire() and not second.try_acquire()
    assert first.try_acquire()  # still held
    first.release()  # as when the leader's connection dies
    assert second.try_acquire() and not first.try_acquire()
    second.release()


@pytest.mark.parametrize("hours", [0])
def test_summary_skips_users_without_a_chat(db: Database, hours: int) -> None:
    staff(db, "olu@example.com", slack=None)
    assert enqueue_morning_summaries(db, NOW + timedelta(hours=hours)) == 0


def test_two_installations_in_one_postgresql_database_each_have_a_leader(
    db: Database, request: pytest.FixtureRequest
) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("schemas side by side: PostgreSQL only")
    admin = request.getfixturevalue("postgres_admin")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    other = make_engine(POSTGRES_URL, connect_args={"options": f"-csearch_path={schema}"})
    here, there, here_too = LeaderLock(db.engine), LeaderLock(other), LeaderLock(db.engine)
    try:
        assert here.try_acquire() and there.try_acquire()
        assert not here_too.try_acquire()
    finally:
        for lock in (here, there, here_too):
            lock.release()
        other.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
