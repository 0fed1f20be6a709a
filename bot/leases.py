"""Claimed rows in hand: short leases, renewed while the work is in hand, released after.

The inbox worker and the outbox sender claim rows of a durable queue
(crm_core.services.queue), which pushes their `next_attempt_at` a short lease ahead (6 s), so
other workers leave them alone. While the claimed rows are being handled, `kept_leased`
pushes the lease of the ones still in hand ahead every few seconds; when the process dies,
nobody renews, and the rows come back to whoever looks next within seconds. Rows still in
hand when the work stops (a shutdown, a cancellation) are released at once, their claim
not counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

from crm_core.services.queue import DurableQueue
from crm_core.uow import Database

log = logging.getLogger(__name__)

RENEW_EVERY_S = 2.0


def committed(db: Database, change: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`change(uow, *args, **kwargs)` in a transaction of its own, committed; what it returned."""
    with db.unit_of_work() as uow:
        result = change(uow, *args, **kwargs)
        uow.commit()
        return result


@contextlib.asynccontextmanager
async def kept_leased(
    db: Database,
    queue: DurableQueue[Any],
    held: set[int],
    clock: Callable[[], datetime],
    every_s: float = RENEW_EVERY_S,
    also_renew: set[int] | None = None,
) -> AsyncIterator[None]:
    """Renew the lease of the ids in `held` and `also_renew` (the caller removes what it is
    done with); on leaving, release the ids still in `held` (never those in `also_renew`:
    work under way that must not be handed to anybody else)."""

    async def renew() -> None:
        while True:
            await asyncio.sleep(every_s)
            ids = sorted(held | (also_renew or set()))
            if ids:
                try:
                    await asyncio.to_thread(committed, db, queue.renew, ids, clock() + queue.lease)
                except Exception as error:  # a database hiccup: the next round tries again
                    log.warning("lease renewal failed rows=%s error=%s", len(ids), type(error).__name__)

    task = asyncio.create_task(renew(), name="lease-renewal")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if held:
            _release(db, queue, sorted(held), clock)


def _release(db: Database, queue: DurableQueue[Any], ids: list[int], clock: Callable[[], datetime]) -> None:
    # synchronous on purpose: it must also run when the task is being cancelled
    try:
        committed(db, queue.release, ids, clock())
    except Exception as error:
        log.warning("%s release failed rows=%s error=%s", queue.name, len(ids), type(error).__name__)
        return
    log.info("%s released rows=%s", queue.name, len(ids))
