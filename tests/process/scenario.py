"""People and messages for the process tests: staff users and customers on Telegram, a burst
of updates whose every reply can be told apart, and counts of what the fake received.

Each staff message asks for a follow-up on a date of its own ("remind me to call Acme Corp
on 2027-01-07 10:00", in the future of the tests' clock, tests/process/conftest.py): its effect is one follow-up row with that due time, its reply the
one sendMessage naming that date. Customers greet and thank; their replies are counted
per chat (one per update).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from crm_core.models import FollowUp, ProcessedMessage, StaffUser
from crm_core.services import customers, followups, users
from crm_core.uow import Database
from tests.fakes.fake_telegram import FakeTelegram, TgUser

FIRST_STAFF_ID = 8_100_001
FIRST_CUSTOMER_ID = 5_200_001


@dataclass(frozen=True)
class Person:
    tg: TgUser
    staff: bool


@dataclass(frozen=True)
class Sent:
    """One update of the burst and what it should cause."""

    update: dict[str, Any]
    person: Person
    due: datetime | None  # staff: the follow-up it asks for
    mark: str  # staff: the text its reply must contain

    @property
    def update_id(self) -> int:
        return int(self.update["update_id"])


def seed(db: Database, staff: int, customers_: int) -> list[Person]:
    """Acme Corp, `staff` reps with Telegram ids (morning summary already had today, so only
    replies and reminders reach their chats) and `customers_` linked Telegram customers."""
    people: list[Person] = []
    with db.unit_of_work() as uow:
        today = uow.now().date()
        customers.create_company(uow, "Acme Corp")
        for n in range(staff):
            tg = TgUser(FIRST_STAFF_ID + n, f"Rep{n}", "Staff")
            user = users.add_user(uow, f"rep{n}@example.com", f"Rep{n} Staff", "rep", "UTC", telegram_id=tg.id)
            user.last_summary_on = today
            people.append(Person(tg, True))
        for n in range(customers_):
            tg = TgUser(FIRST_CUSTOMER_ID + n, f"Cust{n}", "Buyer")
            customers.create_contact(uow, f"Cust{n} Buyer", telegram_id=tg.id)
            people.append(Person(tg, False))
        uow.commit()
    return people


def burst(tg: FakeTelegram, people: list[Person], per_person: int) -> list[Sent]:
    """`per_person` updates from each person, interleaved as they would arrive."""
    out: list[Sent] = []
    number = 0
    for round_ in range(per_person):
        for person in people:
            if person.staff:
                number += 1
                month, day = 1 + (number - 1) // 28, 1 + (number - 1) % 28
                due = datetime(2027, month, day, 10, 0, tzinfo=UTC)
                text = f"remind me to call Acme Corp on {due:%Y-%m-%d} 10:00"
                mark = f"due {due:%a %d %b %Y} 10:00"
                out.append(Sent(tg.text(person.tg, text), person, due, mark))
            else:
                text = "hello" if round_ % 2 == 0 else "thanks"
                out.append(Sent(tg.text(person.tg, text), person, None, ""))
    return out


def replies_by_update(tg: FakeTelegram, sent: list[Sent]) -> dict[int, int]:
    """How many sendMessage calls answered each staff update (its date in the text)."""
    texts = tg.sent_texts()
    return {s.update_id: sum(1 for t in texts if s.mark in t) for s in sent if s.person.staff}


def replies_per_chat(tg: FakeTelegram) -> Counter[int]:
    """sendMessage calls per chat, reminders (pushes, not replies) left out."""
    return Counter(int(c.args["chat_id"]) for c in tg.calls_to("sendMessage") if not c.args["text"].startswith("⏰"))


def expected_per_chat(sent: list[Sent]) -> Counter[int]:
    return Counter(s.person.tg.id for s in sent)


def followups_by_due(db: Database) -> Counter[datetime]:
    with db.unit_of_work() as uow:
        return Counter(uow.session.scalars(select(FollowUp.due_at)))


def processed_ids(db: Database) -> Counter[str]:
    with db.unit_of_work() as uow:
        return Counter(uow.session.scalars(select(ProcessedMessage.event_id).where(ProcessedMessage.channel == "telegram")))


def add_followup(db: Database, telegram_id: int, title: str, due: datetime) -> int:
    """A follow-up owned by the staff user with this Telegram id (straight into the CRM, as
    if typed a while ago), due at `due`."""
    with db.unit_of_work() as uow:
        owner = uow.session.scalars(select(StaffUser).where(StaffUser.telegram_id == telegram_id)).one()
        followup = followups.schedule_followup(uow, title, due, owner)
        uow.commit()
        return followup.id


def reminder_texts(tg: FakeTelegram, title: str) -> list[str]:
    return [t for t in tg.sent_texts() if t.startswith("⏰") and title in t]


def assert_one_reply_each(tg: FakeTelegram, sent: list[Sent], in_flight_chats: set[int] = frozenset()) -> None:  # type: ignore[assignment]
    """Every update answered once. The one exception Telegram's API leaves open after a
    kill -9: a sendMessage that reached Telegram in the instant of the kill, before its row
    was marked sent, goes out again (there is no idempotency key) — at most one per chat,
    and only in a chat (`in_flight_chats`) that was being sent to right then."""
    expected = expected_per_chat(sent)
    per_chat = replies_per_chat(tg)
    surplus = {chat: per_chat[chat] - n for chat, n in expected.items() if per_chat[chat] != n}
    assert all(n == 1 and chat in in_flight_chats for chat, n in surplus.items()), (surplus, in_flight_chats)
    chat_of = {s.update_id: s.person.tg.id for s in sent}
    for update_id, n in replies_by_update(tg, sent).items():
        assert n == 1 or (n == 2 and chat_of[update_id] in surplus), f"update {update_id}: {n} replies"


def chats_sent_to(calls: list[Any], since: float) -> set[int]:
    """Chats of the sendMessage calls (stamped `at`) that arrived after `since`."""
    return {int(c.args["chat_id"]) for c in calls if c.at >= since}
