"""The console channel: numbered choices, scripted mode, due follow-ups shown once."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bot.console import ConsoleChannel, render
from crm_core.enums import FollowUpStatus
from crm_core.models import FollowUp
from crm_core.services import customers, followups, users
from crm_core.uow import Database
from intents.dialogue import Dialogue
from intents.messages import Choice, Choices, File, IncomingMessage, Reply, Text
from intents.reminders import due_reminders
from tests.dialogue.conftest import NOW, actor_of, staff_id


class Recorder:
    """A stand-in dialogue that records what the channel sent and answers with a choice."""

    def __init__(self) -> None:
        self.seen: list[IncomingMessage] = []

    def __call__(self, message: IncomingMessage) -> list[Reply]:
        self.seen.append(message)
        return [Choices("Which one?", (Choice("Acme Foods", "#7"), Choice("Acme Logistics", "#9")))]


def ritas_console(db: Database, dialogue: Dialogue, out: io.StringIO, clock: Callable[[], datetime]) -> ConsoleChannel:
    """Rita's console on the real dialogue, showing her due follow-ups."""
    rita = staff_id(db, "rita@example.com")
    return ConsoleChannel(
        lambda m: dialogue.handle(m, actor_of(db, "rita@example.com")),
        "rita@example.com",
        reminders=lambda now: due_reminders(db, rita, now),
        out=out,
        clock=clock,
    )


def test_a_number_picks_the_option_shown_and_other_text_passes_through() -> None:
    recorder = Recorder()
    out = io.StringIO()
    channel = ConsoleChannel(recorder, "rita@example.com", out=out, clock=lambda: NOW)
    channel.send("what's up with acme")
    channel.send("2")
    channel.send("5")
    assert [m.text for m in recorder.seen] == ["what's up with acme", "#9", "5"]
    assert "  1. Acme Foods\n  2. Acme Logistics" in out.getvalue()
    assert recorder.seen[0].channel == "console" and recorder.seen[0].user == "rita@example.com"


def test_script_mode_echoes_each_line_and_skips_blank_ones() -> None:
    recorder = Recorder()
    out = io.StringIO()
    ConsoleChannel(recorder, "rita@example.com", out=out, clock=lambda: NOW).run_script(["hi\n", "\n", "there\n"])
    assert out.getvalue().count("you> ") == 2 and len(recorder.seen) == 2


def test_quit_ends_a_script_as_it_ends_the_interactive_shell() -> None:
    recorder = Recorder()
    out = io.StringIO()
    channel = ConsoleChannel(recorder, "rita@example.com", out=out, clock=lambda: NOW)
    channel.run_script(["hi\n", "quit\n", "add contact Amara\n"])
    assert [m.text for m in recorder.seen] == ["hi"]
    assert "quit" not in out.getvalue()


def test_files_are_saved_and_named(tmp_path: Path) -> None:
    assert render(Text("Logged.", (Choice("Undo", "undo"),))) == "Logged.  [undo]"
    shown = render(File("deals.csv", b"id,name\n1,x\n"), out_dir=tmp_path)
    assert (tmp_path / "deals.csv").read_bytes() == b"id,name\n1,x\n" and "deals.csv" in shown


def test_a_due_follow_up_is_shown_once_and_done_from_its_button(db: Database, dialogue: Dialogue) -> None:
    rita = staff_id(db, "rita@example.com")
    with db.unit_of_work(rita) as uow:
        owner = users.user_by_email(uow, "rita@example.com")
        acme = customers.create_company(uow, "Acme Corp")
        followups.schedule_followup(uow, "Call Acme back", NOW + timedelta(minutes=5), owner, company=acme, now=NOW)
        uow.commit()
    clock = [NOW]
    out = io.StringIO()
    channel = ritas_console(db, dialogue, out, lambda: clock[0])
    channel.show_due()
    assert "Due" not in out.getvalue()  # not yet
    clock[0] = NOW + timedelta(minutes=6)
    channel.show_due()
    channel.show_due()
    assert out.getvalue().count("⏰ Due") == 1 and "Call Acme back · Acme Corp" in out.getvalue()
    assert "1. Done" in out.getvalue() and "2. Snooze 1 h" in out.getvalue()
    channel.send("1")
    assert "Done: “Call Acme back”" in out.getvalue()
    with db.unit_of_work() as uow:
        assert uow.session.scalars(select(FollowUp)).one().status is FollowUpStatus.DONE


