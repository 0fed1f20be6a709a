"""Two `chatcrm serve` processes on one PostgreSQL (one leads; when it is killed the other
takes over, and nothing fires twice), and SIGTERM (a quick exit that loses nothing)."""

from __future__ import annotations

import asyncio
import signal
import time
from datetime import timedelta

from crm_core.enums import InboxStatus, OutboxStatus
from crm_core.models import InboxEvent, OutboxMessage
from tests.process.conftest import (
    CLOCK,
    Server,
    Servers,
    TimedTelegram,
    count_rows,
    eventually,
    open_database,
)
from tests.process.scenario import (
    add_followup,
    assert_one_reply_each,
    burst,
    chats_sent_to,
    expected_per_chat,
    followups_by_due,
    processed_ids,
    reminder_texts,
    replies_per_chat,
    seed,
)

TAKEOVER_LIMIT_S = 15.0


async def leaders_among(servers: list[Server]) -> list[Server]:
    return [s for s in servers if await s.is_leader()]


async def test_two_processes_on_postgres_one_leads_and_the_other_takes_over(
    tg: TimedTelegram, postgres_url: str, servers: Servers
) -> None:
    db = open_database(postgres_url)
    people = seed(db, staff=3, customers_=2)
    rep = people[0]
    both = [await servers.start(postgres_url, telegram=tg, wait=False) for _ in range(2)]
    await asyncio.gather(*(s.wait_healthy() for s in both))
    first = (await eventually(lambda: leaders_among(both), 10, "a leader"))[0]
    second = next(s for s in both if s is not first)
    await asyncio.sleep(0.5)
    assert await leaders_among(both) == [first]  # exactly one

    # the leader tells a due follow-up once
    add_followup(db, rep.tg.id, "Call Acme before the kill", CLOCK() + timedelta(seconds=1))
    await eventually(lambda: reminder_texts(tg, "Call Acme before the kill"), 15, "the first reminder")

    # a burst through the follower's webhook (every process stores and handles updates);
    # the leader, which sends the replies, is killed while they go out
    sent = burst(tg, people, per_person=3)
    for item in sent:
        assert await second.post_update(item.update) == 200
    await eventually(lambda: len(tg.calls_to("sendMessage")) >= 3, 20, "replies going out")
    first.kill()
    killed_at = time.monotonic()
    add_followup(db, rep.tg.id, "Call Acme after the kill", CLOCK() + timedelta(seconds=1))
    await eventually(second.is_leader, TAKEOVER_LIMIT_S, "the second process to take over", every=0.1)
    takeover_s = time.monotonic() - killed_at
    print(f"takeover after kill -9: {takeover_s:.1f} s")
    from_the_dead = [c for c in tg.calls_to("sendMessage") if c.at <= killed_at + 1.0]  # type: ignore[attr-defined]

    await eventually(lambda: replies_per_chat(tg) >= expected_per_chat(sent), 30, "a reply to every update")
    # the new leader's scheduler ran after the takeover (it told this one): nothing twice
    await eventually(lambda: reminder_texts(tg, "Call Acme after the kill"), 15, "the reminder after the takeover")

    assert takeover_s < TAKEOVER_LIMIT_S
    for title in ("Call Acme before the kill", "Call Acme after the kill"):
        assert len(reminder_texts(tg, title)) == 1, title
    assert set(followups_by_due(db).values()) == {1}
    assert processed_ids(db) == {str(s.update_id): 1 for s in sent}
    # "sent" is committed just after the platform's answer (and a row the dead leader left
    # `sending` is sent again when its lease runs out): every row ends sent
    await eventually(
        lambda: count_rows(db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0, 15, "every reply recorded sent"
    )
    assert_one_reply_each(tg, sent, chats_sent_to(from_the_dead, since=killed_at - 2.0))
    await second.terminate()


async def test_sigterm_exits_within_10_s_and_loses_nothing(tg: TimedTelegram, sqlite_url: str, servers: Servers) -> None:
    db = open_database(sqlite_url)
    people = seed(db, staff=4, customers_=2)
    sent = burst(tg, people, per_person=4)  # 24 updates: more than one process handles in a few seconds
    first = await servers.start(sqlite_url, telegram=tg)
    results = await asyncio.gather(*(first.post_update(item.update) for item in sent))
    assert results == [200] * len(sent)  # Telegram was told we have them all

    exit_s = await first.terminate()
    assert exit_s < 10.0, f"SIGTERM took {exit_s:.1f} s"
    # uvicorn re-raises the SIGTERM it handled once shutdown is complete
    assert first.process.returncode in (0, -signal.SIGTERM) and "Application shutdown complete" in first.log()
    sent_before = len(tg.calls_to("sendMessage"))
    assert sent_before < len(sent), "the stop should come while work is left"

    second = await servers.start(sqlite_url, telegram=tg)
    await eventually(lambda: replies_per_chat(tg) >= expected_per_chat(sent), 45, "a reply to every update")
    await eventually(
        lambda: count_rows(db, InboxEvent, InboxEvent.status != InboxStatus.DONE) == 0, 10, "the inbox to be empty"
    )
    assert set(followups_by_due(db).values()) == {1}
    assert sorted(followups_by_due(db)) == sorted(s.due for s in sent if s.due is not None)
    assert processed_ids(db) == {str(s.update_id): 1 for s in sent}
    assert count_rows(db, OutboxMessage, OutboxMessage.purpose == "reply") == len(sent)
    assert_one_reply_each(tg, sent)  # a clean stop leaves no send half done: no exception
    await second.terminate()
    logs = first.log() + second.log()
    assert "Acme Corp" not in logs and "Buyer" not in logs  # ids in the logs, never text or names
