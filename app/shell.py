"""`chatcrm shell`: the console chat, wired from the composition root's parts.

A staff user (`--as EMAIL`, or the first admin) or a customer (`--customer PHONE`: the
contact with that phone, or a new one, as Telegram's share-contact button links) talks to
the same dialogue the chat platforms use. Tests call `run_shell` with their own parts (a
language fake, a clock, lines and an output).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from app.compose import build_clock, build_dialogue, build_nlu
from app.startup import open_database
from bot.console import ConsoleChannel, Reminders
from config import Settings
from crm_core.cleaning import clean_phone
from crm_core.clock import Clock
from crm_core.enums import Channel
from intents.identity import Account, Identity, console_staff
from intents.language import Understanding
from intents.reminders import due_reminders


def run_shell(
    settings: Settings,
    as_email: str | None,
    *,
    customer_phone: str | None = None,
    nlu: Understanding | None = None,
    clock: Clock | None = None,
    lines: Iterable[str] | None = None,
    out: TextIO | None = None,
) -> None:
    """Interactive when stdin is a terminal and no `lines` are given; else one message a line.
    InvalidInput for a customer phone that is no phone number; NotFound for an unknown e-mail;
    StartupError when the database cannot be opened."""
    clock = clock or build_clock(settings)
    db = open_database(settings, clock=clock)  # StartupError: one line for the user
    try:
        reminders: Reminders | None = None
        if customer_phone is not None:
            user = clean_phone(customer_phone)
            actor, created = Identity(db, settings.crm_timezone).link_customer(Account(Channel.CONSOLE, user), user)
            hello = f"chatcrm — you are the customer {actor.name} ({user})" + (", new in the CRM." if created else ".")
        else:
            actor, user, created = console_staff(db, as_email, settings.crm_timezone)
            hello = f"chatcrm — signed in as {actor.name} <{user}>, {actor.role}, {actor.timezone}."
            if created:
                hello += " (A local admin was created for this empty database; add colleagues with `chatcrm users add`.)"
            staff_id = actor.id
            assert staff_id is not None  # a staff actor has its row's id
            reminders = lambda now: due_reminders(db, staff_id, now)  # noqa: E731
        dialogue = build_dialogue(db, nlu or build_nlu(settings), clock)
        channel = ConsoleChannel(
            handle=lambda message: dialogue.handle(message, actor),
            user=user,
            reminders=reminders,
            out=out or sys.stdout,
            out_dir=settings.crm_var_dir / "files",
            clock=clock,
        )
        if lines is None and sys.stdin.isatty():
            channel.run_interactive(history=Path(settings.crm_var_dir) / "shell_history", greeting=f"{hello} Type “help”; /quit to leave.")
        else:
            channel.run_script(_stdin_lines() if lines is None else lines)
    finally:
        db.dispose()


def _stdin_lines():  # type: ignore[no-untyped-def]
    for raw in sys.stdin.buffer:
        yield raw.decode("utf-8", errors="replace")
