"""A rep's scripted conversation of several dozen turns through the console shell's
composition root (`app.shell.run_shell`, as `chatcrm shell` runs it, with the language
layer's table-driven fake and a clock set to 10 March 2027), then the data checked exactly
through the installed `chatcrm export`.

Rita works in Asia/Kolkata (UTC+05:30, no daylight saving), so every due time below is
checked in UTC: 15:00 in Kolkata is 09:30 UTC.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from app.shell import run_shell
from config import load_settings
from crm_core.clock import ManualClock
from tests.conftest import run_chatcrm
from tests.fakes.fake_language import TableLanguage
from tests.fakes.language_table import TABLE

KOLKATA = ZoneInfo("Asia/Kolkata")
STARTED = datetime(2027, 3, 10, 6, 0, tzinfo=UTC)  # 11:30 in Kolkata, a Wednesday

# (message, what the reply must say)
JOURNEY: list[tuple[str, str]] = [
    ("hello", "Hi Rita!"),
    ("help", "log your calls"),
    ("add company Acme Logistics", "Added the company Acme Logistics"),
    ("add company Acme Foods Ltd", "Added the company Acme Foods Ltd"),
    (
        "add contact Jane Smith at Acme Logistics, jane@acmelogistics.com, +1 415 555 0100",
        "Added Jane Smith (Acme Logistics) · jane@acmelogistics.com · +14155550100",
    ),
    # slot filling through a confirmation: an unknown company is offered for creation
    ("add contact Kwame Mensah at Ashanti Gold Ltd, KWAME@ashanti.gh, +233 24 123 4567", "Add it as a new company?"),
    ("yes", "Added Kwame Mensah (Ashanti Gold Ltd) · kwame@ashanti.gh · +233241234567"),
    ("add contact Olga Petrova", "Added Olga Petrova"),
    # a logged call that names the next step also creates the follow-up
    (
        "called Jane Smith, she wants pricing for 50 seats, f/u on 2027-03-15 at 15:00",
        "Follow-up “Follow up with Jane Smith” due Mon 15 Mar 15:00",
    ),
    # a missing field is asked for and the answer comes in the next message
    ("log a meeting", "Who was it with?"),
    ("Kwame Mensah", "Logged a meeting with Kwame Mensah (Ashanti Gold Ltd)"),
    # an unknown customer, declined, then the whole request cancelled
    ("had a demo with Initech today", "I don't know a company called “Initech”"),
    ("no", "Which company then?"),
    ("cancel", "cancelled"),
    # an ambiguous name: the user picks by number
    ("what's up with acme?", "Which company do you mean by “acme”?"),
    ("2", "*Acme Logistics*"),
    ("what's up with acme?", "1. Acme Foods Ltd"),
    ("1", "No interactions logged yet."),
    # overwriting a value is confirmed first
    ("change Jane Smith's email to jane.smith@acmelogistics.com", "from jane@acmelogistics.com to jane.smith@acmelogistics.com"),
    ("yes", "Updated Jane Smith"),
    # a malformed phone is asked for again
    ("update Olga Petrova's phone", "new phone number"),
    ("12", "is not a phone number"),
    ("+7 495 123 4567", "Updated Olga Petrova — phone: +74951234567"),
    # an owner change, confirmed, then undone
    ("assign Acme Foods to Olu", "owner from Rita Rao to Olu Adeyemi"),
    ("yes", "owner: Olu Adeyemi"),
    ("undo", "Undone: restored the company Acme Foods Ltd"),
    # follow-ups: the time asked for, a date in the past refused, relative dates
    ("remind me to send the contract to Kwame Mensah", "When should I remind you?"),
    ("2027-03-20 10:00", "Follow-up “Send the contract to Kwame Mensah” due Sat 20 Mar 10:00"),
    ("remind me to call Olga Petrova on 2026-01-05 at 10am", "already past"),
    ("2027-04-01 09:00", "Follow-up “Call Olga Petrova” due Thu 01 Apr 09:00"),
    ("remind me to check in with Acme Logistics tomorrow at 3pm", "Follow-up “Check in with Acme Logistics” due"),
    ("what's due today?", "Nothing due today."),
    ("anything overdue?", "Nothing overdue. Nice!"),
    ("show my follow-ups", "4 open follow-ups"),
    # completing: by name, and by choice when several match
    ("mark the Kwame Mensah follow-up done", "Done: “Send the contract to Kwame Mensah”"),
    ("remind me to send Jane Smith the case study on 2027-03-16 at 11:00", "due Tue 16 Mar 11:00"),
    ("done with the Jane Smith follow-up", "Which follow-up is done?"),
    ("2", "Done: “Send Jane Smith the case study”"),
    # the fallback, yes/no without a question, thanks, emoji, cancel with nothing pending
    ("what's the weather like in Paris?", "didn't get that"),
    ("yes", "wasn't waiting for a yes or no"),
    ("no", "wasn't waiting for a yes or no"),
    ("thanks", "You're welcome"),
    ("🤔", "only see symbols"),
    ("🙏", "You're welcome"),
    ("cancel", "Nothing to cancel"),
    ("what's up with Kwame Mensah", "Last interactions (1 in all)"),
    # undo reverts the last change only: the case study is open again
    ("undo", "Undone: restored the follow-up Send Jane Smith the case study"),
]


def turns(output: str) -> list[tuple[str, str]]:
    """The shell's output split into (message, replies) per turn."""
    out: list[tuple[str, str]] = []
    for block in output.split("you> ")[1:]:
        message, _, replies = block.partition("\n")
        out.append((message, replies))
    return out


