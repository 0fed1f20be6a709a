"""The demo data set and the export, on a real database built by the migrations.

Most checks read one demo database loaded once (SQLite); what writes (loading twice, reusing
staff, rows with missing links) runs on every backend of the `db` fixture.
"""

from __future__ import annotations

import csv
import inspect
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers
import pytest
from sqlalchemy import func, select

from crm_core import export, records
from crm_core.cleaning import clean_email
from crm_core.db import make_engine, make_session_factory
from crm_core.demo import DemoSummary, load_demo
from crm_core.enums import AuditAction, InteractionType, Role
from crm_core.errors import InvalidInput
from crm_core.export import export_rows, write_export
from crm_core.migrate import upgrade
from crm_core.models import AuditEntry, StaffUser
from crm_core.services import customers, interactions, users
from crm_core.uow import Database
from tests.crm.conftest import NOW

KINDS = [k.export for k in records.exported()]
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
TIME_COLUMNS = {"created_at", "updated_at", "occurred_at", "due_at", "completed_at", "notified_at"}


# -- helpers shared with test_admin_cli ------------------------------------------------------


def due_buckets(
    followups: list[dict[str, Any]], zones: dict[str, str], now: datetime
) -> dict[str, Counter[str]]:
    """Per owner e-mail: how many follow-ups are done, overdue, due later today in the owner's
    zone, due within the week, or later."""
    out: dict[str, Counter[str]] = defaultdict(Counter)
    for row in followups:
        due = datetime.fromisoformat(row["due_at"])
        zone = ZoneInfo(zones[row["owner_email"]])
        if row["status"] == "done":
            bucket = "done"
        elif due <= now:
            bucket = "overdue"
        elif due.astimezone(zone).date() == now.astimezone(zone).date():
            bucket = "today"
        elif due - now <= timedelta(days=7):
            bucket = "week"
        else:
            bucket = "later"
        out[row["owner_email"]][bucket] += 1
    return out


def check_links(exports: dict[str, list[dict[str, Any]]]) -> None:
    """Every id a row points at is a row of the export it names."""
    companies = {r["id"] for r in exports["companies"]}
    contacts = {r["id"]: r for r in exports["contacts"]}
    interaction_ids = {r["id"] for r in exports["interactions"]}
    assert all(
        r["company_id"] in companies for r in exports["contacts"] if r["company_id"] is not None
    )
    for row in exports["interactions"] + exports["followups"]:
        assert row["contact_id"] is None or row["contact_id"] in contacts
        assert row["company_id"] is None or row["company_id"] in companies
        if row["contact_id"] is not None:
            assert row["company_id"] == contacts[row["contact_id"]]["company_id"]
    assert all(
        r["interaction_id"] in interaction_ids
        for r in exports["followups"]
        if r["interaction_id"] is not None
    )


# -- fixtures ---------------------------------------------------------------------------------


def sqlite_database(path: Path) -> Database:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    return Database(engine, make_session_factory(engine))


def load(db: Database, now: datetime, seed: int = 7) -> DemoSummary:
    with db.unit_of_work() as uow:
        summary = load_demo(uow, now, seed=seed)
        uow.commit()
    return summary


def all_rows(db: Database, kind: str) -> list[dict[str, Any]]:
    with db.unit_of_work() as uow:
        return list(export_rows(uow, kind))


@dataclass
class Demo:
    db: Database
    summary: DemoSummary
    rows: dict[str, list[dict[str, Any]]]
    zones: dict[str, str]  # staff e-mail -> time zone
    roles: dict[str, Role]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    db = sqlite_database(tmp_path_factory.mktemp("demo") / "demo.sqlite3")
    summary = load(db, NOW)
    with db.unit_of_work() as uow:
        staff = (
            uow.session.execute(select(StaffUser.email, StaffUser.timezone, StaffUser.role))
            .tuples()
            .all()
        )
    rows = {kind: all_rows(db, kind) for kind in KINDS}
    yield Demo(db, summary, rows, {e: tz for e, tz, _ in staff}, {e: role for e, _, role in staff})
    db.dispose()


# -- the demo data set --------------------------------------------------------------------------


def test_the_summary_counts_what_is_stored(demo: Demo) -> None:
    s = demo.summary
    assert not s.skipped
    assert (s.users, s.users_created) == (6, 6)
    assert [s.companies, s.contacts, s.interactions, s.followups] == [
        len(demo.rows[k]) for k in KINDS
    ]
    assert 35 <= s.companies <= 45 and s.contacts == 100
    assert 200 <= s.interactions <= 500 and 30 <= s.followups <= 60


def test_staff_covers_every_role_and_reps_work_in_their_own_zones(demo: Demo) -> None:
    assert set(demo.roles.values()) == set(Role)
    rep_zones = {demo.zones[e] for e, role in demo.roles.items() if role == Role.REP}
    assert rep_zones == {"Europe/Berlin", "America/New_York", "Asia/Kolkata"}


