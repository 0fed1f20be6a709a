"""Export companies, contacts, interactions and follow-ups as CSV or JSON lines, streamed.

Rows come from one SQL query per kind, read in batches (`yield_per`), never all at once.
Columns are fixed per kind: ids and foreign-key ids, then the names a person reads (company
name, contact name, owner e-mail). Datetimes are ISO 8601 in UTC with their offset
("2026-11-22T10:00:00+00:00"), enums by value, rows by id.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from enum import Enum, StrEnum
from typing import Any, TextIO

from sqlalchemy import Select, select
from sqlalchemy.orm import aliased

from crm_core.errors import InvalidInput
from crm_core.models import Company, Contact, FollowUp, Interaction, StaffUser
from crm_core.uow import UnitOfWork

BATCH = 500


class ExportKind(StrEnum):
    COMPANIES = "companies"
    CONTACTS = "contacts"
    INTERACTIONS = "interactions"
    FOLLOWUPS = "followups"


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


def parse_kind(kind: ExportKind | str) -> ExportKind:
    try:
        return ExportKind(kind)
    except ValueError:
        choices = ", ".join(k.value for k in ExportKind)
        raise InvalidInput(
            f"Unknown export kind “{str(kind)[:40]}”; one of {choices}.", field="kind"
        ) from None


def parse_format(fmt: ExportFormat | str) -> ExportFormat:
    try:
        return ExportFormat(fmt)
    except ValueError:
        choices = ", ".join(f.value for f in ExportFormat)
        raise InvalidInput(
            f"Unknown export format “{str(fmt)[:40]}”; one of {choices}.", field="format"
        ) from None


def _companies() -> Select[Any]:
    owner = aliased(StaffUser)
    return (
        select(
            Company.id,
            Company.name,
            Company.domain,
            Company.phone,
            Company.owner_id,
            owner.email.label("owner_email"),
            Company.created_at,
            Company.updated_at,
        )
        .outerjoin(owner, Company.owner_id == owner.id)
        .order_by(Company.id)
    )


def _contacts() -> Select[Any]:
    owner = aliased(StaffUser)
    return (
        select(
            Contact.id,
            Contact.name,
            Contact.email,
            Contact.phone,
            Contact.title,
            Contact.telegram_id,
            Contact.company_id,
            Company.name.label("company_name"),
            Contact.owner_id,
            owner.email.label("owner_email"),
            Contact.created_at,
            Contact.updated_at,
        )
        .outerjoin(Company, Contact.company_id == Company.id)
        .outerjoin(owner, Contact.owner_id == owner.id)
        .order_by(Contact.id)
    )


def _interactions() -> Select[Any]:
    author = aliased(StaffUser)
    return (
        select(
            Interaction.id,
            Interaction.type,
            Interaction.occurred_at,
            Interaction.summary,
            Interaction.contact_id,
            Contact.name.label("contact_name"),
            Interaction.company_id,
            Company.name.label("company_name"),
            Interaction.author_id,
            author.email.label("author_email"),
            Interaction.created_at,
        )
        .outerjoin(Contact, Interaction.contact_id == Contact.id)
        .outerjoin(Company, Interaction.company_id == Company.id)
        .outerjoin(author, Interaction.author_id == author.id)
        .order_by(Interaction.id)
    )


def _followups() -> Select[Any]:
    owner = aliased(StaffUser)
    return (
        select(
            FollowUp.id,
            FollowUp.title,
            FollowUp.status,
            FollowUp.due_at,
            FollowUp.owner_id,
            owner.email.label("owner_email"),
            FollowUp.contact_id,
            Contact.name.label("contact_name"),
            FollowUp.company_id,
            Company.name.label("company_name"),
            FollowUp.interaction_id,
            FollowUp.completed_at,
            FollowUp.notified_at,
            FollowUp.created_at,
            FollowUp.updated_at,
        )
        .outerjoin(owner, FollowUp.owner_id == owner.id)
        .outerjoin(Contact, FollowUp.contact_id == Contact.id)
        .outerjoin(Company, FollowUp.company_id == Company.id)
        .order_by(FollowUp.id)
    )


QUERIES = {
    ExportKind.COMPANIES: _companies,
    ExportKind.CONTACTS: _contacts,
    ExportKind.INTERACTIONS: _interactions,
    ExportKind.FOLLOWUPS: _followups,
}


def columns(kind: ExportKind | str) -> list[str]:
    """The column names of a kind, in export order."""
    return [c.name for c in QUERIES[parse_kind(kind)]().selected_columns]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def export_rows(uow: UnitOfWork, kind: ExportKind | str) -> Iterator[dict[str, Any]]:
    """The rows of one kind as plain values (str, int or None), by id, read in batches."""
    stmt = QUERIES[parse_kind(kind)]().execution_options(yield_per=BATCH)
    result = uow.session.execute(stmt)
    names = list(result.keys())
    for row in result:
        yield {name: _plain(value) for name, value in zip(names, row, strict=True)}


def write_export(
    uow: UnitOfWork, kind: ExportKind | str, fmt: ExportFormat | str, stream: TextIO
) -> int:
    """Write the rows of `kind` to `stream` as CSV (with a header) or JSON lines; the row count.

    A CSV stream should be opened with newline="" (the csv module writes its own line ends).
    """
    kind, fmt = parse_kind(kind), parse_format(fmt)
    rows = export_rows(uow, kind)
    if fmt == ExportFormat.CSV:
        return _write_csv(rows, columns(kind), stream)
    return _write_jsonl(rows, stream)


def _write_csv(rows: Iterator[dict[str, Any]], header: list[str], stream: TextIO) -> int:
    writer = csv.DictWriter(stream, fieldnames=header)
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def _write_jsonl(rows: Iterator[dict[str, Any]], stream: TextIO) -> int:
    count = 0
    for row in rows:
        stream.write(json.dumps(row, ensure_ascii=False) + "\n")
        count += 1
    return count
