"""`chatcrm db upgrade`, `users add|list`, `demo` and `export`, run as the installed program
on a SQLite file, as a user would.

Every start of `chatcrm` costs seconds, so the module runs the whole session once, in four
steps whose independent commands run side by side, and the tests read what it printed.
"""

from __future__ import annotations

import csv
import io
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from subprocess import CompletedProcess
from typing import Any

import pytest

from crm_core.export import columns
from crm_core.migrate import head_revision
from tests.conftest import run_chatcrm
from tests.crm.test_demo_export import KINDS, TIME_COLUMNS, check_links, due_buckets

Args = tuple[str, ...]
BAD_USERS: dict[str, Args] = {
    "role": ("users", "add", "--email", "x@example.org", "--name", "X", "--role", "boss"),
    "e-mail": ("users", "add", "--email", "not-an-address", "--name", "X", "--role", "rep"),
    "time zone": ("users", "add", "--email", "x@example.org", "--name", "X", "--role", "rep",
                  "--timezone", "Mars/Olympus"),
    "Slack user id": ("users", "add", "--email", "x@example.org", "--name", "X", "--role", "rep",
                      "--slack-id", "jane"),
    "Telegram user id": ("users", "add", "--email", "x@example.org", "--name", "X", "--role", "rep",
                         "--telegram-id", "-5"),
    "--telegram-id": ("users", "add", "--email", "x@example.org", "--name", "X", "--role", "rep",
                      "--telegram-id", "abc"),
    "--role": ("users", "add", "--email", "x@example.org", "--name", "X"),
}  # fmt: skip
ADD_JANE: Args = (
    "users", "add", "--email", "Jane.Doe@Example.org", "--name", "Jane  Doe", "--role", "rep",
    "--timezone", "europe/berlin", "--slack-id", "U0JANE",
)  # fmt: skip
# the same e-mail again: a new role, and no --timezone, which keeps hers
UPDATE_JANE: Args = (
    "users", "add", "--email", "jane.doe@example.org", "--name", "Jane Doe", "--role", "MANAGER",
    "--update",
)  # fmt: skip
# a new role without --update: refused, nothing changes
PROMOTE_JANE: Args = (
    "users", "add", "--email", "jane.doe@example.org", "--name", "Jane Doe", "--role", "admin",
)  # fmt: skip


@dataclass
class Session:
    now: datetime
    runs: dict[Args, CompletedProcess[bytes]]

    def out(self, *args: str) -> str:
        proc = self.runs[args]
        assert proc.returncode == 0, proc.stderr.decode()
        return proc.stdout.decode("utf-8")

    def jsonl(self, kind: str) -> list[dict[str, Any]]:
        return [
            json.loads(line) for line in self.out("export", kind, "--format", "jsonl").splitlines()
        ]

    def csv(self, kind: str) -> csv.DictReader[str]:
        return csv.DictReader(io.StringIO(self.out("export", kind, "--format", "csv"), newline=""))

    def users(self) -> dict[str, list[str]]:
        rows = [line.split("\t") for line in self.out("users", "list").splitlines()[1:]]
        return {row[1]: row for row in rows}


def _counts(text: str) -> dict[str, int]:
    pairs = (line.split(": ") for line in text.splitlines()[1:])
    return {key: int(value.split()[0]) for key, value in pairs}


def _run_together(env: dict[str, str], calls: list[Args]) -> dict[Args, CompletedProcess[bytes]]:
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        done = pool.map(lambda args: run_chatcrm(*args, env=env, timeout=120), calls)
        return dict(zip(calls, done, strict=True))


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Session:
    tmp: Path = tmp_path_factory.mktemp("cli")
    env = {"CRM_DATABASE_URL": f"sqlite:///{tmp / 'x.sqlite3'}", "CRM_VAR_DIR": str(tmp)}
    now = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    demo: Args = ("demo", "--now", now.isoformat(), "--seed=7")
    exports = [("export", kind, "--format", fmt) for kind in KINDS for fmt in ("csv", "jsonl")]
    runs: dict[Args, CompletedProcess[bytes]] = {}
    # bad input never opens the database, so it runs beside the upgrade
    runs |= _run_together(env, [("db", "upgrade"), *BAD_USERS.values(), ("export", "widgets")])
    runs |= _run_together(env, [ADD_JANE, demo])
    second = _run_together(env, [demo, UPDATE_JANE])
    runs |= _run_together(env, [("users", "list"), PROMOTE_JANE, *exports])
    runs[("second", *demo)] = second[demo]
    runs[UPDATE_JANE] = second[UPDATE_JANE]
    return Session(now, runs)


