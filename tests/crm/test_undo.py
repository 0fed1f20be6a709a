"""Undo: "undo" reverts the actor's last change set with compensating changes, audited."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeVar

import pytest
from sqlalchemy import func, select

from crm_core.enums import AuditAction, FollowUpStatus, InteractionType
from crm_core.errors import NothingToUndo
from crm_core.models import AuditEntry, Base, Company, Contact, FollowUp, StaffUser
from crm_core.services import customers, followups, interactions, undo
from crm_core.services.undo import Reverted
from crm_core.uow import Database, UnitOfWork

M = TypeVar("M", bound=Base)


def load(uow: UnitOfWork, row: M) -> M:
    """The same row, loaded in this unit of work."""
    return uow.session.get_one(type(row), row.id)  # type: ignore[attr-defined]


def undo_as(db: Database, actor: StaffUser) -> tuple[list[Reverted], str]:
    with db.unit_of_work(actor_id=actor.id) as uow:
        done = undo.undo_last(uow)
        uow.commit()
    return done, uow.change_set


def company_names(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return list(uow.session.scalars(select(Company.name).order_by(Company.name)))


def create_company(db: Database, actor: StaffUser, name: str) -> Company:
    with db.unit_of_work(actor_id=actor.id) as uow:
        company = customers.create_company(uow, name)
        uow.commit()
    return company


def test_undo_of_a_create_deletes_the_row(db: Database, rep: StaffUser) -> None:
    create_company(db, rep, "Acme Corp")
    done, _ = undo_as(db, rep)
    assert [(r.action, r.entity, r.label) for r in done] == [
        (AuditAction.CREATE, "company", "Acme Corp")
    ]
    assert company_names(db) == []


def test_undo_of_an_update_brings_the_old_values_back(db: Database, rep: StaffUser) -> None:
    with db.unit_of_work(actor_id=rep.id) as uow:
        jane = customers.create_contact(
            uow, "Jane Smith", email="jane@acme.com", phone="+49 30 1234567"
        )
        uow.commit()
    with db.unit_of_work(actor_id=rep.id) as uow:
        customers.update_contact(
            uow, load(uow, jane), name="Jane Miller", email="jm@globex.com", phone=None, title="CTO"
        )
        uow.commit()
    done, _ = undo_as(db, rep)
    assert [(r.action, r.entity, r.entity_id, r.label) for r in done] == [
        (AuditAction.UPDATE, "contact", jane.id, "Jane Smith")
    ]
    with db.unit_of_work() as uow:
        stored = load(uow, jane)
        assert (stored.name, stored.name_key, stored.email, stored.phone, stored.title) == (
            "Jane Smith",
            "jane smith",
            "jane@acme.com",
            "+49301234567",
            None,
        )
        assert [c.id for c in customers.find_contacts(uow, "jane smith")] == [jane.id]


def test_undo_of_a_snooze_brings_the_due_time_back(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work(actor_id=rep.id) as uow:
        task = followups.schedule_followup(
            uow,
            "Call Jane",
            now + timedelta(hours=1),
            uow.session.get_one(StaffUser, rep.id),
            now=now,
        )
        uow.commit()
    told = now + timedelta(hours=1)
    with db.unit_of_work() as uow:  # the scheduler tells the owner it is due
        followups.mark_notified(uow, uow.session.get_one(FollowUp, task.id), told)
        uow.commit()
    with db.unit_of_work(actor_id=rep.id) as uow:
        followups.snooze_followup(
            uow, uow.session.get_one(FollowUp, task.id), timedelta(days=1), now=told
        )
        uow.commit()
    undo_as(db, rep)
    with db.unit_of_work() as uow:
        stored = uow.session.get_one(FollowUp, task.id)
        # back as it was before the snooze: due at 11:00, and the owner already told
        assert (stored.status, stored.due_at, stored.notified_at) == (
            FollowUpStatus.OPEN,
            now + timedelta(hours=1),
            told,
        )


def test_undo_reverts_every_row_of_the_change_set_together(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    with db.unit_of_work(actor_id=rep.id) as uow:
        bob = customers.create_contact(uow, "Bob Brown", title="Buyer")
        uow.commit()
    with db.unit_of_work(
        actor_id=rep.id
    ) as uow:  # one message: "new customer Acme, Jane is its CTO, Bob moved there"
        acme = customers.create_company(uow, "Acme")
        jane = customers.create_contact(uow, "Jane Smith", company=acme, title="CTO")
        customers.update_contact(uow, load(uow, bob), company=acme, title="Head of buying")
        followups.schedule_followup(
            uow,
            "Welcome call",
            now + timedelta(days=1),
            uow.session.get_one(StaffUser, rep.id),
            contact=jane,
            now=now,
        )
        uow.commit()
    done, _ = undo_as(db, rep)
    # newest first, so the contact goes before the company it belongs to
    assert [(r.action, r.entity) for r in done] == [
        (AuditAction.CREATE, "followup"),
        (AuditAction.UPDATE, "contact"),
        (AuditAction.CREATE, "contact"),
        (AuditAction.CREATE, "company"),
    ]
    assert company_names(db) == []
    with db.unit_of_work() as uow:
        (only,) = uow.session.scalars(select(Contact)).all()
        assert (only.name, only.company_id, only.title) == ("Bob Brown", None, "Buyer")
        assert uow.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_undo_is_not_undone_by_the_next_undo(db: Database, rep: StaffUser) -> None:
    create_company(db, rep, "Acme")
    create_company(db, rep, "Globex")
    undo_as(db, rep)
    assert company_names(db) == ["Acme"]
    # the next "undo" goes on to the earlier change; it does not bring Globex back
    undo_as(db, rep)
    assert company_names(db) == []
    with pytest.raises(NothingToUndo):
        undo_as(db, rep)


def test_undo_reverts_only_the_actors_own_changes(
    db: Database, rep: StaffUser, other_rep: StaffUser
) -> None:
    create_company(db, rep, "Acme")
    create_company(db, other_rep, "Globex")
    undo_as(db, rep)
    assert company_names(db) == ["Globex"]
    undo_as(db, other_rep)
    assert company_names(db) == []


def test_nothing_to_undo(db: Database, rep: StaffUser, other_rep: StaffUser) -> None:
    create_company(db, other_rep, "Globex")
    with pytest.raises(NothingToUndo, match="nothing of yours to undo"):
        undo_as(db, rep)
    assert company_names(db) == ["Globex"]


def test_undo_is_audited_and_marks_what_it_reverted(db: Database, rep: StaffUser) -> None:
    acme = create_company(db, rep, "Acme")
    with db.unit_of_work(actor_id=rep.id) as uow:
        customers.update_company(uow, uow.session.get_one(Company, acme.id), domain="acme.com")
        update_set = uow.change_set
        uow.commit()
    _, undo_set = undo_as(db, rep)
    with db.unit_of_work() as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.actor_id == rep.id).order_by(AuditEntry.id)
        ).all()
        created, updated, reverted = entries
        assert created.undone_by is None
        assert (updated.change_set, updated.undone_by) == (update_set, undo_set)
        assert (reverted.change_set, reverted.reverts, reverted.action, reverted.entity_id) == (
            undo_set,
            update_set,
            AuditAction.UPDATE,
            acme.id,
        )
        assert (reverted.before, reverted.after) == ({"domain": "acme.com"}, {"domain": None})


def test_undo_of_a_delete_puts_the_row_back(db: Database, rep: StaffUser) -> None:
    with db.unit_of_work(actor_id=rep.id) as uow:
        acme = customers.create_company(uow, "Acme Corp", domain="acme.com")
        uow.commit()
    with db.unit_of_work(actor_id=rep.id) as uow:
        stored = uow.session.get_one(Company, acme.id)
        uow.deleted(stored)
        uow.session.delete(stored)
        uow.commit()
    assert company_names(db) == []
    done, _ = undo_as(db, rep)
    assert [(r.action, r.entity_id) for r in done] == [(AuditAction.DELETE, acme.id)]
    with db.unit_of_work() as uow:
        back = uow.session.get_one(Company, acme.id)
        assert (back.name, back.name_key, back.domain, back.created_at) == (
            "Acme Corp",
            "acme",
            "acme.com",
            acme.created_at,
        )
        # ids keep coming after a row put back with its old id
        assert customers.create_company(uow, "Globex").id > acme.id


def test_undo_left_without_commit_changes_nothing(db: Database, rep: StaffUser) -> None:
    create_company(db, rep, "Acme")
    with db.unit_of_work(actor_id=rep.id) as uow:
        undo.undo_last(uow)
    assert company_names(db) == ["Acme"]
    undo_as(db, rep)
    assert company_names(db) == []


def test_entries_of_this_transaction_count_before_its_commit(db: Database, rep: StaffUser) -> None:
    """Audit entries are written at commit; a reader in the same transaction sees them."""
    with db.unit_of_work(actor_id=rep.id) as uow:
        customers.create_company(uow, "Acme Corp")
        done = undo.undo_last(uow)
        uow.commit()
    change_set = uow.change_set
    assert [(r.action, r.entity) for r in done] == [(AuditAction.CREATE, "company")]
    assert company_names(db) == []
    with db.unit_of_work() as uow:
        entries = uow.session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "company").order_by(AuditEntry.id)
        ).all()
        assert [(e.action, e.reverts is None) for e in entries] == [
            (AuditAction.CREATE, True),
            (AuditAction.DELETE, False),
        ]
        assert entries[0].undone_by == change_set


def test_a_rolled_back_change_leaves_no_audit_entry(db: Database, rep: StaffUser) -> None:
    with db.unit_of_work(actor_id=rep.id) as uow:
        customers.create_company(uow, "Acme Corp")
        uow.rollback()
        customers.create_company(uow, "Globex")
        uow.commit()
    with db.unit_of_work() as uow:
        entries = uow.session.scalars(select(AuditEntry).where(AuditEntry.entity == "company")).all()
        assert [(e.action, e.entity, e.after and e.after["name"]) for e in entries] == [
            (AuditAction.CREATE, "company", "Globex")
        ]


def test_a_create_after_an_undone_create_gets_a_new_id(
    db: Database, rep: StaffUser, now: datetime
) -> None:
    # the audit log and undo messages name records by id: one id must never mean two records
    acme = create_company(db, rep, "Acme Corp")

    def log_call() -> int:
        with db.unit_of_work(actor_id=rep.id) as uow:
            call = interactions.log_interaction(
                uow, InteractionType.CALL, "Talked about pricing", now, load(uow, rep),
                company=load(uow, acme), now=now,
            )  # fmt: skip
            uow.commit()
        return call.id

    first = log_call()
    undo_as(db, rep)
    assert log_call() > first
