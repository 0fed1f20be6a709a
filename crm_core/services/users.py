"""Staff users: added by an admin on the command line, found by e-mail, chat id or name."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, or_, select

from crm_core.cleaning import clean_email, clean_name, name_key
from crm_core.enums import Role
from crm_core.errors import InvalidInput, NotFound
from crm_core.models import StaffUser
from crm_core.uow import UnitOfWork, snapshot


def check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"“{name[:64]}” is not a time zone; use an IANA name like Europe/Berlin.", field="timezone") from None
    return name


def add_user(
    uow: UnitOfWork,
    email: str,
    name: str,
    role: Role | str,
    timezone: str = "UTC",
    slack_id: str | None = None,
    telegram_id: int | None = None,
) -> StaffUser:
    """Add a staff user, or update the one with this e-mail (the command is safe to repeat)."""
    try:
        role = Role(role)
    except ValueError:
        raise InvalidInput(f"Unknown role “{role}”; one of {', '.join(r.value for r in Role)}.", field="role") from None
    email = clean_email(email)
    values = {
        "name": clean_name(name),
        "role": role,
        "timezone": check_timezone(timezone),
        "slack_id": slack_id or None,
        "telegram_id": telegram_id,
    }
    user = uow.session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        user = StaffUser(email=email, **values)
        uow.session.add(user)
        uow.created(user)
        return user
    before = snapshot(user, set(values))
    for key, value in values.items():
        if value is not None or key not in ("slack_id", "telegram_id"):
            setattr(user, key, value)
    uow.updated(user, before)
    return user


def user_by_email(uow: UnitOfWork, email: str) -> StaffUser:
    user = uow.session.scalar(select(StaffUser).where(StaffUser.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"No staff user with the e-mail {email.strip()[:80]}.")
    return user


def staff_by_name(uow: UnitOfWork, name: str) -> list[StaffUser]:
    """Staff whose full name or first name matches, case-insensitively."""
    key = name_key(name)
    users = uow.session.scalars(select(StaffUser).where(StaffUser.active.is_(True))).all()
    exact = [u for u in users if name_key(u.name) == key]
    if exact:
        return exact
    return [u for u in users if name_key(u.name).split()[0] == key or u.email.split("@")[0] == key]


def list_users(uow: UnitOfWork) -> list[StaffUser]:
    return list(uow.session.scalars(select(StaffUser).order_by(func.lower(StaffUser.name))))


def default_user(uow: UnitOfWork) -> StaffUser | None:
    """Who a console session without an e-mail is: the first active admin, else the first
    active user; None on an empty database."""
    found = uow.session.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.id)).all()
    admins = [u for u in found if u.role is Role.ADMIN]
    first = admins or list(found)
    return first[0] if first else None


def with_a_chat(uow: UnitOfWork) -> list[StaffUser]:
    """Active staff users with a Slack or Telegram id (pushes can reach them). On PostgreSQL
    the rows are locked and others skipped, so two schedulers never write the same user."""
    stmt = select(StaffUser).where(
        StaffUser.active.is_(True), or_(StaffUser.slack_id.is_not(None), StaffUser.telegram_id.is_not(None))
    )
    if uow.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return list(uow.session.scalars(stmt))


def mark_summarised(uow: UnitOfWork, user: StaffUser, day: date) -> None:
    """The user had the morning summary of `day` (their local date)."""
    user.last_summary_on = day
