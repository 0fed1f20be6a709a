"""The questions the dialogue can ask: one table of slots, each with what answers it.

A handler that needs a value raises `Ask(SlotName.X, question)`; the pending request then
waits on that slot, stored by its name. What the dialogue does with the answer is read
here: which entity label fills it, whether only that entity will do (a date), whether any
text will (a title), whether a yes/no about it may be answered with another value, which
service field sends the user back to it, and what to say when the answer was unusable.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from nlp_models.labels import EntityLabel


class SlotName(StrEnum):
    PERSON = "person"
    COMPANY = "company"
    CUSTOMER = "customer"  # a contact or a company
    OWNER = "owner"
    WHEN = "when"
    EMAIL = "email"
    PHONE = "phone"
    TITLE = "title"
    CHANGE = "change"  # which field of a record
    FOLLOWUP = "followup"  # picked from a list


@dataclass(frozen=True)
class Slot:
    name: SlotName
    hint: str  # asked again after an answer that could not be used
    label: EntityLabel | None = None  # the entity that fills it
    strict: bool = False  # only that entity fills it: other text is no answer
    free_text: bool = False  # any text fills it, and is never taken for a new request
    correctable: bool = False  # "change it to X?" may be answered with another value
    fields: tuple[str, ...] = ()  # InvalidInput fields that send the user back to it


SLOTS: dict[str, Slot] = {
    slot.name: slot
    for slot in (
        Slot(SlotName.PERSON, "Who? (a contact's name)", EntityLabel.PERSON, fields=("name",)),
        Slot(SlotName.COMPANY, "Which company?", EntityLabel.ORG),
        Slot(SlotName.CUSTOMER, "Who was it with? (a contact or a company)"),
        Slot(SlotName.OWNER, "Who should own it? (a colleague's name)", EntityLabel.PERSON),
        Slot(
            SlotName.WHEN,
            "When? For example “tomorrow 3pm”, “next friday” or “2026-12-01 10:00”.",
            EntityLabel.DATE,
            strict=True,
            fields=("date",),
        ),
        Slot(SlotName.EMAIL, "What is the e-mail address?", EntityLabel.EMAIL, correctable=True, fields=("email",)),
        Slot(
            SlotName.PHONE,
            "What is the phone number, with its country code (like +49 30 1234567)?",
            EntityLabel.PHONE,
            correctable=True,
            fields=("phone",),
        ),
        Slot(SlotName.TITLE, "What should the follow-up say?", free_text=True, fields=("title",)),
        Slot(SlotName.CHANGE, "What should I change? (e-mail, phone, owner or company)"),
        Slot(SlotName.FOLLOWUP, "Which follow-up?"),
    )
}
ANY_ANSWER = "Please answer the question (or “cancel”)."


def slot(name: str | None) -> Slot | None:
    return SLOTS.get(name or "")


def label_of(name: str | None) -> EntityLabel | None:
    found = slot(name)
    return found.label if found else None


def for_field(field: str | None) -> Slot | None:
    """The slot an invalid value of this service field sends the user back to."""
    return next((s for s in SLOTS.values() if field and field in s.fields), None)


def hint(name: str | None) -> str:
    found = slot(name)
    return found.hint if found else ANY_ANSWER


CORRECTABLE = tuple(s.name for s in SLOTS.values() if s.correctable)