def test_snooze_from_the_button_moves_the_due_time_and_reminds_again(db: Database, dialogue: Dialogue) -> None:
    rita = staff_id(db, "rita@example.com")
    with db.unit_of_work(rita) as uow:
        owner = users.user_by_email(uow, "rita@example.com")
        followups.schedule_followup(uow, "Send the deck", NOW + timedelta(minutes=1), owner, now=NOW)
        uow.commit()
    later = NOW + timedelta(minutes=2)
    assert len(due_reminders(db, rita, later)) == 1
    with db.unit_of_work() as uow:
        ident = uow.session.scalars(select(FollowUp)).one().id
    replies = dialogue.handle(IncomingMessage("console", "c", "rita@example.com", f"snooze #{ident} 1h", received_at=later), actor_of(db, "rita@example.com"))
    assert "Snoozed “Send the deck” until" in render(replies[0])
    assert due_reminders(db, rita, later + timedelta(minutes=30)) == []
    assert len(due_reminders(db, rita, later + timedelta(minutes=61))) == 1


def test_a_number_that_fits_two_reminders_shown_at_once_asks_which(db: Database, dialogue: Dialogue) -> None:
    rita = staff_id(db, "rita@example.com")
    with db.unit_of_work(rita) as uow:
        owner = users.user_by_email(uow, "rita@example.com")
        followups.schedule_followup(uow, "Call Acme back", NOW + timedelta(minutes=1), owner, now=NOW)
        followups.schedule_followup(uow, "Send the deck", NOW + timedelta(minutes=2), owner, now=NOW)
        uow.commit()
    out = io.StringIO()
    channel = ritas_console(db, dialogue, out, lambda: NOW + timedelta(minutes=5))
    channel.show_due()
    assert out.getvalue().count("1. Done") == 2
    channel.send("1")
    assert "“1” answers 2 questions shown. Which did you mean?" in out.getvalue()
    assert "1. Done: ⏰ Due" in out.getvalue() and "Call Acme back" in out.getvalue()
    with db.unit_of_work() as uow:
        assert set(uow.session.scalars(select(FollowUp.status))) == {FollowUpStatus.OPEN}  # nothing done yet
    channel.send("2")  # the second of the two questions: the "Send the deck" reminder's Done
    assert "Done: “Send the deck”" in out.getvalue()
    with db.unit_of_work() as uow:
        statuses = dict(uow.session.execute(select(FollowUp.title, FollowUp.status)).all())
    assert statuses == {"Call Acme back": FollowUpStatus.OPEN, "Send the deck": FollowUpStatus.DONE}


def test_a_reminder_shown_while_a_question_waits_makes_a_bare_number_ask_which() -> None:
    recorder = Recorder()
    out = io.StringIO()
    reminder = Choices("⏰ Due today 10:05: Call Acme back", (Choice("Done", "done #4"), Choice("Snooze 1 h", "snooze #4 1h")))
    due = [[reminder]]
    channel = ConsoleChannel(recorder, "rita@example.com", reminders=lambda now: due.pop() if due else [], out=out, clock=lambda: NOW)
    channel.send("what's up with acme")
    channel.show_due()
    channel.send("2")
    assert [m.text for m in recorder.seen] == ["what's up with acme"]  # not sent: which question?
    assert "2. Snooze 1 h: ⏰ Due today 10:05: Call Acme back" in out.getvalue()
    channel.send("1")  # the dialogue's question: its second option
    assert [m.text for m in recorder.seen] == ["what's up with acme", "#9"]
    channel.send("3")  # fits no open question: passed on as typed
    assert recorder.seen[-1].text == "3"


def test_a_number_that_fits_one_open_question_only_answers_it() -> None:
    recorder = Recorder()
    out = io.StringIO()
    reminder = Choices(
        "⏰ Due today 10:05: Call Acme back",
        (Choice("Done", "done #4"), Choice("Snooze 1 h", "snooze #4 1h"), Choice("Snooze 1 day", "snooze #4 1d")),
    )
    due = [[reminder]]
    channel = ConsoleChannel(recorder, "rita@example.com", reminders=lambda now: due.pop() if due else [], out=out, clock=lambda: NOW)
    channel.send("what's up with acme")  # a question of two options
    channel.show_due()
    channel.send("3")
    assert recorder.seen[-1].text == "snooze #4 1d"
