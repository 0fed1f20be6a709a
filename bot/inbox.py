"""The inbox worker: adapters store each incoming event here before they answer the platform
(`accept`), and this worker hands stored events back to their adapter's `handle` afterwards.

    Slack event ─┐                         ┌─ SlackAdapter.handle ──┐
    TG webhook ──┼─ accept (one insert) ─▶ │ inbox table │ ─ drain ─┤        gateway → outbox
    TG polling ──┘  then 200 / offset      └─ TelegramAdapter.handle┘

So an event Slack or Telegram was told we have is never lost: a crash after the answer
leaves the row pending, and the next round (this process after a restart, or another
process on PostgreSQL) handles it. A handler that raises is retried with backoff; the
gateway records each event id with its effect, so handling an event twice changes nothing.
When its last try fails, the adapter's `given_up` tells the user once that the message could
not be processed. Every process runs a worker; one conversation's events go one at a time,
in order, and one that failed waits out its backoff aside, not in front of the others
(crm_core.services.inbox.claim).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import traceback
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.leases import committed, kept_leased
from crm_core.clock import SystemClock
from crm_core.services import inbox
from crm_core.uow import Database

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]
KEEP_DONE = timedelta(days=1)
# Threads that store incoming events, apart from asyncio's default ones (six on two cores),
# which the handling, the sender and the leader check also use: a platform's ack never
# queues behind a language-model parse. On PostgreSQL concurrent commits share one WAL
# flush, so more stores in flight is more stores per second (the pool has room for them);
# SQLite writes one transaction at a time, and writers waiting on its lock retry on timers,
# not in turn: one thread keeps the stores in arrival order.
ACCEPT_THREADS = {"postgresql": 16, "sqlite": 1}
PRUNE_EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class _Event:
    id: int
    channel: str
    event_id: str
    payload: dict[str, Any]


class InboxWorker:
    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, Handler] | None = None,
        clock: Callable[[], datetime] = SystemClock(),
        batch: int = 50,
    ) -> None:
        self.db = db
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self.given_up: dict[str, Handler] = {}
        self.clock = clock
        self.batch = batch
        self.wake = asyncio.Event()
        # called after a round that handled something (the outbox sender's wake-up)
        self.on_handled: list[Callable[[], None]] = []
        self._pruned_at: datetime | None = None
        threads = ACCEPT_THREADS.get(db.engine.dialect.name, 4)
        self._accepting = ThreadPoolExecutor(threads, thread_name_prefix="inbox-accept")

    def close(self) -> None:
        """Let the accept threads go (after the HTTP server stopped taking requests)."""
        self._accepting.shutdown(wait=False)

    def register(self, channel: str, handler: Handler, given_up: Handler | None = None) -> None:
        """`handler` handles the channel's events; `given_up` is called with an event's payload
        once its last try failed (to tell the user)."""
        self.handlers[channel] = handler
        if given_up is not None:
            self.given_up[channel] = given_up

    async def accept(self, channel: str, event_id: str, chat_key: str, payload: dict[str, Any]) -> bool:
        """Store one event (committed when this returns); False when it was stored before.
        A database error propagates: the caller must then not tell the platform it has it."""

        store = functools.partial(committed, self.db, inbox.accept, channel, event_id, chat_key, payload, self.clock())
        fresh = bool(await asyncio.get_running_loop().run_in_executor(self._accepting, store))
        if fresh:
            self.wake.set()
        else:
            log.info("inbox duplicate channel=%s event=%s", channel, event_id)
        return fresh

    async def drain_once(self, stop: asyncio.Event | None = None) -> int:
        """Handle what is due, until nothing is (or `stop` is set: the claimed events not yet
        begun are released for the next worker); how many were handled (or failed)."""
        total = 0
        while stop is None or not stop.is_set():
            events = await asyncio.to_thread(self._claim)
            if not events:
                return total
            held = {event.id for event in events}
            # what is still held when stopped, or cancelled at the end of the shutdown
            # grace, is released for the next worker
            async with kept_leased(self.db, inbox.QUEUE, held, self.clock):
                for event in events:
                    if stop is not None and stop.is_set():
                        break
                    await self._handle(event)
                    held.discard(event.id)
                    total += 1
            for callback in self.on_handled:
                callback()
        return total

    async def run(self, stop: asyncio.Event, idle_s: float = 0.5) -> None:
        """Drain until `stop` is set; an event being handled when it is set finishes first
        (its effect is one transaction), the rest stay pending for the next start."""
        while not stop.is_set():
            self.wake.clear()
            try:
                await self.drain_once(stop)
                await self.prune_if_due()
            except Exception:  # a database hiccup must not end the worker
                log.exception("inbox round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), timeout=idle_s)

    async def prune_if_due(self) -> None:
        """Delete events done more than KEEP_DONE ago (they hold message text), at most once
        every PRUNE_EVERY."""
        now = self.clock()
        if self._pruned_at is not None and now - self._pruned_at < PRUNE_EVERY:
            return
        self._pruned_at = now
        removed = await asyncio.to_thread(committed, self.db, inbox.QUEUE.prune, now - KEEP_DONE)
        if removed:
            log.info("inbox pruned done=%s", removed)

    # -- internals --------------------------------------------------------------------------

    def _claim(self) -> list[_Event]:
        with self.db.unit_of_work() as uow:
            rows = inbox.claim(uow, self.clock(), self.batch, channels=list(self.handlers))
            events = [_Event(r.id, r.channel, r.event_id, dict(r.payload)) for r in rows]
            uow.commit()
            return events

    async def _handle(self, event: _Event) -> None:
        try:
            await self.handlers[event.channel](event.payload)
        except Exception as error:
            # the exception's text may quote user data: its type and frames only
            frames = "".join(traceback.format_tb(error.__traceback__))
            log.error("inbox event failed id=%s channel=%s error=%s\n%s", event.id, event.channel, type(error).__name__, frames)
            status = await asyncio.to_thread(committed, self.db, inbox.QUEUE.fail, event.id, self.clock(), type(error).__name__)
            if status == inbox.QUEUE.given_up:
                await self._tell_given_up(event)
            return
        await asyncio.to_thread(committed, self.db, inbox.QUEUE.complete, event.id, self.clock())

    async def _tell_given_up(self, event: _Event) -> None:
        tell = self.given_up.get(event.channel)
        if tell is None:
            return
        try:
            await tell(event.payload)
        except Exception as error:  # the event stays given up; `chatcrm inbox retry` can take it again
            log.error("inbox failure notice failed id=%s channel=%s error=%s", event.id, event.channel, type(error).__name__)
