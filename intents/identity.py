"""The one identity step: a platform account becomes an actor.

    Account(channel, id, name, email) → Actor: staff (with a role), a linked customer, or
    a stranger

Every adapter (Slack, Telegram, the console) asks `Identity.who`; nothing else decides who
someone is. A Slack account whose profile e-mail (which Slack vouches for) is a staff
user's is linked on first contact. Customers are linked by the Telegram contact button or,
on the console, by the phone an admin gives (`link_customer`); a typed e-mail only makes a
new contact, with the same answer whether a contact has that address or not
(`link_customer_by_email`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from crm_core.cleaning import clean_text
from crm_core.enums import Channel, Role
from crm_core.errors import NotFound
from crm_core.models import Contact, StaffUser
from crm_core.services import identity, users
from crm_core.uow import Database

log = logging.getLogger(__name__)

LOCAL_ADMIN = "admin@chatcrm.example"


class Kind(StrEnum):
    STAFF = "staff"
    CUSTOMER = "customer"
    STRANGER = "stranger"


@dataclass(frozen=True)
class Account:
    """A user as a platform knows them."""

    channel: str  # "slack", "telegram", "console"
    id: str  # Slack user id, Telegram user id, console e-mail (staff) or phone (customer)
    name: str = ""
    email: str | None = None  # only an address the platform vouches for (a Slack profile's)

    def __post_init__(self) -> None:
        # the name may become a contact's (Telegram): text a database can store
        object.__setattr__(self, "name", clean_text(self.name))


@dataclass(frozen=True)
class Actor:
    kind: Kind
    id: int | None  # the staff user's or the contact's id
    name: str
    role: str  # a Role's value for staff; "customer" or "stranger"
    timezone: str

    @property
    def first_name(self) -> str:
        return self.name.split()[0] if self.name.strip() else "there"

    @property
    def is_staff(self) -> bool:
        return self.kind is Kind.STAFF

    @property
    def is_customer(self) -> bool:
        return self.kind is Kind.CUSTOMER


CUSTOMER_ROLE = "customer"
STRANGER_ROLE = "stranger"


def staff_actor(user: StaffUser) -> Actor:
    return Actor(Kind.STAFF, user.id, user.name, user.role.value, user.timezone)


def customer_actor(contact: Contact, timezone: str) -> Actor:
    return Actor(Kind.CUSTOMER, contact.id, contact.name, CUSTOMER_ROLE, timezone)


class Identity:
    def __init__(self, db: Database, default_timezone: str = "UTC") -> None:
        self.db = db
        self.default_timezone = default_timezone

    def who(self, account: Account) -> Actor:
        """Staff, then a linked customer, then staff linked by a vouched-for e-mail; else a
        stranger."""
        channel = Channel(account.channel)
        with self.db.unit_of_work() as uow:
            user = identity.staff_on(uow, channel, account.id)
            if user is not None:
                return staff_actor(user)
            contact = identity.customer_on(uow, channel, account.id)
            if contact is not None:
                return customer_actor(contact, self.default_timezone)
            if account.email:
                user = identity.link_staff_by_email(uow, channel, account.id, account.email)
                uow.commit()  # the link, or the refused attempt in the audit log
                if user is not None:
                    log.info("staff linked channel=%s staff=%s", channel, user.id)
                    return staff_actor(user)
        return Actor(Kind.STRANGER, None, account.name, STRANGER_ROLE, self.default_timezone)

    def link_customer(self, account: Account, phone: str) -> tuple[Actor, bool]:
        """A phone the platform (or an admin on the console) vouches for: the customer with it,
        or a new one; True when new. InvalidInput when it is no phone number."""
        with self.db.unit_of_work() as uow:
            linked = identity.link_customer_by_phone(uow, Channel(account.channel), account.id, phone, account.name)
            uow.commit()
            return customer_actor(linked.contact, self.default_timezone), linked.created


def console_staff(db: Database, email: str | None, default_timezone: str) -> tuple[Actor, str, bool]:
    """The staff user of a console session, its e-mail, and whether it was just created: by
    e-mail; without one, the first admin (or the first user); on an empty database a local
    admin is created. NotFound for an unknown e-mail."""
    with db.unit_of_work() as uow:
        if email:
            user = users.user_by_email(uow, email)
            return staff_actor(user), user.email, False
        found = users.default_user(uow)
        if found is not None:
            return staff_actor(found), found.email, False
        user = users.add_user(uow, LOCAL_ADMIN, "Admin", Role.ADMIN, default_timezone)
        uow.commit()
        return staff_actor(user), user.email, True


__all__ = ["Account", "Actor", "Identity", "Kind", "NotFound", "console_staff"]
