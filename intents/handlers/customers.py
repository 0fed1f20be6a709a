"""add_contact, update_contact (fields and owner) and show_customer."""

from __future__ import annotations

from typing import Any

import phonenumbers

from crm_core.cleaning import clean_email, clean_phone, name_key
from crm_core.models import Company, Contact, StaffUser
from crm_core.services import customers, users
from intents import resolve
from intents.handlers.common import UNDO, followup_line, name_of, slot_or_entity, when_text, who
from intents.messages import Reply, Text
from intents.slots import SlotName
from intents.state import Request
from intents.turn import Ask, Confirm, Handler, HelpTopic, Turn, entity_values
from intents.wording import interaction_word
from nlp_models.contacts import (
    address_not_taken,
    asks_new_owner,
    means_self,
    mentions_email,
    mentions_phone,
    name_after_add,
    says_changed_company,
)
from nlp_models.labels import EntityLabel, Intent

# -- add ----------------------------------------------------------------------------------


def add_contact(turn: Turn, req: Request) -> list[Reply]:
    _merge_answer(req, "person")
    persons = entity_values(req, EntityLabel.PERSON)
    orgs = entity_values(req, EntityLabel.ORG)
    written = name_after_add(str(req.slots.get("text", "")))
    said = written if written is not None and written not in orgs else None
    if "person" not in req.slots and persons:
        # the recogniser may take part of the name ("Lee" of "add contact Sam Lee at ...")
        longer = said is not None and persons[0] in said and len(said) > len(persons[0])
        req.slots["person"] = said if longer else persons[0]
    if "company" not in req.slots and orgs:
        req.slots["company"] = orgs[0]
    if "person" not in req.slots and said:  # missed by the recogniser, but written
        req.slots["person"] = said
    if not req.slots.get("person"):
        if req.slots.get("company") and "person" not in req.slots:
            return _add_company(turn, req)
        raise Ask(SlotName.PERSON, "Who should I add? A name, and if you like the company, e-mail and phone.")
    name = str(req.slots["person"])
    company = resolve.company(turn, req)
    email = slot_or_entity(req, "email", EntityLabel.EMAIL) or (None if "email" in req.slots else _email_written(req))
    phone = slot_or_entity(req, "phone", EntityLabel.PHONE)
    if phone:
        phone = _stored_phone(phone, company)
    if email:
        same = customers.contacts_by_email(turn.uow, email)
        if same:
            return [Text(f"{same[0].name} already has the e-mail {same[0].email}; nothing added.")]
    twins = [c for c in customers.find_contacts(turn.uow, name, company, index=turn.names) if name_key(c.name) == name_key(name)]
    if twins and (company is None or twins[0].company_id == company.id) and req.slots.get("duplicate_ok") is not True:
        if req.slots.get("duplicate_ok") is False:
            return [Text(f"OK, not added; {twins[0].name} is already in the CRM.")]
        where = f" at {company.name}" if company else ""
        raise Confirm("duplicate_ok", f"There is already a {twins[0].name}{where}. Add another one?")
    contact = customers.create_contact(turn.uow, name, company=company, owner=turn.user, email=email, phone=phone)
    details = " · ".join(x for x in (contact.email, contact.phone) if x)
    return [Text(f"Added {name_of(contact, company)}{' · ' + details if details else ''}; owner: you.", actions=(UNDO,))]


def _add_company(turn: Turn, req: Request) -> list[Reply]:
    name = str(req.slots["company"])
    existing = [c for c in customers.find_companies(turn.uow, name, index=turn.names) if name_key(c.name) == name_key(name)]
    if existing:
        return [Text(f"{existing[0].name} is already in the CRM. Say “what's up with {existing[0].name}?” to see it.")]
    phone = slot_or_entity(req, "phone", EntityLabel.PHONE)
    company = customers.create_company(turn.uow, name, owner=turn.user, **({"phone": phone} if phone else {}))
    return [Text(f"Added the company {company.name}; owner: you.", actions=(UNDO,))]


def _merge_answer(req: Request, slot: str) -> None:
    """Entities in the answer to `slot` count as if they had been in the first message."""
    extra = req.slots.pop(f"{slot}_entities", None)
    if extra:
        req.slots["entities"] = [*req.slots.get("entities", []), *extra]
        persons = [v for lab, v, _ in extra if lab == EntityLabel.PERSON]
        if slot == "person" and persons:
            req.slots["person"] = persons[0]


