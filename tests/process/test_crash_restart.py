"""`kill -9` and restarts of the real `chatcrm serve` on SQLite: what Telegram was told we
have is handled once, every queued reply goes out, reminders are neither lost nor doubled."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from crm_core.enums import InboxStatus, OutboxStatus
from crm_core.models import InboxEvent, OutboxMessage
from tests.process.conftest import Servers, TimedTelegram, count_rows, eventually, open_database
from tests.process.scenario import (
    add_followup,
    burst,
    expected_per_chat,
    followups_by_due,
    processed_ids,
    reminder_texts,
    replies_by_update,
    replies_per_chat,
    seed,
)


async def test_kill_9_mid_burst_then_restart_handles_every_update_once(
    tg: TimedTelegram, sqlite_url: str, servers: Servers
) -> None:
    db = open_database(sqlite_url)
    people = seed(db, staff=5, customers_=3)
    sent = burst(tg, people, per_person=5)  # 40 updates from 8 people
    first = await servers.start(sqlite_url, telegram=tg)

    # Telegram posts the burst, four at a time, as people type; we pull the plug once half
    # of it is accepted and replies are going out (or most of it is accepted)
    accepted: set[int] = set()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for index in range(len(sent)):
        queue.put_nowait(index)

    async def telegram_delivers() -> None:
        while not queue.empty():
            item = sent[queue.get_nowait()]
            if await first.post_update(item.update) == 200:
                accepted.add(item.update_id)
            await asyncio.sleep(0.1)

    posting = [asyncio.create_task(telegram_delivers()) for _ in range(4)]
    await eventually(
        lambda: len(accepted) >= 32 or (len(accepted) >= 20 and tg.calls_to("sendMessage")), 30, "half the burst accepted"
    )
    first.kill()
    killed_at = time.monotonic()
    await asyncio.gather(*posting)
    assert 0 < len(accepted) < len(sent), "the kill should land in the middle of the burst"

    # Telegram delivers again what it got no 200 for; the new process must do the rest
    # what the dead process had on the wire reaches the fake a moment after the kill
    from_the_dead = list(tg.calls_to("sendMessage"))
    second = await servers.start(sqlite_url, telegram=tg)
    for item in sent:
        if item.update_id not in accepted:
            assert await second.post_update(item.update) == 200
            accepted.add(item.update_id)
    expected = expected_per_chat(sent)
    await eventually(lambda: replies_per_chat(tg) >= expected, 45, "a reply to every update")
    await eventually(
        lambda: count_rows(db, InboxEvent, InboxEvent.status != InboxStatus.DONE) == 0, 10, "the inbox to be empty"
    )

    # one effect each: one follow-up per staff update, each update id recorded once
    assert set(followups_by_due(db).values()) == {1}
    assert sorted(followups_by_due(db)) == sorted(s.due for s in sent if s.due is not None)
    assert processed_ids(db) == {str(s.update_id): 1 for s in sent}
    # every queued reply sent, one reply each. The one exception Telegram's API leaves
    # open: a sendMessage that reached Telegram in the instant before the kill, before its
    # row was marked sent, goes out again (there is no idempotency key) — at most one per
    # chat, and only in a chat that was being sent to right then
    assert count_rows(db, OutboxMessage) == len(sent)  # one queued reply per update
    assert count_rows(db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0
    per_chat = replies_per_chat(tg)
    surplus = {chat: per_chat[chat] - n for chat, n in expected.items() if per_chat[chat] != n}
    in_flight = {c.args["chat_id"] for c in from_the_dead if killed_at - c.at < 2.0}  # type: ignore[attr-defined]
    assert all(n == 1 and chat in in_flight for chat, n in surplus.items()), (surplus, in_flight)
    for update_id, n in replies_by_update(tg, sent).items():
        chat = next(s.person.tg.id for s in sent if s.update_id == update_id)
        assert n == 1 or (n == 2 and chat in surplus), f"update {update_id}: {n} replies"
    await second.terminate()


async def test_a_follow_up_due_during_a_restart_fires_once_after_it(
    tg: TimedTelegram, sqlite_url: str, servers: Servers
) -> None:
    db = open_database(sqlite_url)
    rep = seed(db, staff=1, customers_=0)[0]
    first = await servers.start(sqlite_url, telegram=tg)
    due = datetime.now(UTC) + timedelta(seconds=2)
    add_followup(db, rep.tg.id, "Send the Acme quote", due)
    first.kill()
    await eventually(lambda: datetime.now(UTC) > due + timedelta(seconds=0.5), 5, "the follow-up to come due")
    assert reminder_texts(tg, "Send the Acme quote") == []

    second = await servers.start(sqlite_url, telegram=tg)
    await eventually(lambda: reminder_texts(tg, "Send the Acme quote"), 15, "the missed reminder")
    # a later reminder proves the scheduler ran again meanwhile (it ticks every 5 s)
    add_followup(db, rep.tg.id, "Book the Acme visit", datetime.now(UTC) + timedelta(seconds=1))
    await eventually(lambda: reminder_texts(tg, "Book the Acme visit"), 15, "the next reminder")
    await second.terminate()

    reminder = reminder_texts(tg, "Send the Acme quote")
    assert len(reminder) == 1 and len(reminder_texts(tg, "Book the Acme visit")) == 1
    assert reminder[0].startswith("⏰ Due")
    buttons = [c.args.get("reply_markup") for c in tg.calls_to("sendMessage") if "Send the Acme quote" in c.args["text"]]
    labels = [b["text"] for row in buttons[0]["inline_keyboard"] for b in row]
    assert labels == ["Done", "Snooze 1 h", "Snooze 1 day"]
