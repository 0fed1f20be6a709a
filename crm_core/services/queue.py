"""One durable queue over a table; the inbox and the outbox are two of them.

A row is due when it is pending and its `next_attempt_at` has come. A worker

    claim     takes due rows, oldest first: counts an attempt and leases each row (moves
              its `next_attempt_at` `lease` ahead), so other workers leave it alone
    start     (a queue with an `in_flight` status) marks one claimed row as handed to the
              outside world, in a commit of its own before the call that cannot be undone
    renew     keeps the lease of the rows still in hand (pending or in flight)
    complete  the row's work is done (status `done`, its completion time stamped)
    fail      a failed attempt: due again after a backoff (2, 4, 8, 16 ... s, capped) or
              after what the platform asked for; given up (status `given_up`) after
              `max_attempts`, or at once when the failure is permanent
    release   rows claimed but not tried (a shutdown, a pause of our own): due at a given
              time, their attempt not counted
    interrupted  in-flight rows whose lease ran out (their worker died mid-call): pending
              again, due now, the attempt counted (given up after `max_attempts`)

and an operator

    latest    lists rows newest first, of one status or all
    requeue   makes given-up rows (one, or all) pending again, due now, attempts from zero

On PostgreSQL a claim locks the rows it reads and skips those another worker has locked
(`FOR UPDATE SKIP LOCKED`); on every database it takes a row by a compare-and-set on
`attempts`, so a worker that read the same row a moment ago (SQLite has no SKIP LOCKED)
takes nothing. A crashed worker renews nothing: its rows are due again when their lease
runs out, and that attempt counts, so a row that kills its worker every time is given up.

A table used as a queue has `id`, `status`, `attempts`, `next_attempt_at`, `last_error` and
a completion time column; each queue names its own status words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from crm_core.errors import NotFound
from crm_core.uow import UnitOfWork

RowT = TypeVar("RowT")

# a claimed row is invisible to other workers this long; the worker renews the lease while
# it holds the row, so a crashed worker's rows return within seconds, not a minute
CLAIM_LEASE = timedelta(seconds=6)


@dataclass(frozen=True)
class DurableQueue(Generic[RowT]):
    """The queue over `model`'s table. `noun` names one row in messages ("inbox event")."""

    model: type[RowT]
    noun: str
    pending: StrEnum
    done: StrEnum
    given_up: StrEnum
    completed_at: str  # the column `complete` stamps
    max_attempts: int
    in_flight: StrEnum | None = None  # `start`ed and not yet done or failed
    lease: timedelta = CLAIM_LEASE
    first_backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=5)

    @property
    def name(self) -> str:
        """The table's name, for logs."""
        return str(self._m.__tablename__)

    @property
    def statuses(self) -> type[StrEnum]:
        """The queue's status words."""
        return type(self.pending)

    @property
    def _m(self) -> Any:
        return self.model

    def backoff(self, attempts: int) -> timedelta:
        """The wait after the `attempts`-th failed attempt: 2, 4, 8 ... s, at most max_backoff."""
        return min(self.max_backoff, self.first_backoff * 2 ** max(0, attempts - 1))

    def claim(self, uow: UnitOfWork, now: datetime, limit: int, *where: ColumnElement[bool]) -> list[RowT]:
        """Due rows that also meet `where`, oldest first, at most `limit`, each leased until
        now + lease with one more attempt counted."""
        m = self._m
        stmt = (
            select(m)
            .where(m.status == self.pending, m.next_attempt_at <= now, *where)
            .order_by(m.id)
            .limit(limit)
        )
        if uow.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = uow.session.scalars(stmt).all()
        by_attempts: dict[int, list[Any]] = {}
        for row in rows:
            by_attempts.setdefault(row.attempts, []).append(row)
        until = now + self.lease
        taken: set[int] = set()
        for attempts, same in by_attempts.items():  # one statement per attempts count
            taken.update(
                uow.session.scalars(
                    update(m)
                    .where(m.id.in_([r.id for r in same]), m.attempts == attempts, m.status == self.pending)
                    .values(next_attempt_at=until, attempts=attempts + 1)
                    .returning(m.id)
                    .execution_options(synchronize_session=False)
                )
            )
        claimed = [row for row in rows if row.id in taken]
        for row in claimed:  # what was written, without reading it back
            set_committed_value(row, "next_attempt_at", until)
            set_committed_value(row, "attempts", row.attempts + 1)
        return claimed

    def renew(self, uow: UnitOfWork, row_ids: Sequence[int], until: datetime) -> None:
        """Rows still in the worker's hands stay invisible to others until `until`."""
        m = self._m
        uow.session.execute(
            update(m).where(m.id.in_(list(row_ids)), m.status.in_(self._held)).values(next_attempt_at=until)
        )

    def start(self, uow: UnitOfWork, row_id: int, attempts: int, now: datetime, **values: Any) -> bool:
        """The claimed row (claimed as its `attempts`-th attempt) is about to leave: status
        `in_flight`, leased until now + lease, `values` set with it. False, and nothing
        written, when the row is no longer this claim's (its lease ran out and another
        worker claimed it, or it was given up): then it must not be sent."""
        m = self._m
        result = uow.session.execute(
            update(m)
            .where(m.id == row_id, m.status == self.pending, m.attempts == attempts)
            .values(status=self.in_flight, next_attempt_at=now + self.lease, **values)
        )
        return int(result.rowcount or 0) == 1  # type: ignore[attr-defined]

    def interrupted(self, uow: UnitOfWork, now: datetime) -> list[RowT]:
        """In-flight rows whose lease ran out, so no worker holds them any more (it died, or
        lost its database, mid-call): pending again and due now, or given up when their
        attempts are spent; `last_error` says "interrupted". The rows, as they were found."""
        if self.in_flight is None:
            return []
        m = self._m
        found = list(uow.session.scalars(select(m).where(m.status == self.in_flight, m.next_attempt_at <= now).order_by(m.id)))
        for row in found:
            uow.session.expunge(row)  # what was found, for the caller's log
        ids = [row.id for row in found]
        if ids:
            stale = (m.id.in_(ids), m.status == self.in_flight, m.next_attempt_at <= now)
            uow.session.execute(
                update(m).where(*stale, m.attempts >= self.max_attempts).values(status=self.given_up, last_error="interrupted")
            )
            uow.session.execute(
                update(m).where(*stale).values(status=self.pending, next_attempt_at=now, last_error="interrupted")
            )
        return found

    @property
    def _held(self) -> list[StrEnum]:
        return [self.pending] if self.in_flight is None else [self.pending, self.in_flight]

    def release(self, uow: UnitOfWork, row_ids: Sequence[int], due_at: datetime) -> None:
        """Claimed rows not tried (pending, or `start`ed and then not tried): pending, due
        at `due_at`, their claim not counted."""
        m = self._m
        uow.session.execute(
            update(m)
            .where(m.id.in_(list(row_ids)), m.status.in_(self._held), m.attempts > 0)
            .values(status=self.pending, next_attempt_at=due_at, attempts=m.attempts - 1)
        )

    def complete(self, uow: UnitOfWork, row_id: int, now: datetime, **values: Any) -> None:
        """The row's work is done; `values` are further columns to set with it."""
        m = self._m
        uow.session.execute(
            update(m).where(m.id == row_id).values({"status": self.done, self.completed_at: now, **values})
        )

    def fail(
        self,
        uow: UnitOfWork,
        row_id: int,
        now: datetime,
        error: str,
        retry_after: timedelta | None = None,
        permanent: bool = False,
    ) -> StrEnum:
        """The claimed attempt failed with `error` (a class name or code, never user text):
        due again after `retry_after` or the backoff, or given up; the row's status now."""
        row = uow.session.get(self._m, row_id)
        if row is None:
            raise NotFound(f"No {self.noun} {row_id}.")
        row.last_error = error[:200]
        if permanent or row.attempts >= self.max_attempts:
            row.status = self.given_up
        else:
            row.status = self.pending  # from in flight too
            row.next_attempt_at = now + (retry_after if retry_after is not None else self.backoff(row.attempts))
        return row.status  # type: ignore[no-any-return]

    def prune(self, uow: UnitOfWork, before: datetime) -> int:
        """Delete done rows completed before `before`; how many."""
        m = self._m
        done_at = getattr(m, self.completed_at)
        result = uow.session.execute(delete(m).where(m.status == self.done, done_at < before))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def latest(self, uow: UnitOfWork, status: StrEnum | None = None, limit: int = 100) -> list[RowT]:
        """The newest `limit` rows, of one status or all."""
        m = self._m
        stmt = select(m).order_by(m.id.desc()).limit(limit)
        if status is not None:
            stmt = stmt.where(m.status == status)
        return list(uow.session.scalars(stmt))

    def counts(self, uow: UnitOfWork) -> dict[str, int]:
        """How many rows there are of each status present."""
        m = self._m
        rows = uow.session.execute(select(m.status, func.count()).group_by(m.status))
        return {str(status): int(n) for status, n in rows}

    def requeue(self, uow: UnitOfWork, now: datetime, row_id: int | None = None) -> int:
        """Given-up rows (one, or all) pending again, due now, attempts from zero; how many.
        NotFound when the one asked for is not given up."""
        m = self._m
        stmt = update(m).where(m.status == self.given_up)
        if row_id is not None:
            stmt = stmt.where(m.id == row_id)
        result = uow.session.execute(stmt.values(status=self.pending, attempts=0, next_attempt_at=now))
        count = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if row_id is not None and count == 0:
            raise NotFound(f"No {self.given_up} {self.noun} {row_id}.")
        return count
