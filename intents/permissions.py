"""Who may run which intent: checked before any handler. Customers (Telegram contacts) never
reach staff features; staff see every customer; follow-ups are completed and snoozed by their
owner only (managers and admins see everyone's listed: intents.handlers.followups)."""

from __future__ import annotations

from crm_core.enums import Role
from intents.wording import role_phrase
from nlp_models.labels import Intent

CONVERSATION = frozenset(
    {Intent.GREET, Intent.THANKS, Intent.HELP, Intent.CANCEL, Intent.AFFIRM, Intent.DENY, Intent.OUT_OF_SCOPE}
)
CUSTOMER_SIDE = frozenset(
    {Intent.OPEN_TICKET, Intent.TICKET_STATUS, Intent.CLOSE_TICKET, Intent.RATE_SERVICE, Intent.UNSUBSCRIBE}
)
SALES = frozenset(
    {
        Intent.LOG_INTERACTION, Intent.ADD_CONTACT, Intent.UPDATE_CONTACT, Intent.SHOW_CUSTOMER,
        Intent.SCHEDULE_FOLLOWUP, Intent.LIST_FOLLOWUPS, Intent.COMPLETE_FOLLOWUP,
        Intent.CREATE_DEAL, Intent.UPDATE_DEAL, Intent.LIST_DEALS, Intent.LOG_ORDER,
    }
)  # fmt: skip
CUSTOMER = "customer"

# The permission table (also in the README).
ALLOWED: dict[str, frozenset[Intent]] = {
    Role.ADMIN.value: frozenset(Intent) - CUSTOMER_SIDE,
    Role.MANAGER.value: frozenset(Intent) - CUSTOMER_SIDE,
    Role.REP.value: CONVERSATION | SALES,
    Role.AGENT.value: CONVERSATION
    | {Intent.SHOW_CUSTOMER, Intent.LOG_INTERACTION, Intent.SCHEDULE_FOLLOWUP, Intent.LIST_FOLLOWUPS, Intent.COMPLETE_FOLLOWUP},
    CUSTOMER: CONVERSATION | CUSTOMER_SIDE,
}


def allowed(role: str, intent: Intent) -> bool:
    return intent in ALLOWED.get(role, CONVERSATION)


def refusal(role: str) -> str:
    """What a role hears for an intent it may not run, before anything is asked."""
    if role == CUSTOMER:
        return (
            "Sorry, I'm the chatcrm assistant for our customers, and that isn't something I can do "
            "for you. Tell us about a problem with an order or ask a question, and our team will help."
        )
    return f"As {role_phrase(role)} you can't do that here. Type “help” to see what you can do."
