"""The server's own parts, in one process: the leader loop through database failures, and
/healthz telling the database's state and the lock's."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.exc import OperationalError

from app.serve import Runtime, build_app
from bot.inbox import InboxWorker
from bot.outbox_sender import OutboxSender
from bot.scheduler import Scheduler
from crm_core.db import make_engine, make_session_factory
from crm_core.leader import LeaderLock
from crm_core.migrate import upgrade
from crm_core.uow import Database

# nothing listens on port 1: every connection is refused at once
UNREACHABLE_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/chatcrm?connect_timeout=2"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    upgrade(engine)
    yield Database(engine, make_session_factory(engine))
    engine.dispose()


@pytest.fixture
def unreachable() -> Iterator[Database]:
    engine = make_engine(UNREACHABLE_POSTGRES)
    yield Database(engine, make_session_factory(engine))
    engine.dispose()


class ScriptedLock(LeaderLock):
    """A lock whose answers are scripted: True, False, or an error to raise."""

    def __init__(self, db: Database, answers: list[bool | Exception]) -> None:
        super().__init__(db.engine)
        self.answers = answers
        self.holding = False
        self.released = 0

    @property
    def held(self) -> bool:
        return self.holding

    def try_acquire(self) -> bool:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        self.holding = answer
        return answer

    def release(self) -> None:
        self.released += 1
        self.holding = False


def runtime_with(db: Database, lock: LeaderLock) -> Runtime:
    sender = OutboxSender(db, {})
    return Runtime(db, [], InboxWorker(db, {}), lock, sender, Scheduler(db), leader_check_s=0.01)


def test_a_refused_database_means_not_the_leader_never_an_error(unreachable: Database) -> None:
    lock = LeaderLock(unreachable.engine)
    assert lock.try_acquire() is False and not lock.held


async def test_the_leader_loop_gives_the_lead_up_on_a_failure_and_takes_it_again(db: Database) -> None:
    outage = OperationalError("SELECT 1", {}, Exception("server closed the connection"))
    lock = ScriptedLock(db, [True, outage, outage, False, True])
    runtime = runtime_with(db, lock)
    seen: list[tuple[bool, bool]] = []
    await runtime.start()
    try:
        for _ in range(300):
            seen.append((runtime.leading, lock.holding))
            if len(lock.answers) == 1 and runtime.leading:
                break
            await asyncio.sleep(0.01)
    finally:
        await runtime.stop()
    assert (True, True) in seen and seen[-1] == (True, True)  # led, and leads again after
    assert (False, False) in seen  # gave the lead up meanwhile
    assert all(holding for leading, holding in seen if leading)  # never leading without the lock
    assert lock.released >= 2  # each failure dropped the lock's connection


async def test_health_says_the_database_is_reachable_and_who_leads(db: Database) -> None:
    runtime = runtime_with(db, ScriptedLock(db, [True]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(runtime)), base_url="http://t") as http:
        response = await http.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"ok": True, "database": "reachable", "leader": False}  # not started


async def test_health_is_503_when_the_database_is_unreachable(unreachable: Database) -> None:
    runtime = runtime_with(unreachable, ScriptedLock(unreachable, [False]))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(runtime)), base_url="http://t") as http:
        response = await http.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"ok": False, "database": "unreachable", "leader": False}
