"""Follow-ups: tasks with a due time (UTC), an owner, and open / done / snoozed."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Select, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from crm_core.enums import FollowUpStatus
from crm_core.errors import InvalidInput
from crm_core.models import Company, Contact, FollowUp, Interaction, StaffUser
from crm_core.uow import UnitOfWork, snapshot

MAX_TITLE = 500
PENDING = (FollowUpStatus.OPEN, FollowUpStatus.SNOOZED)


def schedule_followup(
    uow: UnitOfWork,
    title: str,
    due_at: datetime,
    owner: StaffUser,
    contact: Contact | None = None,
    company: Company | None = None,
    interaction: Interaction | None = None,
    now: datetime | None = None,
) -> FollowUp:
    title = " ".join(title.split())
    if not title:
        raise InvalidInput("The follow-up needs a title.", field="title")
    if len(title) > MAX_TITLE:
        title = title[: MAX_TITLE - 1] + "…"
    if due_at <= (now or uow.now()):
        raise InvalidInput("That time is already past; a follow-up needs a time in the future.", field="date")
    if company is None and contact is not None:
        company = contact.company
    followup = FollowUp(
        title=title,
        due_at=due_at,
        owner=owner,
        contact=contact,
        company=company,
        interaction_id=interaction.id if interaction is not None else None,
    )
    uow.session.add(followup)
    uow.created(followup)
    return followup


def pending_followups(
    uow: UnitOfWork,
    owner: StaffUser,
    due_from: datetime | None = None,
    due_before: datetime | None = None,
    contact: Contact | None = None,
    company: Company | None = None,
) -> list[FollowUp]:
    """The owner's open and snoozed follow-ups, by due time, optionally in [due_from, due_before)."""
    stmt = _pending(due_from, due_before).where(FollowUp.owner_id == owner.id).order_by(FollowUp.due_at, FollowUp.id)
    if contact is not None:
        stmt = stmt.where(FollowUp.contact_id == contact.id)
    elif company is not None:
        stmt = stmt.where(FollowUp.company_id == company.id)
    return list(uow.session.scalars(stmt))


def team_pending_followups(
    uow: UnitOfWork, due_from: datetime | None = None, due_before: datetime | None = None
) -> list[FollowUp]:
    """Everyone's open and snoozed follow-ups (what a manager or admin oversees; the model has
    no teams, so the team is every staff user), by owner's name, then due time, optionally
    in [due_from, due_before). Each comes with its owner loaded."""
    stmt = (
        _pending(due_from, due_before)
        .join(StaffUser, FollowUp.owner_id == StaffUser.id)
        .options(selectinload(FollowUp.owner))
        .order_by(StaffUser.name, StaffUser.id, FollowUp.due_at, FollowUp.id)
    )
    return list(uow.session.scalars(stmt))


def _pending(due_from: datetime | None, due_before: datetime | None) -> Select[tuple[FollowUp]]:
    stmt = (
        select(FollowUp)
        .options(selectinload(FollowUp.contact), selectinload(FollowUp.company))
        .where(FollowUp.status.in_(PENDING))
    )
    if due_from is not None:
        stmt = stmt.where(FollowUp.due_at >= due_from)
    if due_before is not None:
        stmt = stmt.where(FollowUp.due_at < due_before)
    return stmt


def complete_followup(uow: UnitOfWork, followup: FollowUp, now: datetime | None = None) -> FollowUp:
    if followup.status == FollowUpStatus.DONE:
        raise InvalidInput("That follow-up is already done.", field="followup")
    before = snapshot(followup, {"status", "completed_at"})
    followup.status = FollowUpStatus.DONE
    followup.completed_at = now or uow.now()
    uow.updated(followup, before)
    return followup


def snooze_followup(uow: UnitOfWork, followup: FollowUp, delay: timedelta, now: datetime | None = None) -> FollowUp:
    if followup.status == FollowUpStatus.DONE:
        raise InvalidInput("That follow-up is already done.", field="followup")
    before = snapshot(followup, {"status", "due_at", "notified_at"})
    followup.status = FollowUpStatus.SNOOZED
    # put off from when it is due, or from now when that has passed (a reminder just shown)
    followup.due_at = max(now or uow.now(), followup.due_at) + delay
    followup.notified_at = None
    uow.updated(followup, before)
    return followup


def reschedule_followup(uow: UnitOfWork, followup: FollowUp, due_at: datetime, now: datetime | None = None) -> FollowUp:
    """Move a pending follow-up to a new due time (in the future); it will be reminded again."""
    if followup.status == FollowUpStatus.DONE:
        raise InvalidInput("That follow-up is already done.", field="followup")
    if due_at <= (now or uow.now()):
        raise InvalidInput("That time is already past; a follow-up needs a time in the future.", field="date")
    before = snapshot(followup, {"status", "due_at", "notified_at"})
    followup.status = FollowUpStatus.OPEN
    followup.due_at = due_at
    followup.notified_at = None
    uow.updated(followup, before)
    return followup


def due_unnotified(
    uow: UnitOfWork, now: datetime, owner: StaffUser | None = None, limit: int | None = None
) -> list[FollowUp]:
    """Pending follow-ups that are due and whose owner has not been told yet. On PostgreSQL
    the rows are locked (others skipped), so two schedulers can never tell one twice."""
    stmt = (
        select(FollowUp)
        .where(FollowUp.status.in_(PENDING), FollowUp.due_at <= now, FollowUp.notified_at.is_(None))
        .order_by(FollowUp.due_at, FollowUp.id)
    )
    if owner is not None:
        stmt = stmt.where(FollowUp.owner_id == owner.id)
    if limit is not None:
        stmt = stmt.limit(limit)
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=FollowUp)
    else:
        stmt = stmt.options(joinedload(FollowUp.contact), joinedload(FollowUp.company), joinedload(FollowUp.owner))
    return list(uow.session.scalars(stmt))


def summary_for(uow: UnitOfWork, owner: StaffUser, day_end: datetime) -> list[FollowUp]:
    """The owner's pending follow-ups due before `day_end` (today's and overdue ones)."""
    return pending_followups(uow, owner, due_before=day_end)


def mark_notified(uow: UnitOfWork, followup: FollowUp, now: datetime) -> bool:
    """Mark the owner told; False when someone else did first (then tell nobody again).

    A compare-and-set in SQL, so two writers can never both win, on any backend."""
    result = uow.session.execute(
        update(FollowUp)
        .where(FollowUp.id == followup.id, FollowUp.notified_at.is_(None))
        .values(notified_at=now)
        .execution_options(synchronize_session=False)
    )
    won = bool(result.rowcount)  # type: ignore[attr-defined]
    if won:
        set_committed_value(followup, "notified_at", now)
    return won
