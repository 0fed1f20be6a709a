"""Databases for the CRM core tests: a real SQLite file, and PostgreSQL where
`CRM_TEST_POSTGRES_URL` is set (CI sets it), each built by the real Alembic migrations.

Every PostgreSQL test gets a schema of its own (`t_<random>`, dropped afterwards), so the
tests never touch other data in the shared database and may run in parallel.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from crm_core.db import make_engine, make_session_factory
from crm_core.enums import Role
from crm_core.migrate import upgrade
from crm_core.models import StaffUser
from crm_core.services import users
from crm_core.uow import Database

POSTGRES_URL = os.environ.get("CRM_TEST_POSTGRES_URL", "")
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)

BACKENDS = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=pytest.mark.skipif(not POSTGRES_URL, reason="CRM_TEST_POSTGRES_URL is not set"),
    ),
]


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """Creates and drops the per-test schemas (autocommit, no pooled connections left open)."""
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An engine on an empty database of the backend under test (no tables yet)."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'crm.db'}")
        yield engine
        engine.dispose()
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"t_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    # synchronous_commit=off: a test's commits need not wait for the disk (a third faster)
    options = f"-csearch_path={schema} -csynchronous_commit=off"
    engine = make_engine(POSTGRES_URL, connect_args={"options": options})
    try:
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))


@pytest.fixture
def db(empty_engine: Engine) -> Database:
    """A database with the schema the real migrations build, on SQLite and PostgreSQL."""
    upgrade(empty_engine)
    return Database(empty_engine, make_session_factory(empty_engine))


@pytest.fixture
def now() -> datetime:
    """The reference clock of the CRM tests: Sunday 2026-11-22 10:00 UTC."""
    return NOW


def _add_staff(db: Database, email: str, name: str, role: Role, timezone: str) -> StaffUser:
    with db.unit_of_work() as uow:
        user = users.add_user(uow, email, name, role, timezone=timezone)
        uow.commit()
    return user


@pytest.fixture
def rep(db: Database) -> StaffUser:
    """A sales rep in Berlin (detached: load it again in a unit of work to change it)."""
    return _add_staff(db, "rita@example.com", "Rita Rep", Role.REP, "Europe/Berlin")


@pytest.fixture
def other_rep(db: Database) -> StaffUser:
    return _add_staff(db, "oskar@example.com", "Oskar Other", Role.REP, "America/New_York")
