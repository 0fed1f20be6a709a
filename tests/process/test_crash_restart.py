"""`kill -9` of the real `chatcrm serve` on SQLite in the middle of a burst, then a restart:
what Telegram was told we have is handled once, every queued reply goes out, and a
follow-up that came due while no process ran is told once after the restart."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from crm_core.enums import InboxStatus, OutboxStatus
from crm_core.models import InboxEvent, OutboxMessage
from tests.process.conftest import (
    CLOCK,
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


async def test_kill_9_mid_burst_then_restart_handles_everything_once(
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
    # a follow-up that comes due while no process runs (typed earlier, due now)
    rep = next(p for p in people if p.staff)
    due = CLOCK() + timedelta(seconds=1)
    add_followup(db, rep.tg.id, "Send the Acme quote", due)
    assert 0 < len(accepted) < len(sent), "the kill should land in the middle of the burst"

    # Telegram delivers again what it got no 200 for; the new process must do the rest
    # what the dead process had on the wire reaches the fake a moment after the kill
    from_the_dead = list(tg.calls_to("sendMessage"))
    await eventually(lambda: CLOCK() > due, 5, "the follow-up to come due")
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

    # the missed reminder, told once; a later one proves the scheduler ran again meanwhile
    await eventually(lambda: reminder_texts(tg, "Send the Acme quote"), 15, "the missed reminder")
    add_followup(db, rep.tg.id, "Book the Acme visit", CLOCK() + timedelta(seconds=1))
    await eventually(lambda: reminder_texts(tg, "Book the Acme visit"), 15, "the next reminder")
    assert len(reminder_texts(tg, "Send the Acme quote")) == 1
    reminder = next(c for c in tg.calls_to("sendMessage") if "Send the Acme quote" in c.args["text"])
    assert reminder.args["chat_id"] == rep.tg.id and reminder.args["text"].startswith("⏰ Due")
    labels = [b["text"] for row in reminder.args["reply_markup"]["inline_keyboard"] for b in row]
    assert labels == ["Done", "Snooze 1 h", "Snooze 1 day"]

    # one effect each: one follow-up per staff update, each update id recorded once
    assert set(followups_by_due(db).values()) == {1}
    asked_for = sorted(s.due for s in sent if s.due is not None)
    assert sorted(d for d in followups_by_due(db) if d.year == 2027) == asked_for
    assert processed_ids(db) == {str(s.update_id): 1 for s in sent}
    # every queued reply sent, one reply each (see assert_one_reply_each for the instant of the kill)
    assert count_rows(db, OutboxMessage, OutboxMessage.purpose == "reply") == len(sent)  # one queued reply per update
    assert count_rows(db, OutboxMessage, OutboxMessage.status != OutboxStatus.SENT) == 0
    assert_one_reply_each(tg, sent, chats_sent_to(from_the_dead, since=killed_at - 2.0))
    await second.terminate()
