"""The outbox sender: delivers due outbox rows through the platform senders, with rate limits
(per chat and per platform), and marks each row sent, retried later, or dead.

Rows of one chat go out in order, one at a time, spaced by the platform's per-chat rate;
chats are served side by side within the platform's overall rate. A 429 pauses the chat
for the time the platform asked; the rest of that chat's rows wait behind it.

Each row is marked SENDING in a commit of its own before its platform call, and SENT in
the next commit after it: a sender that dies in between leaves the row SENDING, and once its
lease runs out the next round (this process's or the next leader's) counts it in a log line
and sends it again (at least once; docs/decisions: outbox-sending-mark). When the commit of
SENT fails (the database went away), the outcome stays in memory and is recorded again with
a backoff until the database answers; the row is never sent twice for it, and no new round
claims or recovers anything before it is recorded.

The pacing reads `monotonic` and waits with `sleep` (time.monotonic and asyncio.sleep
unless given); rows are claimed, failed and sent at the times `clock` tells.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
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

# a sent row whose record failed is recorded again after 0.5, 1, 2 ... s, at most this apart
RECORD_RETRY_MAX_S = 10.0


def this_process() -> str:
    """Who marks rows SENDING: host:pid."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Spacing:
    """A rate limit without bursts: successive uses at least 1/rate seconds apart."""

    def __init__(self, rate: float, monotonic: Monotonic = time.monotonic, sleep: Sleep = asyncio.sleep) -> None:
        self.interval = 1.0 / rate
        self.monotonic = monotonic
        self.sleep = sleep
        self.next_free = 0.0
        self.lock = asyncio.Lock()  # held from the wait to the take: no other user in between

    async def wait(self) -> None:
        """Until a use now keeps the spacing; the slot is not taken."""
        now = self.monotonic()
        if self.next_free > now:
            await self.sleep(self.next_free - now)

    def take(self) -> None:
        """A use now: the next one no sooner than 1/rate seconds from now (or a pause's end)."""
        self.next_free = max(self.next_free, self.monotonic() + self.interval)

    def pause(self, seconds: float) -> None:
        self.next_free = max(self.next_free, self.monotonic() + seconds)


