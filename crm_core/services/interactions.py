"""Interactions: a call, meeting, e-mail, demo, visit or note that happened."""

from __future__ import annotations

from datetime import datetime, timedelta

from crm_core.enums import InteractionType
from crm_core.errors import InvalidInput
from crm_core.models import Company, Contact, Interaction, StaffUser
from crm_core.uow import UnitOfWork

MAX_SUMMARY = 4000
# a little clock skew is fine; a logged call a day in the future is not
FUTURE_SLACK = timedelta(hours=1)


def log_interaction(
    uow: UnitOfWork,
    type: InteractionType | str,
    summary: str,
    occurred_at: datetime,
    author: StaffUser | None,
    contact: Contact | None = None,
    company: Company | None = None,
    now: datetime | None = None,
) -> Interaction:
    if contact is None and company is None:
        raise InvalidInput("An interaction needs a contact or a company.", field="customer")
    try:
        kind = InteractionType(type)
    except ValueError:
        raise InvalidInput(f"Unknown interaction type “{type}”.", field="type") from None
    summary = summary.strip()
    if not summary:
        raise InvalidInput("The summary is empty.", field="summary")
    if len(summary) > MAX_SUMMARY:
        raise InvalidInput(f"The summary is longer than {MAX_SUMMARY} characters.", field="summary")
    if occurred_at > (now or uow.now()) + FUTURE_SLACK:
        raise InvalidInput("That date is in the future; an interaction is something that happened.", field="date")
    if company is None and contact is not None:
        company = contact.company
    interaction = Interaction(
        type=kind, summary=summary, occurred_at=occurred_at, author=author, contact=contact, company=company
    )
    uow.session.add(interaction)
    uow.created(interaction)
    return interaction
