"""The outbox sender: delivers due outbox rows through the platform senders, with rate limits
(per chat and per platform), and marks each row sent, retried later, or dead.

Rows of one chat go out in order, one at a time, spaced by the platform's per-chat rate;
chats are served side by side within the platform's overall rate. A 429 pauses the chat
for the time the platform asked; the rest of that chat's rows wait behind it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.leases import kept_leased
from bot.ports import PermanentError, RetryAfter, Sender, SendError
from crm_core.services import outbox
from crm_core.uow import Database
from intents.messages import from_payload

log = logging.getLogger(__name__)


class Spacing:
    """A rate limit without bursts: successive acquisitions at least 1/rate seconds apart."""

    def __init__(self, rate: float) -> None:
        self.interval = 1.0 / rate
        self.next_free = 0.0
        self.lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self.lock:
            now = time.monotonic()
            if self.next_free > now:
                await asyncio.sleep(self.next_free - now)
                now = time.monotonic()
            self.next_free = max(now, self.next_free) + self.interval

    def pause(self, seconds: float) -> None:
        self.next_free = max(self.next_free, time.monotonic() + seconds)


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
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        batch: int = 100,
    ) -> None:
        self.db = db
        self.senders = dict(senders)
        self.clock = clock
        self.batch = batch
        self._overall = {name: Spacing(s.overall_rate) for name, s in self.senders.items()}
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
        held = {row.id for row in rows}  # each chat's task removes the rows it is done with
        async with kept_leased(self.db, outbox.extend_leases, held, outbox.CLAIM_LEASE, self.clock):
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

    def _claim(self) -> list[_Row]:
        with self.db.unit_of_work() as uow:
            claimed = outbox.claim_due(uow, self.clock(), self.batch, channels=list(self.senders))
            rows = [_Row(r.id, r.channel, r.chat, r.thread, dict(r.payload), r.blob) for r in claimed]
            uow.commit()
            return rows

    async def _send_chat(self, rows: list[_Row], held: set[int]) -> int:
        handled = 0
        for index, row in enumerate(rows):
            sender = self.senders[row.channel]
            limiter = self._per_chat.setdefault((row.channel, row.chat), Spacing(sender.per_chat_rate))
            await limiter.acquire()
            await self._overall[row.channel].acquire()
            if self.stopping:
                held.difference_update(r.id for r in rows[index:])
                await self._postpone([r.id for r in rows[index:]], 0.0)
                return handled
            try:
                platform_id = await sender.send(row.chat, row.thread, from_payload(row.payload, row.blob))
            except RetryAfter as error:
                limiter.pause(error.seconds)
                held.difference_update(r.id for r in rows[index:])
                await self._failed(row, error, retry_after=error.seconds)
                await self._postpone([r.id for r in rows[index + 1 :]], error.seconds)
                return handled + 1
            except SendError as error:
                held.discard(row.id)
                await self._failed(row, error, permanent=isinstance(error, PermanentError))
                handled += 1
                continue
            except Exception as error:  # an adapter bug: retried with backoff, visible in `outbox list`
                log.exception("sender failed outbox=%s", row.id)
                held.discard(row.id)
                await self._failed(row, SendError(type(error).__name__))
                handled += 1
                continue
            held.discard(row.id)
            await asyncio.to_thread(self._mark_sent, row.id, platform_id)
            handled += 1
        return handled

    def _mark_sent(self, row_id: int, platform_id: str | None) -> None:
        with self.db.unit_of_work() as uow:
            outbox.mark_sent(uow, row_id, self.clock(), platform_id)
            uow.commit()
        log.info("outbox sent id=%s", row_id)

    async def _failed(self, row: _Row, error: SendError, retry_after: float | None = None, permanent: bool = False) -> None:
        def write() -> None:
            with self.db.unit_of_work() as uow:
                status = outbox.mark_failed(uow, row.id, self.clock(), error.code, retry_after, permanent)
                uow.commit()
            log.warning("outbox id=%s failed code=%s now=%s", row.id, error.code, status.value)

        await asyncio.to_thread(write)

    async def _postpone(self, ids: list[int], seconds: float) -> None:
        if not ids:
            return

        def write() -> None:
            with self.db.unit_of_work() as uow:
                for row_id in ids:
                    outbox.postpone(uow, row_id, self.clock() + timedelta(seconds=seconds))
                uow.commit()

        await asyncio.to_thread(write)
