"""The real `chatcrm serve` on PostgreSQL with a message that carries a NUL byte and a lone
surrogate (raw JSON escapes "\\u0000" and "\\ud800", which PostgreSQL's text columns and
UTF-8 cannot hold): through the Telegram webhook and through a signed Slack event, the
message is answered, the call is logged with the text cleaned, and the user's next three
messages right after it are answered promptly, none refused as too fast."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from sqlalchemy import select

from crm_core.models import Interaction
from crm_core.services import customers, users
from crm_core.uow import Database
from intents.gateway import SLOW_DOWN
from tests.fakes.fake_slack import FakeSlack, event_callback, sign
from tests.process.conftest import WEBHOOK_SECRET, Servers, TimedTelegram, eventually, open_database
from tests.process.scenario import seed

CLEAN = "called Lena Krüger at Nordlicht Logistik GmbH about pricing"
# what the platform sends: a NUL at the end, a lone high surrogate inside a word
POISONED = "called Lena Krüger at Nordlicht Logistik GmbH about pri\ud800cing\x00"
NEXT = ("show Lena Krüger", "what is due today", "thanks")
# the issue: the messages after a failing one waited about 28 s each
PROMPT_S = 15.0
SLACK_SECRET = "process-slack-signing-secret-0123"
RITA = "URITA001"


def add_lena(db: Database) -> None:
    with db.unit_of_work() as uow:
        company = customers.create_company(uow, "Nordlicht Logistik GmbH")
        customers.create_contact(uow, "Lena Krüger", company=company)
        uow.commit()


def slack_dm(text: str, n: int) -> str:
    """The body of Slack's delivery of Rita's `n`th direct message."""
    event = {"type": "message", "channel": "D0RITA", "channel_type": "im", "user": RITA, "text": text, "ts": f"1764579600.{n:06d}"}
    return event_callback(event, f"EvPOISON{n}")


def summaries(db: Database) -> list[str]:
    with db.unit_of_work() as uow:
        return list(uow.session.scalars(select(Interaction.summary).order_by(Interaction.id)))


async def assert_all_answered_promptly(replies: Callable[[], list[str]], sent_at: float, db: Database) -> None:
    """The poisoned message and the three after it answered, at most PROMPT_S after
    `sent_at`, none refused as too fast; the call logged with the text cleaned."""
    count = 1 + len(NEXT)
    ready = await eventually(lambda: len(replies()) >= count and replies(), PROMPT_S - (time.monotonic() - sent_at), f"{count} replies")
    first, *rest = ready[:count]
    assert first.startswith("Logged a call with Lena Krüger (Nordlicht Logistik GmbH)")
    assert summaries(db) == [CLEAN]
    assert rest[0].startswith("*Lena Krüger (Nordlicht Logistik GmbH)*") and CLEAN in rest[0]
    assert SLOW_DOWN not in rest


async def test_a_telegram_message_with_nul_and_a_lone_surrogate_is_answered_and_holds_nothing_up(
    tg: TimedTelegram, servers: Servers, postgres_url: str
) -> None:
    db = open_database(postgres_url)
    rep = seed(db, staff=1, customers_=0)[0]
    add_lena(db)
    server = await servers.start(postgres_url, telegram=tg)

    body = json.dumps(tg.text(rep.tg, POISONED))
    assert "\\u0000" in body and "\\ud800" in body  # the escapes, as Telegram sends them
    headers = {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": WEBHOOK_SECRET}
    assert (await server.http.post(server.webhook, content=body, headers=headers)).status_code == 200
    started = time.monotonic()
    for text in NEXT:
        assert await server.post_update(tg.text(rep.tg, text)) == 200

    def replies() -> list[str]:
        return tg.sent_texts(rep.tg.id)

    await assert_all_answered_promptly(replies, started, db)
    await server.terminate()
    assert len(replies()) == 1 + len(NEXT)
    assert "Lena" not in server.log()
    db.dispose()


async def test_a_slack_message_with_nul_and_a_lone_surrogate_is_answered_and_holds_nothing_up(
    servers: Servers, postgres_url: str
) -> None:
    db = open_database(postgres_url)
    with db.unit_of_work() as uow:
        users.add_user(uow, "rita@example.com", "Rita Rep", "rep", "UTC", slack_id=RITA)
        uow.commit()
    add_lena(db)
    async with FakeSlack() as slack:
        server = await servers.start(
            postgres_url,
            extra_env={"SLACK_BOT_TOKEN": slack.token, "SLACK_SIGNING_SECRET": SLACK_SECRET, "SLACK_API_BASE_URL": slack.base_url},
        )

        async def post(body: str) -> int:
            headers = {"Content-Type": "application/json", **sign(body, SLACK_SECRET)}
            return (await server.http.post(f"{server.url}/slack/events", content=body, headers=headers)).status_code

        poisoned = slack_dm(POISONED, 1)
        assert "\\u0000" in poisoned and "\\ud800" in poisoned  # the escapes, as Slack sends them
        assert await post(poisoned) == 200
        started = time.monotonic()
        for n, text in enumerate(NEXT, 2):
            assert await post(slack_dm(text, n)) == 200

        def replies() -> list[str]:  # in the DM (the morning summary may also go to Rita)
            return [c.args["text"] for c in slack.calls_to("chat.postMessage") if c.args["channel"] == "D0RITA"]

        await assert_all_answered_promptly(replies, started, db)
        await server.terminate()
    assert len(replies()) == 1 + len(NEXT)
    assert "Lena" not in server.log()
    db.dispose()
