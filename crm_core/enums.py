"""The closed sets of the CRM: roles, interaction types, follow-up states, audit actions."""

from __future__ import annotations

from enum import StrEnum

from vocabulary import InteractionType, Stage

__all__ = [
    "AuditAction", "Channel", "FollowUpStatus", "InboxStatus", "InteractionType", "OutboxStatus", "Role", "Stage",
]  # fmt: skip


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    REP = "rep"
    AGENT = "agent"


class FollowUpStatus(StrEnum):
    OPEN = "open"
    DONE = "done"
    SNOOZED = "snoozed"


class AuditAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REFUSED = "refused"  # a change asked for and not made (`after` is what was asked); never undone


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # handed to the platform; no answer recorded yet (docs/decisions: outbox-sending-mark)
    SENT = "sent"
    DEAD = "dead"  # gave up after repeated failures; `chatcrm outbox retry` sends it again


class InboxStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"  # gave up after repeated failures; kept for a look, never handled again


class Channel(StrEnum):
    CONSOLE = "console"
    SLACK = "slack"
    TELEGRAM = "telegram"
