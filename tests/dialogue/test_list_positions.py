"""A number in a message is a position in the last list only when it is one ("done 2",
"push number 3 to …"), never the number of a time ("friday 2pm"); a named follow-up is
found by its name (issue 17, item 1)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from crm_core.clock import ManualClock
from crm_core.enums import FollowUpStatus
from crm_core.models import FollowUp
from crm_core.services import customers, followups, users
from crm_core.uow import Database
from tests.crm.conftest import empty_engine, postgres_admin  # noqa: F401  (fixtures)
from tests.dialogue.conftest import NOW, Chat, staffed

# (title, contact, company, hours after Mon 23 Nov 14:00 UTC): ten follow-ups this week, so
# that 2, 9 and 10 (from "2pm", "9am", "10am") are all positions in the list
FOLLOWUPS = [
    ("Send the pricing to Daan", "Daan de Vries", "Brauerei Falkenstein", 0),
    ("Check in with Hugo on the onboarding plan", "Hugo Martin", "Maple Ridge", 2),
    ("Chase the signed contract from Maple Ridge", None, "Maple Ridge", 4),
    ("Book the workshop with Otieno", "Otieno Kamau", "Maple Ridge", 6),
    ("Call Ingrid about the renewal", "Ingrid Solberg", "Brauerei Falkenstein", 24),
    ("Send Lena the contract", "Lena Krüger", "Brauerei Falkenstein", 26),
    ("Ask Olivia for the case study", "Olivia Hughes", "Maple Ridge", 28),
    ("Prepare the quarterly review", None, "Brauerei Falkenstein", 30),
    ("Demo for the new team", None, "Maple Ridge", 48),
    ("Confirm the visit with Sofía", "Sofía Ramírez", "Maple Ridge", 50),
]
START = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
def db(empty_engine: Engine, clock: ManualClock) -> Database:  # noqa: F811
    """The dialogue's database on SQLite, and on PostgreSQL where CRM_TEST_POSTGRES_URL is set
    (the issue saw the wrong follow-up moved on both)."""
    return staffed(empty_engine, clock)


@pytest.fixture
def listed(rita: Chat, db: Database) -> str:
    """Rita's ten follow-ups, and the numbered list of them she asked for."""
    with db.unit_of_work() as uow:
        rep = users.user_by_email(uow, "rita@example.com")
        companies = {
            name: customers.create_company(uow, name, owner=rep) for name in ("Brauerei Falkenstein", "Maple Ridge")
        }
        for title, person, company, hours in FOLLOWUPS:
            contact = customers.create_contact(uow, person, company=companies[company], owner=rep) if person else None
            followups.schedule_followup(
                uow, title, START + timedelta(hours=hours), rep, contact=contact, company=companies[company], now=NOW
            )
        uow.commit()
    listing = rita.say("show all my follow-ups")  # the issue asked on a Monday: "what is due this week?"
    assert "10 open follow-ups" in listing, listing
    return listing


def due_of(db: Database) -> dict[str, str]:
    with db.unit_of_work() as uow:
        rows = uow.session.execute(select(FollowUp.title, FollowUp.due_at)).all()
    return {title: due.astimezone(UTC).isoformat() for title, due in rows}


def open_titles(db: Database) -> set[str]:
    with db.unit_of_work() as uow:
        return set(uow.session.scalars(select(FollowUp.title).where(FollowUp.status == FollowUpStatus.OPEN)))


def test_the_ingrid_follow_up_is_moved_not_the_second_of_the_list(rita: Chat, db: Database, listed: str) -> None:
    before = due_of(db)
    answer = rita.say("push the Ingrid follow-up to friday 2pm")
    assert "Moved “Call Ingrid about the renewal” to Fri 27 Nov 14:00" in answer
    after = due_of(db)
    assert after["Call Ingrid about the renewal"] == "2026-11-27T19:00:00+00:00"  # 14:00 in New York
    assert {t: d for t, d in after.items() if t != "Call Ingrid about the renewal"} == {
        t: d for t, d in before.items() if t != "Call Ingrid about the renewal"
    }


def test_a_morning_time_does_not_pick_the_ninth_or_tenth_of_the_list(rita: Chat, db: Database, listed: str) -> None:
    assert "Moved “Confirm the visit with Sofía” to Fri 27 Nov 10:00" in rita.say(
        "push the Sofía follow-up to friday 10am"
    )
    assert "Moved “Call Ingrid about the renewal” to Mon 23 Nov 09:00" in rita.say(
        "push the Ingrid follow-up to monday 9am"
    )
    after = due_of(db)
    assert after["Demo for the new team"] == (START + timedelta(hours=48)).isoformat()


def test_a_position_said_as_one_still_picks_from_the_list(rita: Chat, db: Database, listed: str) -> None:
    assert "Moved “Chase the signed contract from Maple Ridge” to Fri 27 Nov 14:00" in rita.say(
        "push follow-up number 3 to friday 2pm"
    )
    assert "Done: “Check in with Hugo on the onboarding plan”" in rita.say("done 2")


def test_completing_by_name_ignores_the_number_of_a_time(rita: Chat, db: Database, listed: str) -> None:
    assert "Done: “Confirm the visit with Sofía”" in rita.say("done with the Sofía follow-up from 2pm")
    assert "Confirm the visit with Sofía" not in open_titles(db)
    assert "Check in with Hugo on the onboarding plan" in open_titles(db)


def test_done_with_a_named_one_completes_that_one(rita: Chat, db: Database, listed: str) -> None:
    assert "Done: “Call Ingrid about the renewal”" in rita.say("done with the Ingrid one")
    assert open_titles(db) == {t for t, *_ in FOLLOWUPS} - {"Call Ingrid about the renewal"}
