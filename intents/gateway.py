"""Where every chat platform hands over a message: who is talking (`intents.identity`), then
the one dialogue for staff and customers; replies go to the outbox in the transaction of their
effect, and a message id already handled changes nothing (Slack retries, Telegram redelivery).

Adapters call these synchronous methods from a worker thread; they never query or commit.
"""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import replace

from crm_core.clock import Clock
from crm_core.enums import Channel
from crm_core.errors import InvalidInput
from crm_core.services import conversations, identity
from crm_core.uow import Database, UnitOfWork
from intents.dialogue import STRANGER_TEXT as STRANGER
from intents.dialogue import Dialogue, enqueue_replies
from intents.identity import Account, Actor, Identity, Kind
from intents.messages import AnyReply, AskContact, ContactLinked, Destination, IncomingMessage, Text

FLOOD_LIMIT = 20  # messages per user per FLOOD_WINDOW_S, per process
FLOOD_WINDOW_S = 60.0
SLOW_DOWN = "You're sending messages faster than I can handle. Please wait a minute; messages sent meanwhile were not processed."
COULD_NOT_PROCESS = "Sorry, I could not process that message. Please try again, perhaps in other words."
LINK_PROMPT = (
    "Welcome! To link this chat to your customer account, share your phone number with the "
    "button below, or type your e-mail address."
)


class FloodGuard:
    """At most `limit` messages per user in any `window_s`; the first one over gets told. A
    message is counted once, by its event id: handled again (the inbox retrying it after a
    failure), it gets the verdict it got the first time."""

    def __init__(self, clock: Clock, limit: int = FLOOD_LIMIT, window_s: float = FLOOD_WINDOW_S) -> None:
        self.clock = clock
        self.limit = limit
        self.window_s = window_s
        self._seen: dict[tuple[str, str], deque[tuple[float, str | None]]] = defaultdict(deque)
        self._verdicts: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
        self._lock = threading.Lock()

    def check(self, channel: str, user: str, event_id: str | None = None) -> str:
        """"ok", "warn" (the first message over the limit) or "drop"."""
        now = self.clock.monotonic()
        key = (channel, user)
        with self._lock:
            times, verdicts = self._seen[key], self._verdicts[key]
            while times and times[0][0] <= now - self.window_s:
                _, gone = times.popleft()
                if gone is not None:
                    verdicts.pop(gone, None)
            if event_id is not None and event_id in verdicts:
                return verdicts[event_id]
            times.append((now, event_id))
            verdict = "ok" if len(times) <= self.limit else "warn" if len(times) == self.limit + 1 else "drop"
            if event_id is not None:
                verdicts[event_id] = verdict
            return verdict


class Gateway:
    """Messages in, replies to the outbox: who is talking (one identity step), then the one
    dialogue for staff and customers; a stranger is told to ask an admin (Slack, console) or
    offered to link their account (Telegram)."""

    def __init__(self, db: Database, dialogue: Dialogue, identity: Identity, flood: FloodGuard | None = None) -> None:
        self.db = db
        self.dialogue = dialogue
        self.identity = identity
        self.flood = flood or FloodGuard(dialogue.clock)

    def who(self, account: Account) -> Actor:
        return self.identity.who(account)

    def converse(self, message: IncomingMessage, account: Account, reply_to: Destination, actor: Actor | None = None) -> None:
        """One message of `account` (identified here unless `actor` says who it is)."""
        if self._flooding(message, reply_to):
            return
        actor = actor or self.who(account)
        if actor.kind is not Kind.STRANGER:
            self.dialogue.handle(message, actor, reply_to=reply_to)
        elif message.channel == Channel.TELEGRAM:
            self._once(message, reply_to, lambda uow: self._link_by_email(uow, message.text, account))
        else:
            self.notice(message, reply_to, STRANGER)

    def start(self, message: IncomingMessage, account: Account, reply_to: Destination) -> None:
        """Telegram's /start: staff get the dialogue's hello; a customer is welcomed back; a
        stranger is asked to share their phone number or type an e-mail address."""
        actor = self.who(account)
        if actor.is_staff:
            self.converse(message, account, reply_to, actor)
        elif actor.is_customer:
            self.notice(message, reply_to, f"Welcome back, {actor.first_name}! How can we help?")
        else:
            self._once(message, reply_to, lambda uow: [AskContact(LINK_PROMPT)])

    def share_contact(self, message: IncomingMessage, account: Account, reply_to: Destination, phone: str) -> None:
        """Telegram's shared contact (the user's own): the contact with this phone, or a new one."""

        def link(uow: UnitOfWork) -> list[AnyReply]:
            try:
                linked = identity.link_customer_by_phone(
                    uow, Channel.TELEGRAM, account.id, phone if phone.startswith("+") else f"+{phone}", account.name
                )
            except InvalidInput as error:
                return [Text(str(error))]
            return [ContactLinked(_welcome(linked))]

        self._once(message, reply_to, link)

    def notice(self, message: IncomingMessage, reply_to: Destination, text: str) -> None:
        """A fixed answer (groups, unsupported content, strangers), once per message."""
        self._once(message, reply_to, lambda uow: [Text(text)])

    def failed(self, message: IncomingMessage, reply_to: Destination) -> None:
        """The message could not be handled, however often it was tried: the user is told so,
        once (the answer has an event id of its own)."""
        self.notice(replace(message, event_id=f"{message.event_id}/failed"), reply_to, COULD_NOT_PROCESS)

    # -- inside -------------------------------------------------------------------------------

    def _flooding(self, message: IncomingMessage, reply_to: Destination) -> bool:
        verdict = self.flood.check(message.channel, message.user, message.event_id)
        if verdict == "warn":
            self.notice(message, reply_to, SLOW_DOWN)
        return verdict != "ok"

    def _once(self, message: IncomingMessage, reply_to: Destination, answer: Callable[[UnitOfWork], list[AnyReply]]) -> None:
        """`answer`'s replies to the outbox with its changes, unless this message was handled."""
        with self.db.unit_of_work() as uow:
            if message.event_id is not None:
                if conversations.already_processed(uow, message.channel, message.event_id):
                    return
                conversations.mark_processed(uow, message.channel, message.event_id)
            enqueue_replies(uow, reply_to, answer(uow))
            uow.commit()

    @staticmethod
    def _link_by_email(uow: UnitOfWork, text: str, account: Account) -> list[AnyReply]:
        words = [w.strip(".,;:<>()") for w in text.split() if "@" in w]
        if not words:
            return [AskContact(LINK_PROMPT)]
        try:
            # a new contact whether the address is known or not, and the same words: a typed
            # address proves nothing, and the answer must not tell a stranger it is known
            linked = identity.link_customer_by_email(uow, Channel.TELEGRAM, account.id, words[0], account.name)
        except InvalidInput as error:
            return [Text(str(error)), AskContact(LINK_PROMPT)]
        return [ContactLinked(_welcome(linked))]


def _welcome(linked: identity.Linked) -> str:
    first = linked.contact.name.split()[0]
    if linked.created:
        return f"Thanks, {first} — you're set up. How can we help?"
    return f"Thanks, {first} — this chat is now linked to your account. How can we help?"
