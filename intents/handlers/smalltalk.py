"""Greet, thanks, help, cancel, yes/no without a question, the fallback, and what is not
built yet: short answers that always point to something the user can do next."""

from __future__ import annotations

from crm_core.enums import Role
from intents import permissions
from intents.messages import Reply, Text
from intents.state import Request
from intents.turn import Handler, Turn
from intents.wording import intent_phrase
from nlp_models.labels import Intent

ROLE_INTRO = {
    Role.REP: "You can log your calls and meetings, keep contacts up to date and manage your follow-ups.",
    Role.MANAGER: "You can do everything a rep does, for any customer; reports come in a later version.",
    Role.ADMIN: "You can do everything a rep does; add colleagues with `chatcrm users add`.",
    Role.AGENT: "You can look customers up and log notes; tickets come in a later version.",
}


CUSTOMER_INTRO = "Tell us about a problem with an order or ask a question, and our team will help."
NOT_TAKEN_YET = (
    "Sorry, support requests can't be taken in this chat yet, and this message was not recorded. "
    "Please contact us by e-mail or phone for now."
)


def greet(turn: Turn, req: Request) -> list[Reply]:
    first = turn.actor.first_name
    if turn.actor.is_customer:
        return [Text(f"Hi {first}! How can we help?")]
    return [Text(f"Hi {first}! Tell me about a call, ask about a customer, or type “help” to see what I can do.")]


def thanks(turn: Turn, req: Request) -> list[Reply]:
    return [Text("You're welcome!")]


def help_(turn: Turn, req: Request) -> list[Reply]:
    if turn.actor.is_customer:
        return [Text(f"I'm the chatcrm assistant. {CUSTOMER_INTRO} Type “cancel” to drop a question I asked.")]
    from intents.handlers import HELP  # the topics of every handler module (which import this one)

    lines = [ROLE_INTRO.get(turn.user.role, ROLE_INTRO[Role.REP]), ""]
    for topic in HELP:
        mine = [text for intent, text in topic.examples if permissions.allowed(turn.actor.role, intent)]
        if mine:
            lines.append(f"{topic.topic.capitalize()}:")
            lines.extend(f"  • {text}" for text in mine)
    lines += ["", "Any time: “cancel” drops a half-done request, “undo” reverts your last change."]
    return [Text("\n".join(lines))]


def cancel(turn: Turn, req: Request) -> list[Reply]:
    return [Text("Nothing to cancel. What would you like to do?")]


def affirm_or_deny(turn: Turn, req: Request) -> list[Reply]:
    return [Text("I wasn't waiting for a yes or no. What would you like to do? (type “help” for examples)")]


def out_of_scope(turn: Turn, req: Request) -> list[Reply]:
    if turn.actor.is_customer:
        return [Text(f"Hi {turn.actor.first_name}, I'm the chatcrm assistant. {CUSTOMER_INTRO}")]
    return [
        Text(
            "Sorry, I didn't get that. I can log calls and meetings, look up customers, "
            "update contacts and manage follow-ups, for example:\n"
            "  • called Jane at Acme, f/u next tue\n  • what's up with Acme?\n  • what's due today?\n"
            "Type “help” for more."
        )
    ]


def not_yet(turn: Turn, req: Request) -> list[Reply]:
    if turn.actor.is_customer:
        return [Text(NOT_TAKEN_YET)]
    what = intent_phrase(req.intent)
    return [
        Text(
            f"{what[:1].upper()}{what[1:]} isn't available yet. "
            "Today I can log interactions, manage contacts and follow-ups, and show customers. Type “help”."
        )
    ]


HANDLES: dict[Intent, Handler] = {
    Intent.GREET: greet,
    Intent.THANKS: thanks,
    Intent.HELP: help_,
    Intent.CANCEL: cancel,
    Intent.AFFIRM: affirm_or_deny,
    Intent.DENY: affirm_or_deny,
    Intent.OUT_OF_SCOPE: out_of_scope,
}
