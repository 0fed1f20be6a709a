"""When a logged thing happened vs what it mentions, and a follow-up whose day is behind us
(issue 17, items 3 and 4), on Monday 7 December 2026 at 10:00 in Rita's New York."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.console import render
from crm_core.clock import ManualClock
from crm_core.enums import InteractionType
from crm_core.models import FollowUp, Interaction
from crm_core.services import customers
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.messages import IncomingMessage
from tests.dialogue.conftest import Chat

DEC_7 = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # 10:00 in New York


class ClockChat(Chat):
    """Rita's chat with each message stamped by the clock (not the conftest's fixed NOW)."""

    def __init__(self, dialogue: Dialogue, db: Database, clock: ManualClock) -> None:
        super().__init__(dialogue, db, "rita@example.com")
        self.clock = clock

    def say(self, text: str, event_id: str | None = None) -> str:
        message = IncomingMessage(self.channel, self.chat, self.email, text, event_id=event_id, received_at=self.clock.now())
        self.last = self.dialogue.handle(message, self.actor)
        return "\n".join(render(r) for r in self.last)


@pytest.fixture
def rita(dialogue: Dialogue, db: Database, clock: ManualClock) -> ClockChat:
    clock.set(DEC_7)
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme Logistics")
        customers.create_contact(uow, "Lena Novak", company=acme)
        customers.create_contact(uow, "Ana Souza", company=acme)
        uow.commit()
    return ClockChat(dialogue, db, clock)


def logged(db: Database) -> tuple[InteractionType, datetime]:
    """The one interaction's type and when it happened (in UTC)."""
    with db.unit_of_work() as uow:
        interaction = uow.session.scalars(select(Interaction)).one()
        return interaction.type, interaction.occurred_at.replace(tzinfo=UTC)


def count(db: Database, model: type) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


def test_a_month_in_a_note_is_content_and_the_note_is_dated_now(rita: ClockChat, db: Database) -> None:
    answer = rita.say("note: Lena is going on maternity leave in Feb")
    assert "Logged a note with Lena Novak" in answer
    assert logged(db) == (InteractionType.NOTE, DEC_7)


def test_a_day_named_in_a_log_is_when_it_happened(rita: ClockChat, db: Database) -> None:
    rita.say("met Ana Souza on 12/3")
    assert logged(db) == (InteractionType.MEETING, datetime(2026, 12, 3, 17, 0, tzinfo=UTC))  # noon in New York


def test_a_call_at_a_past_day_and_time_is_logged_not_moved_a_year(rita: ClockChat, db: Database) -> None:
    answer = rita.say("call with Ana Souza on 12/3 at 4:30pm")
    assert "Logged a call with Ana Souza" in answer and "Thu 03 Dec 16:30" in answer
    assert logged(db) == (InteractionType.CALL, datetime(2026, 12, 3, 21, 30, tzinfo=UTC))
    assert count(db, FollowUp) == 0


def test_a_reminder_for_a_recent_past_day_is_asked_about(rita: ClockChat, db: Database) -> None:
    answer = rita.say("remind me to call Ana Souza on 12/3")
    assert "already past" in answer and "When?" in answer
    assert count(db, FollowUp) == 0 and count(db, Interaction) == 0
