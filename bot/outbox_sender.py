"""The outbox sender: delivers due outbox rows through the platform senders, with rate limits
(per chat and per platform), and marks each row sent, retried later, or dead.

Rows of one chat go out in order, one at a time, spaced by the platform's per-chat rate;
chats are served side by side within the platform's overall rate. A 429 pauses the chat
for the time the platform asked; the rest of that chat's rows wait behind it.

The pacing reads `monotonic` and waits with `sleep` (time.monotonic and asyncio.sleep
unless given); rows are claimed, failed and sent at the times `clock` tells.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.leases import committed, kept_leased
from bot.ports import PermanentError, RetryAfter, Sender, SendError
from crm_core.clock import SystemClock
from crm_core.services import outbox
from crm_core.uow import Database
from intents.messages import from_payload

log = logging.getLogger(__name__)

Monotonic = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Spacing:
    """A rate limit without bursts: successive uses at least 1/rate seconds apart."""

    def __init__(self, rate: float, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.interval = 1.0 / rate
        self.monotonic = monotonic
        self.sleep = sleep
        self.next_free = 0.0
        self.lock = asyncio.Lock()

    async def wait(self) -> None:
        """Until a use now keeps the spacing; the slot is not taken."""
        now = self.monotonic()
        if self.next_free > now:
            await self.sleep(self.next_free - now)

    def take(self) -> None:
        """A use now: the next one no sooner than 1/rate seconds from now (or a pause's end)."""
        self.next_free = max(self.next_free, self.monotonic() + self.interval)

    async def acquire(self) -> None:
        """Wait for the spacing and take the slot, no other acquirer in between."""
        async with self.lock:
            await self.wait()
            self.take()

    def pause(self, seconds: float) -> None:
        self.next_free = max(self.next_free, self.monotonic() + seconds)


@dataclass(frozen=True)
class _Row:
    id: int
    channel: str
    chat: str
    thread: str | None
    payload: dict[str, Any]
    blob: bytes | None


class OutboxSender:
    def __init__(
        self,
        db: Database,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime] = SystemClock(),
        batch: int = 100,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock
        self.batch = batch
        self.monotonic = monotonic
        self.sleep = sleep
        self._overall = {name: self._spacing(s.overall_rate) for name, s in self.senders.items()}
        self._per_chat: dict[tuple[str, str], Spacing] = {}
        self.wake = asyncio.Event()
        # set at shutdown or when this process stops leading: no new sends; rows claimed but
        # not yet tried are released at once for whoever sends next
        self.stopping = False

    async def drain_once(self) -> int:
        """Deliver every due row once (as far as rate limits allow); how many were handled."""
        rows = await asyncio.to_thread(self._claim)
        if not rows:
            return 0
        by_chat: dict[tuple[str, str], list[_Row]] = {}
        for row in rows:
            by_chat.setdefault((row.channel, row.chat), []).append(row)
        # each chat's task removes the rows it is done with; the rest are released at the end
        held = {row.id for row in rows}
        async with kept_leased(self.db, outbox.QUEUE, held, self.clock):
            results = await asyncio.gather(*(self._send_chat(chat_rows, held) for chat_rows in by_chat.values()))
        return sum(results)

    async def run(self, stop: asyncio.Event, idle_s: float = 0.25) -> None:
        """Drain until `stop` is set; between empty rounds wait `idle_s` or until woken."""
        while not stop.is_set():
            try:
                handled = await self.drain_once()
            except Exception:  # a database hiccup must not end the sender
                log.exception("outbox round failed")
                handled = 0
            if handled == 0:
                self.wake.clear()
                try:
                    await asyncio.wait_for(self.wake.wait(), timeout=idle_s)
                except TimeoutError:
                    pass

    # -- internals ------------------------------------------------------------------------

    def _spacing(self, rate: float) -> Spacing:
        return Spacing(rate, self.monotonic, self.sleep)

    def _claim(self) -> list[_Row]:
        with self.db.unit_of_work() as uow:
            claimed = outbox.claim_due(uow, self.clock(), self.batch, channels=list(self.senders))
            rows = [_Row(r.id, r.channel, r.chat, r.thread, dict(r.payload), r.blob) for r in claimed]
            uow.commit()
            return rows

    async def _send_chat(self, rows: list[_Row], held: set[int]) -> int:
        """Send one chat's rows in order; how many were tried. Rows left untried when
        stopping stay in `held` (released by the caller)."""
        handled = 0
        for index, row in enumerate(rows):
            sender = self.senders[row.channel]
            limiter = self._per_chat.setdefault((row.channel, row.chat), self._spacing(sender.per_chat_rate))
            # the chat's slot is taken when the send starts, after the wait for the platform's
            # slot: one chat's messages are spaced by when they go out, not when they queued
            await limiter.wait()
            await self._overall[row.channel].acquire()
            if self.stopping:
                return handled
            limiter.take()
            try:
                platform_id = await sender.send(row.chat, row.thread, from_payload(row.payload, row.blob))
            except Exception as error:
                held.discard(row.id)  # kept leased while the send was under way
                if isinstance(error, RetryAfter):
                    limiter.pause(error.seconds)
                    later = [r.id for r in rows[index + 1 :]]
                    held.difference_update(later)
                    await self._failed(row, error, retry_after=error.seconds)
                    await self._release_until(later, error.seconds)
                    return handled + 1
                if not isinstance(error, SendError):  # an adapter bug: retried with backoff, visible in `outbox list`
                    log.exception("sender failed outbox=%s", row.id)
                    error = SendError(type(error).__name__)
                await self._failed(row, error, permanent=isinstance(error, PermanentError))
            else:
                held.discard(row.id)
                await asyncio.to_thread(committed, self.db, outbox.QUEUE.complete, row.id, self.clock(), platform_id=platform_id)
                log.info("outbox sent id=%s", row.id)
            handled += 1
        return handled

    async def _failed(self, row: _Row, error: SendError, retry_after: float | None = None, permanent: bool = False) -> None:
        wait = timedelta(seconds=retry_after) if retry_after is not None else None
        status = await asyncio.to_thread(
            committed, self.db, outbox.QUEUE.fail, row.id, self.clock(), error.code, retry_after=wait, permanent=permanent
        )
        log.warning("outbox id=%s failed code=%s now=%s", row.id, error.code, status.value)

    async def _release_until(self, ids: list[int], seconds: float) -> None:
        """Rows not tried because of a pause of the platform's: due after it, not counted."""
        if ids:
            await asyncio.to_thread(committed, self.db, outbox.QUEUE.release, ids, self.clock() + timedelta(seconds=seconds))
