"""Undo: revert the actor's last change set with compensating changes, audited like any other.

Nothing is rewound: a created row is deleted, an updated row gets its old values back, a
deleted row is inserted again, each as a new audit entry of a new change set that names
the one it reverts. An undo itself is not undone by the next "undo" (that would be redo).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum as PyEnum
from typing import Any

from sqlalchemy import Enum, inspect, select, update

from crm_core import records
from crm_core.db import UtcDateTime
from crm_core.enums import AuditAction
from crm_core.errors import NothingToUndo
from crm_core.models import AuditEntry, Base
from crm_core.uow import UnitOfWork, snapshot


@dataclass(frozen=True)
class Reverted:
    action: AuditAction
    entity: str
    entity_id: int
    label: str
    noun: str  # what the kind is called ("follow-up")


def _column_value(model: type[Base], key: str, value: Any) -> Any:
    if value is None:
        return None
    column = inspect(model).columns[key]
    if isinstance(column.type, UtcDateTime):
        return datetime.fromisoformat(value)
    if isinstance(column.type, Enum) and column.type.enum_class is not None:
        enum_class: type[PyEnum] = column.type.enum_class
        return enum_class(value)
    return value


def _label(obj: Any) -> str:
    for attr in ("name", "title"):
        if getattr(obj, attr, None):
            return str(getattr(obj, attr))
    return f"#{obj.id}"


def undo_last(uow: UnitOfWork) -> list[Reverted]:
    """Revert the actor's newest change set that is neither undone nor itself an undo."""
    session = uow.session
    uow.write_audit()  # this transaction's own entries count too
    last = session.scalar(
        select(AuditEntry.change_set)
        .where(
            AuditEntry.actor_id == uow.actor_id,
            AuditEntry.undone_by.is_(None),
            AuditEntry.reverts.is_(None),
            AuditEntry.action != AuditAction.REFUSED,
        )
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    if last is None:
        raise NothingToUndo("There is nothing of yours to undo.")
    entries = session.scalars(select(AuditEntry).where(AuditEntry.change_set == last).order_by(AuditEntry.id.desc())).all()
    done: list[Reverted] = []
    for entry in entries:
        kind = records.kind(entry.entity)
        model = kind.model
        obj = session.get(model, entry.entity_id)
        if entry.action is AuditAction.CREATE:
            if obj is None:
                continue
            label = _label(obj)
            uow._audit(AuditAction.DELETE, entry.entity, obj, snapshot(obj), None, reverts=last)
            session.delete(obj)
            session.flush()
        elif entry.action is AuditAction.UPDATE:
            if obj is None or entry.before is None:
                continue
            before = snapshot(obj, set(entry.before))
            for key, value in entry.before.items():
                setattr(obj, key, _column_value(model, key, value))
            session.flush()
            label = _label(obj)
            uow._audit(AuditAction.UPDATE, entry.entity, obj, before, snapshot(obj, set(before)), reverts=last)
        else:
            if obj is not None or entry.before is None:
                continue
            obj = model(**{k: _column_value(model, k, v) for k, v in entry.before.items()})
            session.add(obj)
            session.flush()
            label = _label(obj)
            uow._audit(AuditAction.CREATE, entry.entity, obj, None, snapshot(obj), reverts=last)
        done.append(Reverted(entry.action, entry.entity, entry.entity_id, label, kind.noun))
    uow.write_audit()
    session.execute(update(AuditEntry).where(AuditEntry.change_set == last).values(undone_by=uow.change_set))
    return done
