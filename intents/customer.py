"""What a customer (a Telegram contact) can say today: greetings, thanks, help; anything else
gets an honest answer. Tickets, satisfaction and opt-out come with the service issues."""

from __future__ import annotations

from datetime import datetime

from crm_core.models import Contact
from intents import permissions
from intents.language import Understanding
from intents.messages import AnyReply, Text
from nlp_models.labels import Intent

MAX_CUSTOMER_CHARS = 4000


def customer_reply(nlu: Understanding, contact: Contact, text: str, now: datetime) -> list[AnyReply]:
    if len(text) > MAX_CUSTOMER_CHARS:
        return [Text(f"That message is too long ({len(text):,} characters); please send it in parts of up to {MAX_CUSTOMER_CHARS:,}.")]
    first = contact.name.split()[0]
    intent = nlu.parse(text, now=now).intent
    if not permissions.allowed(permissions.CUSTOMER, intent):
        intent = Intent.OUT_OF_SCOPE
    if intent is Intent.GREET:
        return [Text(f"Hi {first}! How can we help?")]
    if intent is Intent.THANKS:
        return [Text("You're welcome!")]
    if intent in permissions.CUSTOMER_SIDE:
        return [
            Text(
                "Sorry, support requests can't be taken in this chat yet, and this message was "
                "not recorded. Please contact us by e-mail or phone for now."
            )
        ]
    return [Text(f"Hi {first}, I'm the chatcrm assistant. Tell us about a problem with an order or ask a question, and our team will help.")]
