"""Outbox drain rate against a rate-limited fake platform.

The fake answers 429 (and the sender must wait) whenever a send would exceed its limits in
any one-second window: `--overall` messages a second in all, and one a second per chat
(Telegram's published limits: 30/s, 1/s per chat). Rows are spread over `--chats` chats.
Target: the drain reaches >= 95 % of the configured overall limit with zero 429s.

    python benchmarks/outbox_drain.py [--messages 600] [--chats 120] [--overall 30]

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.outbox_sender import OutboxSender
from bot.ports import RetryAfter
from crm_core.db import make_engine, make_session_factory
from crm_core.migrate import upgrade
from crm_core.uow import Database
from intents.dialogue import enqueue_replies
from intents.messages import AnyReply, Destination, Text


class RateLimitedFake:
    channel = "fake"

    def __init__(self, overall: float, per_chat: float) -> None:
        self.overall_rate = overall
        self.per_chat_rate = per_chat
        self.times: collections.deque[float] = collections.deque()
        self.chat_times: dict[str, collections.deque[float]] = collections.defaultdict(collections.deque)
        self.sent = 0
        self.rejected = 0

    async def send(self, chat: str, thread: str | None, reply: AnyReply) -> str | None:
        now = time.monotonic()
        for window, limit in ((self.times, self.overall_rate), (self.chat_times[chat], self.per_chat_rate)):
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= limit:
                self.rejected += 1
                raise RetryAfter(1)
        self.times.append(now)
        self.chat_times[chat].append(now)
        self.sent += 1
        await asyncio.sleep(0.002)  # a fast platform's round trip
        return str(self.sent)


async def run(messages: int, chats: int, overall: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'drain.sqlite3'}")
        upgrade(engine)
        db = Database(engine, make_session_factory(engine))
        with db.unit_of_work() as uow:
            for i in range(messages):
                enqueue_replies(uow, Destination("fake", f"chat{i % chats}"), [Text(f"message {i}")])
            uow.commit()
        fake = RateLimitedFake(overall, 1.0)
        sender = OutboxSender(db, {"fake": fake}, batch=messages)
        started = time.monotonic()
        while fake.sent < messages and time.monotonic() - started < 600:
            if await sender.drain_once() == 0:
                await asyncio.sleep(0.05)
        elapsed = time.monotonic() - started
        engine.dispose()
    # the first message of the run starts the clock; the limit allows `overall` per second
    achieved = (fake.sent - 1) / elapsed if elapsed > 0 else 0.0
    return {
        "messages": messages,
        "chats": chats,
        "configured_per_s": overall,
        "achieved_per_s": round(achieved, 2),
        "share_of_limit": round(achieved / overall, 3),
        "responses_429": fake.rejected,
        "elapsed_s": round(elapsed, 2),
        "target": {"share_of_limit": 0.95, "responses_429": 0},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=600)
    parser.add_argument("--chats", type=int, default=120)
    parser.add_argument("--overall", type=float, default=30.0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.messages, args.chats, args.overall))))


if __name__ == "__main__":
    main()