# -- update -------------------------------------------------------------------------------


def update_contact(turn: Turn, req: Request) -> list[Reply]:
    _merge_answer(req, "change")
    text = f"{req.slots.get('text', '')} {req.slots.get('change', '') or ''}"
    persons = entity_values(req, EntityLabel.PERSON)
    orgs = entity_values(req, EntityLabel.ORG)
    wants_owner = asks_new_owner(text)
    owner_name = _owner_name(turn, req, persons, text) if wants_owner else None
    target_people = [p for p in persons if p != owner_name]
    if "person" not in req.slots and target_people:
        req.slots["person"] = target_people[0]
    moving = says_changed_company(text) and bool(req.slots.get("person")) and bool(orgs)
    if "company" not in req.slots and orgs and not req.slots.get("person"):
        req.slots["company"] = orgs[0]
    if moving and "new_company" not in req.slots:
        req.slots["new_company"] = orgs[-1]
    if not req.slots.get("person") and not req.slots.get("company"):
        raise Ask(SlotName.PERSON, "Whose details should I change? (a contact or a company)")
    if req.slots.get("person"):
        target: Contact | Company | None = resolve.contact(turn, req, create=False)
    else:
        target = resolve.company(turn, req, create=False)
    assert target is not None
    changes = _changes(turn, req, target, wants_owner, owner_name)
    if not changes:
        raise Ask(SlotName.CHANGE, f"What should I change for {target.name}? (e-mail, phone, owner or company)")
    overwritten = [(f, _show(getattr(target, f, None)), _show(v)) for f, v in changes.items() if getattr(target, f, None) not in (None, v)]
    if overwritten and req.slots.get("confirmed") is not True:
        if req.slots.get("confirmed") is False:
            return [Text(f"OK, nothing changed for {target.name}.")]
        said = "; ".join(f"{_field_name(f)} from {old} to {new}" for f, old, new in overwritten)
        raise Confirm("confirmed", f"Change {target.name}'s {said}?")
    if isinstance(target, Contact):
        customers.update_contact(turn.uow, target, **changes)
    else:
        customers.update_company(turn.uow, target, **changes)
    said = "; ".join(f"{_field_name(f)}: {_show(v)}" for f, v in changes.items())
    return [Text(f"Updated {target.name} — {said}.", actions=(UNDO,))]


def _owner_name(turn: Turn, req: Request, persons: list[str], text: str) -> str | None:
    """The colleague a record goes to: a PERSON who is staff (the last one named), or "me"."""
    for person in reversed(persons):
        if users.staff_by_name(turn.uow, person):
            return person
    if means_self(text):
        return "me"
    return persons[-1] if len(persons) > 1 else None


def _changes(
    turn: Turn, req: Request, target: Contact | Company, wants_owner: bool, owner_name: str | None
) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    email = slot_or_entity(req, "email", EntityLabel.EMAIL) or (None if "email" in req.slots else _email_written(req))
    phone = slot_or_entity(req, "phone", EntityLabel.PHONE)
    text = f"{req.slots.get('text', '')} {req.slots.get('change', '') or ''}"
    if email and isinstance(target, Contact):
        changes["email"] = email.lower()
    elif mentions_email(text) and isinstance(target, Contact):
        raise Ask(SlotName.EMAIL, f"What is {target.name}'s new e-mail address?")
    if phone:
        # checked before any "change X to Y?" question, so that yes is not answered by an error
        changes["phone"] = _stored_phone(phone, target)
    elif mentions_phone(text):
        raise Ask(SlotName.PHONE, f"What is {target.name}'s new phone number, with its country code?")
    if wants_owner:
        if owner_name == "me":
            req.slots["owner"] = f"#{turn.user.id}"
        elif owner_name and "owner" not in req.slots:
            req.slots["owner"] = owner_name
        if not req.slots.get("owner"):
            raise Ask(SlotName.OWNER, f"Who should own {target.name}? (a colleague's name)")
        changes["owner"] = resolve.staff(turn, req)
    if req.slots.get("new_company") and isinstance(target, Contact):
        changes["company"] = resolve.company(turn, req, slot="new_company")
    return changes


def _email_written(req: Request) -> str | None:
    """An address the e-mail rule did not take ("jp@@mail"): refused here with a clear
    answer (InvalidInput asks for it again) rather than dropped without a word."""
    taken = [t for label, _, t in req.slots.get("entities", []) if label == EntityLabel.EMAIL]
    written = address_not_taken(str(req.slots.get("text", "")), taken)
    return clean_email(written) if written is not None else None


