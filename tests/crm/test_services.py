"""The CRM services on a real database (SQLite file, and PostgreSQL where configured),
with the schema the migrations build: what a user of the chat would notice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from crm_core.enums import AuditAction, FollowUpStatus, InteractionType, Role
from crm_core.errors import InvalidInput
from crm_core.models import AuditEntry, Base, Company, Contact, FollowUp, Interaction, StaffUser
from crm_core.services import conversations, customers, followups, interactions, users
from crm_core.uow import Database, UnitOfWork

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
M = TypeVar("M", bound=Base)


def load(uow: UnitOfWork, row: M) -> M:
    """The same row, loaded in this unit of work."""
    loaded = uow.session.get(type(row), row.id)  # type: ignore[attr-defined]
    assert loaded is not None
    return loaded


def names(rows: list[Company] | list[Contact]) -> list[str]:
    return [r.name for r in rows]


def audit_log(db: Database) -> list[AuditEntry]:
    with db.unit_of_work() as uow:
        entries = list(uow.session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
        uow.session.expunge_all()  # readable after the block (leaving it rolls back and expires)
        return entries


def count(db: Database, model: type[Base]) -> int:
    with db.unit_of_work() as uow:
        return uow.session.scalar(select(func.count()).select_from(model)) or 0


# -- name lookup -------------------------------------------------------------------------


@pytest.fixture
def book(db: Database) -> Database:
    """Companies and contacts to look up."""
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme Corp")
        globex = customers.create_company(uow, "Globex Industries")
        customers.create_company(uow, "Initech LLC")
        customers.create_contact(uow, "Jane Smith", company=acme, email="jane@acme.com")
        customers.create_contact(uow, "John Doe", company=globex)
        customers.create_contact(uow, "Mary Jones", company=globex)
        uow.commit()
    return db


@pytest.mark.parametrize(
    "query", ["Acme Corp", "acme", "ACME", "Acme Inc.", "acme corporation", " acme, ltd "]
)
def test_company_found_whatever_the_case_and_legal_form(book: Database, query: str) -> None:
    with book.unit_of_work() as uow:
        assert names(customers.find_companies(uow, query)) == ["Acme Corp"]


@pytest.mark.parametrize(
    ("query", "found"),
    [("acne", "Acme Corp"), ("globx", "Globex Industries"), ("initec", "Initech LLC")],
)
def test_company_found_despite_a_typo(book: Database, query: str, found: str) -> None:
    with book.unit_of_work() as uow:
        assert names(customers.find_companies(uow, query)) == [found]


def test_company_found_by_one_of_its_words(book: Database) -> None:
    with book.unit_of_work() as uow:
        assert names(customers.find_companies(uow, "globex")) == ["Globex Industries"]


def test_several_candidates_are_all_returned_for_the_user_to_pick(db: Database) -> None:
    with db.unit_of_work() as uow:
        for name in ("Acme Logistics", "Acme Foods", "Globex"):
            customers.create_company(uow, name)
        uow.commit()
    with db.unit_of_work() as uow:
        assert sorted(names(customers.find_companies(uow, "acme"))) == [
            "Acme Foods",
            "Acme Logistics",
        ]
        assert sorted(names(customers.find_companies(uow, "ACME Corp"))) == [
            "Acme Foods",
            "Acme Logistics",
        ]
        assert names(customers.find_companies(uow, "acme foods")) == ["Acme Foods"]


def test_exact_name_wins_over_longer_ones(book: Database) -> None:
    with book.unit_of_work() as uow:
        customers.create_company(uow, "Acme Logistics")
        assert names(customers.find_companies(uow, "acme")) == ["Acme Corp"]
        assert names(customers.find_companies(uow, "acme logistics")) == ["Acme Logistics"]


@pytest.mark.parametrize("query", ["Zenith", "hooligans united", "", "  ", "Inc."])
def test_unknown_name_finds_nothing(book: Database, query: str) -> None:
    with book.unit_of_work() as uow:
        assert customers.find_companies(uow, query) == []


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("jane", "Jane Smith"),
        ("Smith", "Jane Smith"),
        ("JANE SMITH", "Jane Smith"),
        ("jon doe", "John Doe"),
    ],
)
def test_contact_found_by_first_name_last_name_or_with_a_typo(
    book: Database, query: str, found: str
) -> None:
    with book.unit_of_work() as uow:
        assert names(customers.find_contacts(uow, query)) == [found]


@pytest.mark.parametrize(
    ("query", "found"),
    [("Mueller", ["Hannah Müller"]), ("hannah muller", ["Hannah Müller"]), ("weissmann", ["Max Weißmann"]),
     ("zoe angstrom", ["Zoë Ångström"]), ("Michal", ["Michal Nowak"]), ("michael", ["Michael Scott"])],
)  # fmt: skip
def test_contact_found_without_its_accents_or_with_umlauts_written_out(
    book: Database, query: str, found: list[str]
) -> None:
    with book.unit_of_work() as uow:
        for name in ("Hannah Müller", "Max Weißmann", "Zoë Ångström", "Michal Nowak", "Michael Scott"):
            customers.create_contact(uow, name)
        uow.session.flush()
        assert names(customers.find_contacts(uow, query)) == found
        assert names(customers.find_contacts(uow, query, index=customers.name_index(uow))) == found


def test_contact_lookup_within_one_company(book: Database) -> None:
    with book.unit_of_work() as uow:
        acme = customers.find_companies(uow, "acme")[0]
        globex = customers.find_companies(uow, "globex")[0]
        customers.create_contact(uow, "Jane Miller", company=globex)
        assert sorted(names(customers.find_contacts(uow, "jane"))) == ["Jane Miller", "Jane Smith"]
        assert names(customers.find_contacts(uow, "jane", company=acme)) == ["Jane Smith"]
        assert customers.find_contacts(uow, "john", company=acme) == []


def test_contacts_by_email_ignores_case(book: Database) -> None:
    with book.unit_of_work() as uow:
        assert names(customers.contacts_by_email(uow, " Jane@ACME.com")) == ["Jane Smith"]


# -- companies and contacts -----------------------------------------------------------------


def test_contact_is_stored_clean(db: Database) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(
            uow, "  Acme   Corp. ", domain="ACME.com", phone="030 1234567", phone_region="DE"
        )
        contact = customers.create_contact(
            uow,
            " Jane  Smith ",
            company=acme,
            email="Jane@Acme.COM",
            phone="(415) 555-0132",
            phone_region="US",
            title=" CTO ",
        )
        uow.commit()
    with db.unit_of_work() as uow:
        stored = load(uow, contact)
        assert (stored.name, stored.name_key, stored.email, stored.phone, stored.title) == (
            "Jane Smith",
            "jane smith",
            "jane@acme.com",
            "+14155550132",
            "CTO",
        )
        assert stored.company is not None
        assert (
            stored.company.name,
            stored.company.name_key,
            stored.company.domain,
            stored.company.phone,
        ) == (
            "Acme Corp",
            "acme",
            "acme.com",
            "+49301234567",
        )


def test_contact_with_a_bad_email_is_not_stored(db: Database) -> None:
    with db.unit_of_work() as uow, pytest.raises(InvalidInput, match="not an e-mail address"):
        customers.create_contact(uow, "Jane Smith", email="jane at acme")
    assert count(db, Contact) == 0


def test_unknown_field_is_refused(db: Database) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme")
        jane = customers.create_contact(uow, "Jane")
        with pytest.raises(InvalidInput, match="no field “salary”"):
            customers.update_contact(uow, jane, salary=1)
        with pytest.raises(InvalidInput, match="no field “revenue”"):
            customers.create_company(uow, "Globex", revenue=1)
        with pytest.raises(InvalidInput, match="no field “revenue”"):
            customers.update_company(uow, acme, revenue=1)


def test_renamed_company_is_found_by_its_new_name(db: Database) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme Corp")
        customers.update_company(uow, acme, name="Acme Robotics GmbH")
        uow.commit()
    with db.unit_of_work() as uow:
        assert names(customers.find_companies(uow, "acme robotics")) == ["Acme Robotics GmbH"]
        assert customers.find_companies(uow, "acme corp") != [acme]


# -- time -------------------------------------------------------------------------------------


def test_times_are_read_back_as_aware_utc(db: Database, rep: StaffUser, now: datetime) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme")
        call = interactions.log_interaction(
            uow,
            "call",
            "Talked pricing",
            datetime(2026, 11, 20, 15, 0, tzinfo=BERLIN),
            load(uow, rep),
            company=acme,
            now=now,
        )
        task = followups.schedule_followup(
            uow,
            "Send offer",
            datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK),
            load(uow, rep),
            company=acme,
            now=now,
        )
        uow.commit()
    with db.unit_of_work() as uow:
        occurred = load(uow, call).occurred_at
        due = load(uow, task).due_at
    assert occurred == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    assert occurred.utcoffset() == timedelta(0) and occurred.hour == 14
    assert due.utcoffset() == timedelta(0) and due.hour == 14


def test_naive_datetime_is_refused_by_the_database(db: Database) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme")
        uow.session.add(
            Interaction(
                type=InteractionType.CALL,
                summary="x",
                occurred_at=datetime(2026, 11, 20, 15, 0),
                company=acme,
            )
        )
        with pytest.raises(StatementError, match="naive datetime"):
            uow.session.flush()
    assert count(db, Interaction) == 0


def test_time_windows_compare_instants_not_wall_clocks(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work() as uow:
        me = load(uow, rep)
        followups.schedule_followup(
            uow, "Berlin 15:30", datetime(2026, 11, 23, 15, 30, tzinfo=BERLIN), me, now=now
        )  # 14:30 UTC
        followups.schedule_followup(
            uow, "New York 9:00", datetime(2026, 11, 23, 9, 0, tzinfo=NEW_YORK), me, now=now
        )  # 14:00 UTC
        uow.commit()
    with db.unit_of_work() as uow:
        me = load(uow, rep)
        assert [f.title for f in followups.pending_followups(uow, me)] == [
            "New York 9:00",
            "Berlin 15:30",
        ]
        before = datetime(2026, 11, 23, 15, 15, tzinfo=BERLIN)  # 14:15 UTC
        assert [f.title for f in followups.pending_followups(uow, me, due_before=before)] == [
            "New York 9:00"
        ]
        assert [f.title for f in followups.pending_followups(uow, me, due_from=before)] == [
            "Berlin 15:30"
        ]


# -- follow-ups -------------------------------------------------------------------------------


@pytest.mark.parametrize("due", [timedelta(minutes=-1), timedelta(days=-3), timedelta(0)])
def test_followup_in_the_past_is_refused(
    db: Database, rep: StaffUser, now: datetime, due: timedelta
) -> None:
    with db.unit_of_work() as uow, pytest.raises(InvalidInput, match="already past") as caught:
        followups.schedule_followup(uow, "Call Jane", now + due, load(uow, rep), now=now)
    assert caught.value.field == "date"


def test_followup_needs_a_title_and_a_long_one_is_shortened(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work() as uow:
        with pytest.raises(InvalidInput, match="needs a title"):
            followups.schedule_followup(uow, "  ", now + timedelta(days=1), load(uow, rep), now=now)
        task = followups.schedule_followup(
            uow, "word " * 200, now + timedelta(days=1), load(uow, rep), now=now
        )
        assert len(task.title) == 500 and task.title.endswith("…")


def test_followup_for_a_contact_belongs_to_its_company(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme")
        jane = customers.create_contact(uow, "Jane", company=acme)
        task = followups.schedule_followup(
            uow, "Call Jane", now + timedelta(days=1), load(uow, rep), contact=jane, now=now
        )
        uow.commit()
    assert (task.company_id, task.status) == (acme.id, FollowUpStatus.OPEN)


def test_pending_followups_of_a_window_in_due_order(
    db: Database, rep: StaffUser, other_rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work() as uow:
        me, other = load(uow, rep), load(uow, other_rep)
        for title, due in [("in three days", 72), ("in an hour", 1), ("tomorrow", 24), ("done", 2)]:
            followups.schedule_followup(uow, title, now + timedelta(hours=due), me, now=now)
        followups.schedule_followup(uow, "not mine", now + timedelta(hours=3), other, now=now)
        done = followups.pending_followups(uow, me)[1]
        assert done.title == "done"
        followups.complete_followup(uow, done, now=now)
        uow.commit()
    with db.unit_of_work() as uow:
        me = load(uow, rep)
        assert [f.title for f in followups.pending_followups(uow, me)] == [
            "in an hour",
            "tomorrow",
            "in three days",
        ]
        window = followups.pending_followups(
            uow, me, due_from=now, due_before=now + timedelta(days=2)
        )
        assert [f.title for f in window] == ["in an hour", "tomorrow"]
        later = followups.pending_followups(uow, me, due_from=now + timedelta(days=1))
        assert [f.title for f in later] == ["tomorrow", "in three days"]


def test_pending_followups_of_one_customer(db: Database, rep: StaffUser, now: datetime) -> None:
    with db.unit_of_work() as uow:
        me = load(uow, rep)
        acme, globex = (
            customers.create_company(uow, "Acme"),
            customers.create_company(uow, "Globex"),
        )
        jane = customers.create_contact(uow, "Jane", company=acme)
        followups.schedule_followup(
            uow, "call Jane", now + timedelta(hours=1), me, contact=jane, now=now
        )
        followups.schedule_followup(
            uow, "visit Acme", now + timedelta(hours=2), me, company=acme, now=now
        )
        followups.schedule_followup(
            uow, "visit Globex", now + timedelta(hours=3), me, company=globex, now=now
        )
        assert [f.title for f in followups.pending_followups(uow, me, contact=jane)] == [
            "call Jane"
        ]
        assert [f.title for f in followups.pending_followups(uow, me, company=acme)] == [
            "call Jane",
            "visit Acme",
        ]


def test_completing_twice_is_refused(db: Database, rep: StaffUser, now: datetime) -> None:
    with db.unit_of_work() as uow:
        task = followups.schedule_followup(
            uow, "Call Jane", now + timedelta(days=1), load(uow, rep), now=now
        )
        uow.commit()
    with db.unit_of_work() as uow:
        followups.complete_followup(uow, load(uow, task), now=now + timedelta(hours=1))
        uow.commit()
    with db.unit_of_work() as uow:
        stored = load(uow, task)
        assert (stored.status, stored.completed_at) == (
            FollowUpStatus.DONE,
            now + timedelta(hours=1),
        )
        with pytest.raises(InvalidInput, match="already done"):
            followups.complete_followup(uow, stored, now=now)
        with pytest.raises(InvalidInput, match="already done"):
            followups.snooze_followup(uow, stored, timedelta(hours=1), now=now)
        assert followups.pending_followups(uow, load(uow, rep)) == []


def test_snooze_moves_the_due_time_and_asks_to_notify_again(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work() as uow:
        task = followups.schedule_followup(
            uow, "Call Jane", now + timedelta(minutes=30), load(uow, rep), now=now
        )
        uow.commit()
    later = now + timedelta(hours=1)
    with db.unit_of_work() as uow:
        followups.mark_notified(uow, load(uow, task), later)
        uow.commit()
    with db.unit_of_work() as uow:
        followups.snooze_followup(uow, load(uow, task), timedelta(hours=2), now=later)
        uow.commit()
    with db.unit_of_work() as uow:
        stored = load(uow, task)
        assert (stored.status, stored.due_at, stored.notified_at) == (
            FollowUpStatus.SNOOZED,
            later + timedelta(hours=2),
            None,
        )
        assert followups.pending_followups(uow, load(uow, rep)) == [stored]
        assert followups.due_unnotified(uow, later + timedelta(hours=1)) == []
        assert followups.due_unnotified(uow, later + timedelta(hours=2)) == [stored]


def test_due_unnotified_lists_each_due_followup_until_its_owner_is_told(
    db: Database, rep: StaffUser, other_rep: StaffUser, now: datetime
) -> None:
    yesterday = now - timedelta(days=1)
    with db.unit_of_work() as uow:
        me, other = load(uow, rep), load(uow, other_rep)
        followups.schedule_followup(
            uow, "due an hour ago", now - timedelta(hours=1), me, now=yesterday
        )
        followups.schedule_followup(uow, "due now", now, other, now=yesterday)
        followups.schedule_followup(
            uow, "due in a minute", now + timedelta(minutes=1), me, now=yesterday
        )
        finished = followups.schedule_followup(
            uow, "done already", now - timedelta(hours=2), me, now=yesterday
        )
        followups.complete_followup(uow, finished, now=yesterday)
        uow.commit()
    with db.unit_of_work() as uow:
        due = followups.due_unnotified(uow, now)
        assert [f.title for f in due] == ["due an hour ago", "due now"]
        assert [f.title for f in followups.due_unnotified(uow, now, owner=load(uow, rep))] == [
            "due an hour ago"
        ]
        followups.mark_notified(uow, due[0], now)
        uow.commit()
    with db.unit_of_work() as uow:
        assert [f.title for f in followups.due_unnotified(uow, now)] == ["due now"]
        assert [f.title for f in followups.due_unnotified(uow, now + timedelta(minutes=1))] == [
            "due now",
            "due in a minute",
        ]


# -- interactions -------------------------------------------------------------------------------


def test_interaction_in_the_future_is_refused(db: Database, rep: StaffUser, now: datetime) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme")
        with pytest.raises(InvalidInput, match="in the future") as caught:
            interactions.log_interaction(
                uow,
                "call",
                "Pricing",
                now + timedelta(days=1),
                load(uow, rep),
                company=acme,
                now=now,
            )
        assert caught.value.field == "date"
        # a few minutes of clock skew between the chat and the server are not "the future"
        interactions.log_interaction(
            uow,
            "call",
            "Pricing",
            now + timedelta(minutes=30),
            load(uow, rep),
            company=acme,
            now=now,
        )


def test_interaction_needs_a_contact_or_a_company(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with (
        db.unit_of_work() as uow,
        pytest.raises(InvalidInput, match="needs a contact or a company"),
    ):
        interactions.log_interaction(
            uow, InteractionType.CALL, "Pricing", now, load(uow, rep), now=now
        )


@pytest.mark.parametrize(
    ("kind", "summary", "message"),
    [("fax", "Sent", "Unknown interaction type “fax”"), ("call", "  ", "summary is empty")],
)
def test_interaction_with_bad_type_or_summary_is_refused(
    db: Database, now: datetime, kind: str, summary: str, message: str
) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme")
        with pytest.raises(InvalidInput, match=message):
            interactions.log_interaction(uow, kind, summary, now, None, company=acme, now=now)


def test_interaction_with_a_contact_is_filed_under_its_company(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work() as uow:
        acme = customers.create_company(uow, "Acme")
        jane = customers.create_contact(uow, "Jane", company=acme)
        call = interactions.log_interaction(
            uow,
            "meeting",
            " Kick-off ",
            now - timedelta(hours=2),
            load(uow, rep),
            contact=jane,
            now=now,
        )
        uow.commit()
    with db.unit_of_work() as uow:
        stored = load(uow, call)
        assert (
            stored.type,
            stored.summary,
            stored.contact_id,
            stored.company_id,
            stored.author_id,
        ) == (
            InteractionType.MEETING,
            "Kick-off",
            jane.id,
            acme.id,
            rep.id,
        )


# -- customer summary ----------------------------------------------------------------------------


def test_customer_summary(db: Database, rep: StaffUser, now: datetime) -> None:
    with db.unit_of_work() as uow:
        me = load(uow, rep)
        acme, globex = (
            customers.create_company(uow, "Acme"),
            customers.create_company(uow, "Globex"),
        )
        jane = customers.create_contact(uow, "Jane Smith", company=acme)
        bob = customers.create_contact(uow, "Bob Brown", company=acme)
        for day in range(1, 8):  # seven interactions, the newest on day 7
            who = {"contact": jane} if day % 2 else {"company": acme}
            interactions.log_interaction(
                uow, "note", f"day {day}", now.replace(day=day), me, now=now, **who
            )
        interactions.log_interaction(
            uow, "call", "other customer", now, me, company=globex, now=now
        )
        followups.schedule_followup(
            uow, "later", now + timedelta(days=5), me, company=acme, now=now
        )
        followups.schedule_followup(
            uow, "sooner", now + timedelta(days=1), me, contact=bob, now=now
        )
        snoozed = followups.schedule_followup(
            uow, "snoozed", now + timedelta(days=1), me, contact=jane, now=now
        )
        followups.snooze_followup(uow, snoozed, timedelta(days=2), now=now)
        finished = followups.schedule_followup(
            uow, "finished", now + timedelta(days=1), me, company=acme, now=now
        )
        followups.complete_followup(uow, finished, now=now)
        followups.schedule_followup(
            uow, "other customer", now + timedelta(days=1), me, company=globex, now=now
        )
        uow.commit()
    with db.unit_of_work() as uow:
        summary = customers.customer_summary(uow, company=load(uow, acme))
        assert [c.name for c in summary.contacts] == ["Bob Brown", "Jane Smith"]
        assert [i.summary for i in summary.interactions] == [
            "day 7",
            "day 6",
            "day 5",
            "day 4",
            "day 3",
        ]
        assert summary.interaction_count == 7
        assert [f.title for f in summary.open_followups] == ["sooner", "snoozed", "later"]

        of_jane = customers.customer_summary(uow, contact=load(uow, jane))
        assert of_jane.company is not None and of_jane.company.name == "Acme"
        assert [i.summary for i in of_jane.interactions] == ["day 7", "day 5", "day 3", "day 1"]
        assert of_jane.interaction_count == 4
        assert [f.title for f in of_jane.open_followups] == ["snoozed"]


def test_summary_of_a_new_customer_is_empty(db: Database) -> None:
    with db.unit_of_work() as uow:
        summary = customers.customer_summary(uow, company=customers.create_company(uow, "Acme"))
        assert (
            summary.contacts,
            summary.interactions,
            summary.open_followups,
            summary.interaction_count,
        ) == ([], [], [], 0)


# -- staff users -------------------------------------------------------------------------------


def test_adding_a_user_again_updates_it(db: Database) -> None:
    with db.unit_of_work() as uow:
        first = users.add_user(
            uow,
            "Rita@Example.com",
            "Rita",
            "rep",
            timezone="Europe/Berlin",
            slack_id="U1",
            telegram_id=42,
        )
        uow.commit()
    with db.unit_of_work() as uow:
        again = users.add_user(
            uow, "rita@example.com ", "Rita Rep", Role.MANAGER, timezone="Asia/Tokyo"
        )
        uow.commit()
    assert again.id == first.id
    with db.unit_of_work() as uow:
        (stored,) = users.list_users(uow)
        assert (stored.email, stored.name, stored.role, stored.timezone) == (
            "rita@example.com",
            "Rita Rep",
            Role.MANAGER,
            "Asia/Tokyo",
        )
        # chat ids not given again are kept
        assert (stored.slack_id, stored.telegram_id) == ("U1", 42)
        assert users.user_by_email(uow, "RITA@example.com").id == first.id
    update = audit_log(db)[-1]
    assert (update.action, update.entity, update.before, update.after) == (
        AuditAction.UPDATE,
        "staff_user",
        {
            "name": "Rita",
            "role": "rep",
            "timezone": "Europe/Berlin",
        },
        {
            "name": "Rita Rep",
            "role": "manager",
            "timezone": "Asia/Tokyo",
        },
    )


@pytest.mark.parametrize(
    ("role", "timezone", "field", "message"),
    [
        ("boss", "UTC", "role", "Unknown role “boss”; one of admin, manager, rep, agent"),
        (
            "rep",
            "Berlin",
            "timezone",
            "“Berlin” is not a time zone; use an IANA name like Europe/Berlin",
        ),
        ("rep", "Mars/Olympus", "timezone", "not a time zone"),
    ],
    ids=["unknown-role", "city-not-zone", "unknown-zone"],
)
def test_bad_role_or_time_zone_is_refused(
    db: Database, role: str, timezone: str, field: str, message: str
) -> None:
    with db.unit_of_work() as uow, pytest.raises(InvalidInput, match=message) as caught:
        users.add_user(uow, "rita@example.com", "Rita", role, timezone=timezone)
    assert caught.value.field == field
    assert count(db, StaffUser) == 0


def test_staff_found_by_full_or_first_name(
    db: Database, rep: StaffUser, other_rep: StaffUser
) -> None:
    with db.unit_of_work() as uow:
        assert [u.id for u in users.staff_by_name(uow, "rita rep")] == [rep.id]
        assert [u.id for u in users.staff_by_name(uow, "Oskar")] == [other_rep.id]
        assert users.staff_by_name(uow, "nobody") == []


# -- conversations -------------------------------------------------------------------------------


def test_conversation_state_is_kept_per_user_chat_and_thread(db: Database) -> None:
    rita = ("slack", "C1", "", "U1")
    oskar = ("slack", "C1", "", "U2")
    rita_in_thread = ("slack", "C1", "1700000000.1", "U1")
    with db.unit_of_work() as uow:
        conversations.save_state(uow, rita, {"intent": "create_contact", "slots": {"name": "Jane"}})
        conversations.save_state(uow, oskar, {"intent": "log_interaction"})
        uow.commit()
    with db.unit_of_work() as uow:
        assert conversations.load_state(uow, rita) == {
            "intent": "create_contact",
            "slots": {"name": "Jane"},
        }
        assert conversations.load_state(uow, oskar) == {"intent": "log_interaction"}
        assert conversations.load_state(uow, rita_in_thread) == {}
        assert conversations.load_state(uow, ("telegram", "C1", "", "U1")) == {}
        conversations.save_state(
            uow, rita, {"intent": "create_contact", "slots": {"name": "Jane", "email": "j@a.co"}}
        )
        uow.commit()
    with db.unit_of_work() as uow:
        assert conversations.load_state(uow, rita)["slots"] == {"name": "Jane", "email": "j@a.co"}
        conversations.save_state(uow, rita, {})  # the request is finished
        uow.commit()
    with db.unit_of_work() as uow:
        assert conversations.load_state(uow, rita) == {}
        assert conversations.load_state(uow, oskar) == {"intent": "log_interaction"}
        conversations.save_state(uow, rita, {})  # clearing an empty state is harmless


def test_an_event_takes_effect_once(db: Database) -> None:
    with db.unit_of_work() as uow:
        assert not conversations.already_processed(uow, "slack", "Ev1")
        conversations.mark_processed(uow, "slack", "Ev1")
        customers.create_company(uow, "Acme")
        uow.commit()
    with db.unit_of_work() as uow:
        assert conversations.already_processed(uow, "slack", "Ev1")
        assert not conversations.already_processed(uow, "telegram", "Ev1")
        customers.create_company(uow, "Acme")
        # a redelivery that slipped past the check fails on the unique key: nothing of it is kept
        with pytest.raises(IntegrityError):
            conversations.mark_processed(uow, "slack", "Ev1")
    assert count(db, Company) == 1


def test_an_event_whose_transaction_failed_can_be_processed_again(db: Database) -> None:
    with db.unit_of_work() as uow:
        conversations.mark_processed(uow, "telegram", "42")
        # no commit: the handler failed
    with db.unit_of_work() as uow:
        assert not conversations.already_processed(uow, "telegram", "42")
        conversations.mark_processed(uow, "telegram", "42")
        uow.commit()
    with db.unit_of_work() as uow:
        assert conversations.already_processed(uow, "telegram", "42")


# -- audit and transactions -----------------------------------------------------------------------


def test_changes_are_audited_with_who_before_and_after(db: Database, rep: StaffUser) -> None:
    with db.unit_of_work(actor_id=rep.id) as uow:
        acme = customers.create_company(uow, "Acme Corp")
        jane = customers.create_contact(uow, "Jane Smith", company=acme, email="jane@acme.com")
        uow.commit()
    with db.unit_of_work(actor_id=rep.id) as uow:
        customers.update_contact(uow, load(uow, jane), email="Jane.Smith@acme.com", title="CTO")
        customers.update_contact(uow, load(uow, jane), title="CTO")  # no change, no entry
        change_set = uow.change_set
        uow.commit()
    created_company, created_contact, updated = (e for e in audit_log(db) if e.actor_id == rep.id)
    assert (created_company.action, created_company.entity, created_company.entity_id) == (
        AuditAction.CREATE,
        "company",
        acme.id,
    )
    assert created_company.before is None
    assert created_company.after is not None and created_company.after["name"] == "Acme Corp"
    assert created_contact.change_set == created_company.change_set != change_set
    assert created_contact.after is not None and created_contact.after["company_id"] == acme.id
    assert (updated.action, updated.entity, updated.entity_id, updated.change_set) == (
        AuditAction.UPDATE,
        "contact",
        jane.id,
        change_set,
    )
    assert updated.before == {"email": "jane@acme.com", "title": None}
    assert updated.after == {"email": "jane.smith@acme.com", "title": "CTO"}
    assert all(
        e.undone_by is None and e.reverts is None
        for e in (created_company, created_contact, updated)
    )


def test_work_left_without_commit_is_rolled_back(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work(actor_id=rep.id) as uow:
        acme = customers.create_company(uow, "Acme")
        customers.create_contact(uow, "Jane", company=acme)
        followups.schedule_followup(
            uow, "Call", now + timedelta(days=1), load(uow, rep), company=acme, now=now
        )
    with pytest.raises(RuntimeError, match="handler failed"), db.unit_of_work(actor_id=rep.id) as uow:
        customers.create_company(uow, "Globex")
        raise RuntimeError("handler failed")
    assert [count(db, m) for m in (Company, Contact, FollowUp)] == [0, 0, 0]
    assert [e.actor_id for e in audit_log(db)] == [None]  # only the fixture's rep


def test_unit_of_work_is_usable_only_inside_its_block(db: Database) -> None:
    uow = db.unit_of_work()
    with pytest.raises(RuntimeError, match="outside its `with` block"):
        _ = uow.session
