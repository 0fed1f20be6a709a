"""Export the record kinds the registry marks exported (crm_core.records) as CSV or JSON
lines, streamed.

Rows come from one SQL query per kind (crm_core.export_queries), read in batches (`yield_per`), never all at once.
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

from sqlalchemy import Select

from crm_core import records
from crm_core.errors import InvalidInput
from crm_core.records import RecordKind
from crm_core.uow import UnitOfWork

BATCH = 500


class ExportFormat(StrEnum):
    CSV = "csv"
    JSONL = "jsonl"


def parse_kind(kind: RecordKind | str) -> RecordKind:
    """The record kind exported under this name ("companies"); InvalidInput names the choices."""
    if isinstance(kind, RecordKind):
        return kind
    found = records.exported_as(kind)
    if found is None:
        choices = ", ".join(k.export for k in records.exported() if k.export)
        raise InvalidInput(f"Unknown export kind “{str(kind)[:40]}”; one of {choices}.", field="kind")
    return found


def parse_format(fmt: ExportFormat | str) -> ExportFormat:
    try:
        return ExportFormat(fmt)
    except ValueError:
        choices = ", ".join(f.value for f in ExportFormat)
        raise InvalidInput(
            f"Unknown export format “{str(fmt)[:40]}”; one of {choices}.", field="format"
        ) from None


def columns(kind: RecordKind | str) -> list[str]:
    """The column names of a kind, in export order."""
    return [c.name for c in _query(parse_kind(kind)).selected_columns]


def _query(kind: RecordKind) -> Select[Any]:
    assert kind.export_query is not None
    return kind.export_query()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def export_rows(uow: UnitOfWork, kind: RecordKind | str) -> Iterator[dict[str, Any]]:
    """The rows of one kind as plain values (str, int or None), by id, read in batches."""
    stmt = _query(parse_kind(kind)).execution_options(yield_per=BATCH)
    result = uow.session.execute(stmt)
    names = list(result.keys())
    for row in result:
        yield {name: _plain(value) for name, value in zip(names, row, strict=True)}


def write_export(
    uow: UnitOfWork, kind: RecordKind | str, fmt: ExportFormat | str, stream: TextIO
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