def _stored_phone(value: str, record: Contact | Company | None) -> str:
    """E.164. A number without its country code is read in the country of the phone the
    record (or its company) already has, when it is a valid number there: "07700 900123"
    for a UK contact is +447700900123. Otherwise InvalidInput asks for the country code."""
    region = _phone_region(record)
    if region is not None and not value.strip().startswith("+"):
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            number = None
        if number is not None and phonenumbers.is_valid_number(number):
            return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return clean_phone(value)


def _phone_region(record: Contact | Company | None) -> str | None:
    """The country of the record's stored phone, else of its company's."""
    for known in (getattr(record, "phone", None), getattr(getattr(record, "company", None), "phone", None)):
        if known and known.startswith("+"):
            return phonenumbers.region_code_for_number(phonenumbers.parse(known))
    return None


def _field_name(field: str) -> str:
    return {"email": "e-mail", "phone": "phone", "owner": "owner", "company": "company"}.get(field, field)


def _show(value: object) -> str:
    if isinstance(value, StaffUser | Company):
        return value.name
    return str(value) if value is not None else "—"


# -- show ---------------------------------------------------------------------------------


def show_customer(turn: Turn, req: Request) -> list[Reply]:
    try:
        contact, company = who(turn, req, ask="Who should I look up? (a contact or a company)", lookup=True)
    except resolve.NotInCrm as unknown:
        return [_not_in_crm(turn, unknown.name)]
    summary = customers.customer_summary(
        turn.uow, company=company if contact is None else None, contact=contact, include_contacts=contact is None
    )
    lines: list[str] = []
    if contact is not None:
        details = " · ".join(x for x in (contact.title, contact.email, contact.phone) if x)
        lines.append(f"*{name_of(contact, contact.company)}*" + (f" — {details}" if details else ""))
        if contact.owner is not None:
            lines.append(f"Owner: {contact.owner.name}")
    elif company is not None:
        lines.append(f"*{company.name}*" + (f" — owner {company.owner.name}" if company.owner else ""))
        if summary.contacts:
            lines.append("Contacts: " + ", ".join(_contact_bit(c) for c in summary.contacts[:10]))
        else:
            lines.append("No contacts yet.")
    if summary.interactions:
        lines.append(f"Last interactions ({summary.interaction_count} in all):")
        for i in summary.interactions:
            who_text = f" with {i.contact.name}" if i.contact is not None and contact is None else ""
            by = f" ({i.author.name.split()[0]})" if i.author is not None else ""
            lines.append(f"  • {when_text(i.occurred_at, turn)} {interaction_word(i.type)}{who_text}{by}: {_short(i.summary)}")
    else:
        lines.append("No interactions logged yet.")
    if summary.open_followups:
        lines.append("Open follow-ups:")
        lines.extend(f"  • {followup_line(f, turn)}" for f in summary.open_followups[:10])
    else:
        lines.append("No open follow-ups.")
    return [Text("\n".join(lines))]


def _not_in_crm(turn: Turn, name: str) -> Reply:
    """A look-up of a name the CRM lacks: say so, and offer the closest names (a question is
    never an offer to create a record)."""
    closest = customers.closest_names(turn.uow, name, index=turn.names)
    if not closest:
        return Text(f"“{name}” isn't in the CRM. To add it, say “add company {name}” or “add contact {name}”.")
    return Text(
        f"“{name}” isn't in the CRM. The closest names: {', '.join(closest)}. "
        f"Say “what's up with {closest[0]}?” to see one."
    )


def _contact_bit(c: Contact) -> str:
    return c.name + (f" <{c.email}>" if c.email else "")


def _short(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


HANDLES: dict[Intent, Handler] = {
    Intent.ADD_CONTACT: add_contact,
    Intent.UPDATE_CONTACT: update_contact,
    Intent.SHOW_CUSTOMER: show_customer,
}
HELP = HelpTopic(
    "contacts and companies",
    (
        (Intent.ADD_CONTACT, "add contact Kwame Mensah at Ashanti Gold, kwame@ashanti.gh, +233 24 123 4567"),
        (Intent.UPDATE_CONTACT, "change Jane Smith's email to jane@acme.io"),
        (Intent.UPDATE_CONTACT, "assign Acme Corp to Rita"),
        (Intent.SHOW_CUSTOMER, "what's up with Acme?"),
    ),
)
