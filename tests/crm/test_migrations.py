"""The Alembic migrations build exactly the schema the models describe, on SQLite and
PostgreSQL, and upgrading an up-to-date database changes nothing."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text

from crm_core.db import make_session_factory
from crm_core.enums import Role
from crm_core.migrate import current_revision, downgrade, head_revision, upgrade
from crm_core.models import Base, Company, Contact
from crm_core.services import customers, undo, users
from crm_core.uow import Database

TABLES = {
    "alembic_version", "audit_log", "companies", "contacts", "conversation_states", "followups",
    "inbox", "interactions", "outbox", "processed_messages", "staff_users",
}  # fmt: skip


def differences(engine: Engine) -> list[Any]:
    with engine.connect() as connection:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


def test_upgrade_of_an_empty_database_builds_the_models_schema(empty_engine: Engine) -> None:
    assert inspect(empty_engine).get_table_names() == []
    assert current_revision(empty_engine) is None
    upgrade(empty_engine)
    assert set(inspect(empty_engine).get_table_names()) == TABLES
    assert differences(empty_engine) == []


def test_upgrade_reaches_the_head_revision(empty_engine: Engine) -> None:
    head = head_revision()
    assert head is not None
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head


def test_upgrade_is_idempotent_and_keeps_the_data(empty_engine: Engine) -> None:
    upgrade(empty_engine)
    db = Database(empty_engine, make_session_factory(empty_engine))
    with db.unit_of_work() as uow:
        customers.create_company(uow, "Acme Corp")
        uow.commit()
    upgrade(empty_engine)
    upgrade(empty_engine)
    assert current_revision(empty_engine) == head_revision()
    assert differences(empty_engine) == []
    with db.unit_of_work() as uow:
        assert list(uow.session.scalars(select(Company.name))) == ["Acme Corp"]


def test_a_schema_that_drifts_from_the_models_is_noticed(empty_engine: Engine) -> None:
    # the check above is only worth something if a difference would show
    upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.execute(text("DROP INDEX ix_contacts_email"))
        connection.execute(text("ALTER TABLE companies ADD COLUMN notes VARCHAR(10)"))
    found = {
        (d[0], getattr(d[1], "name", None) if d[0].endswith("index") else d[3].name)
        for d in differences(empty_engine)
    }
    assert found == {("add_index", "ix_contacts_email"), ("remove_column", "notes")}


def old_database_with_an_undone_company(engine: Engine) -> Database:
    """A database at 0004 (before ids were kept) where company 2 was created and undone."""
    upgrade(engine, "0004")
    db = Database(engine, make_session_factory(engine))
    with db.unit_of_work() as uow:
        rep = users.add_user(uow, "rita@example.com", "Rita Rep", Role.REP)
        uow.commit()
    for name in ("Acme Corp", "Globex"):
        with db.unit_of_work(actor_id=rep.id) as uow:
            customers.create_company(uow, name)
            uow.commit()
    with db.unit_of_work(actor_id=rep.id) as uow:
        undo.undo_last(uow)
        uow.commit()
    return db


def test_an_upgraded_old_database_does_not_reuse_ids(empty_engine: Engine) -> None:
    db = old_database_with_an_undone_company(empty_engine)
    upgrade(empty_engine)
    with db.unit_of_work() as uow:
        initech = customers.create_company(uow, "Initech")
        uow.commit()
    assert initech.id == 3  # not 2, the id of the undone Globex


def test_the_upgrade_keeps_the_references_to_rebuilt_tables(empty_engine: Engine) -> None:
    db = old_database_with_an_undone_company(empty_engine)
    with db.unit_of_work() as uow:
        jane = customers.create_contact(uow, "Jane Smith", company=uow.session.get_one(Company, 1))
        uow.commit()
    upgrade(empty_engine)
    with db.unit_of_work() as uow:
        assert uow.session.get_one(Contact, jane.id).company_id == 1


def test_downgrade_and_upgrade_again_keep_the_data(empty_engine: Engine) -> None:
    db = old_database_with_an_undone_company(empty_engine)
    upgrade(empty_engine)
    downgrade(empty_engine, "0004")
    upgrade(empty_engine)
    assert differences(empty_engine) == []
    with db.unit_of_work() as uow:
        assert list(uow.session.scalars(select(Company.name))) == ["Acme Corp"]