def export(kind: str, env: dict[str, str], fmt: str = "jsonl") -> list[dict[str, object]]:
    proc = run_chatcrm("export", kind, "--format", fmt, env=env)
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(text)))
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {
        "CRM_DATABASE_URL": f"sqlite:///{tmp_path / 'crm.sqlite3'}",
        "CRM_VAR_DIR": str(tmp_path / "var"),
    }
    for email, name, zone in (("rita@example.com", "Rita Rao", "Asia/Kolkata"), ("olu@example.com", "Olu Adeyemi", "Africa/Lagos")):
        added = run_chatcrm("users", "add", "--email", email, "--name", name, "--role", "rep", "--timezone", zone, env=env)
        assert added.returncode == 0, added.stderr.decode()
    return env


def test_the_reps_journey_through_the_shell_and_the_exported_data(env: dict[str, str]) -> None:
    language, out = TableLanguage(TABLE), io.StringIO()
    lines = [message + "\n" for message, _ in JOURNEY]
    run_shell(load_settings(**env), "rita@example.com", nlu=language, clock=ManualClock(STARTED), lines=lines, out=out)
    assert not language.unknown, f"messages missing from tests/fakes/language_table.py: {language.unknown}"
    seen = turns(out.getvalue())
    assert [m for m, _ in seen] == [m for m, _ in JOURNEY]
    for (message, expected), (_, replies) in zip(JOURNEY, seen):
        assert expected in replies, f"{message!r} → {replies!r}"

    companies = export("companies", env)
    contacts = export("contacts", env)
    interactions = export("interactions", env)
    followups = export("followups", env)
    assert sorted(c["name"] for c in companies) == ["Acme Foods Ltd", "Acme Logistics", "Ashanti Gold Ltd"]
    assert {c["name"]: c["owner_email"] for c in companies}["Acme Foods Ltd"] == "rita@example.com"  # undone
    by_name = {c["name"]: c for c in contacts}
    assert sorted(by_name) == ["Jane Smith", "Kwame Mensah", "Olga Petrova"]
    assert (by_name["Jane Smith"]["email"], by_name["Jane Smith"]["company_name"]) == (
        "jane.smith@acmelogistics.com",
        "Acme Logistics",
    )
    assert (by_name["Kwame Mensah"]["email"], by_name["Kwame Mensah"]["phone"]) == ("kwame@ashanti.gh", "+233241234567")
    assert (by_name["Olga Petrova"]["phone"], by_name["Olga Petrova"]["company_id"]) == ("+74951234567", None)

    # two interactions (the Initech demo was cancelled), each linked to its contact and company
    assert [(i["type"], i["contact_name"], i["company_name"]) for i in interactions] == [
        ("call", "Jane Smith", "Acme Logistics"),
        ("meeting", "Kwame Mensah", "Ashanti Gold Ltd"),
    ]
    contact_ids = {c["id"] for c in contacts}
    company_ids = {c["id"] for c in companies}
    assert all(i["contact_id"] in contact_ids and i["company_id"] in company_ids for i in interactions)
    assert all(datetime.fromisoformat(str(i["occurred_at"])) == STARTED for i in interactions)
    assert all(str(i["occurred_at"]).endswith("+00:00") for i in interactions)

    rows = {f["title"]: f for f in followups}
    expected = {
        "Follow up with Jane Smith": ("open", "2027-03-15T09:30:00+00:00", "Jane Smith"),
        "Send the contract to Kwame Mensah": ("done", "2027-03-20T04:30:00+00:00", "Kwame Mensah"),
        "Call Olga Petrova": ("open", "2027-04-01T03:30:00+00:00", "Olga Petrova"),
        "Check in with Acme Logistics": ("open", "2027-03-11T09:30:00+00:00", None),
        "Send Jane Smith the case study": ("open", "2027-03-16T05:30:00+00:00", "Jane Smith"),
    }
    assert {t: (f["status"], f["due_at"], f["contact_name"]) for t, f in rows.items()} == expected
    assert rows["Follow up with Jane Smith"]["interaction_id"] == interactions[0]["id"]
    assert rows["Check in with Acme Logistics"]["company_name"] == "Acme Logistics"
    assert all(f["owner_email"] == "rita@example.com" for f in followups)

    # CSV says the same as JSON lines
    assert [r["title"] for r in export("followups", env, "csv")] == [f["title"] for f in followups]
