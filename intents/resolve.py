"""Names in a request → records: one match is used, several → the user picks, none → the
user is asked whether to create it.

A slot holds what the user wrote until it is resolved; then it holds "#<id>" (a picked or
created record) so the re-run of the handler finds the same record.
"""

from __future__ import annotations

from crm_core.models import Company, Contact, StaffUser
from crm_core.services import customers, users
from intents.state import Request
from intents.turn import Ask, Confirm, Turn

NEW = "#new"


class NotInCrm(Exception):  # noqa: N818 - an outcome of a look-up, not a failure
    """A look-up (`create="never"`) named someone the CRM does not have: the handler says so
    instead of asking whether to create it (a question never creates a record)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _picked_id(value: object) -> int | None:
    if isinstance(value, str) and value.startswith("#") and value[1:].isdigit():
        return int(value[1:])
    return None


def company(
    turn: Turn, req: Request, slot: str = "company", create: bool = True, lookup: bool = False
) -> Company | None:
    """The company named in `slot`. `lookup`: none of that name raises NotInCrm."""
    value = req.slots.get(slot)
    if not value:
        return None
    picked = _picked_id(value)
    if picked is not None:
        found = turn.uow.get(Company, picked)
        if found is not None:
            return found
    name = str(req.slots.get(f"{slot}_name") or value)
    if value == NEW:
        return _create_company(turn, req, slot, name)
    matches = customers.find_companies(turn.uow, name, index=turn.names)
    if len(matches) == 1:
        req.slots[slot] = f"#{matches[0].id}"
        return matches[0]
    req.slots[f"{slot}_name"] = name
    if matches:
        options = [(m.name, f"#{m.id}") for m in matches]
        if create:
            options.append((f"a new company “{name}”", NEW))
        raise Ask(slot, f"Which company do you mean by “{name}”?", options)
    if lookup:
        raise NotInCrm(name)
    if not create:
        raise Ask(slot, f"I don't know a company called “{name}”. Which company? (or “cancel”)")
    answer = req.slots.get(f"{slot}_create")
    if answer is None:
        raise Confirm(f"{slot}_create", f"I don't know a company called “{name}”. Add it as a new company?")
    if answer is False:
        for key in (slot, f"{slot}_create", f"{slot}_name"):
            req.slots.pop(key, None)
        raise Ask(slot, "Which company then? (or “cancel”)")
    return _create_company(turn, req, slot, name)


def _create_company(turn: Turn, req: Request, slot: str, name: str) -> Company:
    created = customers.create_company(turn.uow, name, owner=turn.user)
    req.slots[slot] = f"#{created.id}"
    turn.notes.append(f"Added the company {created.name}.")
    return created


def contact(
    turn: Turn,
    req: Request,
    slot: str = "person",
    at: Company | None = None,
    create: bool = True,
    optional: bool = False,
    lookup: bool = False,
) -> Contact | None:
    """The contact named in `slot`, looked up at the company `at` first, then everywhere.
    `lookup`: none of that name raises NotInCrm.

    `optional`: when the user declines to create an unknown person, return None (the request
    goes on without a contact) instead of asking for another name.
    """
    value = req.slots.get(slot)
    if not value:
        return None
    picked = _picked_id(value)
    if picked is not None:
        found = turn.uow.get(Contact, picked)
        if found is not None:
            turn.memory.mentioned(found.id)
            return found
    if value == "#none":
        return None
    name = str(req.slots.get(f"{slot}_name") or value)
    if value == NEW:
        return _create_contact(turn, req, slot, name, at)
    matches = customers.find_contacts(turn.uow, name, at, index=turn.names) if at is not None else []
    if not matches:
        matches = customers.find_contacts(turn.uow, name, index=turn.names)
    recent = [m for m in matches if m.id in turn.memory.recent_contacts]
    if len(matches) > 1 and len(recent) == 1:
        # several of that name, one of them just talked about in this chat: that one, said
        turn.notes.append(f"({name}: {_contact_label(recent[0])}, as just now.)")
        matches = recent
    if len(matches) == 1:
        req.slots[slot] = f"#{matches[0].id}"
        turn.memory.mentioned(matches[0].id)
        return matches[0]
    req.slots[f"{slot}_name"] = name
    where = f" at {at.name}" if at is not None else ""
    if matches:
        options = [(_contact_label(m), f"#{m.id}") for m in matches]
        if create:
            options.append((f"a new contact “{name}”{where}", NEW))
        raise Ask(slot, f"Which “{name}” do you mean?", options)
    if lookup:
        raise NotInCrm(name)
    if not create:
        raise Ask(slot, f"I don't know anyone called “{name}”. Who do you mean? (or “cancel”)")
    answer = req.slots.get(f"{slot}_create")
    if answer is None:
        raise Confirm(f"{slot}_create", f"“{name}” isn't in the CRM yet. Add {name} as a new contact{where}?")
    if answer is False:
        if optional:
            req.slots[slot] = "#none"
            return None
        for key in (slot, f"{slot}_create", f"{slot}_name"):
            req.slots.pop(key, None)
        raise Ask(slot, "Who then? (a contact's name, or “cancel”)")
    return _create_contact(turn, req, slot, name, at)


def _create_contact(turn: Turn, req: Request, slot: str, name: str, at: Company | None) -> Contact:
    created = customers.create_contact(turn.uow, name, company=at, owner=turn.user)
    req.slots[slot] = f"#{created.id}"
    where = f" at {at.name}" if at is not None else ""
    turn.notes.append(f"Added the contact {created.name}{where}.")
    return created


def _contact_label(c: Contact) -> str:
    parts = [c.name]
    if c.company is not None:
        parts.append(f"({c.company.name})")
    if c.email:
        parts.append(f"<{c.email}>")
    return " ".join(parts)


def staff(turn: Turn, req: Request, slot: str = "owner") -> StaffUser:
    value = req.slots.get(slot)
    picked = _picked_id(value)
    if picked is not None:
        found = turn.uow.get(StaffUser, picked)
        if found is not None:
            return found
    name = str(req.slots.get(f"{slot}_name") or value or "")
    matches = users.staff_by_name(turn.uow, name) if name else []
    if len(matches) == 1:
        req.slots[slot] = f"#{matches[0].id}"
        return matches[0]
    req.slots[f"{slot}_name"] = name
    if matches:
        raise Ask(slot, f"Which “{name}”?", [(f"{u.name} <{u.email}>", f"#{u.id}") for u in matches])
    req.slots.pop(f"{slot}_name", None)
    raise Ask(slot, f"No colleague called “{name}” uses chatcrm. Who should own it? (a colleague's name)")
