"""Short leases, renewed while the work is in hand.

The inbox worker and the outbox sender claim rows by pushing their `next_attempt_at` a short
lease ahead (6 s), so other workers leave them alone. While the claimed rows are being
handled, `kept_leased` pushes the lease of the ones still in hand ahead every few seconds;
when the process dies, nobody renews, and the rows come back to whoever looks next within
seconds (a lease long enough for a whole batch kept a crashed process's work waiting a
minute).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime, timedelta

from crm_core.uow import Database, UnitOfWork

log = logging.getLogger(__name__)

RENEW_EVERY_S = 2.0

Extend = Callable[[UnitOfWork, Sequence[int], datetime], None]


@contextlib.asynccontextmanager
async def kept_leased(
    db: Database,
    extend: Extend,
    held: set[int],
    lease: timedelta,
    clock: Callable[[], datetime],
    every_s: float = RENEW_EVERY_S,
) -> AsyncIterator[None]:
    """Renew the lease of the ids in `held` (the caller removes what it is done with)."""

    def write(ids: list[int]) -> None:
        with db.unit_of_work() as uow:
            extend(uow, ids, clock() + lease)
            uow.commit()

    async def renew() -> None:
        while True:
            await asyncio.sleep(every_s)
            ids = sorted(held)
            if ids:
                try:
                    await asyncio.to_thread(write, ids)
                except Exception as error:  # a database hiccup: the next round tries again
                    log.warning("lease renewal failed rows=%s error=%s", len(ids), type(error).__name__)

    task = asyncio.create_task(renew(), name="lease-renewal")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