def test_companies_come_from_many_places_and_legal_forms(demo: Demo) -> None:
    names = [r["name"] for r in demo.rows["companies"]]
    assert len({n.lower() for n in names}) == len(names)
    last_words = {n.split()[-1] for n in names}
    assert {"Inc", "Ltd", "GmbH", "AS", "LLC", "KK", "SA", "AB", "Oy", "SpA"} <= last_words
    assert any(not n.isascii() for n in names)
    countries = {
        phonenumbers.region_code_for_number(phonenumbers.parse(r["phone"]))
        for r in demo.rows["companies"]
        if r["phone"]
    }
    assert len(countries) >= 20
    assert all(r["domain"].endswith(".example") for r in demo.rows["companies"])


def test_contacts_have_clean_emails_and_valid_e164_phones(demo: Demo) -> None:
    contacts = demo.rows["contacts"]
    assert all(r["email"] and clean_email(r["email"]) == r["email"] for r in contacts)
    assert len({r["email"] for r in contacts}) == len(contacts)
    phones = [r["phone"] for r in contacts if r["phone"]]
    assert len(phones) >= 80
    for phone in phones:
        assert E164.match(phone), phone
        assert phonenumbers.is_valid_number(phonenumbers.parse(phone)), phone
    assert sum(not r["name"].isascii() for r in contacts) >= 5
    assert all(r["company_id"] is not None and r["title"] for r in contacts)


def test_interactions_are_of_every_type_in_the_last_120_days_by_reps(demo: Demo) -> None:
    rows = demo.rows["interactions"]
    assert {r["type"] for r in rows} == {t.value for t in InteractionType}
    for row in rows:
        occurred = datetime.fromisoformat(row["occurred_at"])
        assert NOW - timedelta(days=120) <= occurred <= NOW
        assert demo.roles[row["author_email"]] == Role.REP
        assert row["summary"] and "{" not in row["summary"]
    assert len({r["contact_id"] for r in rows}) == demo.summary.contacts
    check_links(demo.rows)


def test_each_rep_has_followups_overdue_today_this_week_later_and_done(demo: Demo) -> None:
    buckets = due_buckets(demo.rows["followups"], demo.zones, NOW)
    reps = {e for e, role in demo.roles.items() if role == Role.REP}
    assert set(buckets) == reps
    for counts in buckets.values():
        assert all(counts[b] >= 1 for b in ("overdue", "today", "week", "later", "done")), counts
    for row in demo.rows["followups"]:
        assert (row["status"] == "done") == (row["completed_at"] is not None)


def test_every_record_is_audited_as_created(demo: Demo) -> None:
    with demo.db.unit_of_work() as uow:
        created = dict(
            uow.session.execute(
                select(AuditEntry.entity, func.count())
                .where(AuditEntry.action == AuditAction.CREATE)
                .group_by(AuditEntry.entity)
            )
            .tuples()
            .all()
        )
        updated = uow.session.scalar(
            select(func.count()).where(AuditEntry.action == AuditAction.UPDATE)
        )
    s = demo.summary
    assert created == {
        "staff_user": s.users_created,
        "company": s.companies,
        "contact": s.contacts,
        "interaction": s.interactions,
        "followup": s.followups,
    }
    assert updated == sum(r["status"] == "done" for r in demo.rows["followups"])


def _without_clock(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k not in {"created_at", "updated_at"}} for r in rows]


def test_the_same_seed_and_now_give_the_same_data(demo: Demo, tmp_path: Path) -> None:
    again, other = (
        sqlite_database(tmp_path / "again.sqlite3"),
        sqlite_database(tmp_path / "other.sqlite3"),
    )
    try:
        load(again, NOW)
        load(other, NOW, seed=8)
        for kind in KINDS:
            assert _without_clock(all_rows(again, kind)) == _without_clock(demo.rows[kind])
        assert _without_clock(all_rows(other, "contacts")) != _without_clock(demo.rows["contacts"])
    finally:
        again.dispose()
        other.dispose()


def test_today_means_the_owners_day_even_near_midnight(tmp_path: Path) -> None:
    late = datetime(2026, 11, 22, 22, 55, tzinfo=UTC)  # 23:55 in Berlin, 04:25 tomorrow in Kolkata
    db = sqlite_database(tmp_path / "late.sqlite3")
    try:
        load(db, late)
        with db.unit_of_work() as uow:
            zones = {u.email: u.timezone for u in uow.session.scalars(select(StaffUser))}
        buckets = due_buckets(all_rows(db, "followups"), zones, late)
    finally:
        db.dispose()
    assert all(counts["today"] >= 1 for counts in buckets.values()), buckets


