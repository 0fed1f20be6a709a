"""What users are told: human phrases, never internal names (issue 17 items 13 and 15), and
the follow-up list a manager sees (item 14)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from crm_core.enums import Role
from crm_core.services import customers, followups, users
from crm_core.uow import Database
from intents import wording
from intents.dialogue import Dialogue
from nlp_models.labels import Intent, InteractionType
from tests.dialogue.conftest import NOW, Chat


@pytest.mark.parametrize("intent", list(Intent))
def test_every_intent_has_a_human_phrase(intent: Intent) -> None:
    phrase = wording.INTENT_PHRASES.get(intent)
    assert phrase and "_" not in phrase and phrase != intent.value.replace("_", " ")


def test_every_role_and_interaction_type_has_a_human_word() -> None:
    assert set(wording.ROLE_PHRASES) == {r.value for r in Role}
    assert set(wording.INTERACTION_WORDS) == set(InteractionType)
    assert all("_" not in w for w in [*wording.ROLE_PHRASES.values(), *wording.INTERACTION_WORDS.values()])


def test_cancelling_a_question_names_the_request_in_words(rita: Chat) -> None:
    assert "Who was it with?" in rita.say("log a call")
    answer = rita.say("cancel")
    assert "logging a call, meeting or note" in answer and "log interaction" not in answer


def test_an_empty_list_of_everything_open_does_not_say_open_twice(rita: Chat) -> None:
    assert rita.say("show my follow-ups") == "No open follow-ups."


def _overdue(db: Database, *owners_titles: tuple[str, str]) -> None:
    """Follow-ups scheduled a week ago, due yesterday: overdue now."""
    week_ago = NOW - timedelta(days=7)
    with db.unit_of_work() as uow:
        for email, title in owners_titles:
            owner = users.user_by_email(uow, email)
            followups.schedule_followup(uow, title, NOW - timedelta(days=1), owner, now=week_ago)
        uow.commit()


@pytest.fixture
def max_(dialogue: Dialogue, db: Database) -> Chat:
    return Chat(dialogue, db, "max@example.com", chat="c-max")


def test_a_manager_sees_the_teams_overdue_follow_ups_with_their_owners(max_: Chat, db: Database) -> None:
    _overdue(db, ("rita@example.com", "Send Acme the pricing"), ("olu@example.com", "Call Globex back"))
    answer = max_.say("which follow-ups are overdue across the team?")
    assert "2 follow-ups overdue across the team:" in answer
    assert "Call Globex back" in answer and "— Olu Adeyemi" in answer
    assert "Send Acme the pricing" in answer and "— Rita Rep" in answer
    assert "done" not in answer  # none is the manager's own to complete


def test_a_rep_sees_only_their_own_follow_ups(rita: Chat, db: Database) -> None:
    _overdue(db, ("rita@example.com", "Send Acme the pricing"), ("olu@example.com", "Call Globex back"))
    answer = rita.say("anything overdue?")
    assert "Send Acme the pricing" in answer and "Call Globex back" not in answer


def test_a_manager_asking_for_their_own_follow_ups_gets_only_theirs(max_: Chat, db: Database) -> None:
    _overdue(db, ("rita@example.com", "Send Acme the pricing"), ("max@example.com", "Review the forecast"))
    answer = max_.say("show my follow-ups")
    assert "Review the forecast" in answer and "Send Acme the pricing" not in answer


def test_looking_up_an_unknown_company_offers_the_closest_names_not_a_new_record(rita: Chat, db: Database) -> None:
    with db.unit_of_work() as uow:
        customers.create_company(uow, "Initrode")
        customers.create_company(uow, "Umbrella AS")
        uow.commit()
    answer = rita.say("what's up with Initech?")
    assert "“Initech” isn't in the CRM" in answer and "Initrode" in answer and "Umbrella" not in answer
    assert "new company" not in answer
    assert rita.say("yes") != "" and "Added" not in rita.say("yes")  # nothing waits to be confirmed


def test_looking_up_an_unknown_name_with_nothing_close_says_how_to_add_it(rita: Chat) -> None:
    answer = rita.say("what's up with Initech?")
    assert "“Initech” isn't in the CRM" in answer and "add company Initech" in answer
