"""Follow-ups that came due, as replies for their owner, each told once (marked in the same
transaction). The console shows them while it runs; the scheduler (later) sends them."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_core.models import StaffUser
from crm_core.services import followups
from crm_core.uow import Database
from intents.messages import Choice, Choices, Reply
from intents.when import show


def due_reminders(db: Database, owner_id: int, now: datetime) -> list[Reply]:
    with db.unit_of_work(owner_id) as uow:
        owner = uow.session.get(StaffUser, owner_id)
        if owner is None:
            return []
        try:
            tz = ZoneInfo(owner.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            tz = ZoneInfo("UTC")
        replies: list[Reply] = []
        for f in followups.due_unnotified(uow, now, owner=owner):
            about = f.contact.name if f.contact is not None else (f.company.name if f.company is not None else "")
            text = f"⏰ Due {show(f.due_at, tz, now)}: {f.title}" + (f" · {about}" if about else "")
            replies.append(Choices(text, (Choice("Done", f"done #{f.id}"), Choice("Snooze 1 h", f"snooze #{f.id} 1h"))))
            followups.mark_notified(uow, f, now)
        uow.commit()
        return replies
