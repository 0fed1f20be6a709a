"""The registry of record kinds: one entry per kind of row a user creates, changes or exports.

Undo (which model an audit entry's rows live in, and what to call them), export (the kinds,
their names on the command line and their queries) and the audit's entity names all come
from here. A new kind of record is its model, migration, services, handlers and one entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from crm_core import export_queries
from crm_core.models import Base, Company, Contact, FollowUp, Interaction, StaffUser


@dataclass(frozen=True)
class RecordKind:
    key: str  # the audit's entity name
    model: type[Base]
    noun: str  # what a person reads: "the follow-up Call Acme"
    export: str | None = None  # the name `chatcrm export` takes; None: not exported
    export_query: Callable[[], Select[Any]] | None = None


RECORDS: tuple[RecordKind, ...] = (
    RecordKind("company", Company, "company", "companies", export_queries.companies),
    RecordKind("contact", Contact, "contact", "contacts", export_queries.contacts),
    RecordKind("interaction", Interaction, "interaction", "interactions", export_queries.interactions),
    RecordKind("followup", FollowUp, "follow-up", "followups", export_queries.followups),
    RecordKind("staff_user", StaffUser, "user"),
)

_BY_KEY = {kind.key: kind for kind in RECORDS}
_BY_MODEL = {kind.model: kind for kind in RECORDS}


def kind(key: str) -> RecordKind:
    """The kind with this audit name; KeyError for a kind nobody registered."""
    return _BY_KEY[key]


def kind_of(obj: Base) -> RecordKind:
    """The kind of a row; KeyError when its model has no entry."""
    return _BY_MODEL[type(obj)]


def exported() -> list[RecordKind]:
    return [k for k in RECORDS if k.export is not None]


def exported_as(name: str) -> RecordKind | None:
    return next((k for k in exported() if k.export == name), None)
