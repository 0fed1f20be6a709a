"""Small pieces the handlers share: reading slots, who a request is about, how records read."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from crm_core.cleaning import name_key
from crm_core.models import Company, Contact, FollowUp
from crm_core.services import customers
from intents import resolve
from intents.messages import Choice
from intents.slots import SlotName
from intents.state import Request
from intents.turn import Ask, Turn, entity_values
from intents.when import show
from nlp_models.contacts import lookup_leftover
from nlp_models.labels import EntityLabel
from nlp_models.values import DateValue, date_value

UNDO = Choice("Undo", "undo")


def slot_or_entity(req: Request, slot: str, label: EntityLabel) -> str | None:
    """The slot when the user answered it (or it was reset), else the request's first entity."""
    if slot in req.slots:
        value = req.slots[slot]
        return str(value) if value else None
    values = entity_values(req, label)
    return values[0] if values else None


def slot_or_date(req: Request, slot: str, tz: ZoneInfo) -> DateValue | None:
    """The DATE the user answered for `slot`, else the request's first DATE entity, read in
    the user's zone; None when there is neither."""
    value = slot_or_entity(req, slot, EntityLabel.DATE)
    return date_value(value, tz) if value else None


def entity_dates(req: Request, tz: ZoneInfo) -> list[tuple[DateValue, str]]:
    """The request's DATE entities, read in the user's zone, each with its text as written."""
    return [(date_value(value, tz), text) for label, value, text in req.slots.get("entities", []) if label == EntityLabel.DATE]


def seed_names(req: Request) -> None:
    """Company and person named in the first message become the slots to resolve."""
    if "company" not in req.slots:
        orgs = entity_values(req, EntityLabel.ORG)
        if orgs:
            req.slots["company"] = orgs[0]
    if "person" not in req.slots:
        persons = entity_values(req, EntityLabel.PERSON)
        if persons:
            req.slots["person"] = persons[0]


def _fix_swapped_labels(turn: Turn, req: Request) -> None:
    """The recogniser calls a company a person now and then ("demo for Sakura went great",
    "lunch with Dario from Oliveto"): a name that no contact has but a company has is the
    company, and the other way round. Names already resolved ("#12") are left alone."""
    def unresolved(slot: str) -> str | None:
        value = req.slots.get(slot)
        return value if isinstance(value, str) and value and not value.startswith("#") else None

    def is_company_only(name: str) -> bool:
        return not customers.find_contacts(turn.uow, name, index=turn.names) and bool(
            customers.find_companies(turn.uow, name, index=turn.names)
        )

    person, company = unresolved("person"), unresolved("company")
    if person and "company" not in req.slots and is_company_only(person):
        req.slots["company"] = req.slots.pop("person")
    elif company and "person" not in req.slots and not customers.find_companies(turn.uow, company, index=turn.names):
        if customers.find_contacts(turn.uow, company, index=turn.names):
            req.slots["person"] = req.slots.pop("company")
    if "company" not in req.slots:
        # a second "person" may be the company: "Dario from Oliveto"
        for name in entity_values(req, EntityLabel.PERSON)[1:]:
            if is_company_only(name):
                req.slots["company"] = name
                break


def customer_from_answer(turn: Turn, req: Request) -> None:
    """The answer to "who was it with?": an ORG or PERSON in it, else whichever table knows
    the name (contacts first); unknown names are offered as a new company."""
    answer = req.slots.pop("customer", None)
    if not answer:
        return
    entities = req.slots.get("customer_entities", [])
    orgs = [v for lab, v, _ in entities if lab == EntityLabel.ORG]
    persons = [v for lab, v, _ in entities if lab == EntityLabel.PERSON]
    if orgs:
        req.slots["company"] = orgs[0]
    if persons:
        req.slots["person"] = persons[0]
    if orgs or persons:
        return
    if customers.find_contacts(turn.uow, str(answer), index=turn.names):
        req.slots["person"] = answer
    else:
        req.slots["company"] = answer


def who(
    turn: Turn,
    req: Request,
    ask: str | None,
    create: bool = True,
    person_optional: bool = False,
    lookup: bool = False,
) -> tuple[Contact | None, Company | None]:
    """Resolve the request's company and person; ask `ask` when neither is named. `lookup`:
    a name the CRM lacks raises resolve.NotInCrm (nothing is offered for creation)."""
    seed_names(req)
    _fix_swapped_labels(turn, req)
    customer_from_answer(turn, req)
    if not req.slots.get("company") and not req.slots.get("person"):
        _guess_from_leftover(turn, req)
    if not req.slots.get("company") and not req.slots.get("person"):
        if ask is None:
            return None, None
        raise Ask(SlotName.CUSTOMER, ask)
    company = resolve.company(turn, req, create=create and not lookup, lookup=lookup)
    contact = resolve.contact(
        turn, req, at=company, create=create and not lookup, optional=person_optional or company is not None, lookup=lookup
    )
    if company is None and contact is not None:
        company = contact.company
    return contact, company


def name_of(contact: Contact | None, company: Company | None) -> str:
    if contact is not None and company is not None:
        return f"{contact.name} ({company.name})"
    if contact is not None:
        return contact.name
    return company.name if company is not None else "—"


def followup_line(f: FollowUp, turn: Turn) -> str:
    about = name_of(f.contact, f.company)
    overdue = " — overdue" if f.due_at < turn.now else ""
    tail = f" · {about}" if about != "—" else ""
    return f"{show(f.due_at, turn.tz, turn.now)}  {f.title}{tail}{overdue}"


def when_text(moment: datetime, turn: Turn) -> str:
    return show(moment, turn.tz, turn.now)


def _guess_from_leftover(turn: Turn, req: Request) -> None:
    """No name recognised: the words left after the request words and the common words may
    still be a customer the CRM knows, misspelt ("show me globx industries"), or one word of
    a name ("call w/ kari"). Only names found are used."""
    # words people write around names are no part of one ("the pilot" is not Pilot Ltd)
    leftover = " ".join(w for w in lookup_leftover(str(req.slots.get("text", ""))) if not turn.is_common_word(name_key(w)))
    if not leftover:
        return
    if len(leftover.split()) <= 4:
        if customers.find_companies(turn.uow, leftover, index=turn.names):
            req.slots["company"] = leftover
            return
        if customers.find_contacts(turn.uow, leftover, index=turn.names):
            req.slots["person"] = leftover
            return
    _guess_by_word(turn, req, leftover)


def _guess_by_word(turn: Turn, req: Request, leftover: str) -> None:
    """One word that is a word of a customer's name and no word people write around names
    ("call w/ kari, she's happy w/ the pilot": "kari" is Kari Hansen; "pilot" is no name):
    the first such word, as a company when a company has it, else as a person. Exact words
    only, no typos: a guess from a single word must not pick someone by accident."""
    index = turn.names or customers.name_index(turn.uow)
    for word in leftover.split():
        key = name_key(word)
        if len(key) < 3 or not key.isalpha():
            continue
        if key in index.company_words:
            req.slots["company"] = key
            return
        if key in index.contact_words:
            req.slots["person"] = key
            return
