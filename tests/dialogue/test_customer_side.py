"""The customer's side of the one dialogue: what a linked customer can do today, what they
are refused before anything is asked, and the console's way in (`shell --customer`)."""

from __future__ import annotations

import io
from pathlib import Path

from sqlalchemy import func, select

from app.shell import run_shell
from config import load_settings
from crm_core.clock import ManualClock
from crm_core.models import Contact, ConversationState
from crm_core.services import customers
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.identity import Account, Identity, Kind
from intents.messages import IncomingMessage, Reply
from tests.conftest import run_chatcrm
from tests.dialogue.conftest import NOW
from tests.fakes.fake_language import TableLanguage
from tests.fakes.language_table import TABLE

PHONE = "+4915112345678"


class Customer:
    def __init__(self, dialogue: Dialogue, db: Database) -> None:
        with db.unit_of_work() as uow:
            customers.create_contact(uow, "Lena Krüger", phone=PHONE)
            uow.commit()
        self.actor = Identity(db).who(Account("console", PHONE))
        self.dialogue = dialogue

    def say(self, text: str) -> str:
        message = IncomingMessage("console", "console", PHONE, text, received_at=NOW)
        replies: list[Reply] = self.dialogue.handle(message, self.actor)
        return "\n".join(getattr(r, "text", "") for r in replies)


def test_the_console_finds_a_customer_by_phone(dialogue: Dialogue, db: Database) -> None:
    lena = Customer(dialogue, db).actor
    assert (lena.kind, lena.name, lena.role) == (Kind.CUSTOMER, "Lena Krüger", "customer")


def test_a_customer_is_greeted_helped_and_thanked_as_a_customer(dialogue: Dialogue, db: Database) -> None:
    lena = Customer(dialogue, db)
    assert lena.say("hi") == "Hi Lena! How can we help?"
    assert "chatcrm assistant" in lena.say("help") and "log your calls" not in lena.say("help")
    assert lena.say("thanks") == "You're welcome!"


def test_a_staff_feature_is_refused_before_anything_is_asked(dialogue: Dialogue, db: Database) -> None:
    lena = Customer(dialogue, db)
    answer = lena.say("add contact Bob Jones")
    assert "isn't something I can do for you" in answer
    with db.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Contact)) == 1  # Lena only
        states = [s.state for s in uow.session.scalars(select(ConversationState))]
    assert all("pending" not in state for state in states)  # no question waits


def test_a_customer_has_nothing_to_undo_and_never_reverts_anyone_elses_change(dialogue: Dialogue, db: Database) -> None:
    lena = Customer(dialogue, db)
    with db.unit_of_work() as uow:  # a change of no staff user: linking, an import
        customers.create_company(uow, "Acme Corp")
        uow.commit()
    assert lena.say("undo") == "There is nothing of yours to undo."
    with db.unit_of_work() as uow:
        assert customers.find_companies(uow, "Acme Corp")


def test_a_ticket_is_not_taken_yet_and_says_so(dialogue: Dialogue, db: Database) -> None:
    assert "not recorded" in Customer(dialogue, db).say("my order A-7781 never arrived!!!")


def test_the_shell_opens_the_customer_side_for_a_phone_creating_the_contact(tmp_path: Path) -> None:
    env = {"CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite3'}", "CRM_VAR_DIR": str(tmp_path)}
    out = io.StringIO()
    language = TableLanguage(TABLE)
    lines = ["hello\n", "add contact Bob Jones\n"]
    run_shell(load_settings(**env), None, customer_phone="+49 151 12345678", nlu=language, clock=ManualClock(NOW), lines=lines, out=out)
    assert not language.unknown
    text = out.getvalue()
    assert "How can we help?" in text and "isn't something I can do for you" in text
    exported = run_chatcrm("export", "contacts", "--format", "jsonl", env=env)
    assert exported.returncode == 0 and b'"phone": "+4915112345678"' in exported.stdout
    assert exported.stdout.count(b"\n") == 1  # one new contact, no Bob Jones


def test_the_shell_refuses_a_phone_that_is_none_and_two_people_at_once(tmp_path: Path) -> None:
    env = {"CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite3'}", "CRM_VAR_DIR": str(tmp_path)}
    bad = run_chatcrm("shell", "--customer", "12", env=env)
    assert bad.returncode == 2 and b"not a phone number" in bad.stderr
    both = run_chatcrm("shell", "--customer", PHONE, "--as", "rita@example.com", env=env)
    assert both.returncode == 2 and b"two different people" in both.stderr
