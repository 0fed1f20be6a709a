"""The one clock: a manual clock moves only when told; a unit of work stamps by its database's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from crm_core.clock import ManualClock, RunningClock, parse_instant, utcnow
from crm_core.models import AuditEntry, Company, OutboxMessage
from crm_core.services import customers, outbox
from crm_core.uow import Database

START = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)


def test_a_manual_clock_stands_still_until_advanced_and_never_runs_back() -> None:
    clock = ManualClock(START)
    assert clock() == clock.now() == START and clock.monotonic() == 0.0
    clock.advance(timedelta(minutes=5))
    assert clock() == START + timedelta(minutes=5) and clock.monotonic() == 300.0
    with pytest.raises(ValueError):
        clock.set(START)


def test_a_running_clock_starts_where_asked() -> None:
    assert START <= RunningClock(START)() < START + timedelta(minutes=1)


def test_instants_are_read_as_utc() -> None:
    assert parse_instant("2027-06-01T11:00:00+02:00") == START
    assert parse_instant("2027-06-01T09:00:00Z") == parse_instant("2027-06-01T09:00:00") == START
    with pytest.raises(ValueError, match="not an ISO date-time"):
        parse_instant("tomorrow")


def test_rows_written_in_a_unit_of_work_are_stamped_by_its_databases_clock(db: Database) -> None:
    at_start = Database(db.engine, db.session_factory, ManualClock(START))
    with at_start.unit_of_work() as uow:
        assert uow.now() == START and utcnow() == START
        customers.create_company(uow, "Acme Corp")
        outbox.enqueue(uow, "slack", "D1", {"type": "text", "text": "hi"})
        uow.commit()
    with db.unit_of_work() as uow:
        company = uow.session.scalars(select(Company)).one()
        row = uow.session.scalars(select(OutboxMessage)).one()
        audit = uow.session.scalars(select(AuditEntry)).one()
        assert company.created_at == row.created_at == row.next_attempt_at == audit.at == START
