"""Replies under fire: `chatcrm serve` killed with SIGKILL again and again while its outbox
sends, or its database connections cut while replies are in flight; every reply is counted
at the fake Telegram.

One linked customer per chat, one update per chat: each chat must get exactly one reply, so
a chat with none is a loss and a chat with two a duplicate, whatever the replies say. Used by
tests/process/test_outbox_duplicates.py (small runs) and benchmarks/outbox_duplicates.py
(the full measurement).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.pool import NullPool

from crm_core.enums import OutboxStatus
from crm_core.models import OutboxMessage
from crm_core.services import customers
from crm_core.uow import Database
from tests.fakes.fake_telegram import TgUser
from tests.process.conftest import (
    Server,
    Servers,
    TimedTelegram,
    count_rows,
    eventually,
    open_database,
)

FIRST_CHAT = 7_400_001
POSTERS = 8  # webhook connections at once, as Telegram opens several


@dataclass
class Tally:
    """What the fake received: replies per chat against one expected per chat."""

    updates: int
    kills: int
    replies: int
    duplicates: int  # chats answered more than once (the surplus replies)
    losses: int  # chats never answered
    not_sent: int  # outbox rows not marked sent at the end
    interrupted: int  # rows found SENDING after their sender died, and sent again
    seconds: float

    @property
    def rate(self) -> float:
        return self.duplicates / self.updates

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "duplicate_rate": round(self.rate, 4)}


def seed_chats(db: Database, chats: int) -> list[TgUser]:
    people = [TgUser(FIRST_CHAT + n, f"Buyer{n}", "Kill") for n in range(chats)]
    with db.unit_of_work() as uow:
        for person in people:
            customers.create_contact(uow, f"{person.first_name} Kill", telegram_id=person.id)
        uow.commit()
    return people


def replies_per_chat(tg: TimedTelegram, chats: set[int]) -> Counter[int]:
    return Counter(int(c.args["chat_id"]) for c in tg.calls_to("sendMessage") if int(c.args["chat_id"]) in chats)


def tally(tg: TimedTelegram, db: Database, people: list[TgUser], kills: int, started: float) -> Tally:
    chats = {p.id for p in people}
    got = replies_per_chat(tg, chats)
    return Tally(
        updates=len(people),
        kills=kills,
        replies=sum(got.values()),
        duplicates=sum(n - 1 for n in got.values() if n > 1),
        losses=sum(1 for chat in chats if got[chat] == 0),
        not_sent=count_rows(db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT),
        interrupted=count_rows(db, OutboxMessage, OutboxMessage.last_error == "interrupted"),
        seconds=round(time.monotonic() - started, 1),
    )


class Poster:
    """Telegram's side: POSTs every update to whichever server runs now, again and again
    until one answers 200 (what a dead process did not confirm, Telegram delivers again)."""

    def __init__(self, tg: TimedTelegram, people: list[TgUser]) -> None:
        self.updates = [tg.text(p, "hello") for p in people]
        self.accepted: set[int] = set()
        self.server: Server | None = None

    async def run(self) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        for update in self.updates:
            queue.put_nowait(update)

        async def post() -> None:
            while not queue.empty():
                update = queue.get_nowait()
                server = self.server
                status = await server.post_update(update, timeout=5.0) if server is not None else 0
                if status == 200:
                    self.accepted.add(update["update_id"])
                else:
                    queue.put_nowait(update)
                    await asyncio.sleep(0.2)

        await asyncio.gather(*(post() for _ in range(POSTERS)))


async def kill_while_sending(
    tg: TimedTelegram,
    servers: Servers,
    url: str,
    updates: int,
    kills: int,
    seed: int = 0,
    settle_s: float = 60.0,
) -> Tally:
    """`updates` chats each say hello; `kills` times, once the running server has sent a
    random 5 to 40 replies, it is killed with SIGKILL and a new one started (Telegram
    delivering again what it got no 200 for); then the last one runs until every reply is
    out and nothing is left unsent."""
    db = open_database(url)
    people = seed_chats(db, updates)
    chats = {p.id for p in people}
    pick = random.Random(seed)
    started = time.monotonic()
    poster = Poster(tg, people)
    poster.server = await servers.start(url, telegram=tg)
    posting = asyncio.create_task(poster.run())
    done_kills = 0
    for _ in range(kills):
        before = sum(replies_per_chat(tg, chats).values())
        if before >= len(people):
            break  # everything out already: no send left to kill
        target = min(len(people), before + pick.randint(5, 40))
        try:
            await eventually(lambda t=target: sum(replies_per_chat(tg, chats).values()) >= t, 60, "replies going out")
        except AssertionError:
            break
        assert poster.server is not None
        poster.server.kill()
        done_kills += 1
        poster.server = await servers.start(url, telegram=tg)
    await posting
    await eventually(lambda: set(replies_per_chat(tg, chats)) == chats, settle_s, "a reply in every chat")
    await eventually(
        lambda: count_rows(db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0, settle_s, "nothing left to send"
    )
    result = tally(tg, db, people, done_kills, started)
    assert poster.server is not None
    await poster.server.terminate()
    db.dispose()
    return result


def connection_cutter(admin_url: str, database: str) -> Callable[[], None]:
    """A function that terminates every connection to `database` but its own (PostgreSQL)."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def cut() -> None:
        with admin.connect() as connection:
            connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": database},
            )

    return cut


async def cut_while_sending(
    tg: TimedTelegram,
    servers: Servers,
    url: str,
    cut: Callable[[], None],
    updates: int = 20,
    cuts: int = 150,
    every_s: float = 0.02,  # a sent row's record takes milliseconds: dense cuts land in it
    settle_s: float = 90.0,
) -> Tally:
    """`updates` chats each say hello to one server; once the first reply is out, `cut()`
    (every connection of the server's to the database terminated) `cuts` times, `every_s`
    apart, while the rest are in flight; then every reply must arrive, and once only."""
    db = open_database(url)
    people = seed_chats(db, updates)
    chats = {p.id for p in people}
    started = time.monotonic()
    poster = Poster(tg, people)
    poster.server = await servers.start(url, telegram=tg)
    await poster.run()
    await eventually(lambda: replies_per_chat(tg, chats), 60, "the first reply")
    for _ in range(cuts):
        cut()
        await asyncio.sleep(every_s)
    await eventually(lambda: set(replies_per_chat(tg, chats)) == chats, settle_s, "a reply in every chat")
    await eventually(
        lambda: count_rows(db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0, settle_s, "nothing left to send"
    )
    await asyncio.sleep(8.0)  # a row wrongly given back would be sent again after its lease
    result = tally(tg, db, people, 0, started)
    await poster.server.terminate()
    db.dispose()
    return result
