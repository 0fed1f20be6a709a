"""One handler per intent: `handler(turn, request) -> list[Reply]` (see intents.turn)."""

from __future__ import annotations

from intents.handlers import customers, followups, interactions, smalltalk
from intents.turn import Handler
from nlp_models.labels import Intent

HANDLERS: dict[Intent, Handler] = {
    Intent.GREET: smalltalk.greet,
    Intent.THANKS: smalltalk.thanks,
    Intent.HELP: smalltalk.help_,
    Intent.CANCEL: smalltalk.cancel,
    Intent.AFFIRM: smalltalk.affirm_or_deny,
    Intent.DENY: smalltalk.affirm_or_deny,
    Intent.OUT_OF_SCOPE: smalltalk.out_of_scope,
    Intent.LOG_INTERACTION: interactions.log_interaction,
    Intent.ADD_CONTACT: customers.add_contact,
    Intent.UPDATE_CONTACT: customers.update_contact,
    Intent.SHOW_CUSTOMER: customers.show_customer,
    Intent.SCHEDULE_FOLLOWUP: followups.schedule_followup,
    Intent.LIST_FOLLOWUPS: followups.list_followups,
    Intent.COMPLETE_FOLLOWUP: followups.complete_followup,
}
for _intent in Intent:
    HANDLERS.setdefault(_intent, smalltalk.not_yet)
