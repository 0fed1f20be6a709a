"""Who is talking: a staff user (with role and time zone) found by a channel's identity."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from crm_core.enums import Role
from crm_core.errors import NotFound
from crm_core.models import StaffUser
from crm_core.services import users
from crm_core.uow import Database

LOCAL_ADMIN = "admin@chatcrm.example"


@dataclass(frozen=True)
class Staff:
    id: int
    email: str
    name: str
    role: Role
    timezone: str


def _staff(user: StaffUser) -> Staff:
    return Staff(user.id, user.email, user.name, user.role, user.timezone)


def console_user(db: Database, email: str | None, default_timezone: str) -> tuple[Staff, bool]:
    """The staff user of a console session: by e-mail; without one, the first admin (or the
    first user); on an empty database a local admin is created (second value True)."""
    with db.unit_of_work() as uow:
        if email:
            return _staff(users.user_by_email(uow, email)), False
        found = uow.session.scalars(select(StaffUser).where(StaffUser.active.is_(True)).order_by(StaffUser.id)).all()
        admins = [u for u in found if u.role is Role.ADMIN]
        if admins or found:
            return _staff((admins or found)[0]), False
        user = users.add_user(uow, LOCAL_ADMIN, "Admin", Role.ADMIN, default_timezone)
        uow.commit()
        return _staff(user), True


__all__ = ["NotFound", "Staff", "console_user"]
