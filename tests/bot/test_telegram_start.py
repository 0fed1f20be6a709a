"""The Telegram adapter at start and after: a refused token, an API out of reach or a refused
webhook stop the start with one line (StartupError, never the token); Telegram out of
reach once the server runs changes nothing for the webhook (stored, 200) and the replies
wait in the outbox until it is back."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from bot.inbox import InboxWorker
from bot.ports import StartupError
from bot.telegram import TelegramAdapter
from config import load_settings
from crm_core.enums import InboxStatus, OutboxStatus
from crm_core.uow import Database
from intents.gateway import Gateway
from tests.bot import test_telegram as telegram_tests
from tests.bot.test_telegram import (
    RITA,
    SECRET,
    WEBHOOK_URL,
    _adapter,
    contacts,
    deliver,
    handle,
    inbox_status,
    later,
    outbox_rows,
    running,
    sent,
)
from tests.fakes.fake_telegram import FakeTelegram

WRONG_TOKEN = "7000000001:AAHnotTheTokenBotFatherGaveForTests01"


# the Telegram tests' fixtures: a fake Bot API, the real gateway over the dialogue's CRM, Rita
tg = telegram_tests.tg
gateway = telegram_tests.gateway
rita_on_telegram = telegram_tests.rita_on_telegram


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def refused_start(db: Database, gateway: Gateway, **env: Any) -> str:
    """The adapter's start fails: its one line (the adapter stopped again, as the runtime does)."""
    settings = load_settings(TELEGRAM_WEBHOOK_URL=WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET=SECRET, **env)
    adapter = TelegramAdapter(settings, gateway, InboxWorker(db, clock=db.clock), clock=db.clock)
    try:
        with pytest.raises(StartupError) as raised:
            await adapter.start()
    finally:
        await adapter.stop()
    line = str(raised.value)
    assert "\n" not in line
    return line


async def test_a_refused_token_stops_the_start_with_one_line_that_never_holds_the_token(
    tg: FakeTelegram, gateway: Gateway, db: Database
) -> None:
    line = await refused_start(db, gateway, TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_API_BASE_URL=tg.base_url)
    assert line == "Telegram refused the bot token (getMe: unauthorized): check TELEGRAM_BOT_TOKEN"
    assert [c.status for c in tg.calls] == [401]  # getMe only: no webhook set with a wrong token


async def test_an_api_out_of_reach_stops_the_start_with_one_line(gateway: Gateway, db: Database) -> None:
    base = f"http://127.0.0.1:{closed_port()}"
    line = await refused_start(db, gateway, TELEGRAM_BOT_TOKEN=WRONG_TOKEN, TELEGRAM_API_BASE_URL=base)
    assert line == f"cannot reach the Telegram Bot API at {base} (getMe: connection failed): check the network and TELEGRAM_API_BASE_URL"


async def test_a_refused_webhook_stops_the_start_with_telegrams_reason(
    tg: FakeTelegram, gateway: Gateway, db: Database
) -> None:
    tg.fail_next("setWebhook", status=400, description="Bad Request: bad webhook: Failed to resolve host: Name or service not known")
    line = await refused_start(db, gateway, TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_BASE_URL=tg.base_url)
    assert line == (
        "Telegram refused the webhook (Bad webhook: failed to resolve host: name or service not known): "
        "check TELEGRAM_WEBHOOK_URL and TELEGRAM_WEBHOOK_SECRET"
    )


@pytest.mark.usefixtures("rita_on_telegram")
async def test_telegram_out_of_reach_after_the_start_loses_nothing_and_answers_later(
    tg: FakeTelegram, gateway: Gateway, db: Database
) -> None:
    adapter = _adapter(tg, gateway, db)
    async with running(adapter) as http:
        # Telegram drops every connection from now on: the sends of this round fail
        tg.fail_next("sendMessage", status=0, count=3)
        response = await tg.push(tg.text(RITA, "add contact Bob Jones"), http)
        assert response.status_code == 200  # stored: the webhook needs only the database
        assert await handle(adapter) == 1
        assert await deliver(db, adapter) == 1  # tried: the connection dropped
        assert inbox_status(db) == [InboxStatus.DONE] and [c[0] for c in contacts(db)] == ["Bob Jones"]
        assert [row[2] for row in outbox_rows(db)] == [OutboxStatus.PENDING] and sent(tg) == []

        # Telegram is back: the next rounds of the sender deliver the reply, once
        for minutes in (1, 5, 60):
            await deliver(db, adapter, clock=later(minutes * 60))
    assert len(sent(tg)) == 1 and sent(tg)[0]["text"].startswith("Added Bob Jones")
    assert [row[2] for row in outbox_rows(db)] == [OutboxStatus.SENT]
