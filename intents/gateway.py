"""Where every chat platform hands over a message: who is talking, then the staff dialogue or
the customer conversation; replies go to the outbox in the transaction of their effect, and
a message id already handled changes nothing (Slack retries, Telegram redelivery).

Adapters call these synchronous methods from a worker thread; they never query or commit.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque

from sqlalchemy import select

from crm_core.cleaning import clean_email, clean_phone
from crm_core.clock import Clock
from crm_core.errors import InvalidInput
from crm_core.models import Contact, StaffUser
from crm_core.services import conversations, customers
from crm_core.uow import Database, UnitOfWork, snapshot
from intents.customer import customer_reply
from intents.dialogue import Dialogue, enqueue_replies
from intents.messages import AskContact, ContactLinked, Destination, IncomingMessage, Text

FLOOD_LIMIT = 20  # messages per user per FLOOD_WINDOW_S, per process
FLOOD_WINDOW_S = 60.0
SLOW_DOWN = "You're sending messages faster than I can handle. Please wait a minute; messages sent meanwhile were not processed."
STRANGER = "I don't know you yet. Ask an admin to add you to chatcrm (`chatcrm users add`)."
LINK_PROMPT = (
    "Welcome! To link this chat to your customer account, share your phone number with the "
    "button below, or type your e-mail address."
)


class FloodGuard:
    """At most `limit` messages per user in any `window_s`; the first one over gets told."""

    def __init__(self, clock: Clock, limit: int = FLOOD_LIMIT, window_s: float = FLOOD_WINDOW_S) -> None:
        self.clock = clock
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, channel: str, user: str) -> str:
        """"ok", "warn" (the first message over the limit) or "drop"."""
        now = self.clock.monotonic()
        with self._lock:
            times = self._seen[(channel, user)]
            while times and times[0] <= now - self.window_s:
                times.popleft()
            times.append(now)
            if len(times) <= self.limit:
                return "ok"
            return "warn" if len(times) == self.limit + 1 else "drop"


class Gateway:
    def __init__(self, db: Database, dialogue: Dialogue, flood: FloodGuard | None = None) -> None:
        self.db = db
        self.dialogue = dialogue
        self.flood = flood or FloodGuard(dialogue.clock)

    def _flooding(self, message: IncomingMessage, reply_to: Destination) -> bool:
        verdict = self.flood.check(message.channel, message.user)
        if verdict == "warn":
            self.notice(message, reply_to, SLOW_DOWN)
        return verdict != "ok"

    # -- staff ----------------------------------------------------------------------------

    def staff_id(self, channel: str, platform_user: str) -> int | None:
        with self.db.unit_of_work() as uow:
            return _staff(uow, channel, platform_user)

    def link_staff_by_email(self, channel: str, platform_user: str, email: str | None) -> int | None:
        """A Slack user whose e-mail is a staff user's: linked on first contact."""
        if not email:
            return None
        with self.db.unit_of_work() as uow:
            user = uow.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
            if user is None or not user.active:
                return None
            before = snapshot(user, {"slack_id", "telegram_id"})
            if channel == "slack":
                user.slack_id = platform_user
            elif channel == "telegram" and platform_user.isdigit():
                user.telegram_id = int(platform_user)
            uow.updated(user, "staff_user", before)
            uow.commit()
            return user.id

    def staff_message(self, message: IncomingMessage, staff_id: int, reply_to: Destination) -> None:
        if self._flooding(message, reply_to):
            return
        self.dialogue.handle(message, staff_id, reply_to=reply_to)

    def stranger(self, message: IncomingMessage, reply_to: Destination) -> None:
        """An unknown staff-side user gets a clear answer and nothing else."""
        with self.db.unit_of_work() as uow:
            if self._seen(uow, message):
                return
            enqueue_replies(uow, reply_to, [Text(STRANGER)])
            uow.commit()

    def notice(self, message: IncomingMessage, reply_to: Destination, text: str) -> None:
        """A fixed answer (groups, unsupported content), once per message."""
        with self.db.unit_of_work() as uow:
            if self._seen(uow, message):
                return
            enqueue_replies(uow, reply_to, [Text(text)])
            uow.commit()

    # -- customers (Telegram) ---------------------------------------------------------------

    def customer_id(self, telegram_user: int) -> int | None:
        with self.db.unit_of_work() as uow:
            return uow.session.scalar(select(Contact.id).where(Contact.telegram_id == telegram_user))

    def customer_start(self, message: IncomingMessage, reply_to: Destination, telegram_user: int) -> None:
        with self.db.unit_of_work() as uow:
            if self._seen(uow, message):
                return
            contact = uow.session.scalar(select(Contact).where(Contact.telegram_id == telegram_user))
            if contact is not None:
                first = contact.name.split()[0]
                enqueue_replies(uow, reply_to, [Text(f"Welcome back, {first}! How can we help?")])
            else:
                enqueue_replies(uow, reply_to, [AskContact(LINK_PROMPT)])
            uow.commit()

    def customer_shares_contact(
        self, message: IncomingMessage, reply_to: Destination, telegram_user: int, phone: str, name: str
    ) -> None:
        """Telegram's shared contact: link to the contact with this phone, or create one."""
        with self.db.unit_of_work() as uow:
            if self._seen(uow, message):
                return
            try:
                e164 = clean_phone(phone if phone.startswith("+") else f"+{phone}")
            except InvalidInput as error:
                enqueue_replies(uow, reply_to, [Text(str(error))])
                uow.commit()
                return
            contact = uow.session.scalar(select(Contact).where(Contact.phone == e164).order_by(Contact.id))
            text = self._link(uow, contact, telegram_user, name, phone=e164)
            enqueue_replies(uow, reply_to, [ContactLinked(text)])
            uow.commit()

    def customer_message(self, message: IncomingMessage, reply_to: Destination, telegram_user: int, name: str) -> None:
        if self._flooding(message, reply_to):
            return
        now = message.received_at or self.dialogue.clock()
        with self.db.unit_of_work() as uow:
            if self._seen(uow, message):
                return
            contact = uow.session.scalar(select(Contact).where(Contact.telegram_id == telegram_user))
            if contact is None:
                replies = self._link_by_email(uow, message.text, telegram_user, name)
            else:
                replies = customer_reply(self.dialogue.nlu, contact, message.text, now)
            enqueue_replies(uow, reply_to, replies)
            uow.commit()

    def _link_by_email(self, uow: UnitOfWork, text: str, telegram_user: int, name: str) -> list:  # type: ignore[type-arg]
        words = [w.strip(".,;:<>()") for w in text.split() if "@" in w]
        if not words:
            return [AskContact(LINK_PROMPT)]
        try:
            email = clean_email(words[0])
        except InvalidInput as error:
            return [Text(str(error)), AskContact(LINK_PROMPT)]
        if customers.contacts_by_email(uow, email):
            # a typed address proves nothing: an existing account is linked only through the
            # phone number Telegram itself vouches for
            return [AskContact("That address belongs to an account already. To prove it's yours, share your phone number with the button below.")]
        return [ContactLinked(self._link(uow, None, telegram_user, name, email=email))]

    @staticmethod
    def _link(
        uow: UnitOfWork,
        contact: Contact | None,
        telegram_user: int,
        name: str,
        phone: str | None = None,
        email: str | None = None,
    ) -> str:
        if contact is None:
            contact = customers.create_contact(uow, name or "Telegram customer", email=email, phone=phone, telegram_id=telegram_user)
            return f"Thanks, {contact.name.split()[0]} — you're set up. How can we help?"
        before = snapshot(contact, {"telegram_id"})
        contact.telegram_id = telegram_user
        uow.updated(contact, "contact", before)
        return f"Thanks, {contact.name.split()[0]} — this chat is now linked to your account. How can we help?"

    @staticmethod
    def _seen(uow: UnitOfWork, message: IncomingMessage) -> bool:
        """True when this message was handled before; else it is recorded in this transaction."""
        if message.event_id is None:
            return False
        if conversations.already_processed(uow, message.channel, message.event_id):
            return True
        conversations.mark_processed(uow, message.channel, message.event_id)
        return False


def _staff(uow: UnitOfWork, channel: str, platform_user: str) -> int | None:
    if channel == "slack":
        return uow.session.scalar(
            select(StaffUser.id).where(StaffUser.slack_id == platform_user, StaffUser.active.is_(True))
        )
    if channel == "telegram" and platform_user.lstrip("-").isdigit():
        return uow.session.scalar(
            select(StaffUser.id).where(StaffUser.telegram_id == int(platform_user), StaffUser.active.is_(True))
        )
    return None