def test_db_upgrade_reports_the_revision_reached(session: Session) -> None:
    assert session.out("db", "upgrade") == f"database at revision {head_revision()} (head)\n"


def test_users_add_then_update_then_list(session: Session) -> None:
    assert session.out(*ADD_JANE).startswith("added staff user ")
    assert session.out(*ADD_JANE).rstrip().endswith("jane.doe@example.org (rep, Europe/Berlin)")
    assert session.out(*UPDATE_JANE).rstrip().endswith("(jane.doe@example.org): role: rep → manager")
    jane = session.users()["jane.doe@example.org"]
    assert jane[2:] == ["Jane Doe", "manager", "Europe/Berlin", "U0JANE", "-"]
    assert len(session.users()) == 7  # Jane and the six demo staff


@pytest.mark.parametrize("what", list(BAD_USERS))
def test_bad_user_input_is_one_clear_line_and_exit_2(session: Session, what: str) -> None:
    proc = session.runs[BAD_USERS[what]]
    message = proc.stderr.decode()
    assert proc.returncode == 2 and proc.stdout == b""
    assert message.startswith("chatcrm: ") and message.count("\n") == 1 and what in message
    assert "x@example.org" not in session.users()


def test_a_new_role_for_an_existing_user_needs_update(session: Session) -> None:
    proc = session.runs[PROMOTE_JANE]
    assert proc.returncode == 2
    assert "add --update to change role: manager → admin" in proc.stderr.decode()
    assert session.users()["jane.doe@example.org"][3] == "manager"


def test_users_list_starts_with_a_header(session: Session) -> None:
    header = session.out("users", "list").splitlines()[0]
    assert header.split("\t") == ["id", "email", "name", "role", "timezone", "slack_id", "telegram_id"]


def test_an_unknown_export_kind_is_refused(session: Session) -> None:
    proc = session.runs[("export", "widgets")]
    assert proc.returncode == 2 and proc.stdout == b""
    assert proc.stderr.decode().splitlines() == [
        "chatcrm: Unknown export kind “widgets”; one of companies, contacts, interactions, followups."
    ]


def test_demo_prints_counts_and_a_second_run_adds_nothing(session: Session) -> None:
    demo = ("demo", "--now", session.now.isoformat(), "--seed=7")
    first, second = session.out(*demo), session.out("second", *demo)
    counts = _counts(first)
    assert first.startswith("demo data loaded\n") and counts["contacts"] == 100
    assert second.startswith("demo data already present")
    records = ("companies", "contacts", "interactions", "follow-ups")
    assert [_counts(second)[k] for k in records] == [0, 0, 0, 0]
    stored = {kind: len(session.jsonl(kind)) for kind in KINDS}
    assert stored == {
        "companies": counts["companies"],
        "contacts": counts["contacts"],
        "interactions": counts["interactions"],
        "followups": counts["follow-ups"],
    }


@pytest.mark.parametrize("kind", KINDS)
def test_csv_and_jsonl_exports_hold_the_same_rows(session: Session, kind: str) -> None:
    reader = session.csv(kind)
    rows = list(reader)
    assert reader.fieldnames == columns(kind)
    as_text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in session.jsonl(kind)]
    assert rows == as_text and rows
    for row in rows:
        assert all(row[c].endswith("+00:00") for c in TIME_COLUMNS & set(row) if row[c])


def test_exported_records_link_to_each_other(session: Session) -> None:
    check_links({kind: session.jsonl(kind) for kind in KINDS})


def test_followups_are_overdue_due_today_and_this_week_relative_to_now(session: Session) -> None:
    zones = {email: row[4] for email, row in session.users().items()}
    buckets = due_buckets(session.jsonl("followups"), zones, session.now)
    reps = {
        email
        for email, row in session.users().items()
        if row[3] == "rep" and email.endswith("chatcrm.example")
    }
    assert set(buckets) == reps
    for counts in buckets.values():
        assert (
            counts["overdue"]
            and counts["today"]
            and counts["week"]
            and counts["later"]
            and counts["done"]
        ), counts
