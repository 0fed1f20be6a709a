"""The gateway in front of the dialogue: identity, exactly-once, flood limit, customers."""

from __future__ import annotations

from sqlalchemy import select

from crm_core.clock import ManualClock
from crm_core.enums import AuditAction
from crm_core.models import AuditEntry, Contact, Interaction, OutboxMessage
from crm_core.services import customers, users
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.gateway import COULD_NOT_PROCESS, FloodGuard, Gateway
from intents.identity import Account, Identity, Kind
from intents.messages import Destination, IncomingMessage
from tests.dialogue.conftest import NOW


def outbox_texts(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return [r.payload.get("text", "") for r in uow.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def msg(text: str, user: str = "U1", event: str | None = None, channel: str = "slack") -> IncomingMessage:
    return IncomingMessage(channel, "D1", user, text, event_id=event, received_at=NOW)


DM = Destination("slack", "D1")


SLACK_U1 = Account("slack", "U1")


def test_slack_users_are_found_by_id_or_linked_by_the_email_slack_vouches_for(db: Database, dialogue: Dialogue) -> None:
    identity = Identity(db)
    assert identity.who(SLACK_U1).kind is Kind.STRANGER
    assert identity.who(Account("slack", "U1", email="nobody@example.com")).kind is Kind.STRANGER
    rita = identity.who(Account("slack", "U1", email="RITA@example.com"))
    assert (rita.kind, rita.name, rita.role) == (Kind.STAFF, "Rita Rep", "rep")
    assert identity.who(SLACK_U1) == rita  # linked: found by the Slack id from now on
    Gateway(db, dialogue, identity).converse(msg("hi", event="E1"), SLACK_U1, DM)
    assert outbox_texts(db) == ["Hi Rita! Tell me about a call, ask about a customer, or type “help” to see what I can do."]


def test_a_stranger_gets_one_clear_answer_per_message(db: Database, dialogue: Dialogue) -> None:
    gateway = Gateway(db, dialogue, Identity(db))
    gateway.converse(msg("show me acme", user="U9", event="E1"), Account("slack", "U9"), DM)
    gateway.converse(msg("show me acme", user="U9", event="E1"), Account("slack", "U9"), DM)  # Slack's retry
    assert outbox_texts(db) == ["I don't know you yet. Ask an admin to add you to chatcrm (`chatcrm users add`)."]


def test_a_flood_is_told_once_and_not_processed(db: Database, dialogue: Dialogue, clock: ManualClock) -> None:
    with db.unit_of_work() as uow:
        users.user_by_email(uow, "rita@example.com").slack_id = "U1"
        uow.commit()
    gateway = Gateway(db, dialogue, Identity(db), flood=FloodGuard(clock, limit=3, window_s=60))
    for i in range(6):
        gateway.converse(msg("thanks", event=f"E{i}"), SLACK_U1, DM)
    texts = outbox_texts(db)
    assert texts.count("You're welcome!") == 3
    assert sum("faster than I can handle" in t for t in texts) == 1 and len(texts) == 4
    clock.advance(61)  # the window has passed: heard again
    gateway.converse(msg("thanks", event="E7"), SLACK_U1, DM)
    assert outbox_texts(db).count("You're welcome!") == 4


def test_a_message_handled_again_counts_once_against_the_flood_limit(clock: ManualClock) -> None:
    flood = FloodGuard(clock, limit=3, window_s=60)
    verdicts = [flood.check("slack", "U1", "E1") for _ in range(5)]  # one message, tried five times
    verdicts += [flood.check("slack", "U1", f"E{n}") for n in (2, 3, 4)]
    assert verdicts == ["ok"] * 7 + ["warn"]
    assert flood.check("slack", "U1", "E4") == "warn"  # its notice is given again, not a drop


def test_a_message_given_up_on_is_answered_once(db: Database, dialogue: Dialogue) -> None:
    gateway = Gateway(db, dialogue, Identity(db))
    gateway.failed(msg("called Acme Corp, all good", event="E1"), DM)
    gateway.failed(msg("called Acme Corp, all good", event="E1"), DM)
    assert outbox_texts(db) == [COULD_NOT_PROCESS]


def test_what_the_dialogue_hears_and_the_crm_stores_is_clean_text(db: Database, dialogue: Dialogue) -> None:
    with db.unit_of_work() as uow:
        users.user_by_email(uow, "rita@example.com").slack_id = "U1"
        customers.create_company(uow, "Acme Corp")
        uow.commit()
    # as from an event stored before the inbox cleaned payloads
    Gateway(db, dialogue, Identity(db)).converse(msg("called Acme\x00 Corp, all\ud800 good", event="E1"), SLACK_U1, DM)
    with db.unit_of_work() as uow:
        assert list(uow.session.scalars(select(Interaction.summary))) == ["called Acme Corp, all good"]
    assert outbox_texts(db)[0].startswith("Logged a call with Acme Corp")


def test_a_customer_links_by_shared_phone_or_email_and_never_reaches_staff_features(db: Database, dialogue: Dialogue) -> None:
    gateway = Gateway(db, dialogue, Identity(db))
    tg = Destination("telegram", "555")
    lena = Account("telegram", "555", "Lena Krüger")
    gateway.start(msg("/start", user="555", event="1", channel="telegram"), lena, tg)
    gateway.share_contact(msg("", user="555", event="2", channel="telegram"), lena, tg, "+4915112345678")
    gateway.converse(msg("show me all customers of Acme", user="555", event="3", channel="telegram"), lena, tg)
    gateway.converse(msg("my order A-7781 never arrived!!!", user="555", event="4", channel="telegram"), lena, tg)
    texts = outbox_texts(db)
    assert texts[0].startswith("Welcome! To link this chat")
    assert texts[1] == "Thanks, Lena — you're set up. How can we help?"
    assert "Acme" not in texts[2] and "assistant" in texts[2]
    assert "not recorded" in texts[3]
    with db.unit_of_work() as uow:
        lena = uow.session.scalars(select(Contact)).one()
        assert (lena.name, lena.phone, lena.telegram_id) == ("Lena Krüger", "+4915112345678", 555)
    other = Destination("telegram", "777")
    gateway.converse(msg("hello", user="777", event="5", channel="telegram"), Account("telegram", "777", "X"), other)
    assert outbox_texts(db)[-1].startswith("Welcome! To link this chat")
    gateway.converse(msg("mo@example.com", user="777", event="7", channel="telegram"), Account("telegram", "777", "Mo Salah"), other)
    assert outbox_texts(db)[-1] == "Thanks, Mo — you're set up. How can we help?"
    with db.unit_of_work() as uow:
        linked = {c.name: (c.email, c.telegram_id) for c in uow.session.scalars(select(Contact))}
    assert linked == {"Lena Krüger": (None, 555), "Mo Salah": ("mo@example.com", 777)}


def outbox_payloads(db: Database, chat: str) -> list[dict[str, object]]:
    with db.unit_of_work() as uow:
        return [dict(r.payload) for r in uow.session.scalars(select(OutboxMessage).where(OutboxMessage.chat == chat).order_by(OutboxMessage.id))]


def test_a_typed_email_is_answered_alike_whether_a_customer_has_it_or_not_and_links_no_one_elses_record(
    db: Database, dialogue: Dialogue
) -> None:
    with db.unit_of_work() as uow:
        lena = customers.create_contact(uow, "Lena Krüger", email="lena@example.com", telegram_id=555)
        uow.commit()
        lena_id = lena.id
    gateway = Gateway(db, dialogue, Identity(db))
    # two strangers of the same name: one types Lena's address, the other one no one has
    for user, address in (("777", "it's lena@example.com"), ("888", "it's sam@example.com")):
        gateway.converse(msg(address, user=user, event=f"E{user}", channel="telegram"), Account("telegram", user, "Sam Smith"), Destination("telegram", user))

    assert outbox_payloads(db, "777") == outbox_payloads(db, "888")  # the same words, the same kind of reply
    assert outbox_texts(db) == ["Thanks, Sam — you're set up. How can we help?"] * 2
    identity = Identity(db)
    assert identity.who(Account("telegram", "777")).kind is identity.who(Account("telegram", "888")).kind is Kind.CUSTOMER
    with db.unit_of_work() as uow:
        rows = {c.id: (c.name, c.email, c.telegram_id) for c in uow.session.scalars(select(Contact))}
        refused = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.REFUSED)).one()
        claim = (refused.entity, refused.entity_id, refused.before, refused.after)
    # Lena's record is hers alone: still linked to her chat, the only one with her address
    assert sorted(rows.values(), key=str) == sorted(
        [("Lena Krüger", "lena@example.com", 555), ("Sam Smith", None, 777), ("Sam Smith", "sam@example.com", 888)], key=str
    )
    # staff can see who claimed the address (the audit log), to link them by hand if it is her
    assert claim == ("contact", lena_id, {"telegram_id": 555}, {"telegram_id": 777})