@dataclass(frozen=True)
class _Row:
    id: int
    attempts: int  # as claimed: the sending mark is a compare-and-set on it
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
        owner: str | None = None,
    ) -> None:
        self.db = db
        self.owner = owner or this_process()
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
        # rows the platform took whose SENT is not committed yet: id -> (platform id, when)
        self.unrecorded: dict[int, tuple[str | None, datetime]] = {}
        # SENT is committed by a thread of its own, never queued behind other database work:
        # the time between the platform's answer and that commit is the duplicate window
        # (None: the event loop's default executor, as asyncio.to_thread uses)
        self.recorder: ThreadPoolExecutor | None = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-sent")

    async def drain_once(self) -> int:
        """Deliver every due row once (as far as rate limits allow); how many were handled.
        First what was sent and not yet recorded (raises while the database is away), then
        rows a dead sender left SENDING, then a claim."""
        for row_id, (platform_id, at) in list(self.unrecorded.items()):
            await asyncio.to_thread(self._record_sent, row_id, platform_id, at)
            self.unrecorded.pop(row_id, None)
        await asyncio.to_thread(self._recover_interrupted)
        rows = await asyncio.to_thread(self._claim)
        if not rows:
            return 0
        by_chat: dict[tuple[str, str], list[_Row]] = {}
        for row in rows:
            by_chat.setdefault((row.channel, row.chat), []).append(row)
        # each chat's task removes the rows it is done with; the rest are released at the end;
        # a row on the wire is kept leased, never released
        held = {row.id for row in rows}
        on_wire: set[int] = set()
        async with kept_leased(self.db, outbox.QUEUE, held, self.clock, also_renew=on_wire):
            # every chat's task ends before the rows are released: none sends a released row
            results = await asyncio.gather(
                *(self._send_chat(chat_rows, held, on_wire) for chat_rows in by_chat.values()), return_exceptions=True
            )
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return sum(n for n in results if isinstance(n, int))

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
            rows = [_Row(r.id, r.attempts, r.channel, r.chat, r.thread, dict(r.payload), r.blob) for r in claimed]
            uow.commit()
            return rows

    def _recover_interrupted(self) -> None:
        """Rows left SENDING by a sender that died mid-call (their lease ran out): sent again."""
        found = committed(self.db, outbox.QUEUE.interrupted, self.clock())
        if found:
            owners = sorted({r.sending_by or "?" for r in found})
            log.warning(
                "outbox rows found sending after their sender stopped rows=%s ids=%s senders=%s: "
                "sent again, a duplicate is possible",
                len(found), ",".join(str(r.id) for r in found[:20]), ",".join(owners[:5]),
            )

    def _record_sent(self, row_id: int, platform_id: str | None, at: datetime) -> None:
        committed(self.db, outbox.QUEUE.complete, row_id, at, platform_id=platform_id)

    async def _sent(self, row_id: int, platform_id: str | None) -> None:
        """Record that the platform took the row; until that commit succeeds, keep trying."""
        at = self.clock()
        self.unrecorded[row_id] = (platform_id, at)
        delay = 0.5
        while True:
            try:
                await asyncio.get_running_loop().run_in_executor(self.recorder, self._record_sent, row_id, platform_id, at)
            except Exception as error:  # the database went away: the outcome waits in memory
                log.warning("outbox id=%s sent, not recorded error=%s: again in %.1f s", row_id, type(error).__name__, delay)
                await self.sleep(delay)
                delay = min(2 * delay, RECORD_RETRY_MAX_S)
                continue
            self.unrecorded.pop(row_id, None)
            log.info("outbox sent id=%s", row_id)
            return

    async def _send_chat(self, rows: list[_Row], held: set[int], on_wire: set[int]) -> int:
        """Send one chat's rows in order; how many were tried. Rows left untried (when
        stopping, or when the database cannot take a sending mark) stay in `held`, released
        by the caller."""
        handled = 0
        for index, row in enumerate(rows):
            sender = self.senders[row.channel]
            limiter = self._per_chat.setdefault((row.channel, row.chat), self._spacing(sender.per_chat_rate))
            overall = self._overall[row.channel]
            # the chat's slot is taken when the send starts, after the wait for the platform's
            # slot: one chat's messages are spaced by when they go out, not when they queued.
            # The sending mark is committed under the platform slot's lock, while that slot
            # comes: a row is SENDING only when its call is next (so a row found so later may
            # have reached the platform), the commit costs no slot time, and the call follows
            # its slot at once
            await limiter.wait()
            async with overall.lock:
                if self.stopping:
                    return handled
                try:
                    ours = await asyncio.to_thread(
                        committed, self.db, outbox.mark_sending, row.id, row.attempts, self.clock(), self.owner
                    )
                except Exception as error:  # not marked, not sent: the rest of the chat waits its turn
                    log.warning("outbox id=%s not marked sending error=%s", row.id, type(error).__name__)
                    return handled
                if ours:
                    await overall.wait()
                    if self.stopping:
                        return handled  # marked, not sent: released with the rest
                    overall.take()
            if not ours:  # its lease ran out and another sender has it: not ours to send
                log.warning("outbox id=%s claimed elsewhere meanwhile: not sent here", row.id)
                held.discard(row.id)
                continue
            limiter.take()
            held.discard(row.id)
            on_wire.add(row.id)  # from here on the platform may have it: never released
            try:
                platform_id = await sender.send(row.chat, row.thread, from_payload(row.payload, row.blob))
            except Exception as error:
                if isinstance(error, RetryAfter):
                    limiter.pause(error.seconds)
                    later = [r.id for r in rows[index + 1 :]]
                    held.difference_update(later)
                    await self._failed(row, error, on_wire, retry_after=error.seconds)
                    await self._release_until(later, error.seconds)
                    return handled + 1
                if not isinstance(error, SendError):  # an adapter bug: retried with backoff, visible in `outbox list`
                    log.exception("sender failed outbox=%s", row.id)
                    error = SendError(type(error).__name__)
                await self._failed(row, error, on_wire, permanent=isinstance(error, PermanentError))
            else:
                await self._sent(row.id, platform_id)
                on_wire.discard(row.id)
            handled += 1
        return handled

    async def _failed(
        self, row: _Row, error: SendError, on_wire: set[int], retry_after: float | None = None, permanent: bool = False
    ) -> None:
        wait = timedelta(seconds=retry_after) if retry_after is not None else None
        try:
            status = await asyncio.to_thread(
                committed, self.db, outbox.QUEUE.fail, row.id, self.clock(), error.code, retry_after=wait, permanent=permanent
            )
        except Exception as db_error:  # left SENDING: tried again once its lease runs out
            log.warning("outbox id=%s failed code=%s, not recorded error=%s", row.id, error.code, type(db_error).__name__)
            return
        finally:
            on_wire.discard(row.id)
        log.warning("outbox id=%s failed code=%s now=%s", row.id, error.code, status.value)

    async def _release_until(self, ids: list[int], seconds: float) -> None:
        """Rows not tried because of a pause of the platform's: due after it, not counted."""
        if ids:
            try:
                await asyncio.to_thread(committed, self.db, outbox.QUEUE.release, ids, self.clock() + timedelta(seconds=seconds))
            except Exception as error:  # not sent: back once their lease runs out
                log.warning("outbox release failed rows=%s error=%s", len(ids), type(error).__name__)
