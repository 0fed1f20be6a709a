"""Staff users: added by an admin on the command line, found by e-mail, chat id or name."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from sqlalchemy import func, or_, select

from crm_core.cleaning import clean_email, clean_name, name_key
from crm_core.enums import Role
from crm_core.errors import InvalidInput, NotFound
from crm_core.models import StaffUser
from crm_core.uow import UnitOfWork, snapshot

# Slack user ids: U or W and upper-case letters or digits ("U0123ABCD", Enterprise "W…")
SLACK_USER_ID = re.compile(r"[UW][A-Z0-9]{1,31}")


@cache
def _zones() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


def check_timezone(name: str) -> str:
    """The canonical IANA name of a time zone given in any case ("europe/berlin" -> "Europe/Berlin")."""
    canonical = _zones().get(name.strip().lower(), name)
    try:
        ZoneInfo(canonical)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"“{name[:64]}” is not a time zone; use an IANA name like Europe/Berlin.", field="timezone") from None
    return canonical


def check_role(role: Role | str) -> Role:
    """The role named, in any case ("AGENT" -> agent)."""
    try:
        return Role(role.strip().lower() if isinstance(role, str) else role)
    except ValueError:
        raise InvalidInput(f"Unknown role “{str(role)[:32]}”; one of {', '.join(r.value for r in Role)}.", field="role") from None


def check_slack_id(slack_id: str | None) -> str | None:
    if slack_id is not None and not SLACK_USER_ID.fullmatch(slack_id):
        raise InvalidInput(f"“{slack_id[:40]}” is not a Slack user id (U or W, then capital letters and digits).", field="slack_id")
    return slack_id or None


def check_telegram_id(telegram_id: int | None) -> int | None:
    if telegram_id is not None and telegram_id <= 0:
        raise InvalidInput(f"{telegram_id} is not a Telegram user id (a positive number).", field="telegram_id")
    return telegram_id


def _values(name: str, role: Role | str, timezone: str, slack_id: str | None, telegram_id: int | None) -> dict[str, object]:
    return {
        "name": clean_name(name),
        "role": check_role(role),
        "timezone": check_timezone(timezone),
        "slack_id": check_slack_id(slack_id),
        "telegram_id": check_telegram_id(telegram_id),
    }


def _changed(user: StaffUser, values: dict[str, object]) -> dict[str, object]:
    # a Slack or Telegram id not given keeps the one stored
    return {
        key: value
        for key, value in values.items()
        if (value is not None or key not in ("slack_id", "telegram_id")) and getattr(user, key) != value
    }


def changes(
    user: StaffUser, name: str, role: Role | str, timezone: str, slack_id: str | None = None, telegram_id: int | None = None
) -> list[str]:
    """What add_user would change on this user, "role: rep → admin" each."""
    values = _changed(user, _values(name, role, timezone, slack_id, telegram_id))
    return [f"{key}: {_shown(getattr(user, key))} → {_shown(value)}" for key, value in values.items()]


def _shown(value: object) -> str:
    return "-" if value is None else str(getattr(value, "value", value))


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
    email = clean_email(email)
    values = _values(name, role, timezone, slack_id, telegram_id)
    user = uow.session.scalar(select(StaffUser).where(StaffUser.email == email))
    if user is None:
        user = StaffUser(email=email, **values)
        uow.session.add(user)
        uow.created(user)
        return user
    changed = _changed(user, values)
    before = snapshot(user, set(changed))
    for key, value in changed.items():
        setattr(user, key, value)
    if changed:
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
