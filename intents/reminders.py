"""Follow-ups that came due, told to their owner once, and the morning summary.

The console shows due reminders while it runs (`due_reminders`); the server's scheduler
writes them to the outbox for the owner's Slack DM or Telegram chat
(`enqueue_due_reminders`). Either way the follow-up is marked notified in the same
transaction as the message, so a restart never loses or repeats one, and one that came due
while nothing ran is sent on the next start.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from crm_core.models import FollowUp, StaffUser
from crm_core.services import followups, users
from crm_core.uow import Database
from intents.dialogue import enqueue_replies
from intents.messages import Choice, Choices, Destination, Reply, Text
from intents.when import show

SUMMARY_AT = time(8, 0)  # the morning summary, in each user's time zone
# a server that was down at 08:00 catches up until noon; after that the day has no summary
# ("Good morning" at 22:00 helps nobody, and the reminders themselves still come)
SUMMARY_UNTIL = time(12, 0)
BATCH = 200


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def reminder(followup: FollowUp, tz: ZoneInfo, now: datetime) -> Reply:
    about = followup.contact.name if followup.contact is not None else (followup.company.name if followup.company is not None else "")
    text = f"⏰ Due {show(followup.due_at, tz, now)}: {followup.title}" + (f" · {about}" if about else "")
    return Choices(
        text,
        (
            Choice("Done", f"done #{followup.id}"),
            Choice("Snooze 1 h", f"snooze #{followup.id} 1h"),
            Choice("Snooze 1 day", f"snooze #{followup.id} 1d"),
        ),
    )


def destination_of(user: StaffUser) -> Destination | None:
    """Where a staff user gets pushes: a Slack DM (a user id is a DM channel), else Telegram."""
    if user.slack_id:
        return Destination("slack", user.slack_id)
    if user.telegram_id is not None:
        return Destination("telegram", str(user.telegram_id))
    return None


def due_reminders(db: Database, owner_id: int, now: datetime) -> list[Reply]:
    """For the console: the owner's due follow-ups as replies, each marked notified."""
    with db.unit_of_work(owner_id) as uow:
        owner = uow.get(StaffUser, owner_id)
        if owner is None:
            return []
        tz = _zone(owner.timezone)
        replies: list[Reply] = []
        for f in followups.due_unnotified(uow, now, owner=owner):
            if followups.mark_notified(uow, f, now):
                replies.append(reminder(f, tz, now))
        uow.commit()
        return replies


def enqueue_due_reminders(db: Database, now: datetime) -> int:
    """For the scheduler: every due follow-up whose owner has a chat goes to the outbox."""
    sent = 0
    with db.unit_of_work() as uow:
        for f in followups.due_unnotified(uow, now, limit=BATCH):
            destination = destination_of(f.owner)
            if destination is None:
                continue  # a console-only user: the shell shows it
            if not followups.mark_notified(uow, f, now):
                continue  # another scheduler told this one
            enqueue_replies(uow, destination, [reminder(f, _zone(f.owner.timezone), now)], purpose="reminder")
            sent += 1
        uow.commit()
    return sent


def enqueue_morning_summaries(db: Database, now: datetime) -> int:
    """At 08:00 in each user's zone (or by noon, after a restart), once a day: today's and
    overdue follow-ups."""
    sent = 0
    with db.unit_of_work() as uow:
        for user in users.with_a_chat(uow):
            tz = _zone(user.timezone)
            local = now.astimezone(tz)
            if not SUMMARY_AT <= local.time() < SUMMARY_UNTIL or user.last_summary_on == local.date():
                continue
            destination = destination_of(user)
            assert destination is not None
            day_end = datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=tz)
            items = followups.summary_for(uow, user, day_end)
            enqueue_replies(uow, destination, [Text(_summary_text(user, items, tz, now))], purpose="summary")
            users.mark_summarised(uow, user, local.date())
            sent += 1
        uow.commit()
    return sent


def _summary_text(user: StaffUser, items: list[FollowUp], tz: ZoneInfo, now: datetime) -> str:
    first = user.name.split()[0]
    if not items:
        return f"Good morning {first}! Nothing due today and nothing overdue."
    overdue = sum(1 for f in items if f.due_at < now)
    lines = [f"Good morning {first}! {len(items)} follow-up{'s' if len(items) != 1 else ''} today" + (f", {overdue} overdue:" if overdue else ":")]
    for f in items[:20]:
        about = f.contact.name if f.contact is not None else (f.company.name if f.company is not None else "")
        late = " — overdue" if f.due_at < now else ""
        lines.append(f"• {show(f.due_at, tz, now)}  {f.title}" + (f" · {about}" if about else "") + late)
    return "\n".join(lines)