def test_a_customer_linked_by_email_who_shares_their_phone_is_moved_to_the_record_with_that_phone(
    db: Database, dialogue: Dialogue
) -> None:
    with db.unit_of_work() as uow:
        customers.create_contact(uow, "Lena Krüger", email="lena@example.com", phone="+4915112345678")
        uow.commit()
    gateway = Gateway(db, dialogue, Identity(db))
    lena, chat = Account("telegram", "555", "Lena K"), Destination("telegram", "555")
    gateway.converse(msg("lena@example.com", user="555", event="1", channel="telegram"), lena, chat)
    gateway.share_contact(msg("", user="555", event="2", channel="telegram"), lena, chat, "+4915112345678")

    assert outbox_texts(db)[-1] == "Thanks, Lena — this chat is now linked to your account. How can we help?"
    with db.unit_of_work() as uow:
        rows = [(c.name, c.email, c.phone, c.telegram_id) for c in uow.session.scalars(select(Contact).order_by(Contact.id))]
    assert rows == [("Lena Krüger", "lena@example.com", "+4915112345678", 555), ("Lena K", None, None, None)]


def test_a_customer_linked_by_email_who_shares_a_phone_no_one_has_gets_it_on_their_record(
    db: Database, dialogue: Dialogue
) -> None:
    gateway = Gateway(db, dialogue, Identity(db))
    mo, chat = Account("telegram", "777", "Mo Salah"), Destination("telegram", "777")
    gateway.converse(msg("mo@example.com", user="777", event="1", channel="telegram"), mo, chat)
    gateway.share_contact(msg("", user="777", event="2", channel="telegram"), mo, chat, "+4915112345678")

    with db.unit_of_work() as uow:
        rows = [(c.name, c.email, c.phone, c.telegram_id) for c in uow.session.scalars(select(Contact))]
    assert rows == [("Mo Salah", "mo@example.com", "+4915112345678", 777)]
    assert outbox_texts(db)[-1] == "Thanks, Mo — this chat is now linked to your account. How can we help?"


def test_a_second_slack_account_with_a_staff_email_takes_nobody_over(db: Database, dialogue: Dialogue) -> None:
    identity = Identity(db)
    rita = identity.who(Account("slack", "U1", email="rita@example.com"))
    assert rita.kind is Kind.STAFF
    impostor = identity.who(Account("slack", "U666", email="rita@example.com"))
    assert impostor.kind is Kind.STRANGER and identity.who(SLACK_U1) == rita
    with db.unit_of_work() as uow:
        refused = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == AuditAction.REFUSED)).one()
        assert (refused.entity, refused.entity_id, refused.before, refused.after) == (
            "staff_user", rita.id, {"slack_id": "U1"}, {"slack_id": "U666"},
        )
        assert users.user_by_email(uow, "rita@example.com").slack_id == "U1"
