"""How the product's closed sets read in a reply: one human phrase for every intent, role
and interaction type a user can be told about. A reply never shows an internal name
("log_interaction", "schedule followup"); it takes the phrase from here.
"""

from __future__ import annotations

from crm_core.enums import Role
from nlp_models.labels import Intent, InteractionType

# what the user asked for, as it reads after "cancelled", "dropped the earlier request", …
INTENT_PHRASES: dict[Intent, str] = {
    Intent.GREET: "saying hello",
    Intent.THANKS: "saying thanks",
    Intent.HELP: "showing help",
    Intent.CANCEL: "cancelling",
    Intent.AFFIRM: "answering yes",
    Intent.DENY: "answering no",
    Intent.OUT_OF_SCOPE: "something I can't do",
    Intent.LOG_INTERACTION: "logging a call, meeting or note",
    Intent.ADD_CONTACT: "adding a contact or company",
    Intent.UPDATE_CONTACT: "updating a contact or company",
    Intent.SHOW_CUSTOMER: "looking up a customer",
    Intent.SCHEDULE_FOLLOWUP: "scheduling a follow-up",
    Intent.LIST_FOLLOWUPS: "listing follow-ups",
    Intent.COMPLETE_FOLLOWUP: "completing a follow-up",
    Intent.CREATE_DEAL: "creating a deal",
    Intent.UPDATE_DEAL: "updating a deal",
    Intent.LIST_DEALS: "listing deals",
    Intent.LOG_ORDER: "logging an order",
    Intent.OPEN_TICKET: "opening a support ticket",
    Intent.TICKET_STATUS: "checking a ticket's status",
    Intent.CLOSE_TICKET: "closing a ticket",
    Intent.RATE_SERVICE: "rating our service",
    Intent.UNSUBSCRIBE: "unsubscribing from messages",
    Intent.REPORT: "a report",
    Intent.CREATE_CAMPAIGN: "creating a campaign",
}

# a staff role with its article: "As a rep you can't do that here."
ROLE_PHRASES: dict[str, str] = {
    Role.ADMIN.value: "an admin",
    Role.MANAGER.value: "a manager",
    Role.REP.value: "a rep",
    Role.AGENT.value: "an agent",
}

# an interaction type as a word in a sentence ("e-mail", as STYLE spells it)
INTERACTION_WORDS: dict[InteractionType, str] = {
    InteractionType.CALL: "call",
    InteractionType.MEETING: "meeting",
    InteractionType.EMAIL: "e-mail",
    InteractionType.DEMO: "demo",
    InteractionType.VISIT: "visit",
    InteractionType.NOTE: "note",
}


def intent_phrase(intent: str) -> str:
    """The phrase of an intent given by its label ("schedule_followup" → "scheduling a
    follow-up"); a label the table lacks reads as a plain "that request"."""
    try:
        return INTENT_PHRASES[Intent(intent)]
    except (ValueError, KeyError):
        return "that request"


def role_phrase(role: str) -> str:
    return ROLE_PHRASES.get(role, "a " + role.replace("_", " "))


def interaction_word(kind: str) -> str:
    try:
        return INTERACTION_WORDS[InteractionType(kind)]
    except (ValueError, KeyError):
        return "interaction"


def with_article(word: str) -> str:
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word
