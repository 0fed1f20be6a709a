"""`chatcrm shell`: the console chat, wired from the composition root's parts."""

from __future__ import annotations

import sys
from pathlib import Path

from app.compose import build_database, build_dialogue, build_nlu
from bot.console import ConsoleChannel
from config import Settings
from intents.identity import console_user
from intents.reminders import due_reminders


def run_shell(settings: Settings, as_email: str | None) -> None:
    db = build_database(settings)
    try:
        staff, created = console_user(db, as_email, settings.crm_timezone)
        nlu = build_nlu(settings)
        dialogue = build_dialogue(db, nlu)
        channel = ConsoleChannel(
            handle=lambda message: dialogue.handle(message, staff.id),
            user=staff.email,
            reminders=lambda now: due_reminders(db, staff.id, now),
            out_dir=settings.crm_var_dir / "files",
        )
        if sys.stdin.isatty():
            hello = f"chatcrm — signed in as {staff.name} <{staff.email}>, {staff.role.value}, {staff.timezone}."
            if created:
                hello += " (A local admin was created for this empty database; add colleagues with `chatcrm users add`.)"
            hello += " Type “help”; /quit to leave."
            channel.run_interactive(history=Path(settings.crm_var_dir) / "shell_history", greeting=hello)
        else:
            channel.run_script(_stdin_lines())
    finally:
        db.dispose()


def _stdin_lines():  # type: ignore[no-untyped-def]
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace")
