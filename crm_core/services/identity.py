"""Who a chat account belongs to: the rows behind the one identity step (intents.identity).

A platform account is a staff user (by Slack id, Telegram id or console e-mail), or a
customer's contact (by Telegram id, or by phone on the console), or nobody yet. Linking
writes the platform id onto the row, audited, in the caller's unit of work:

- staff by a Slack profile's e-mail (Slack vouches for it);
- a customer by a phone Telegram vouches for (the share-contact button) or given on the
  console by an admin: the contact with that number, or a new one;
- a customer by a typed e-mail only as a new contact, whether the address is known or not:
  an address proves nothing, so an existing contact with it is never linked that way, and
  nothing tells the typist whether it is known (docs/decisions: no e-mail oracle).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm_core.cleaning import clean_email, clean_phone
from crm_core.enums import Channel
from crm_core.models import Contact, StaffUser
from crm_core.services import customers
from crm_core.uow import UnitOfWork, snapshot


def staff_on(uow: UnitOfWork, platform: Channel, account: str) -> StaffUser | None:
    """The active staff user of this account: Slack id, Telegram id, console e-mail."""
    if platform is Channel.SLACK:
        where = StaffUser.slack_id == account
    elif platform is Channel.TELEGRAM and account.lstrip("-").isdigit():
        where = StaffUser.telegram_id == int(account)
    elif platform is Channel.CONSOLE and "@" in account:
        where = StaffUser.email == account.strip().lower()
    else:
        return None
    return uow.session.scalar(select(StaffUser).where(where, StaffUser.active.is_(True)))


def link_staff_by_email(uow: UnitOfWork, platform: Channel, account: str, email: str) -> StaffUser | None:
    """The active staff user with this (platform-vouched) e-mail, now linked to the account;
    None when there is none, or when the user is linked to another account of this platform
    already (a second account with the same profile e-mail takes nobody over: the attempt
    is recorded in the audit log and refused)."""
    user = uow.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None or not user.active:
        return None
    field = "slack_id" if platform is Channel.SLACK else "telegram_id"
    linked = getattr(user, field)
    if linked is not None and str(linked) != account:
        uow.refused(user, {field: linked}, {field: account})
        return None
    before = snapshot(user, {"slack_id", "telegram_id"})
    if platform is Channel.SLACK:
        user.slack_id = account
    elif platform is Channel.TELEGRAM and account.isdigit():
        user.telegram_id = int(account)
    uow.updated(user, before)
    return user


def customer_on(uow: UnitOfWork, platform: Channel, account: str) -> Contact | None:
    """The contact linked to this account: a Telegram id, or on the console a phone number."""
    if platform is Channel.TELEGRAM and account.lstrip("-").isdigit():
        return uow.session.scalar(select(Contact).where(Contact.telegram_id == int(account)))
    if platform is Channel.CONSOLE and "@" not in account:
        return _by_phone(uow, clean_phone(account))
    return None


@dataclass(frozen=True)
class Linked:
    contact: Contact
    created: bool


def link_customer_by_phone(uow: UnitOfWork, platform: Channel, account: str, phone: str, name: str) -> Linked:
    """A vouched-for phone: the contact with that number (the oldest) is linked to the account;
    when no one has it, the account's own contact (one made from a typed e-mail) takes it,
    else a new contact is made. A contact the account was linked to before gives the link up:
    the verified number wins. InvalidInput when the phone is not a phone number."""
    e164 = clean_phone(phone)
    contact = _by_phone(uow, e164)
    current = customer_on(uow, platform, account)
    if contact is None and current is not None:
        before = snapshot(current, {"phone"})
        current.phone = e164
        uow.updated(current, before)
        return Linked(current, False)
    if contact is None:
        return Linked(_created(uow, platform, account, name, phone=e164), True)
    if current is not None and current.id != contact.id:
        _unlink(uow, current)
    _link(uow, contact, platform, account)
    return Linked(contact, False)


def link_customer_by_email(uow: UnitOfWork, platform: Channel, account: str, email: str, name: str) -> Linked:
    """A typed e-mail makes a new contact linked to the account, whether a contact has that
    address or not: an address proves nothing, and what happens must not tell which (no
    oracle for strangers). A known address stays with the contacts that have it only: the new
    contact is made without it, and the claim is recorded in the audit log as a refused link
    on each of them (staff see it; a shared phone links the real record). InvalidInput when
    malformed."""
    email = clean_email(email)
    known = customers.contacts_by_email(uow, email)
    for contact in known:
        asked = {"telegram_id": int(account)} if platform is Channel.TELEGRAM else {"account": f"{platform.value}:{account}"}
        uow.refused(contact, {key: getattr(contact, key, None) for key in asked}, asked)
    return Linked(_created(uow, platform, account, name, **({} if known else {"email": email})), True)


def _by_phone(uow: UnitOfWork, e164: str) -> Contact | None:
    return uow.session.scalars(select(Contact).where(Contact.phone == e164).order_by(Contact.id)).first()


def _created(uow: UnitOfWork, platform: Channel, account: str, name: str, **fields: str) -> Contact:
    telegram = {"telegram_id": int(account)} if platform is Channel.TELEGRAM else {}
    return customers.create_contact(uow, name or f"{platform.value.capitalize()} customer", **fields, **telegram)  # type: ignore[arg-type]


def _unlink(uow: UnitOfWork, contact: Contact) -> None:
    before = snapshot(contact, {"telegram_id"})
    contact.telegram_id = None
    uow.updated(contact, before)
    uow.session.flush()  # before another row takes the id (it is unique)


def _link(uow: UnitOfWork, contact: Contact, platform: Channel, account: str) -> None:
    if platform is not Channel.TELEGRAM:
        return  # the console's phone is the link itself
    before = snapshot(contact, {"telegram_id"})
    contact.telegram_id = int(account)
    uow.updated(contact, before)
