"""The durable queue on SQLite and PostgreSQL, as the inbox and the outbox configure it:
claims count an attempt and lease the row, leases are renewed or run out, failures back off
2, 4, 8 ... s and end given up, released rows are not counted, given-up rows are listed and
queued again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from crm_core.errors import NotFound
from crm_core.models import OutboxMessage
from crm_core.services import inbox, outbox
from crm_core.services.queue import DurableQueue
from crm_core.uow import Database, UnitOfWork

Add = Callable[[UnitOfWork, int, datetime], None]


def add_events(uow: UnitOfWork, n: int, now: datetime) -> None:
    inbox.accept(uow, "slack", f"Ev{n}", f"D{n}", {"n": n}, now)


def add_messages(uow: UnitOfWork, n: int, now: datetime) -> None:
    outbox.enqueue(uow, "slack", f"D{n}", {"n": n}, now=now)


@pytest.fixture(params=["inbox", "outbox"])
def queue(request: pytest.FixtureRequest) -> tuple[DurableQueue[Any], Add]:
    if request.param == "inbox":
        return inbox.QUEUE, add_events
    return outbox.QUEUE, add_messages


def fill(db: Database, add: Add, count: int, now: datetime) -> None:
    with db.unit_of_work() as uow:
        for n in range(count):
            add(uow, n, now)
        uow.commit()


def claim(db: Database, queue: DurableQueue[Any], now: datetime, limit: int = 10) -> list[tuple[int, int, datetime]]:
    """Claim and commit: (id, attempts, leased until) of each row taken."""
    with db.unit_of_work() as uow:
        taken = [(r.id, r.attempts, r.next_attempt_at) for r in queue.claim(uow, now, limit)]
        uow.commit()
    return taken


def change(db: Database, action: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    with db.unit_of_work() as uow:
        result = action(uow, *args, **kwargs)
        uow.commit()
    return result


def states(db: Database, queue: DurableQueue[Any]) -> list[tuple[str, int]]:
    with db.unit_of_work() as uow:
        return [(str(r.status), r.attempts) for r in reversed(queue.latest(uow))]


def test_a_claim_counts_an_attempt_and_leases_the_oldest_rows_until_the_lease_runs_out(
    db: Database, now: datetime, queue: tuple[DurableQueue[Any], Add]
) -> None:
    q, add = queue
    fill(db, add, 3, now)
    first = claim(db, q, now, limit=2)
    assert [(attempts, until) for _, attempts, until in first] == [(1, now + q.lease)] * 2
    [third] = claim(db, q, now)  # the two are leased: only the third is left
    assert third[0] > max(i for i, _, _ in first)
    assert claim(db, q, now + q.lease - timedelta(seconds=1)) == []

    change(db, q.renew, [i for i, _, _ in first], now + q.lease + timedelta(seconds=5))  # still in hand
    assert [i for i, _, _ in claim(db, q, now + q.lease)] == [third[0]]  # its lease ran out
    # the worker holding the first two died: their lease runs out, and the attempt counts
    again = claim(db, q, now + q.lease + timedelta(seconds=5))
    assert [(i, attempts) for i, attempts, _ in again] == [(i, 2) for i, _, _ in first]


def test_concurrent_claims_never_take_one_row_twice(db: Database, now: datetime, queue: tuple[DurableQueue[Any], Add]) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time; the compare-and-set is shown by the worker tests")
    q, add = queue
    fill(db, add, 4, now)
    with db.unit_of_work() as first, db.unit_of_work() as second:
        taken = [r.id for r in q.claim(first, now, 2)]  # locked, not yet committed
        others = [r.id for r in q.claim(second, now, 10)]  # skips the locked rows
        first.commit()
        second.commit()
    assert len(taken) == 2 and len(others) == 2 and not set(taken) & set(others)


def test_failures_back_off_2_4_8_s_then_the_row_is_given_up_until_requeued(
    db: Database, now: datetime, queue: tuple[DurableQueue[Any], Add]
) -> None:
    q, add = queue
    fill(db, add, 1, now)
    waits, at = [], now
    for _ in range(q.max_attempts):
        [(row_id, _, _)] = claim(db, q, at)
        status = change(db, q.fail, row_id, at, "TransientError")
        if status == q.given_up:
            break
        with db.unit_of_work() as uow:
            due = q.latest(uow)[0].next_attempt_at
        waits.append((due - at).total_seconds())
        assert claim(db, q, due - timedelta(seconds=1)) == []
        at = due
    assert waits == [2.0 * 2**k for k in range(q.max_attempts - 1)]  # inbox: 2, 4, 8, 16 s
    assert states(db, q) == [(str(q.given_up), q.max_attempts)]
    assert claim(db, q, at + timedelta(days=1)) == []  # given up: never claimed again

    with pytest.raises(NotFound, match=f"No {q.given_up} {q.noun} 999"):
        change(db, q.requeue, at, 999)
    assert change(db, q.requeue, at, row_id) == 1
    assert states(db, q) == [(str(q.pending), 0)]
    assert [attempts for _, attempts, _ in claim(db, q, at)] == [1]  # due at once


def test_a_wait_the_platform_asked_for_and_a_permanent_failure(
    db: Database, now: datetime, queue: tuple[DurableQueue[Any], Add]
) -> None:
    q, add = queue
    fill(db, add, 2, now)
    [(asked, _, _), (broken, _, _)] = claim(db, q, now)
    assert change(db, q.fail, asked, now, "429", retry_after=timedelta(seconds=30)) == q.pending
    assert change(db, q.fail, broken, now, "Forbidden", permanent=True) == q.given_up
    assert claim(db, q, now + timedelta(seconds=29)) == []
    assert [i for i, _, _ in claim(db, q, now + timedelta(seconds=30))] == [asked]
    assert states(db, q) == [(str(q.pending), 2), (str(q.given_up), 1)]


def test_released_rows_are_due_when_asked_and_their_claim_is_not_counted(
    db: Database, now: datetime, queue: tuple[DurableQueue[Any], Add]
) -> None:
    q, add = queue
    fill(db, add, 2, now)
    ids = [i for i, _, _ in claim(db, q, now)]
    change(db, q.complete, ids[0], now)
    change(db, q.release, ids[1:], now + timedelta(seconds=10))
    assert states(db, q) == [(str(q.done), 1), (str(q.pending), 0)]
    assert claim(db, q, now + timedelta(seconds=9)) == []
    assert [(i, attempts) for i, attempts, _ in claim(db, q, now + timedelta(seconds=10))] == [(ids[1], 1)]


def test_done_rows_are_listed_by_status_counted_and_pruned(
    db: Database, now: datetime, queue: tuple[DurableQueue[Any], Add]
) -> None:
    q, add = queue
    fill(db, add, 3, now)
    ids = [i for i, _, _ in claim(db, q, now)]
    change(db, q.complete, ids[0], now)
    change(db, q.fail, ids[1], now, "Boom", permanent=True)
    with db.unit_of_work() as uow:
        assert [r.id for r in q.latest(uow)] == ids[::-1]  # newest first
        assert [r.id for r in q.latest(uow, q.done)] == [ids[0]]
        assert [r.id for r in q.latest(uow, q.pending, limit=1)] == [ids[2]]
        assert q.counts(uow) == {str(q.done): 1, str(q.given_up): 1, str(q.pending): 1}
    assert change(db, q.prune, now) == 0  # completed at `now`, not before
    assert change(db, q.prune, now + timedelta(seconds=1)) == 1
    assert [s for s, _ in states(db, q)] == [str(q.given_up), str(q.pending)]
    assert change(db, q.requeue, now) == 1  # all given-up rows


def test_a_sending_mark_is_refused_to_a_claim_whose_lease_ran_out_and_was_taken_again(db: Database, now: datetime) -> None:
    fill(db, add_messages, 1, now)
    [(row_id, first_attempt, _)] = claim(db, outbox.QUEUE, now)
    later = now + outbox.QUEUE.lease + timedelta(seconds=1)
    [(_, second_attempt, _)] = claim(db, outbox.QUEUE, later)  # the first claimant stalled
    assert change(db, outbox.mark_sending, row_id, first_attempt, later, "host-a:1") is False
    assert change(db, outbox.mark_sending, row_id, second_attempt, later, "host-b:2") is True
    assert states(db, outbox.QUEUE) == [("sending", 2)]


def test_sending_rows_come_back_when_their_lease_runs_out_and_are_given_up_after_the_last_attempt(
    db: Database, now: datetime
) -> None:
    fill(db, add_messages, 2, now)
    [(first, attempts, _), (last, _, _)] = claim(db, outbox.QUEUE, now)
    with db.unit_of_work() as uow:  # the second has no attempt left
        uow.session.get(OutboxMessage, last).attempts = outbox.MAX_ATTEMPTS
        uow.commit()
    assert change(db, outbox.mark_sending, first, attempts, now, "host-a:1")
    assert change(db, outbox.mark_sending, last, outbox.MAX_ATTEMPTS, now, "host-a:1")
    assert change(db, outbox.QUEUE.interrupted, now + outbox.QUEUE.lease - timedelta(seconds=1)) == []  # still leased
    found = change(db, outbox.QUEUE.interrupted, now + outbox.QUEUE.lease)
    assert [(r.id, r.sending_by) for r in found] == [(first, "host-a:1"), (last, "host-a:1")]
    assert states(db, outbox.QUEUE) == [("pending", 1), ("dead", outbox.MAX_ATTEMPTS)]
    assert [(i, a) for i, a, _ in claim(db, outbox.QUEUE, now + outbox.QUEUE.lease)] == [(first, 2)]
