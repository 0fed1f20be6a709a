"""`chatcrm inbox list|retry` and `chatcrm outbox list|retry` as the installed program: failed
events and dead replies are visible by ids (never their text) and can be queued again."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from crm_core.db import make_engine, make_session_factory
from crm_core.enums import InboxStatus, OutboxStatus
from crm_core.migrate import upgrade
from crm_core.models import InboxEvent, OutboxMessage
from crm_core.services import inbox, outbox
from crm_core.uow import Database
from tests.conftest import run_chatcrm


def test_failed_events_and_dead_replies_are_listed_without_text_and_queued_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'crm.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    db = Database(engine, make_session_factory(engine))
    now = datetime.now(UTC)
    with db.unit_of_work() as uow:
        inbox.accept(uow, "telegram", "9001", "42", {"message": {"text": "my secret order"}}, now)
        inbox.accept(uow, "slack", "Ev77", "D1", {"message": {"text": "fine"}}, now)
        outbox.enqueue(uow, "slack", "D1", {"type": "text", "text": "a private reply"})
        uow.commit()
    with db.unit_of_work() as uow:
        first = uow.session.scalars(select(InboxEvent).order_by(InboxEvent.id)).first()
        assert first is not None
        first.status, first.attempts, first.last_error = InboxStatus.FAILED, 5, "OperationalError"
        row = uow.session.scalars(select(OutboxMessage)).one()
        row.status, row.attempts, row.last_error = OutboxStatus.DEAD, 8, "channel_not_found"
        uow.commit()
    env = {"CRM_DATABASE_URL": url}

    listed = run_chatcrm("inbox", "list", "--status", "failed", env=env)
    assert listed.returncode == 0, listed.stderr.decode()
    [line] = listed.stdout.decode().splitlines()
    assert line.split("\t")[1:6] == ["failed", "5", "telegram", "9001", "OperationalError"]
    dead = run_chatcrm("outbox", "list", "--status", "dead", env=env).stdout.decode()
    assert dead.split("\t")[1:7] == ["dead", "8", "slack", "D1", "reply", "channel_not_found"]
    assert "secret" not in listed.stdout.decode() + dead and "private" not in dead

    bad = run_chatcrm("inbox", "list", "--status", "lost", env=env)
    assert bad.returncode == 2 and "pending, done, failed" in bad.stderr.decode()
    missing = run_chatcrm("inbox", "retry", "12345", env=env)
    assert missing.returncode != 0 and "No failed inbox event 12345" in missing.stderr.decode()

    assert run_chatcrm("inbox", "retry", env=env).stdout.decode().strip() == "1 inbox event queued again"
    assert run_chatcrm("outbox", "retry", env=env).stdout.decode().strip() == "1 outbox row queued again"
    with db.unit_of_work() as uow:
        assert [e.status for e in uow.session.scalars(select(InboxEvent).order_by(InboxEvent.id))] == [InboxStatus.PENDING] * 2
        assert uow.session.scalars(select(OutboxMessage.status)).one() == OutboxStatus.PENDING
    engine.dispose()
