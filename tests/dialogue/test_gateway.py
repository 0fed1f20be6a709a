"""The gateway in front of the dialogue: identity, exactly-once, flood limit, customers."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.clock import ManualClock
from crm_core.models import Contact, OutboxMessage
from crm_core.services import users
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.gateway import FloodGuard, Gateway
from intents.messages import Destination, IncomingMessage
from tests.dialogue.conftest import NOW


def outbox_texts(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return [r.payload.get("text", "") for r in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def msg(text: str, user: str = "U1", event: str | None = None, channel: str = "slack") -> IncomingMessage:
    return IncomingMessage(channel, "D1", user, text, event_id=event, received_at=NOW)


DM = Destination("slack", "D1")


def test_slack_users_are_found_by_id_or_linked_by_email(db: Database, dialogue: Dialogue) -> None:
    gateway = Gateway(db, dialogue)
    assert gateway.staff_id("slack", "U1") is None
    assert gateway.link_staff_by_email("slack", "U1", "nobody@example.com") is None
    rita = gateway.link_staff_by_email("slack", "U1", "RITA@example.com")
    assert rita is not None and gateway.staff_id("slack", "U1") == rita
    gateway.staff_message(msg("hi", event="E1"), rita, DM)
    assert outbox_texts(db) == ["Hi Rita! Tell me about a call, ask about a customer, or type “help” to see what I can do."]


def test_a_stranger_gets_one_clear_answer_per_message(db: Database, dialogue: Dialogue) -> None:
    gateway = Gateway(db, dialogue)
    gateway.stranger(msg("show me acme", user="U9", event="E1"), DM)
    gateway.stranger(msg("show me acme", user="U9", event="E1"), DM)  # Slack's retry
    assert outbox_texts(db) == ["I don't know you yet. Ask an admin to add you to chatcrm (`chatcrm users add`)."]


def test_a_flood_is_told_once_and_not_processed(db: Database, dialogue: Dialogue, clock: ManualClock) -> None:
    gateway = Gateway(db, dialogue, flood=FloodGuard(clock, limit=3, window_s=60))
    with db.unit_of_work() as uow:
        rita = users.user_by_email(uow, "rita@example.com").id
    for i in range(6):
        gateway.staff_message(msg("thanks", event=f"E{i}"), rita, DM)
    texts = outbox_texts(db)
    assert texts.count("You're welcome!") == 3
    assert sum("faster than I can handle" in t for t in texts) == 1 and len(texts) == 4
    clock.advance(61)  # the window has passed: heard again
    gateway.staff_message(msg("thanks", event="E7"), rita, DM)
    assert outbox_texts(db).count("You're welcome!") == 4


def test_a_customer_links_by_shared_phone_or_email_and_never_reaches_staff_features(db: Database, dialogue: Dialogue) -> None:
    gateway = Gateway(db, dialogue)
    tg = Destination("telegram", "555")
    gateway.customer_start(msg("/start", user="555", event="1", channel="telegram"), tg, 555)
    gateway.customer_shares_contact(msg("", user="555", event="2", channel="telegram"), tg, 555, "+4915112345678", "Lena Krüger")
    gateway.customer_message(msg("show me all customers of Acme", user="555", event="3", channel="telegram"), tg, 555, "Lena")
    gateway.customer_message(msg("my order A-7781 never arrived!!!", user="555", event="4", channel="telegram"), tg, 555, "Lena")
    texts = outbox_texts(db)
    assert texts[0].startswith("Welcome! To link this chat")
    assert texts[1] == "Thanks, Lena — you're set up. How can we help?"
    assert "Acme" not in texts[2] and "assistant" in texts[2]
    assert "not recorded" in texts[3]
    with db.unit_of_work() as uow:
        lena = uow.session.scalars(select(Contact)).one()
        assert (lena.name, lena.phone, lena.telegram_id) == ("Lena Krüger", "+4915112345678", 555)
    # another Telegram user typing an existing customer's e-mail does not get her account
    with db.unit_of_work() as uow:
        uow.session.scalars(select(Contact)).one().email = "lena@example.com"
        uow.commit()
    other = Destination("telegram", "777")
    gateway.customer_message(msg("hello", user="777", event="5", channel="telegram"), other, 777, "X")
    gateway.customer_message(msg("it's lena@example.com", user="777", event="6", channel="telegram"), other, 777, "X")
    assert outbox_texts(db)[-2].startswith("Welcome! To link this chat")
    assert "share your phone number" in outbox_texts(db)[-1]
    gateway.customer_message(msg("mo@example.com", user="777", event="7", channel="telegram"), other, 777, "Mo Salah")
    assert outbox_texts(db)[-1] == "Thanks, Mo — you're set up. How can we help?"
    with db.unit_of_work() as uow:
        linked = {c.email: c.telegram_id for c in uow.session.scalars(select(Contact))}
    assert linked == {"lena@example.com": 555, "mo@example.com": 777}
