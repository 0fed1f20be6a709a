"""Tables of the CRM core (SQLAlchemy 2 typed models). Times are UTC (`UtcDateTime`).

Staff users, companies, contacts, interactions, follow-ups, the audit log, and what the
dialogue needs to survive a restart (conversation state, processed message ids). Deals,
orders, contracts, tickets and campaigns come in later migrations; follow-ups and
interactions will gain a `deal_id` then.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from crm_core.clock import utcnow
from crm_core.db import UtcDateTime
from crm_core.enums import (
    AuditAction,
    FollowUpStatus,
    InboxStatus,
    InteractionType,
    OutboxStatus,
    Role,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UtcDateTime(), dict[str, Any]: JSON()}


# SQLite without AUTOINCREMENT hands out the highest id again once that row is deleted (an
# undone create), so an audit entry or an undo message would name two records under one id;
# with it ids never go back. PostgreSQL's sequences never reuse and ignore the option.
NEVER_REUSE_IDS: dict[str, Any] = {"sqlite_autoincrement": True}


class Timestamped:
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class StaffUser(Timestamped, Base):
    __tablename__ = "staff_users"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    slack_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # the local date of the last morning summary sent (one a day, never two)
    last_summary_on: Mapped[date | None] = mapped_column(Date)


class Company(Timestamped, Base):
    __tablename__ = "companies"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # lower case, legal suffix dropped ("Acme Corp." -> "acme"): what duplicates and lookups compare
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    domain: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(32))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    owner: Mapped[StaffUser | None] = relationship()
    contacts: Mapped[list[Contact]] = relationship(back_populates="company")


class Contact(Timestamped, Base):
    __tablename__ = "contacts"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str | None] = mapped_column(String(200))
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))

    company: Mapped[Company | None] = relationship(back_populates="contacts")
    owner: Mapped[StaffUser | None] = relationship()


class Interaction(Base):
    __tablename__ = "interactions"
    __table_args__ = NEVER_REUSE_IDS

    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[InteractionType] = mapped_column(_enum(InteractionType))
    summary: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    contact: Mapped[Contact | None] = relationship()
    company: Mapped[Company | None] = relationship()
    author: Mapped[StaffUser | None] = relationship()


class FollowUp(Timestamped, Base):
    __tablename__ = "followups"
    __table_args__ = (
        Index("ix_followups_owner_status_due", "owner_id", "status", "due_at"),
        NEVER_REUSE_IDS,
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column()
    owner_id: Mapped[int] = mapped_column(ForeignKey("staff_users.id"))
    status: Mapped[FollowUpStatus] = mapped_column(_enum(FollowUpStatus), default=FollowUpStatus.OPEN)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id", ondelete="SET NULL"))
    interaction_id: Mapped[int | None] = mapped_column(ForeignKey("interactions.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column()
    # when the owner was told it is due (the scheduler's delivery mark; None = not yet)
    notified_at: Mapped[datetime | None] = mapped_column()

    owner: Mapped[StaffUser] = relationship()
    contact: Mapped[Contact | None] = relationship()
    company: Mapped[Company | None] = relationship()


class AuditEntry(Base):
    """One change of one record: who, what, before and after (JSON of the changed fields).

    `change_set` groups the entries of one request (one message); undo reverts a whole set.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_actor_at", "actor_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    change_set: Mapped[str] = mapped_column(String(36), index=True)
    action: Mapped[AuditAction] = mapped_column(_enum(AuditAction))
    entity: Mapped[str] = mapped_column(String(50))
    entity_id: Mapped[int] = mapped_column()
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # the change set that reverted this one, when undone
    undone_by: Mapped[str | None] = mapped_column(String(36))
    # set on the entries of an undo: the change set it reverted (an undo is not undone by "undo")
    reverts: Mapped[str | None] = mapped_column(String(36))


class ConversationState(Base):
    """A half-done request of one user in one conversation, so it survives a restart."""

    __tablename__ = "conversation_states"
    __table_args__ = (UniqueConstraint("channel", "chat", "thread", "user_key", name="uq_conversation_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat: Mapped[str] = mapped_column(String(64))
    thread: Mapped[str] = mapped_column(String(64), default="")
    user_key: Mapped[str] = mapped_column(String(64))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProcessedMessage(Base):
    """Ids of incoming messages already handled, written in the transaction of their effect."""

    __tablename__ = "processed_messages"
    __table_args__ = (UniqueConstraint("channel", "event_id", name="uq_processed_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(128))
    processed_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxMessage(Base):
    """A reply or push waiting to be sent, written in the transaction of what caused it.

    The sender delivers due rows with rate limits and retries; after MAX_ATTEMPTS it marks
    a row dead (visible and retryable with `chatcrm outbox`). A row is `sending` from the
    commit just before its platform call to the commit of the answer. `payload` is the rendered
    reply (text, options, actions, file name); `blob` the bytes of an image or file.
    `last_error` holds an error class or HTTP status, never message text.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    chat: Mapped[str] = mapped_column(String(64))
    thread: Mapped[str | None] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(20), default="reply")
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    blob: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    platform_id: Mapped[str | None] = mapped_column(String(64))
    # the last attempt's hand-off to the platform: which process (host:pid), and when
    sending_by: Mapped[str | None] = mapped_column(String(64))
    sending_at: Mapped[datetime | None] = mapped_column()


class InboxEvent(Base):
    """An incoming platform event, stored (one insert) before the platform gets its answer.

    Slack's 200 and Telegram's webhook answer or polling offset are given only after this
    row is committed, so a crash afterwards loses nothing: any process handles what is
    still pending. (channel, event_id) makes a retried or redelivered event a no-op. Events
    of one conversation (`chat_key`) are handled one at a time, in arrival order; one that
    failed waits out its backoff aside (crm_core.services.inbox.claim). `payload` is what
    the adapter needs to handle it again, its strings cleaned; done rows are pruned after a
    day. `last_error` on a pending row: its last attempt failed and it waits for the next
    (a claim clears it).
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "event_id", name="uq_inbox_event"),
        Index("ix_inbox_status_chat", "status", "channel", "chat_key", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    event_id: Mapped[str] = mapped_column(String(128))
    chat_key: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[InboxStatus] = mapped_column(_enum(InboxStatus), default=InboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_at: Mapped[datetime | None] = mapped_column()
