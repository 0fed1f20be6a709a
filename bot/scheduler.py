"""The scheduler (APScheduler 3): due follow-ups and the morning summary, into the outbox.

Jobs only look at rows (follow-ups and their `notified_at`, users and their
`last_summary_on`), so nothing is kept in memory: a restart loses nothing, and a reminder
that came due while no process ran goes out on the first tick after start.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from crm_core.clock import SystemClock
from crm_core.uow import Database
from intents.reminders import enqueue_due_reminders, enqueue_morning_summaries

log = logging.getLogger(__name__)

REMINDER_EVERY_S = 5
SUMMARY_EVERY_S = 60


class Scheduler:
    def __init__(
        self,
        db: Database,
        on_enqueued: Callable[[], None] = lambda: None,
        clock: Callable[[], datetime] = SystemClock(),
        reminder_every_s: float = REMINDER_EVERY_S,
    ) -> None:
        self.db = db
        self.on_enqueued = on_enqueued
        self.clock = clock
        self.reminder_every_s = reminder_every_s
        self._aps: AsyncIOScheduler | None = None

    def start(self) -> None:
        aps = AsyncIOScheduler(timezone=UTC)
        # APScheduler's own time base (when to tick); what is due is asked of self.clock
        now = datetime.now(UTC)
        # run at once on start (missed reminders), then on the interval; never two at a time
        aps.add_job(self.reminders, "interval", seconds=self.reminder_every_s, next_run_time=now, max_instances=1, coalesce=True)
        aps.add_job(self.summaries, "interval", seconds=SUMMARY_EVERY_S, next_run_time=now, max_instances=1, coalesce=True)
        aps.start()
        self._aps = aps

    def shutdown(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    async def reminders(self) -> int:
        count = await asyncio.to_thread(enqueue_due_reminders, self.db, self.clock())
        if count:
            log.info("reminders queued count=%s", count)
            self.on_enqueued()
        return count

    async def summaries(self) -> int:
        count = await asyncio.to_thread(enqueue_morning_summaries, self.db, self.clock())
        if count:
            log.info("morning summaries queued count=%s", count)
            self.on_enqueued()
        return count