def test_loading_twice_adds_nothing_and_existing_staff_is_reused(
    db: Database, now: datetime
) -> None:
    with db.unit_of_work() as uow:
        users.add_user(
            uow, "jonas.becker@chatcrm.example", "Jonas Senior", Role.ADMIN, "America/Chicago"
        )
        uow.commit()
    first = load(db, now)
    second = load(db, now)
    assert (first.users, first.users_created) == (6, 5)
    assert second.skipped and second.users_created == 0
    assert [second.companies, second.contacts, second.interactions, second.followups] == [
        0,
        0,
        0,
        0,
    ]
    assert [len(all_rows(db, k)) for k in KINDS] == [
        first.companies,
        first.contacts,
        first.interactions,
        first.followups,
    ]
    with db.unit_of_work() as uow:
        jonas = users.user_by_email(uow, "jonas.becker@chatcrm.example")
        assert (jonas.name, jonas.role, jonas.timezone) == (
            "Jonas Senior",
            Role.ADMIN,
            "America/Chicago",
        )
    assert "already present" in second.lines()[0]


def test_a_naive_now_is_refused(db: Database) -> None:
    with db.unit_of_work() as uow, pytest.raises(InvalidInput):
        load_demo(uow, datetime(2026, 11, 22, 10, 0))


# -- the export -------------------------------------------------------------------------------


def test_columns_are_fixed_per_kind() -> None:
    assert export.columns("companies") == [
        "id",
        "name",
        "domain",
        "phone",
        "owner_id",
        "owner_email",
        "created_at",
        "updated_at",
    ]
    assert export.columns("contacts") == [
        "id",
        "name",
        "email",
        "phone",
        "title",
        "telegram_id",
        "company_id",
        "company_name",
        "owner_id",
        "owner_email",
        "created_at",
        "updated_at",
    ]
    assert export.columns("interactions") == [
        "id",
        "type",
        "occurred_at",
        "summary",
        "contact_id",
        "contact_name",
        "company_id",
        "company_name",
        "author_id",
        "author_email",
        "created_at",
    ]
    assert export.columns("followups") == [
        "id", "title", "status", "due_at", "owner_id", "owner_email", "contact_id", "contact_name",
        "company_id", "company_name", "interaction_id", "completed_at", "notified_at", "created_at",
        "updated_at",
    ]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_rows_are_by_id_with_utc_times_and_plain_values(demo: Demo, kind: str) -> None:
    rows = demo.rows[kind]
    assert [list(r) for r in rows[:1]] == [export.columns(kind)]
    ids = [r["id"] for r in rows]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    for row in rows:
        for key, value in row.items():
            assert value is None or isinstance(value, str | int), (key, value)
            if key in TIME_COLUMNS and value is not None:
                assert isinstance(value, str) and value.endswith("+00:00")
                assert datetime.fromisoformat(value).utcoffset() == timedelta(0)


@pytest.mark.parametrize("kind", KINDS)
def test_csv_has_a_header_and_the_same_rows(demo: Demo, kind: str) -> None:
    out = io.StringIO(newline="")
    with demo.db.unit_of_work() as uow:
        count = write_export(uow, kind, "csv", out)
    reader = csv.DictReader(io.StringIO(out.getvalue(), newline=""))
    assert reader.fieldnames == export.columns(kind)
    as_text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in demo.rows[kind]]
    assert list(reader) == as_text and count == len(as_text)


@pytest.mark.parametrize("kind", KINDS)
def test_jsonl_is_one_object_a_line(demo: Demo, kind: str) -> None:
    out = io.StringIO()
    with demo.db.unit_of_work() as uow:
        count = write_export(uow, kind, "jsonl", out)
    lines = out.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == demo.rows[kind] and count == len(lines)


def test_rows_are_streamed_in_batches(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export, "BATCH", 7)
    with demo.db.unit_of_work() as uow:
        rows = export_rows(uow, "interactions")
        assert inspect.isgenerator(rows)
        assert list(rows) == demo.rows["interactions"]


def test_missing_links_export_as_empty(db: Database, now: datetime) -> None:
    with db.unit_of_work() as uow:
        company = customers.create_company(uow, "Müller & Söhne GmbH")
        interactions.log_interaction(
            uow,
            "note",
            "Met at the trade fair",
            now - timedelta(days=1),
            None,
            company=company,
            now=now,
        )
        uow.commit()
    (row,) = all_rows(db, "interactions")
    assert (row["contact_id"], row["contact_name"], row["author_id"], row["author_email"]) == (
        None,
        None,
        None,
        None,
    )
    assert row["company_name"] == "Müller & Söhne GmbH"
    out = io.StringIO(newline="")
    with db.unit_of_work() as uow:
        write_export(uow, "companies", "csv", out)
    assert out.getvalue().splitlines()[1].startswith(f"{company.id},Müller & Söhne GmbH,,,,,")


def test_unknown_kind_or_format_is_refused(demo: Demo) -> None:
    with demo.db.unit_of_work() as uow:
        with pytest.raises(InvalidInput, match="widgets"):
            list(export_rows(uow, "widgets"))
        with pytest.raises(InvalidInput, match="xml"):
            write_export(uow, "contacts", "xml", io.StringIO())
