"""A dialogue over a real SQLite file, the language layer's table-driven fake and a clock that
stands still."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.console import render
from crm_core.clock import ManualClock
from crm_core.db import make_engine, make_session_factory
from crm_core.migrate import upgrade
from crm_core.services import users
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.identity import Account, Actor, Identity
from intents.messages import IncomingMessage, Reply
from tests.fakes.fake_language import TableLanguage
from tests.fakes.language_table import TABLE

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)  # a Sunday; 05:00 in New York


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def db(tmp_path: Path, clock: ManualClock) -> Iterator[Database]:
    engine = make_engine(f"sqlite:///{tmp_path / 'crm.sqlite3'}")
    yield staffed(engine, clock)
    engine.dispose()


def staffed(engine: Engine, clock: ManualClock) -> Database:
    """The migrated database on `engine` with the three staff users of these tests."""
    upgrade(engine)
    database = Database(engine, make_session_factory(engine), clock)
    with database.unit_of_work() as uow:
        users.add_user(uow, "rita@example.com", "Rita Rep", "rep", "America/New_York")
        users.add_user(uow, "max@example.com", "Max Manager", "manager", "Europe/Berlin")
        users.add_user(uow, "olu@example.com", "Olu Adeyemi", "rep", "Africa/Lagos")
        uow.commit()
    return database


@pytest.fixture
def nlu() -> Iterator[TableLanguage]:
    """The language port as a table; a message the table lacks fails the test."""
    language = TableLanguage(TABLE)
    yield language
    assert not language.unknown, f"messages missing from tests/fakes/language_table.py: {language.unknown}"


@pytest.fixture
def dialogue(db: Database, nlu: TableLanguage, clock: ManualClock) -> Dialogue:
    return Dialogue(db, nlu, clock=clock)


def staff_id(db: Database, email: str) -> int:
    with db.unit_of_work() as uow:
        return users.user_by_email(uow, email).id


def actor_of(db: Database, email: str) -> Actor:
    """The staff user with this e-mail, as the identity step sees a console session of theirs."""
    actor = Identity(db).who(Account("console", email))
    assert actor.is_staff, email
    return actor


class Chat:
    """One user in one chat, talking to the dialogue as an adapter would."""

    def __init__(self, dialogue: Dialogue, db: Database, email: str, chat: str = "c1", channel: str = "console") -> None:
        self.dialogue = dialogue
        self.actor = actor_of(db, email)
        self.email = email
        self.chat = chat
        self.channel = channel
        self.last: list[Reply] = []

    def say(self, text: str, event_id: str | None = None) -> str:
        message = IncomingMessage(self.channel, self.chat, self.email, text, event_id=event_id, received_at=NOW)
        self.last = self.dialogue.handle(message, self.actor)
        return "\n".join(render(r) for r in self.last)


@pytest.fixture
def rita(dialogue: Dialogue, db: Database) -> Chat:
    return Chat(dialogue, db, "rita@example.com")
