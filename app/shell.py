"""`chatcrm shell`: the console chat, wired from the composition root's parts.

Tests call `run_shell` with their own parts (a language fake, a clock, lines and an output)."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from app.compose import build_clock, build_database, build_dialogue, build_nlu
from bot.console import ConsoleChannel
from config import Settings
from crm_core.clock import Clock
from intents.identity import console_user
from intents.language import Understanding
from intents.reminders import due_reminders


def run_shell(
    settings: Settings,
    as_email: str | None,
    *,
    nlu: Understanding | None = None,
    clock: Clock | None = None,
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
) -> None:
    """Interactive when stdin is a terminal and no `lines` are given; else one message a line."""
    clock = clock or build_clock(settings)
    db = build_database(settings, clock=clock)
    try:
        staff, created = console_user(db, as_email, settings.crm_timezone)
        dialogue = build_dialogue(db, nlu or build_nlu(settings), clock)
        channel = ConsoleChannel(
            handle=lambda message: dialogue.handle(message, staff.id),
            user=staff.email,
            reminders=lambda now: due_reminders(db, staff.id, now),
            out=out or sys.stdout,
            out_dir=settings.crm_var_dir / "files",
            clock=clock,
        )
        if lines is None and sys.stdin.isatty():
            hello = f"chatcrm — signed in as {staff.name} <{staff.email}>, {staff.role.value}, {staff.timezone}."
            if created:
                hello += " (A local admin was created for this empty database; add colleagues with `chatcrm users add`.)"
            hello += " Type “help”; /quit to leave."
            channel.run_interactive(history=Path(settings.crm_var_dir) / "shell_history", greeting=hello)
        else:
            channel.run_script(_stdin_lines() if lines is None else lines)
    finally:
        db.dispose()


def _stdin_lines():  # type: ignore[no-untyped-def]
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace")
