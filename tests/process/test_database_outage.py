"""Two `chatcrm serve` processes on PostgreSQL through a database outage: while the database
refuses connections nobody leads and /healthz says 503; once it is back exactly one process
leads again, and when that one is killed the other takes over and sends what is due."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from crm_core.enums import OutboxStatus
from crm_core.models import OutboxMessage
from tests.process.conftest import (
    CLOCK,
    POSTGRES_URL,
    Server,
    Servers,
    TimedTelegram,
    count_rows,
    eventually,
    open_database,
)
from tests.process.scenario import add_followup, reminder_texts, seed

OUTAGE_S = 12.0


@pytest.fixture
def outage_database() -> Iterator[tuple[str, Callable[[bool], None]]]:
    """A database of this test's own, and a switch that makes it refuse every connection
    (cutting the ones open) or accept them again."""
    if not POSTGRES_URL:
        pytest.skip("CRM_TEST_POSTGRES_URL is not set")
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    name = f"outage_{uuid.uuid4().hex[:12]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))

    def connections(allowed: bool) -> None:
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(allowed).lower()}'))
            if not allowed:
                connection.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
                )

    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), connections
    finally:
        connections(True)
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


async def health(server: Server) -> tuple[int, bool]:
    """The status of /healthz and whether it says this process leads (0: no answer)."""
    try:
        response = await server.http.get(f"{server.url}/healthz", timeout=3.0)
    except Exception:  # noqa: BLE001  (a process that does not answer leads nobody)
        return 0, False
    return response.status_code, bool(response.json().get("leader"))


async def leaders(servers: list[Server]) -> list[Server]:
    answers = await asyncio.gather(*(health(s) for s in servers))
    return [s for s, (_, leads) in zip(servers, answers, strict=True) if leads]


async def test_after_a_database_outage_one_process_leads_again_and_a_takeover_still_works(
    tg: TimedTelegram, servers: Servers, outage_database: tuple[str, Callable[[bool], None]]
) -> None:
    url, connections = outage_database
    db = open_database(url)
    rep = seed(db, staff=1, customers_=0)[0]
    both = [await servers.start(url, telegram=tg, wait=False) for _ in range(2)]
    await asyncio.gather(*(s.wait_healthy() for s in both))
    await eventually(lambda: _one(leaders(both)), 20, "a leader before the outage")

    connections(False)
    statuses: set[int] = set()
    for _ in range(int(OUTAGE_S / 0.25)):
        answers = await asyncio.gather(*(health(s) for s in both))
        assert sum(leads for _, leads in answers) <= 1, answers  # never two leaders
        statuses |= {status for status, _ in answers}
        await asyncio.sleep(0.25)
    assert 503 in statuses  # the database's state was told, not "ok"
    assert not await leaders(both)  # and nobody leads without the lock
    connections(True)

    [leader] = await eventually(lambda: _one(leaders(both)), 30, "one leader after the outage")
    assert len(await leaders(both)) == 1
    leader.kill()
    other = next(s for s in both if s is not leader)
    await eventually(lambda: _one(leaders([other])), 20, "the other process to take over")

    add_followup(db, rep.tg.id, "Call Acme after the outage", CLOCK() + timedelta(seconds=1))
    await eventually(lambda: reminder_texts(tg, "Call Acme after the outage"), 20, "the reminder after the outage")
    await eventually(
        lambda: count_rows(db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0, 10, "nothing pending"
    )
    db.dispose()


async def _one(found: object) -> list[Server] | None:
    servers = await found  # type: ignore[misc]
    return servers if len(servers) == 1 else None
